"""Where the data lives and how it is opened: the schema constant, private files, pragmas,
--db over KOPTRACK_DB over the user data folder."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from koptrack import store

sqlite_only = pytest.mark.sqlite_only


def test_schema_head_constant_is_alembics_head():
    # opening an up-to-date database compares with the constant and never imports Alembic
    assert store.SCHEMA_HEAD == store.alembic_head()


@sqlite_only
def test_new_database_file_and_folder_are_private(tmp_path):
    db = tmp_path / "new" / "deeper" / "koptrack.db"
    old = os.umask(0o022)
    try:
        store.open_engine(str(db)).dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.parent.parent.stat().st_mode) == 0o700


@sqlite_only
def test_sqlite_pragmas_on_every_connection(tmp_path):
    engine = store.open_engine(str(tmp_path / "k.db"))
    try:
        with store.session_scope(engine) as s:
            conn = s.connection()
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == store.BUSY_TIMEOUT_MS
    finally:
        engine.dispose()


def run(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if k != "KOPTRACK_DB"}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "koptrack", *args], capture_output=True, text=True, env=env, cwd=cwd)


@sqlite_only
def test_db_option_beats_environment_which_beats_the_default(tmp_path):
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    by_option, by_env = tmp_path / "option.db", tmp_path / "env.db"
    r = run(["--db", str(by_option), "seed", "--json"], {**env, "KOPTRACK_DB": str(by_env)}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert by_option.exists() and not by_env.exists()
    r = run(["seed", "--json"], {**env, "KOPTRACK_DB": str(by_env)}, tmp_path)
    assert r.returncode == 0 and by_env.exists()
    r = run(["seed", "--json"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    default = home / ".local" / "share" / "koptrack" / "koptrack.db"
    assert default.exists() and stat.S_IMODE(default.stat().st_mode) == 0o600
    assert f"created a new database at {default}" in r.stderr
    r = run(["kecamatan", "list", "--json"], env, tmp_path)  # and a read finds it there
    assert r.returncode == 0 and len(json.loads(r.stdout)) == 30


def test_help_and_version_do_not_load_database_code(tmp_path):
    code = (
        "import sys\n"
        "from koptrack.cli import app\n"
        "for args in (['--help'], ['--version'], ['coop', '--help'], ['targets', '--help']):\n"
        "    try:\n        app(args)\n    except SystemExit:\n        pass\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'alembic')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and r.stderr.strip() == "[]", r.stderr


def test_an_unreachable_database_is_one_clear_line(cli, tmp_path):
    target = tmp_path / "no-such-folder-file"
    target.write_text("a file where a folder should be")
    r = cli("--db", str(target / "k.db"), "coop", "list", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr and r.stderr.startswith("error:")


@sqlite_only
def test_a_file_that_is_not_a_database_is_refused(cli, tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database at all\n" * 100)
    r = cli("--db", str(bad), "coop", "list", ok=False)
    assert r.exit_code == 1 and "cannot open database" in r.stderr
    assert bad.read_text().startswith("not a database")  # left as it was


def test_schema_head_is_the_one_head_of_the_shipped_migrations():
    """Read the migrations folder of the installed package directly with Alembic, without the
    store's helper: exactly one head, and it is SCHEMA_HEAD."""
    from importlib import resources

    from alembic.script import ScriptDirectory

    folder = Path(str(resources.files("koptrack.store").joinpath("migrations")))
    scripts = ScriptDirectory(str(folder))
    assert scripts.get_heads() == [store.SCHEMA_HEAD]
    # every migration file is in the chain that ends at the head (no orphan, no branch)
    chain = [rev.revision for rev in scripts.walk_revisions()]
    files = sorted(p for p in (folder / "versions").glob("*.py") if p.name != "__init__.py")
    assert len(chain) == len(files) and chain[0] == store.SCHEMA_HEAD


def test_a_new_database_is_stamped_with_the_head(engine):
    assert store.current_revision(engine) == store.SCHEMA_HEAD


