"""`koptrack undo`: reverse a change, when nothing later depends on it."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli.common import JsonOpt, db_session
from koptrack.io import terminal


def undo(
    change: Annotated[
        str | None,
        typer.Argument(help="The change's number in `koptrack log` (default: your last change not yet undone)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Reverse a change: your last one, or the one numbered in `koptrack log`.

    Refused when something later depends on it (undo that first), and for imports and the
    seed (restore a backup instead). The undo is itself a change in the log, so it can be
    undone in turn (`koptrack undo N` with its number).

    Examples:

    \b
      koptrack undo
      koptrack undo 42 --json
    """
    with db_session("undo", write=True) as session:
        from koptrack.core import corrections

        row = corrections.undo(session, change)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(row["message"])
