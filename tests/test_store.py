"""Where the data lives and how it is opened: the schema constant, private files, pragmas,
--db over KOPTRACK_DB over the user data folder."""

from __future__ import annotations

import os
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
    r = run(["--db", str(by_option), "kecamatan", "list", "--json"], {**env, "KOPTRACK_DB": str(by_env)}, tmp_path)
    assert r.returncode == 0, r.stderr
    assert by_option.exists() and not by_env.exists()
    r = run(["kecamatan", "list", "--json"], {**env, "KOPTRACK_DB": str(by_env)}, tmp_path)
    assert r.returncode == 0 and by_env.exists()
    r = run(["kecamatan", "list", "--json"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    default = home / ".local" / "share" / "koptrack" / "koptrack.db"
    assert default.exists() and stat.S_IMODE(default.stat().st_mode) == 0o600


def test_help_and_version_do_not_load_database_code(tmp_path):
    code = (
        "import sys\n"
        "from koptrack.cli import app\n"
        "for args in (['--help'], ['--version'], ['coop', '--help'], ['targets', '--help']):\n"
        "    try:\n        app(args)\n    except SystemExit:\n        pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'alembic')), file=sys.stderr)\n"
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