@sqlite_only
def test_private_modes_do_not_depend_on_the_umask_and_existing_folders_are_left_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)  # the user's own folder: not ours to change
    db = shared / "fresh" / "koptrack.db"
    old = os.umask(0)  # the most permissive umask: modes must still be private
    try:
        store.open_engine(str(db)).dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    for extra in ("-wal", "-shm"):  # WAL side files hold the same data
        side = db.with_name(db.name + extra)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, extra


@sqlite_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_an_existing_database_file_others_may_read_is_made_private_and_the_user_told(cli, tmp_path, mode):
    """A database copied in with 0644 (or shared with a group) holds every NIK: koptrack makes
    it, and its WAL files, 0600 when it opens it, even for a command that only reads, and says
    so on stderr; the data is untouched."""
    db = tmp_path / "k.db"
    store.open_engine(str(db)).dispose()
    os.chmod(db, mode)
    data = db.read_bytes()
    reader = sqlite3.connect(db)  # another reader holds it open: its WAL files are there, as open as the file
    try:
        reader.execute("SELECT count(*) FROM cooperative").fetchone()
        sides = [db.with_name("k.db" + side) for side in ("-wal", "-shm")]
        assert [stat.S_IMODE(p.stat().st_mode) for p in sides] == [mode] * 2  # SQLite gives them the file's mode
        told: list[str] = []
        store.open_engine(str(db), create=False, on_notice=told.append).dispose()
        assert [stat.S_IMODE(p.stat().st_mode) for p in (db, *sides)] == [0o600] * 3
    finally:
        reader.close()
    assert told == [
        f"made {str(p)!r} private to you (0600): its mode was {mode:04o}, others could read it" for p in (db, *sides)
    ]
    assert db.read_bytes() == data

    os.chmod(db, mode)
    result = cli("--db", str(db), "db", "check")
    assert f"warning: made {str(db)!r} private to you (0600)" in result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    os.chmod(db, mode)
    result = cli("--db", str(db), "db", "backup", str(tmp_path / "backup.db"))
    assert f"warning: made {str(db)!r} private to you (0600)" in result.stderr
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    os.chmod(db, mode)
    cli("--db", str(db), "kecamatan", "list")  # every command: made private (cli/common tells the user)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


@sqlite_only
def test_a_private_database_is_left_as_it_is_and_nothing_is_said(tmp_path):
    db = tmp_path / "k.db"
    store.open_engine(str(db)).dispose()
    told: list[str] = []
    store.open_engine(str(db), create=False, on_notice=told.append).dispose()
    assert told == [] and stat.S_IMODE(db.stat().st_mode) == 0o600


@sqlite_only
def test_pragmas_on_a_write_session_too(tmp_path):
    engine = store.open_engine(str(tmp_path / "k.db"))
    try:
        with store.session_scope(engine, write=True) as s:
            conn = s.connection()
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
            # foreign keys are enforced, not only switched on
            from sqlalchemy.exc import IntegrityError

            with pytest.raises(IntegrityError):
                conn.exec_driver_sql(
                    "INSERT INTO kecamatan (code, name, regency_code) VALUES ('99.99.99', 'X', '99.99')"
                )
    finally:
        engine.dispose()


@sqlite_only
def test_db_option_beats_environment_in_process(cli, tmp_path, monkeypatch):
    by_option, by_env = tmp_path / "sub" / "option.db", tmp_path / "env.db"
    monkeypatch.setenv("KOPTRACK_DB", str(by_env))
    cli("--db", str(by_option), "seed")
    assert by_option.exists() and not by_env.exists()
    assert len(cli.json("--db", str(by_option), "kecamatan", "list")) == 30
    r = cli("kecamatan", "list", ok=False)  # the environment's database does not exist: not created by a read
    assert r.exit_code == 1 and str(by_env) in r.stderr and not by_env.exists()


def test_the_real_entry_point_shows_help_without_database_code(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "KOPTRACK_DB"}
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "koptrack", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0 and "Usage" in r.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
    assert "koptrack.cli" in imported  # the check is live: importtime did report the modules
    loaded = {m.split(".")[0] for m in imported}
    assert not loaded & {"sqlalchemy", "sqlmodel", "alembic", "yaml"}, sorted(
        loaded & {"sqlalchemy", "sqlmodel", "alembic", "yaml"}
    )
    assert not list(tmp_path.iterdir())  # and no database was created anywhere here


