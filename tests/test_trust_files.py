"""One file writer for every file koptrack writes (issues 16.3 and 13.6): never over an existing
file without --force, never through a symbolic link, over a folder, a device or the file being
read; a private temporary file in the same folder renamed into place, removed on failure, and
nothing left behind by a killed run once the next one has written in that folder. CSV exports
take --delimiter (13.13)."""

from __future__ import annotations

import csv
import os
import stat
import subprocess
import sys
import time

import pytest

from koptrack.errors import KoptrackError
from koptrack.io import writers

sqlite_only = pytest.mark.sqlite_only

SITI = "3215054408920004"  # made-up NIKs
BUDI = "3215050101800003"


@pytest.fixture
def office(cli, tmp_path):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"nik,name,role,since,coop\n{SITI},Siti Aminah,karyawan,2021-01-04,2\n"
        f"{BUDI},Budi Santoso,anggota,2021-02-01,2\n"
    )
    cli("import", "people", str(roster))
    roster.unlink()
    return cli


def one_error(r) -> str:
    assert r.exit_code == 1 and "Traceback" not in r.stderr, (r.exit_code, r.stderr)
    lines = r.stderr.splitlines()
    assert lines[0].startswith("error: ") and all(line.startswith("hint: ") for line in lines[1:]), r.stderr
    assert r.stdout == ""
    return lines[0]


def ours(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(writers.TMP_PREFIX))


# --- exports ---


def test_an_export_never_replaces_a_file_without_force(office, tmp_path):
    out = tmp_path / "koperasi.csv"
    out.write_text("the office's own list\n")
    r = office("export", "coops", "-o", str(out), ok=False)
    assert one_error(r) == f"error: {str(out)!r} already exists" and "add --force to replace it" in r.stderr
    assert out.read_text() == "the office's own list\n"
    office("export", "coops", "-o", str(out), "--force")
    assert out.read_text(encoding="utf-8-sig").startswith("id,name")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@sqlite_only
def test_an_export_never_writes_through_a_link_over_a_folder_a_device_or_the_database(office, tmp_path, db_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    db_before = db_path.read_bytes()
    for target, words in (
        (link, "symbolic link"),
        (fifo, "not a regular file"),
        (folder, "is a folder"),
        (tmp_path / "missing" / "x.csv", "does not exist"),
    ):
        line = one_error(office("export", "people", "--show-nik", "-o", str(target), "--force", ok=False))
        assert words in line, (target, line)
    db_copy = db_path.with_name("koptrack.json")  # the database under a name the format accepts
    os.link(db_path, db_copy)
    line = one_error(office("export", "coops", "-o", str(db_copy), "--force", ok=False))
    assert "being read" in line
    assert victim.read_text() == "keep me" and link.is_symlink()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir() and not any(folder.iterdir())
    assert db_path.read_bytes() == db_before
    assert ours(tmp_path) == []


def test_csv_delimiter(office, tmp_path):
    for given, sep in ((";", ";"), ("semicolon", ";"), ("comma", ","), (",", ","), ("tab", "\t"), ("\t", "\t")):
        out = tmp_path / f"coops-{len(given)}-{ord(sep)}.csv"
        office("export", "coops", "-o", str(out), "--delimiter", given)
        with open(out, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f, delimiter=sep))
        assert rows[0][:2] == ["id", "name"] and [r[1] for r in rows[1:]] == [
            "Koperasi Makmur Mandiri",
            "KSP Maju Bersama",
        ], given
    out = tmp_path / "default.csv"
    office("export", "people", "-o", str(out))
    assert out.read_text(encoding="utf-8-sig").splitlines()[0].count(",") > 3  # comma by default


def test_a_bad_delimiter_or_one_for_another_format_is_refused(office, tmp_path):
    line = one_error(office("export", "coops", "-o", str(tmp_path / "a.csv"), "--delimiter", "pipe", ok=False))
    assert "--delimiter 'pipe'" in line
    line = one_error(office("export", "coops", "-o", str(tmp_path / "a.xlsx"), "--delimiter", ";", ok=False))
    assert "only a CSV file" in line
    assert list(tmp_path.iterdir()) == []


