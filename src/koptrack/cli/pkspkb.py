"""`koptrack pkspkb ...`: PKS-PKB, the motor-vehicle-tax cooperation with Samsat Jawa Barat."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack import i18n
from koptrack.cli.common import AsOfOpt, CoopOpt, JsonOpt, OnOpt, RegencyOpt, db_session, fmt_of
from koptrack.i18n import _
from koptrack.io import terminal

app = typer.Typer(
    help="PKS-PKB: cooperatives in the motor-vehicle-tax cooperation with Samsat Jawa Barat.", no_args_is_help=True
)


@app.command("join")
def join(
    coop: CoopOpt,
    on: OnOpt,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Agreement (PKS) number.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record that a cooperative joined PKS-PKB.

    Example:

    \b
      koptrack pkspkb join --coop "Kopkar Sejahtera" --on 2021-05-10 --agreement "PKS/123/2021"
    """
    with db_session("pkspkb join", write=True) as session:
        from koptrack.core import pkspkb

        row = pkspkb.join(session, coop, on=on, agreement=agreement)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(_("{coop} joined PKS-PKB on {day}").format(coop=row["coop"], day=i18n.date(row["joined_on"])))


@app.command("leave")
def leave(coop: CoopOpt, on: OnOpt, json_out: JsonOpt = False) -> None:
    """Record that a cooperative left PKS-PKB (not a member from that day).

    Example:

    \b
      koptrack pkspkb leave --coop 7 --on 2022-01-01
    """
    with db_session("pkspkb leave", write=True) as session:
        from koptrack.core import pkspkb

        row = pkspkb.leave(session, coop, on=on)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(_("{coop} left PKS-PKB on {day}").format(coop=row["coop"], day=i18n.date(row["left_on"])))


@app.command("status")
def status(
    year: Annotated[
        int | None, typer.Option("--year", help="Show years up to this one (default: the as-of year).")
    ] = None,
    as_of: AsOfOpt = None,
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """PKS-PKB by year: joins per base, members at the year's end (cumulative), and the member list.

    Reported counts (office figures without names) stand in where no named records exist.

    Examples:

    \b
      koptrack pkspkb status --year 2021
      koptrack pkspkb status --as-of 2021-06-30 --json
    """
    with db_session("pkspkb status") as session:
        from koptrack.core import views

        view = views.pkspkb_status(session, year=year, as_of=as_of, regency=regency)
    terminal.show(view, fmt_of(json_out))


SinceSelectOpt = Annotated[
    str | None,
    typer.Option("--since", help="Which membership: the day it began (needed when there are several)."),
]


@app.command("edit")
def edit(
    coop: CoopOpt,
    since: SinceSelectOpt = None,
    agreement: Annotated[str | None, typer.Option("--agreement", help="Correct the agreement (PKS) number.")] = None,
    new_since: Annotated[str | None, typer.Option("--new-since", help="Correct the day it joined.")] = None,
    new_until: Annotated[
        str | None, typer.Option("--new-until", help="Correct the day it left (not a member from then), or 'open'.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Correct a PKS-PKB membership entered in error: agreement number, dates.

    The change is in `koptrack log` with the old and new values; `koptrack undo` reverses it.

    Example:

    \b
      koptrack pkspkb edit --coop "Kopkar Sejahtera Abadi" --agreement "PKS/124/2021" --new-since 2021-05-12
    """
    with db_session("pkspkb edit", write=True) as session:
        from koptrack.core import corrections

        row = corrections.edit_membership(
            session, coop, since=since, agreement=agreement, new_since=new_since, new_until=new_until
        )
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(row["message"])


@app.command("remove")
def remove(coop: CoopOpt, since: SinceSelectOpt = None, json_out: JsonOpt = False) -> None:
    """Remove a PKS-PKB membership entered in error (not a departure: that is `pkspkb leave`).

    `koptrack undo` puts it back.

    Example:

    \b
      koptrack pkspkb remove --coop "Kopkar Sejahtera Abadi" --since 2021-05-10
    """
    with db_session("pkspkb remove", write=True) as session:
        from koptrack.core import corrections

        row = corrections.remove_membership(session, coop, since=since)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(row["message"])
