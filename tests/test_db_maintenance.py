"""`koptrack db backup|restore|check`: private consistent copies (even while another process
writes), restores that check what they are given, and checks that find broken rows."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import text

from conftest import ON_POSTGRES, table_dump
from koptrack import store

sqlite_only = pytest.mark.sqlite_only

# A writer that adds cooperatives one transaction each: every committed state has as many
# `coop add` audit entries as cooperatives beyond the seed's one.
WRITER = textwrap.dedent(
    """
    import sys
    from koptrack.core import audit, coops
    from koptrack import store
    audit.set_command("coop add")
    engine = store.open_engine(sys.argv[1])
    for i in range(int(sys.argv[2])):
        with store.session_scope(engine, write=True) as s:
            coops.add_coop(s, "Koperasi %d" % i, kind="jasa", kecamatan="Klari")
    print("ok")
    """
)


def counts(path):
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        coops = conn.execute("SELECT count(*) FROM cooperative").fetchone()[0]
        adds = conn.execute("SELECT count(*) FROM audit_log WHERE command = 'coop add'").fetchone()[0]
        return coops, adds
    finally:
        conn.close()


def live_coops(path) -> int:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM cooperative").fetchone()[0]
    finally:
        conn.close()


def engine_for(path):
    return store.open_engine(str(path))


@sqlite_only
def test_backup_is_a_private_complete_copy(cli, db_path, tmp_path):
    cli("seed")
    cli("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")
    out = tmp_path / "backup.db"
    info = cli.json("db", "backup", str(out))
    assert info["revision"] == store.SCHEMA_HEAD and info["bytes"] == out.stat().st_size
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not (tmp_path / "backup.db-wal").exists()  # one self-contained file
    a, b = engine_for(db_path), engine_for(out)
    try:
        assert table_dump(a) == table_dump(b)
    finally:
        a.dispose(), b.dispose()
    r = cli("db", "backup", str(out), ok=False)
    assert r.exit_code == 1 and "--force" in r.stderr


@sqlite_only
def test_backup_during_a_concurrent_write_is_consistent(cli, db_path, tmp_path):
    cli("seed")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), "300"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = []
    try:
        deadline = time.monotonic() + 60
        while writer.poll() is None and time.monotonic() < deadline and live_coops(db_path) < 3:
            time.sleep(0.02)  # back up only once the writer is committing
        i = 0
        while writer.poll() is None and i < 300:
            out = tmp_path / f"b{i % 5}.db"
            cli("db", "backup", str(out), "--force")
            seen.append(counts(out))
            i += 1
    finally:
        stdout, stderr = writer.communicate(timeout=120)
    assert writer.returncode == 0, stderr
    for coops, adds in seen:  # each copy is one committed state, never half a transaction
        assert coops == adds + 1
    assert len({c for c, _ in seen}) > 1, f"the writer should have been seen at work: {seen}"
    cli("db", "backup", str(tmp_path / "final.db"))
    assert counts(tmp_path / "final.db") == (301, 300)


@sqlite_only
def test_restore_refuses_without_force_then_brings_back_the_backup(cli, db_path, tmp_path):
    cli("seed")
    backup = tmp_path / "backup.db"
    cli("db", "backup", str(backup))
    cli("coop", "add", "Added Later", "--kind", "jasa", "--kecamatan", "Klari")
    eng = engine_for(db_path)
    before = table_dump(eng)
    eng.dispose()
    r = cli("db", "restore", str(backup), ok=False)
    assert r.exit_code == 1 and "--force" in r.stderr
    eng = engine_for(db_path)
    assert table_dump(eng) == before
    eng.dispose()
    cli("db", "restore", str(backup), "--force")
    assert [c["name"] for c in cli.json("coop", "list")] == ["Koperasi Makmur Mandiri"]
    log = cli.json("log")
    assert log[0]["command"] == "db restore" and log[0]["summary"]["restored_from"] == str(backup.resolve())
    assert cli.json("db", "check")["ok"] is True


@sqlite_only
def test_restore_upgrades_an_older_backup(cli, tmp_path):
    from alembic import command
    from alembic.config import Config

    old = tmp_path / "old.db"
    engine = store.make_engine(store.resolve_url(str(old)))
    cfg = Config()
    cfg.set_main_option("script_location", "koptrack.store:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO regency (code, name) VALUES ('32.15', 'Kabupaten Karawang')"))
        conn.execute(text("INSERT INTO kecamatan (code, name, regency_code) VALUES ('32.15.05', 'Klari', '32.15')"))
        conn.execute(
            text(
                "INSERT INTO cooperative (name, kind, base, kecamatan_code, status, created_at, updated_at) "
                "VALUES ('Koperasi Lama', 'ksp', 'masyarakat', '32.15.05', 'active', '2021-01-01', '2021-01-01')"
            )
        )
    engine.dispose()
    target = tmp_path / "new.db"
    info = cli.json("--db", str(target), "db", "restore", str(old))
    assert info["revision"] == "0001" and info["revision_now"] == store.SCHEMA_HEAD
    check = cli.json("--db", str(target), "db", "check")
    assert check["revision"] == store.SCHEMA_HEAD and check["ok"] and check["rows"]["cooperative"] == 1
    assert counts(old) == (1, 0)  # the backup itself is left as it was


@sqlite_only
@pytest.mark.parametrize(
    "content, reason",
    [
        (b"nik,name\n1,2\n", "not an SQLite database"),
        (None, "not a koptrack one"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "cannot be read"),
    ],
)
def test_restore_refuses_what_is_not_a_koptrack_database(cli, db_path, tmp_path, content, reason):
    cli("seed")
    bad = tmp_path / "bad.db"
    if content is None:
        conn = sqlite3.connect(bad)
        conn.execute("CREATE TABLE t (x)")
        conn.close()
    else:
        bad.write_bytes(content)
    eng = engine_for(db_path)
    before = table_dump(eng)
    eng.dispose()
    r = cli("db", "restore", str(bad), "--force", ok=False)
    assert r.exit_code == 1 and reason in r.stderr and "Traceback" not in r.stderr
    eng = engine_for(db_path)
    assert table_dump(eng) == before
    eng.dispose()


@sqlite_only
def test_check_finds_rows_pointing_at_nothing(cli, db_path):
    cli("seed")
    assert cli("db", "check").exit_code == 0
    conn = sqlite3.connect(db_path)  # foreign keys are off in a plain sqlite3 connection
    conn.execute(
        "INSERT INTO engagement (person_id, coop_id, role, since, created_at) "
        "VALUES (999, 1, 'karyawan', '2021-01-01', '2021-01-01')"
    )
    conn.commit()
    conn.close()
    r = cli("db", "check", "--json", ok=False)
    assert r.exit_code == 1
    import json

    result = json.loads(r.stdout)
    assert result["ok"] is False and result["foreign_key_problem_count"] == 1
    assert result["foreign_key_problems"][0]["table"] == "engagement"


def test_check_reports_revision_and_counts(cli):
    cli("seed")
    result = cli.json("db", "check")
    assert result["revision"] == store.SCHEMA_HEAD and result["ok"] is True
    assert result["rows"]["kecamatan"] == 30 and result["rows"]["cooperative"] == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL pass checks this")
def test_backup_on_postgres_points_to_pg_dump(cli, tmp_path):
    r = cli("db", "backup", str(tmp_path / "b.db"), ok=False)
    assert r.exit_code == 1 and "pg_dump" in r.stderr
