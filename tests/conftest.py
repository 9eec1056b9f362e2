"""Every test gets its own database file in tmp_path; none touches the user's default one."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from koptrack import store
from koptrack.cli import app


@pytest.fixture(autouse=True)
def _private_db(tmp_path, monkeypatch):
    db = tmp_path / "koptrack.db"
    monkeypatch.setenv("KOPTRACK_DB", str(db))
    monkeypatch.setenv("COLUMNS", "200")
    return db


@pytest.fixture
def db_path(_private_db):
    return _private_db


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
    from koptrack import seed

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
            raise AssertionError(f"koptrack {' '.join(map(str, args))} exited {result.exit_code}:\n"
                                 f"{result.stdout}\n{result.stderr}")
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