def run_koptrack(args, env_extra, cwd):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "koptrack", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@sqlite_only
def test_an_xlsx_export_killed_half_way_leaves_no_personal_data_behind(office, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    tmp = tmp_path / "tmp"  # the temporary folder of the system (TMPDIR): openpyxl's default
    tmp.mkdir()
    out = out_dir / "orang.xlsx"
    args = ["export", "people", "--show-nik", "-o", str(out)]
    for _ in range(2):
        killed = run_koptrack(args, {"KOPTRACK_TEST_SIGKILL_AT": "xlsx-rows", "TMPDIR": str(tmp)}, tmp_path)
        assert killed.returncode == -9, killed.stderr
    assert list(tmp.iterdir()) == []  # nothing in the system's temporary folder, ever
    assert not out.exists()
    assert ours(out_dir), "the hook should have killed the export with its temporary files in place"
    done = run_koptrack(args, {"TMPDIR": str(tmp)}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["orang.xlsx"]  # the killed runs' files are gone
    assert list(tmp.iterdir()) == []


# --- the writer itself (what `import --errors` and every future file uses) ---


def test_open_private_commits_on_close_and_never_overwrites_without_force(tmp_path):
    target = tmp_path / "refused.csv"
    with writers.open_private(target, newline="", encoding="utf-8") as f:
        f.write("a,b\n")
        assert not target.exists() and len(ours(tmp_path)) == 1  # written aside until it is complete
    assert target.read_text() == "a,b\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(KoptrackError, match="already exists") as e:
        writers.open_private(target)
    assert e.value.hint == "add --force to replace it"
    os.chmod(target, 0o644)
    f = writers.open_private(target, force=True)
    f.write("new\n")
    f.close()
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert ours(tmp_path) == []


def test_open_private_leaves_the_target_as_it_was_on_failure(tmp_path):
    target = tmp_path / "refused.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with writers.open_private(target, force=True) as f:
            f.write("half")
            raise RuntimeError("the import failed")
    f = writers.open_private(target, force=True)
    f.write("dropped")
    f.discard()
    f = writers.open_private(target, force=True)
    f.write("never closed")
    del f
    assert target.read_text() == "old\n" and ours(tmp_path) == []


def test_open_private_never_writes_the_file_being_read(tmp_path):
    data = tmp_path / "asli.csv"
    data.write_text("nik,nama\n")
    other_name = tmp_path / "same-file.csv"
    os.link(data, other_name)
    for given in (data, tmp_path / "." / "asli.csv", other_name):
        with pytest.raises(KoptrackError, match="being read"):
            writers.open_private(given, force=True, protect=[data])
    assert data.read_text() == "nik,nama\n" and ours(tmp_path) == []


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    for name in (f".koptrack-tmp-{dead_pid}-abc.xlsx", f".koptrack-tmp-{dead_pid}-abc.xlsx-journal"):
        (tmp_path / name).write_text("a killed run's copy")
    (tmp_path / f".koptrack-tmp-{dead_pid}-dir").mkdir()
    (tmp_path / f".koptrack-tmp-{dead_pid}-dir" / "openpyxl.sheet").write_text("NIKs")
    live = tmp_path / f".koptrack-tmp-{os.getpid()}-busy.db"  # a run still going: not ours to remove
    live.write_text("in use")
    (tmp_path / "user.txt").write_text("the user's")
    with writers.open_private(tmp_path / "new.csv") as f:
        f.write("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "new.csv", "user.txt"])


def test_a_full_disk_is_one_error_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "report.json"
    with pytest.raises(KoptrackError, match="No space left on device") as e:
        with writers.staged(target) as tmp:
            tmp.write_text("part of it")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert str(target) in e.value.message
    f = writers.open_private(tmp_path / "refused.csv")

    class Full:
        def write(self, _s):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    monkeypatch.setattr(f, "_file", Full())
    with pytest.raises(KoptrackError, match="No space left on device"):
        f.write("row\n")
    assert list(tmp_path.iterdir()) == []


def test_an_older_koptrack_s_hidden_copies_are_removed_once_an_hour_old(tmp_path):
    """koptrack before this writer left `.koptrack-backup-XXXXXXXX.db` (a full copy of the
    database) and `.koptrack-XXXXXXXX.xlsx` when killed; they carry no pid, so their age tells."""
    old = [".koptrack-backup-ab12cd_3.db", ".koptrack-backup-ab12cd_3.db-journal", ".koptrack-x1y2z3w4.xlsx"]
    recent = ".koptrack-backup-recent01.db"  # perhaps an older koptrack still at work
    other = [".koptrack-notes.txt", ".koptrack-backup-mine.db", "koptrack-ab12cd_3.db"]  # not its names
    for name in [*old, recent, *other]:
        (tmp_path / name).write_text("copy")
    two_hours_ago = time.time() - 7200
    for name in [*old, *other]:
        os.utime(tmp_path / name, (two_hours_ago, two_hours_ago))
    with writers.open_private(tmp_path / "new.csv") as f:
        f.write("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([recent, *other, "new.csv"])


def test_a_folder_one_may_not_write_in_is_one_error(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked) else real_access(p, mode))
    with pytest.raises(KoptrackError, match="no permission to write in folder"):
        writers.open_private(locked / "refused.csv")
    with pytest.raises(KoptrackError, match="no permission to write in folder"):
        with writers.staged(locked / "b.db"):
            pass
    assert list(locked.iterdir()) == []
