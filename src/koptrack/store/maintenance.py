"""Looking after the database file: backup (SQLite's online backup API), restore, checks.

A backup is a consistent copy even while another process writes: the copy is taken inside one
read transaction (WAL lets writers go on meanwhile). It is written to a 0600 temporary file
next to the target and renamed into place only once it is complete and checked.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from koptrack.errors import KoptrackError
from koptrack.store import engine as store

# Tables whose rows `db check` counts (the rest are lookups and bookkeeping).
COUNTED = (
    "regency",
    "kecamatan",
    "cooperative",
    "person",
    "engagement",
    "bpjs_registration",
    "enrollment",
    "pkspkb_membership",
    "target",
    "reported_count",
    "audit_log",
)


def sqlite_path(url: str, what: str) -> Path:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        raise KoptrackError(
            f"{what} works on a koptrack SQLite file; the database is {store.describe_url(url)}",
            hint="on PostgreSQL use pg_dump and pg_restore (docs/deployment.md)",
        )
    return Path(u.database)


@contextlib.contextmanager
def _connect(path: Path, *, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, timeout=store.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {store.BUSY_TIMEOUT_MS}")
        yield conn
    finally:
        conn.close()


def describe_file(path: Path) -> dict:
    """What a file is, as far as koptrack is concerned: its schema revision and integrity.
    Raises KoptrackError when it is not a koptrack database."""
    if not path.is_file():
        raise KoptrackError(f"{str(path)!r}: no such file")
    with open(path, "rb") as f:
        magic = f.read(16)
    if magic != b"SQLite format 3\x00":
        raise KoptrackError(f"{str(path)!r} is not an SQLite database, so not a koptrack database")
    try:
        with _connect(path, readonly=True) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables or "cooperative" not in tables:
                raise KoptrackError(
                    f"{str(path)!r} is an SQLite database but not a koptrack one (no koptrack schema in it)"
                )
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            integrity = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise KoptrackError(f"{str(path)!r} cannot be read as a database: {exc}") from None
    if integrity != "ok":
        raise KoptrackError(f"{str(path)!r} is damaged: {integrity}")
    revision = revision[0] if revision else None
    if revision is None or not store.known_revision(revision):
        raise KoptrackError(
            f"{str(path)!r} has schema revision {revision}, which this koptrack does not know",
            hint="upgrade koptrack (pip install -U koptrack)",
        )
    return {"path": str(path.resolve()), "revision": revision}


def _copy(source: Path, target: Path) -> None:
    """The whole of `source` into `target` in one step of the backup API (one read snapshot)."""
    with _connect(source, readonly=True) as src, _connect(target) as dst:
        src.backup(dst, pages=-1)


def backup(url: str, target: str | Path, *, force: bool = False) -> dict:
    """Copy the database at `url` to `target` (0600), consistent while others write."""
    source = sqlite_path(url, "db backup")
    target = Path(target).expanduser()
    if not source.is_file():
        raise KoptrackError(f"no database at {str(source)!r} to back up")
    if target.exists() and not force:
        raise KoptrackError(f"{str(target)!r} already exists", hint="add --force to replace it")
    if target.resolve() == source.resolve():
        raise KoptrackError("the backup file must not be the database itself")
    if not target.parent.is_dir():
        raise KoptrackError(f"folder {str(target.parent)!r} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=".koptrack-backup-", suffix=".db", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _copy(source, tmp)
        with _connect(tmp) as conn:
            conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        info = describe_file(tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    info["path"] = str(target)
    info["bytes"] = target.stat().st_size
    return info


def restore(url: str, source: str | Path, *, force: bool = False) -> dict:
    """Replace the database at `url` with the backup `source` (checked first); the schema is
    upgraded by the next open. Refuses to overwrite a database with data unless `force`."""
    target = sqlite_path(url, "db restore")
    source = Path(source).expanduser()
    info = describe_file(source)
    if target.exists() and target.stat().st_size > 0:
        if source.resolve() == target.resolve():
            raise KoptrackError("the backup file is the database itself")
        if not force:
            raise KoptrackError(
                f"a database already exists at {str(target)!r}; restoring replaces all of it",
                hint="add --force to replace it (make a backup of it first: koptrack db backup FILE)",
            )
    store.prepare_sqlite_file(target)
    # The backup API writes the target inside one write transaction: a crash leaves it as it was.
    _copy(source, target)
    with _connect(target) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    return info


def check(engine) -> dict:
    """Integrity and foreign-key checks (SQLite), schema revision, row counts."""
    from sqlalchemy import text

    result: dict = {
        "database": store.describe_url(str(engine.url.render_as_string(hide_password=False))),
        "revision": store.current_revision(engine),
        "expected_revision": store.SCHEMA_HEAD,
    }
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            fk = [dict(table=r[0], rowid=r[1], parent=r[2]) for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
            result["integrity"] = "ok" if integrity == ["ok"] else "; ".join(integrity[:20])
            result["foreign_key_problems"] = fk[:100]
            result["foreign_key_problem_count"] = len(fk)
        else:
            result["integrity"] = "checked by the server"
            result["foreign_key_problems"] = []
            result["foreign_key_problem_count"] = 0
        result["rows"] = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in COUNTED}
    result["ok"] = (
        result["integrity"] in ("ok", "checked by the server")
        and not result["foreign_key_problem_count"]
        and result["revision"] == result["expected_revision"]
    )
    return result
