"""`koptrack db ...`: back up, restore and check the database."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack import i18n
from koptrack.cli.common import STATE, JsonOpt, fail, fmt_of, upgrade_notice, user_errors
from koptrack.i18n import _
from koptrack.io import terminal

app = typer.Typer(help="Look after the database: backup, restore, check.", no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(help="The backup file.")]


@app.command("backup")
def backup(
    file: FileArg,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Copy the database to FILE: a consistent copy even while others are writing.

    The copy is private to you (0600): it holds the same personal data as the database. It is
    written beside FILE under a temporary name and renamed only when complete, so FILE is
    never half a copy. An existing FILE is replaced only with --force, and never when it is a
    link, a folder, a device or the database itself.

    Examples:

    \b
      koptrack db backup koptrack-2021-12-31.db
      koptrack --db /data/kantor.db db backup /media/usb/kantor-backup.db --force
    """
    with user_errors("db backup"):
        from koptrack.core import database

        info = database.backup(STATE.db, file, force=force, on_notice=terminal.warn)
    if json_out:
        terminal.emit_record(info, fmt="json")
    else:
        terminal.info(
            _("backed up to {path} ({size} MB, schema revision {revision})").format(
                path=info["path"], size=i18n.number(info["bytes"] / 1e6, 1), revision=info["revision"]
            )
        )


@app.command("restore")
def restore(
    file: FileArg,
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds data.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Replace the database with the backup FILE.

    FILE must be a whole koptrack database of a known schema revision: every table and
    column, the audit log's triggers, SQLite's integrity and foreign-key checks. All of this
    is proved on a private copy beside the database (an older schema upgraded there, the
    restore recorded in `koptrack log`), which then replaces the database in one step; if
    anything fails, the database is exactly as it was. A database that already holds data is
    replaced only with --force.

    Examples:

    \b
      koptrack db restore koptrack-2021-12-31.db --force
      koptrack --db /tmp/look.db db restore koptrack-2021-12-31.db   (open a backup beside the real one)
    """
    with user_errors("db restore"):
        from koptrack.core import database

        info = database.restore(STATE.db, file, force=force, on_upgrade=upgrade_notice)
    if json_out:
        terminal.emit_record(info, fmt="json")
    else:
        if info["revision"] == info["revision_now"]:
            message = _("restored from {path} (schema revision {revision})")
        else:
            message = _("restored from {path} (schema revision {revision}, upgraded to {now})")
        terminal.info(message.format(path=info["path"], revision=info["revision"], now=info["revision_now"]))


@app.command("check")
def check(json_out: JsonOpt = False) -> None:
    """Check the database: SQLite's integrity and foreign-key checks, schema revision, row counts,
    and what keeps the data whole: the audit log's triggers (it only ever grows), every foreign
    key and trigger as koptrack made them (on PostgreSQL: the audit triggers switched on and
    row-level security on every table of a regency's data).

    Exits 1 when a check fails (damage is reported, table by table; a missing or changed
    trigger or foreign key, one line each). A database that does not exist is an error: it is
    not created. A database file others may read is made private (0600) first, and you are told.

    Example:

    \b
      koptrack db check
    """
    with user_errors("db check"):
        from koptrack.core import database, views

        result = database.check(STATE.db, on_upgrade=upgrade_notice, on_notice=terminal.warn)
        view = views.db_check(result)
    terminal.show(view, fmt_of(json_out))
    from koptrack.store import maintenance

    for problem in result.get("schema_problems", []):
        terminal.warn(maintenance.shown(problem))
    if not result["ok"]:
        if result.get("audit_log", "append-only") != "append-only":
            fail(
                _("the database check found problems: the audit log is not append-only (see above)"),
                hint=_("restore a backup that passes `koptrack db check`, or ask who changed the database"),
            )
        fail(_("the database check found problems (see above)"))
