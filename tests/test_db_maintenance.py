"""`koptrack db backup|restore|check`: private consistent copies (even while another process
writes), restores that check what they are given, and checks that find broken rows."""

from __future__ import annotations

import json
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
from koptrack.errors import KoptrackError

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


# --- 16.1: a restore proves the file is a whole koptrack database before it touches the live one ---


def fake_backup(path, revision=None):
    """The issue's fake: only alembic_version (a known revision) and an empty cooperative table."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (revision or store.SCHEMA_HEAD,))
    conn.execute("CREATE TABLE cooperative (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()


def live_bytes(db_path) -> dict:
    """The live database's files, byte for byte (the file and any -wal/-shm beside it)."""
    folder = db_path.parent
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def one_error(r) -> str:
    assert r.exit_code == 1 and "Traceback" not in r.stderr, (r.exit_code, r.stderr)
    lines = r.stderr.splitlines()
    assert lines[0].startswith("error: ") and all(line.startswith("hint: ") for line in lines[1:]), r.stderr
    return lines[0]


@sqlite_only
@pytest.mark.parametrize("revision", [None, "0001"], ids=["head", "first-revision"])
def test_restore_of_a_fake_backup_is_refused_and_the_live_database_stays_as_it_was(cli, db_path, tmp_path, revision):
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari", ok=False)  # (no seed: no kecamatan)
    fake = tmp_path / "backup.db"
    fake_backup(fake, revision)
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(fake), "--force", ok=False))
    assert "not a complete koptrack database" in line and "audit_log" in line
    assert live_bytes(db_path) == before
    assert cli.json("db", "check")["ok"] is True


def _real_backup(cli, tmp_path):
    cli("seed")
    backup = tmp_path / "backup.db"
    cli("db", "backup", str(backup))
    return backup


@sqlite_only
def test_restore_refuses_a_backup_without_the_audit_triggers(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    conn = sqlite3.connect(backup)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.commit()
    conn.close()
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(backup), "--force", ok=False))
    assert "trigger audit_log_no_delete" in line
    assert live_bytes(db_path) == before


@sqlite_only
def test_restore_refuses_a_backup_with_rows_pointing_at_nothing(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    conn = sqlite3.connect(backup)  # foreign keys are off in a plain sqlite3 connection
    conn.execute(
        "INSERT INTO engagement (person_id, coop_id, role, since, created_at) "
        "VALUES (999, 1, 'karyawan', '2021-01-01', '2021-01-01')"
    )
    conn.commit()
    conn.close()
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(backup), "--force", ok=False))
    assert "pointing at nothing" in line and "engagement" in line
    assert live_bytes(db_path) == before


@sqlite_only
def test_restore_refuses_a_damaged_backup(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    conn = sqlite3.connect(backup)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'kecamatan'").fetchone()[0]
    conn.close()
    data = bytearray(backup.read_bytes())
    start = (root - 1) * page
    data[start : start + 12] = b"\xab" * 12  # the b-tree page header of a table: not a page any more
    backup.write_bytes(bytes(data))
    before = live_bytes(db_path)
    one_error(cli("db", "restore", str(backup), "--force", ok=False))
    assert live_bytes(db_path) == before


@sqlite_only
def test_restore_onto_itself_is_refused(cli, db_path):
    cli("seed")
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(db_path), "--force", ok=False))
    assert "being read" in line
    assert live_bytes(db_path) == before


def run_koptrack(args, env_extra, cwd):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "koptrack", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@sqlite_only
def test_a_restore_killed_before_its_rename_leaves_the_live_database_and_no_leftovers(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    cli("coop", "add", "Added Later", "--kind", "jasa", "--kecamatan", "Klari")
    before = live_bytes(db_path)
    killed = run_koptrack(
        ["db", "restore", str(backup), "--force"], {"KOPTRACK_TEST_SIGKILL_AT": "restore-checked"}, tmp_path
    )
    assert killed.returncode == -9, killed.stderr
    left = [p.name for p in db_path.parent.iterdir() if p.name.startswith(".koptrack-tmp-")]
    assert left, "the hook should have killed the restore with its copy beside the database"
    assert {k: v for k, v in live_bytes(db_path).items() if not k.startswith(".koptrack-tmp-")} == before
    cli("db", "restore", str(backup), "--force")  # the next run cleans up and restores
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]
    assert [c["name"] for c in cli.json("coop", "list")] == ["Koperasi Makmur Mandiri"]