def test_postgresql_connections_plan_cursors_for_all_their_rows(engine):
    """koptrack reads every server-side cursor to its end: PostgreSQL must not plan them for the
    first 10 % of rows (cursor_tuple_fraction), which doubled `bpjs status` at province size."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting (the PostgreSQL pass)")
    with store.session_scope(engine) as s:
        assert s.connection().exec_driver_sql("SHOW cursor_tuple_fraction").scalar() == "1"
    with store.session_scope(engine, write=True) as s:  # write transactions too
        assert s.connection().exec_driver_sql("SHOW cursor_tuple_fraction").scalar() == "1"


# --- 13.5: only a write creates a database; 16.6: another application's file is left alone ---

READ_ONLY = [
    ["coop", "list"],
    ["kecamatan", "list"],
    ["bpjs", "status"],
    ["targets"],
    ["log"],
    ["db", "check"],
    ["export", "coops", "-o", "{out}"],
]


@sqlite_only
@pytest.mark.parametrize("args", READ_ONLY, ids=lambda a: " ".join(a[:2]))
def test_a_read_only_command_on_a_missing_database_is_an_error_and_creates_nothing(cli, tmp_path, args):
    db = tmp_path / "typo" / "kantr.db"
    out = tmp_path / "out.csv"
    r = cli("--db", str(db), *[a.format(out=out) for a in args], ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: no koptrack database at {str(db)!r}")
    assert not db.parent.exists() and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@sqlite_only
def test_a_write_creates_the_database_and_says_so(cli, tmp_path):
    db = tmp_path / "new" / "kantor.db"
    r = cli("--db", str(db), "seed")
    assert f"created a new database at {db}" in r.stderr and db.exists()
    r = cli("--db", str(db), "coop", "list")
    assert "created" not in r.stderr  # said once, when it was made


@sqlite_only
def test_an_empty_file_is_not_read_as_a_database_but_a_write_fills_it(cli, tmp_path):
    db = tmp_path / "empty.db"
    db.touch()
    r = cli("--db", str(db), "coop", "list", ok=False)
    assert r.exit_code == 1 and "the file is empty" in r.stderr and db.stat().st_size == 0
    r = cli("--db", str(db), "seed")
    assert f"created a new database at {db}" in r.stderr
    assert len(cli.json("--db", str(db), "coop", "list")) == 1


def other_app_file(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('arisan Kamis')")
    conn.commit()
    conn.close()
    return path.read_bytes()


@sqlite_only
@pytest.mark.parametrize(
    "args",
    [
        ["coop", "list"],
        ["db", "check"],
        ["seed"],
        ["coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari"],
    ],
)
def test_another_application_s_sqlite_file_is_refused_and_left_as_it_was(cli, tmp_path, args):
    other = tmp_path / "catatan.sqlite"
    before = other_app_file(other)
    r = cli("--db", str(other), *args, ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {str(other)!r} is not a koptrack database")
    assert "notes" in r.stderr
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catatan.sqlite"]


@sqlite_only
def test_a_koptrack_database_with_tables_missing_is_refused(cli, tmp_path):
    db = tmp_path / "k.db"
    store.open_engine(str(db)).dispose()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE target")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    r = cli("--db", str(db), "coop", "list", ok=False)
    assert r.exit_code == 1 and "not a complete koptrack database" in r.stderr and "target" in r.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "url, words",
    [
        ("foo://bar", "not a database koptrack can open"),
        ("postgresql+nodriver://u@localhost/k", "not a database koptrack can open"),
        ("mysql://u@localhost/k", "is not installed"),
    ],
)
def test_a_database_url_koptrack_cannot_open_is_one_error(cli, tmp_path, url, words):
    r = cli("--db", url, "coop", "list", ok=False)
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and words in r.stderr.splitlines()[0]


@sqlite_only
def test_an_older_database_that_only_looks_like_koptrack_s_is_refused_before_its_upgrade(cli, tmp_path):
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.execute("CREATE TABLE cooperative (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    r = cli("--db", str(db), "seed", ok=False)
    assert r.exit_code == 1 and "not a complete koptrack database of revision 0001" in r.stderr.splitlines()[0]
    assert db.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]
