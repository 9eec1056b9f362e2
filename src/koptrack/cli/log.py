"""`koptrack log`: who changed what, and when."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from koptrack.io import terminal
from koptrack.cli.common import JsonOpt, db_session
from koptrack.io.terminal import Col


def _summary(value: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items()) if value else ""


def log(
    coop: Annotated[Optional[str], typer.Option("--coop", help="Only changes to this cooperative (id or name).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Only from this date on: 2021-03-16 or 16/03/2021.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries, newest first (0: all).")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """Show the audit trail: every change, with time (UTC), user, command and what changed.

    NIKs appear masked only; an import is one entry with its counts.

    Examples:

    \b
      koptrack log --coop 1
      koptrack log --since 2021-03-01 --json
    """
    with db_session("log") as session:
        from koptrack.core import audit
        from koptrack.domain import validate
        from koptrack.core.coops import resolve_coop

        coop_id = resolve_coop(session, coop).id if coop else None
        since_d = validate.parse_date(since, "since") if since else None
        rows = audit.list_entries(session, coop_id=coop_id, since=since_d, limit=limit or None)
    terminal.emit_rows(
        rows,
        [Col("at", "When (UTC)", no_wrap=True), Col("user", "User"), Col("command", "Command"),
         Col("entity", "Entity"), Col("entity_id", "ID"), Col("summary", "What", fmt=_summary)],
        fmt="json" if json_out else "table", title="Audit log", empty="no changes recorded",
    )
