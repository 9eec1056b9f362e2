"""`koptrack db ...`: back up, restore and check the database."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.io import terminal
from koptrack.cli.common import STATE, JsonOpt, db_session, fail, user_errors
from koptrack.io.terminal import Col

app = typer.Typer(help="Look after the database: backup, restore, check.", no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(help="The backup file.")]


@app.command("backup")
def backup(
    file: FileArg,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Copy the database to FILE: a consistent copy even while others are writing.

    The copy is private to you (0600): it holds the same personal data as the database.

    Examples:

    \b
      koptrack db backup koptrack-2021-12-31.db
      koptrack --db /data/kantor.db db backup /media/usb/kantor-backup.db --force
    """
    with user_errors():
        from koptrack.store import maintenance
        from koptrack import store

        info = maintenance.backup(store.resolve_url(STATE.db), file, force=force)
    if json_out:
        terminal.emit_record(info, fmt="json")
    else:
        terminal.info(f"backed up to {info['path']} ({info['bytes'] / 1e6:.1f} MB, schema revision {info['revision']})")


@app.command("restore")
def restore(
    file: FileArg,
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Replace the database with the backup FILE.

    FILE must be a koptrack database (checked first); an older schema is upgraded. A database
    that already exists is replaced only with --force. The restore is recorded in `koptrack log`.

    Examples:

    \b
      koptrack db restore koptrack-2021-12-31.db --force
      koptrack --db /tmp/look.db db restore koptrack-2021-12-31.db   (open a backup beside the real one)
    """
    with user_errors():
        from koptrack.store import maintenance
        from koptrack import store

        info = maintenance.restore(store.resolve_url(STATE.db), file, force=force)
    with db_session("db restore", write=True) as session:  # opening upgrades an older schema
        from koptrack.core import audit
        from koptrack import store

        audit.record(session, "database", None, restored_from=info["path"], backup_revision=info["revision"],
                     revision=store.SCHEMA_HEAD)
    if json_out:
        terminal.emit_record({**info, "revision_now": store.SCHEMA_HEAD}, fmt="json")
    else:
        terminal.info(f"restored from {info['path']} (schema revision {info['revision']}"
                    f"{'' if info['revision'] == store.SCHEMA_HEAD else ', upgraded to ' + store.SCHEMA_HEAD})")


@app.command("check")
def check(json_out: JsonOpt = False) -> None:
    """Check the database: SQLite's integrity and foreign-key checks, schema revision, row counts.

    Exits 1 when a check fails.

    Example:

    \b
      koptrack db check
    """
    with user_errors():
        from koptrack.store import maintenance
        from koptrack import store

        engine = store.open_engine(STATE.db)
        try:
            result = maintenance.check(engine)
        finally:
            engine.dispose()
    if json_out:
        terminal.emit_record(result, fmt="json")
    else:
        terminal.emit_record(
            {"database": result["database"], "schema revision": f"{result['revision']} (this koptrack: {result['expected_revision']})",
             "integrity": result["integrity"], "foreign keys": "ok" if not result["foreign_key_problem_count"]
             else f"{result['foreign_key_problem_count']} row(s) point at nothing"},
            title="Database check",
        )
        terminal.emit_rows([{"table": t, "rows": n} for t, n in result["rows"].items()],
                         [Col("table", "Table"), Col("rows", "Rows", "right")])
        if result["foreign_key_problems"]:
            terminal.emit_rows(result["foreign_key_problems"],
                             [Col("table", "Table"), Col("rowid", "Row", "right"), Col("parent", "Missing in")],
                             title="Foreign-key problems")
    if not result["ok"]:
        fail("the database check found problems (see above)")