# --- 16.3: a backup goes through the one file writer ---


@sqlite_only
def test_a_backup_killed_half_way_leaves_nothing_after_the_next_backup(cli, db_path, tmp_path):
    cli("seed")
    out = tmp_path / "usb"
    out.mkdir()
    for _ in range(3):
        killed = run_koptrack(
            ["db", "backup", str(out / "b.db")], {"KOPTRACK_TEST_SIGKILL_AT": "backup-copied"}, tmp_path
        )
        assert killed.returncode == -9, killed.stderr
    assert not (out / "b.db").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith(".koptrack-tmp-")], "full copies were left behind"
    cli("db", "backup", str(out / "b.db"))
    assert sorted(p.name for p in out.iterdir()) == ["b.db"]
    assert counts(out / "b.db") == (1, 0)


@sqlite_only
def test_backup_never_replaces_a_device_a_folder_a_link_or_the_database(cli, db_path, tmp_path):
    cli("seed")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.db"
    link.symlink_to(victim)
    for target, words in (
        (fifo, "not a regular file"),
        (folder, "is a folder"),
        (link, "symbolic link"),
        (db_path, "being read"),
        (tmp_path / "missing" / "b.db", "does not exist"),
    ):
        line = one_error(cli("db", "backup", str(target), "--force", ok=False))
        assert words in line, (target, line)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and folder.is_dir() and link.is_symlink()
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "missing").exists()


@sqlite_only
def test_backup_with_force_replaces_a_file_privately(cli, db_path, tmp_path):
    cli("seed")
    out = tmp_path / "b.db"
    out.write_text("an old backup")
    os.chmod(out, 0o644)
    cli("db", "backup", str(out), "--force")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and counts(out) == (1, 0)


