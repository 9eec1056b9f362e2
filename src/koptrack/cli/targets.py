"""`koptrack targets YEAR`: where the office stands against the year's targets."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from koptrack import i18n
from koptrack.cli.common import (
    BaseOpt,
    CsvOpt,
    ForceOpt,
    JsonOpt,
    KindOpt,
    RegencyOpt,
    XlsxOpt,
    db_session,
    fail,
    fmt_of,
    write_workbook,
)
from koptrack.i18n import N_, _, pgettext
from koptrack.io import terminal

_NEGATIVE = re.compile(r"-\d+")
# What a negative number stands for, by position: one `error:` line with the field's own rule,
# not Click's four-line "No such option: -5" (a negative number looks like an option to it).
_NEGATIVE_RULES = {"year": N_("must be a year like 2021"), "value": N_("must be a whole number above 0")}
_NEGATIVE_OTHER = N_("cannot be negative")


class _YearFirst(TyperGroup):
    """`koptrack targets 2021` reads as `koptrack targets show 2021`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and (args[0].isdigit() or _NEGATIVE.fullmatch(args[0])):
            args = ["show", *args]
        if args and args[0] in ("show", "set"):
            _refuse_negative_numbers(self.get_command(ctx, args[0]), args[1:])
        return super().parse_args(ctx, args)


def _refuse_negative_numbers(command: Any, args: list[str]) -> None:
    """A negative number among the arguments of `targets show|set` (not an option's value):
    the field it stands for is refused in one line."""
    takes_value = {
        opt for p in getattr(command, "params", ()) if p.param_type_name == "option" and not p.is_flag for opt in p.opts
    }
    arguments = [p.name for p in getattr(command, "params", ()) if p.param_type_name == "argument"]
    position, skip = 0, False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--":
            return
        elif arg in takes_value:
            skip = True
        elif _NEGATIVE.fullmatch(arg):
            field = arguments[position] if position < len(arguments) else _("argument")
            rule = _(_NEGATIVE_RULES.get(field, _NEGATIVE_OTHER))
            fail(f"{field} {arg!r}: {rule}")  # the argument's name as the usage line shows it
        elif not arg.startswith("-"):
            position += 1


app = typer.Typer(
    cls=_YearFirst,
    invoke_without_command=True,
)


@app.callback()
def years(ctx: typer.Context, regency: RegencyOpt = None, json_out: JsonOpt = False) -> None:
    """Targets per year and the figures against them.

    Examples:

    \b
      koptrack targets              (the years that have targets)
      koptrack targets 2021
      koptrack targets 2021 --as-of 2021-06-30 --json
      koptrack targets 2021 --xlsx target-2021.xlsx   (a workbook for the head of office)
      koptrack targets set 2022 bpjs.registered_coops 120 --kind ksp
    """
    if ctx.invoked_subcommand is not None:
        return
    with db_session("targets") as session:
        from koptrack.core import views

        view = views.target_years(session, regency)
    terminal.show(view, fmt_of(json_out))


@app.command("show", hidden=True)
def show(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2021.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Report date (default: the year's last day, or today for the current year)."),
    ] = None,
    regency: RegencyOpt = None,
    verified: Annotated[
        bool,
        typer.Option(
            "--verified", help="Also the people enrolled that a BPJS participant list confirmed (`bpjs reconcile`)."
        ),
    ] = False,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """The year's targets with actual figures, progress and a verdict."""
    fmt = fmt_of(json_out, csv_out)
    with db_session("targets") as session:
        from koptrack.core import views

        view = views.targets(session, year, as_of, regency, workbook=bool(xlsx), verified=verified)
        if xlsx and view.workbook:
            write_workbook(xlsx, view.workbook, force=force)
    terminal.show(view, fmt)


@app.command("set")
def set_(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2022.")],
    metric: Annotated[
        str,
        typer.Argument(help="bpjs.registered_coops, bpjs.enrolled_people, pkspkb.joined or pkspkb.members."),
    ],
    value: Annotated[str, typer.Argument(help="The target, a whole number above 0.")],
    kind: KindOpt = None,
    base: BaseOpt = None,
    regency: RegencyOpt = None,
    note: Annotated[str | None, typer.Option("--note", help="Where the target comes from.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Set (or change) a target for a year, metric and segment.

    Examples:

    \b
      koptrack targets set 2022 bpjs.registered_coops 120 --kind ksp --note "Renstra 2022"
      koptrack targets set 2022 pkspkb.joined 5 --base masyarakat
    """
    with db_session("targets set", write=True) as session:
        from koptrack.core import targets

        row: dict[str, Any] = targets.set_target(
            session, year, metric, value, kind=kind, base=base, regency=regency, note=note
        )
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        values = {
            "year": row["year"],
            "metric": row["metric"],
            "segment": pgettext("segment", "all") if row["segment"] == "all" else row["segment"],
            "value": i18n.number(row["value"]),
        }
        if row["previous"] is None:
            terminal.info(_("target {year} {metric} {segment}: {value}").format(**values))
        else:
            message = _("target {year} {metric} {segment}: {value} (was {previous})")
            terminal.info(message.format(previous=i18n.number(row["previous"]), **values))
