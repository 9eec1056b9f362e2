"""The `db` operations as the CLI and a script call them: back up, restore (recorded in the
audit log like every other write), check. The file-level work is store/maintenance.py's."""

from __future__ import annotations

from collections.abc import Callable

from koptrack import store
from koptrack.core import audit
from koptrack.store import maintenance

UpgradeNotice = Callable[[str, str], None]


def backup(db: str | None, target: str, *, force: bool = False) -> dict:
    """Copy the database to `target` (0600), consistent while others write."""
    return maintenance.backup(store.resolve_url(db), target, force=force)


def restore(db: str | None, source: str, *, force: bool = False, on_upgrade: UpgradeNotice | None = None) -> dict:
    """Replace the database with the backup `source` (checked first), upgrade its schema if it
    is older, and record the restore in the audit log."""
    url = store.resolve_url(db)
    info = maintenance.restore(url, source, force=force)
    engine = store.open_engine(url=url, on_upgrade=on_upgrade)
    try:
        with store.session_scope(engine, write=True) as session:
            audit.record(
                session,
                "database",
                None,
                restored_from=info["path"],
                backup_revision=info["revision"],
                revision=store.SCHEMA_HEAD,
            )
    finally:
        engine.dispose()
    return {**info, "revision_now": store.SCHEMA_HEAD}


def check(db: str | None, *, on_upgrade: UpgradeNotice | None = None) -> dict:
    """Integrity and foreign-key checks, schema revision, row counts; `ok` says whether all passed."""
    engine = store.open_engine(db, on_upgrade=on_upgrade)
    try:
        return maintenance.check(engine)
    finally:
        engine.dispose()
