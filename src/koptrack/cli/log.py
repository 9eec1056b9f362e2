"""`koptrack log`: who changed what, and when."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli import complete
from koptrack.cli.common import JsonOpt, db_session, fmt_of
from koptrack.io import terminal


def log(
    coop: Annotated[
        str | None,
        typer.Option(
            "--coop", autocompletion=complete.cooperatives, help="Only changes to this cooperative (id or name)."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only from this date on: 2021-03-16 or 16/03/2021.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries, newest first (0: all).")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """Show the audit trail: every change, with time (UTC), user, command and what changed.

    A correction shows its old and new values (`name: Siti Aminah -> Siti Aminah Putri`). NIKs
    and KPJs appear masked only; an import is one entry with its counts. The # column numbers
    each change: `koptrack undo N` reverses one.

    Examples:

    \b
      koptrack log --coop "KSP Maju Bersama"
      koptrack log --since 2021-03-01 --json
      koptrack undo 42
    """
    with db_session("log") as session:
        from koptrack.core import views
        from koptrack.domain import validate

        limit = validate.parse_count(limit, "limit")  # 0 or more, and an integer the database takes
        view = views.audit_log(session, coop=coop, since=since, limit=limit or None)
    terminal.show(view, fmt_of(json_out))
