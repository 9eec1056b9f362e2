"""Every path that becomes an SQLite URL or URI is escaped (issue 16.2): `#`, `?`, `%`, spaces and
non-ASCII letters in file and folder names name exactly that file, on every command that takes a
path (--db, db backup, db restore, db check, export -o, import FILE)."""

from __future__ import annotations

import sqlite3
import stat

import pytest

sqlite_only = pytest.mark.sqlite_only

# (folder, file) pairs; each holds characters that mean something in a URL or a URI
NAMES = [
    ("plain", "r#1.db"),
    ("plain", "we?ird.db"),
    ("plain", "100%25 done.db"),
    ("kantor 2021", "data kop.db"),
    ("Désa Ülü", "koperasi é.db"),
    ("f#o?l %d", "x#y?z%41.db"),
    ("a#b", "k.db"),
    ("c?d", "k.db"),
]


def coops_in(path) -> int:
    conn = sqlite3.connect(path)  # a plain file name (no URI): exactly this file
    try:
        return conn.execute("SELECT count(*) FROM cooperative").fetchone()[0]
    finally:
        conn.close()


@sqlite_only
@pytest.mark.parametrize("folder_name, file_name", NAMES)
def test_every_command_that_takes_a_path_uses_exactly_that_file(cli, tmp_path, folder_name, file_name):
    folder = tmp_path / folder_name
    db = folder / file_name
    backup = folder / ("backup " + file_name)
    out = folder / (file_name + ".csv")

    cli("--db", str(db), "seed")  # --db creates exactly this file (and its folder)
    cli("--db", str(db), "coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    assert db.is_file() and stat.S_IMODE(db.stat().st_mode) == 0o600
    assert len(cli.json("--db", str(db), "coop", "list")) == 2

    info = cli.json("--db", str(db), "db", "backup", str(backup))
    assert info["path"] == str(backup) and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert coops_in(backup) == 2

    check = cli.json("--db", str(db), "db", "check")
    assert check["ok"] is True and check["database"].endswith(str(db)) and check["rows"]["cooperative"] == 2

    cli("--db", str(db), "coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari")
    restored = cli.json("--db", str(db), "db", "restore", str(backup), "--force")
    assert restored["path"] == str(backup)
    assert len(cli.json("--db", str(db), "coop", "list")) == 2
    assert coops_in(db) == 2

    cli("--db", str(db), "export", "coops", "-o", str(out))
    assert out.read_text(encoding="utf-8-sig").count("\n") == 3

    people = folder / ("orang " + file_name + ".csv")
    people.write_text(
        "NIK,Nama,Peran,Tanggal Masuk,Koperasi\n3215054408920004,Dewi Lestari,karyawan,2021-01-04,KSP Maju Bersama\n",
        encoding="utf-8",
    )
    summary = cli.json("--db", str(db), "import", "people", str(people))
    assert summary["created"]["people"] == 1

    # nothing was written anywhere else: not a truncated name, not a neighbouring folder
    made = sorted(p.name for p in folder.iterdir())
    assert made == sorted([db.name, backup.name, out.name, people.name]), made
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder_name]
