"""The `db` operations as the CLI and a script call them: back up, restore (recorded in the
audit log like every other write), check. The file-level work is store/maintenance.py's; every
file is written by io/writers.py's rules (never over a file without force, never through a link
or over a device, a private temporary file renamed into place, nothing left behind)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from koptrack import store
from koptrack.core import audit
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.io import writers
from koptrack.store import maintenance

UpgradeNotice = Callable[[str, str], None]


def _side_files(path: Path) -> tuple[Path, ...]:
    return (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))


def backup(db: str | None, target: str, *, force: bool = False, on_notice: Callable[[str], None] | None = None) -> dict:
    """Copy the database to `target` (0600), consistent while others write. A database file
    others may read is made private (0600) once it is known to be koptrack's; `on_notice` is told."""
    url = store.resolve_url(db)
    source = maintenance.sqlite_path(url, "db backup")
    if not source.is_file():
        raise KoptrackError(_("no database at {path} to back up").format(path=repr(str(source))))
    with writers.staged(target, force=force, protect=_side_files(source), suffix=".db") as tmp:
        info = maintenance.backup_into(url, tmp)
        writers.kill_point("backup-copied")
    for message in maintenance.make_private(source):
        if on_notice is not None:
            on_notice(message)
    path = Path(target).expanduser()
    return {**info, "path": str(path), "bytes": path.stat().st_size}


def restore(db: str | None, source: str, *, force: bool = False, on_upgrade: UpgradeNotice | None = None) -> dict:
    """Replace the database with the backup `source`, proved first to be a whole koptrack
    database of a known revision; upgrade its schema if it is older, and record the restore in
    its audit log. All of this happens on a private copy beside the database, renamed over it
    only at the end: on any failure the database is exactly as it was."""
    url = store.resolve_url(db)
    target = maintenance.sqlite_path(url, "db restore")
    source_path = Path(source).expanduser()
    writers.check_target(target, force=True, protect=(source_path,))  # the database is not the backup
    info = maintenance.describe_file(source_path, complete=True)
    if maintenance.holds_data(target) and not force:
        raise KoptrackError(
            _("a database already exists at {path}; restoring replaces all of it").format(path=repr(str(target))),
            hint=_("add --force to replace it (make a backup of it first: koptrack db backup FILE)"),
        )
    if not target.parent.is_dir():
        raise KoptrackError(
            _("cannot restore to {path}: folder {folder} does not exist").format(
                path=repr(str(target)), folder=repr(str(target.parent))
            )
        )
    with writers.staged(target, force=True, protect=(source_path,), suffix=".db") as tmp:
        maintenance.copy(source_path, tmp)
        engine = store.open_engine(url=store.sqlite_url(tmp), on_upgrade=on_upgrade)
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
        maintenance.copy_settle(tmp)
        maintenance.check_complete(tmp)
        writers.kill_point("restore-checked")
        maintenance.release(target)
    return {**info, "revision_now": store.SCHEMA_HEAD}


def check(
    db: str | None, *, on_upgrade: UpgradeNotice | None = None, on_notice: Callable[[str], None] | None = None
) -> dict:
    """Integrity and foreign-key checks, schema revision, the audit log's triggers and the other
    guarantees of the schema, row counts; `ok` says whether all passed. `on_notice` is told when
    the database file had to be made private."""
    engine = store.open_engine(db, on_upgrade=on_upgrade, create=False, on_notice=on_notice)
    try:
        return maintenance.check(engine)
    finally:
        engine.dispose()
