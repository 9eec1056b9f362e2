"""Every test gets its own database; none touches the user's default one.

By default that is an SQLite file (KOPTRACK_DB) in a private folder beside the test's tmp_path
(`<tmp_path>-db/koptrack.db`, so tmp_path itself starts empty): a copy, mode 0600, of one
template that koptrack created and migrated once per session, so no test pays for the
migrations. With KOPTRACK_TEST_DATABASE_URL set to a PostgreSQL server URL
(`postgresql+psycopg://user@127.0.0.1:5432/postgres`), every test gets a fresh database on that
server instead, cloned from a template migrated once, so the whole suite runs a second time on
PostgreSQL. Tests marked `sqlite_only` check SQLite-specific promises (file modes, pragmas, the
sqlite3 shell); they run in the SQLite pass and are reported as skipped in the PostgreSQL pass.

Tests marked `new_db` (SQLite pass) get a KOPTRACK_DB path where nothing exists yet, so their
first command that writes (or `store.open_engine`, which creates by default) creates and
migrates it as it would for a new user; a command that only reads refuses a database that does
not exist. Files others own may not carry the marker yet: NEW_DB_TESTS adds it to those by name.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koptrack import i18n, store
from koptrack.cli import app

PG_URL = os.environ.get("KOPTRACK_TEST_DATABASE_URL")
ON_POSTGRES = bool(PG_URL)


# Tests that check what happens to a database koptrack has just created, kept on a path where
# nothing exists yet (marker `new_db`), as (file name, test function name).
NEW_DB_TESTS = {
    ("test_store.py", "test_a_new_database_is_stamped_with_the_head"),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: checks a promise that only concerns SQLite files")
    config.addinivalue_line(
        "markers",
        "new_db: KOPTRACK_DB does not exist when the test starts; its first write creates it "
        "(SQLite pass; the PostgreSQL pass clones its template as for every test)",
    )


def pytest_collection_modifyitems(config, items):
    new_db = pytest.mark.new_db
    for item in items:
        if (item.path.name, getattr(item, "originalname", item.name)) in NEW_DB_TESTS:
            item.add_marker(new_db)
    # a renamed test must not lose its fresh database silently
    for item in items:
        module = getattr(item, "module", None)
        for file_name, test_name in NEW_DB_TESTS:
            if module is not None and item.path.name == file_name and not hasattr(module, test_name):
                raise pytest.UsageError(f"conftest.NEW_DB_TESTS names {file_name}::{test_name}, which does not exist")
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific; it runs in the SQLite pass")
        free = pytest.mark.skip(reason="touches no database: it runs in the SQLite pass")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)
            elif item.path.name in ENGINE_FREE:
                item.add_marker(free)


# Modules that never open a database (pure parsing, periods, the CLI's start-up, documents): the
# PostgreSQL pass would only repeat them (and clone a database for each).
ENGINE_FREE = {"test_validate.py", "test_core_periods.py", "test_cli_lazy.py", "test_trust_doc.py"}


def pytest_report_header(config):
    if ON_POSTGRES:
        return f"koptrack test database: PostgreSQL {store.describe_url(PG_URL)}"
    return "koptrack test database: SQLite file per test, copied from one template migrated once"


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_template():
    """A database with koptrack's schema, migrated once, to clone for every test."""
    name = f"kt_template_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    store.open_engine(url=_pg_url(name)).dispose()
    yield name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> bytes:
    """The bytes of an SQLite database that koptrack created and migrated, to copy for every test."""
    path = tmp_path_factory.mktemp("template") / "koptrack.db"
    store.open_engine(str(path)).dispose()
    # the last connection closed: SQLite has checkpointed the WAL into the file and removed it,
    # so the file alone is the whole database
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template database is more than one file: {leftovers}"
    return path.read_bytes()


def _private_copy(data: bytes, path: Path) -> None:
    """Write `data` to a new file that only the user may read or write (0600, whatever the umask)."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)
        f.write(data)


@pytest.fixture(autouse=True)
def _private_db(request, tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    # English unless a test asks for Indonesian (KOPTRACK_LANG=id in its env), whatever the
    # machine's locale, and no settings file of the person running the tests
    monkeypatch.setenv("KOPTRACK_LANG", "en")
    monkeypatch.setenv("KOPTRACK_CONFIG", str(tmp_path_factory.mktemp("config") / "config.yaml"))
    i18n.activate("en")
    if not ON_POSTGRES:
        # beside tmp_path, not in it: tests may expect tmp_path to hold only what they made there
        folder = tmp_path_factory.mktemp(f"{tmp_path.name}-db", numbered=False)
        db = folder / "koptrack.db"
        if request.node.get_closest_marker("new_db") is None:
            _private_copy(request.getfixturevalue("_sqlite_template"), db)
        monkeypatch.setenv("KOPTRACK_DB", str(db))
        yield db
        return
    template = request.getfixturevalue("_pg_template")
    name = f"kt_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        # FILE_COPY: a copy of the template's files, much faster than PostgreSQL 15's default
        # WAL_LOG for a small template (and the CI server runs with fsync off)
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    url = _pg_url(name)
    monkeypatch.setenv("KOPTRACK_DB", url)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def db_path(_private_db):
    """The test's database: a file path (SQLite) or a URL (PostgreSQL pass)."""
    return _private_db


@pytest.fixture
def empty_db(tmp_path):
    """A second database with no schema at all: a path (SQLite) or a new empty PostgreSQL database."""
    if not ON_POSTGRES:
        yield str(tmp_path / "empty.db")
        return
    name = f"kt_empty_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def engine(db_path):
    eng = store.open_engine(str(db_path))
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A write session on a fresh database; committed when the test ends."""
    with store.session_scope(engine, write=True) as s:
        yield s


@pytest.fixture
def seeded(engine):
    from koptrack.core import seed

    with store.session_scope(engine, write=True) as s:
        seed.load_seed(s)
    return engine


class Cli:
    """Run the real CLI in-process; `json()` parses stdout of a --json call."""

    def __init__(self):
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"koptrack {' '.join(map(str, args))} exited {result.exit_code}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def cli():
    return Cli()


def table_dump(engine) -> dict:
    """Every row of every table (audit log and timestamps aside): for 'nothing changed' checks."""
    from sqlalchemy import inspect, text

    out = {}
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            if name in ("audit_log",):
                continue
            rows = conn.execute(text(f"SELECT * FROM {name} ORDER BY 1")).mappings().all()
            out[name] = [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")} for r in rows]
    return out


def snapshot(engine) -> tuple[dict, int]:
    """Every table and the number of audit entries: a refused command leaves both as they were."""
    from sqlalchemy import text

    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
    return table_dump(engine), audits


def refused(result) -> str:
    """The refusal: exit 1, nothing on stdout, no traceback, one `error:` line (a `hint:` line
    may follow). Returns stderr."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and lines[0].startswith("error: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    return result.stderr
