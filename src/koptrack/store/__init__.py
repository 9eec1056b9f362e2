"""Storage: the tables (models), the engine and its sessions (engine), the migrations, the
bulk insert that imports use (bulk), and the file-level care of a SQLite database
(maintenance). The rest of koptrack opens databases through the names re-exported here."""

from koptrack.store.engine import (
    BUSY_TIMEOUT_MS,
    SCHEMA_HEAD,
    alembic_head,
    current_revision,
    default_db_path,
    describe_url,
    make_engine,
    open_engine,
    refusal,
    resolve_url,
    session_scope,
    sqlite_file,
    sqlite_uri,
    sqlite_url,
    upgrade,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "SCHEMA_HEAD",
    "alembic_head",
    "current_revision",
    "default_db_path",
    "describe_url",
    "make_engine",
    "open_engine",
    "refusal",
    "resolve_url",
    "session_scope",
    "sqlite_file",
    "sqlite_uri",
    "sqlite_url",
    "upgrade",
]