@sqlite_only
def test_check_reports_a_damaged_database_instead_of_crashing(cli, db_path):
    cli("seed")
    conn = sqlite3.connect(db_path)
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'kecamatan'").fetchone()[0]
    conn.close()
    data = bytearray(db_path.read_bytes())
    data[(root - 1) * page : (root - 1) * page + 12] = b"\xab" * 12
    db_path.write_bytes(bytes(data))
    r = cli("db", "check", "--json", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    import json

    result = json.loads(r.stdout)
    assert result["ok"] is False and "malformed" in result["integrity"]


@sqlite_only
def test_restore_of_a_backup_with_another_page_size_into_a_wal_database(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    src = sqlite3.connect(backup)
    src.execute("PRAGMA page_size = 16384")
    src.execute("VACUUM")  # the backup now has 16 KiB pages; the live database has 4 KiB and WAL
    src.close()
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    cli("db", "restore", str(backup), "--force")
    assert [c["name"] for c in cli.json("coop", "list")] == ["Koperasi Makmur Mandiri"]
    assert cli.json("db", "check")["ok"] is True


@sqlite_only
def test_restore_while_another_process_holds_the_database_is_refused(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    holder = sqlite3.connect(db_path, timeout=1)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM cooperative").fetchone()  # a reader in the middle of its work
    try:
        line = one_error(cli("db", "restore", str(backup), "--force", ok=False))
        assert "cannot restore over" in line
    finally:
        holder.rollback()
        holder.close()
    assert len(cli.json("coop", "list")) == 2  # the live database as it was
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


@sqlite_only
def test_restore_refuses_a_backup_with_a_column_missing(cli, db_path, tmp_path):
    backup = _real_backup(cli, tmp_path)
    conn = sqlite3.connect(backup)
    conn.execute("ALTER TABLE cooperative DROP COLUMN note")
    conn.commit()
    conn.close()
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(backup), "--force", ok=False))
    assert line.endswith("column cooperative.note missing")
    assert live_bytes(db_path) == before


# --- The audit log's guarantee and the foreign keys, as koptrack made them (issue 16, item 16) ----

# Each: what a hand (a sqlite3 shell, a crafted backup) did to a koptrack database, and the
# problem `db check` and a restore name. A row pointing at nothing goes with the foreign keys'
# removal: without them SQLite's own foreign-key check finds nothing.
TAMPERING = {
    "audit trigger dropped": (["DROP TRIGGER audit_log_no_delete"], "trigger audit_log_no_delete missing"),
    "audit trigger that does nothing": (
        [
            "DROP TRIGGER audit_log_no_update",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END",
        ],
        "trigger audit_log_no_update changed",
    ),
    "foreign keys removed": (
        [
            "CREATE TABLE engagement_copy AS SELECT * FROM engagement",
            "DROP TABLE engagement",
            "ALTER TABLE engagement_copy RENAME TO engagement",
            "INSERT INTO engagement (id, person_id, coop_id, role, since, created_at) "
            "VALUES (77, 999, 1, 'karyawan', '2021-01-01', '2021-01-01')",
        ],
        "foreign key engagement.person_id missing",
    ),
    "a trigger koptrack never made": (
        ["CREATE TRIGGER audit_log_wipe AFTER INSERT ON audit_log BEGIN DELETE FROM coop_inactive; END"],
        "trigger audit_log_wipe is not koptrack's",
    ),
}


def _tamper(path, statements) -> None:
    conn = sqlite3.connect(path)  # foreign keys off, as in any plain sqlite3 shell
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


@sqlite_only
@pytest.mark.parametrize("tampering", list(TAMPERING), ids=list(TAMPERING))
def test_restore_refuses_a_backup_whose_triggers_or_foreign_keys_are_not_koptrack_s(cli, db_path, tmp_path, tampering):
    """The trigger's name is not enough: a trigger of that name that does nothing, a table
    without its foreign keys (and a row pointing at nothing that SQLite's own check then misses),
    a trigger koptrack never made: each is refused, the live database byte for byte as it was."""
    statements, problem = TAMPERING[tampering]
    backup = _real_backup(cli, tmp_path)
    _tamper(backup, statements)
    before = live_bytes(db_path)
    line = one_error(cli("db", "restore", str(backup), "--force", ok=False))
    assert problem in line, line
    assert live_bytes(db_path) == before


@sqlite_only
@pytest.mark.parametrize("tampering", list(TAMPERING), ids=list(TAMPERING))
def test_check_reports_an_audit_log_that_is_not_append_only_and_missing_foreign_keys(cli, db_path, tampering):
    statements, problem = TAMPERING[tampering]
    cli("seed")
    _tamper(db_path, statements)
    result = cli("db", "check", "--json", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False and problem in report["schema_problems"]
    assert f"warning: {problem}" in result.stderr.splitlines()
    if "audit" in tampering or "koptrack never made" in tampering:
        assert report["audit_log"] != "append-only"
        assert "the audit log is not append-only" in result.stderr
    table = cli("db", "check", ok=False)
    assert f"warning: {problem}" in table.stderr.splitlines()
    assert [line for line in table.stderr.splitlines() if line.startswith("error: ")] == [
        line for line in result.stderr.splitlines() if line.startswith("error: ")
    ]


@sqlite_only
def test_a_restored_database_s_audit_log_refuses_changes_and_deletes(cli, db_path, tmp_path):
    """A restore proves it by trying (a probe row, rolled back); after it, SQL cannot delete."""
    from koptrack.store import maintenance

    backup = _real_backup(cli, tmp_path)
    cli("db", "restore", str(backup), "--force")
    for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET os_user = 'x'"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            _tamper(db_path, [statement])
    assert cli.json("db", "check")["audit_log"] == "append-only"
    maintenance.prove_append_only(backup)  # the probe leaves the file as it was
    _tamper(backup, ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"])
    with pytest.raises(KoptrackError, match="accepts UPDATE and DELETE: it is not append-only"):
        maintenance.prove_append_only(backup)


@pytest.mark.skipif(not ON_POSTGRES, reason="the PostgreSQL pass checks this")
@pytest.mark.parametrize(
    "statement, problem",
    [
        (
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
            "trigger audit_log_no_change on audit_log switched off",
        ),
        ("DROP TRIGGER audit_log_no_truncate ON audit_log", "trigger audit_log_no_truncate on audit_log missing"),
        (
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$",
            "trigger audit_log_no_change on audit_log changed",
        ),
        ("ALTER TABLE engagement DISABLE TRIGGER ALL", "triggers switched off on engagement"),
        ("ALTER TABLE person DISABLE ROW LEVEL SECURITY", "row-level security off on person"),
    ],
)
def test_check_on_postgres_reports_the_audit_triggers_and_row_level_security(cli, engine, statement, problem):
    with engine.begin() as conn:
        conn.exec_driver_sql(statement)
    result = cli("db", "check", "--json", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert any(p.startswith(problem) for p in report["schema_problems"]), report["schema_problems"]
