"""`koptrack targets YEAR`: where the office stands against the year's targets."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from koptrack.io import terminal
from koptrack.cli.common import BaseOpt, ForceOpt, XlsxOpt, CsvOpt, JsonOpt, KindOpt, RegencyOpt, db_session, fmt_of
from koptrack.io.terminal import Col, pct, progress_bar


class _YearFirst(TyperGroup):
    """`koptrack targets 2021` reads as `koptrack targets show 2021`."""

    def parse_args(self, ctx, args):
        if args and args[0].isdigit():
            args = ["show", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_YearFirst,
    invoke_without_command=True,
)

VERDICT_COLORS = {"met": "green", "on-track": "green", "behind": "yellow", "missed": "red", "pending": "dim"}

COLUMNS = [
    Col("programme", "Programme", fmt=lambda v: "BPJS TK" if v.startswith("BPJS") else v),
    Col("metric_label", "Measure"),
    Col("segment", "Segment"),
    Col("target", "Target", "right"),
    Col("actual", "Actual", "right"),
    Col("percent", "%", "right", fmt=pct),
    Col("percent", "Progress", render=lambda v: progress_bar(v, 12), table_only=True),
    Col("remaining", "Remaining", "right"),
    Col("source", "Source"),
    Col("verdict", "Verdict", color=lambda v: VERDICT_COLORS.get(v)),
]


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
        from koptrack.core import targets

        rows = targets.years(session, regency)
    terminal.emit_rows(rows, [Col("year", "Year"), Col("targets", "Targets", "right")], fmt=fmt_of(json_out),
                     title="Years with targets", empty="no targets yet: load `koptrack seed` or use `koptrack targets set`")


@app.command("show", hidden=True)
def show(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2021.")],
    as_of: Annotated[
        Optional[str],
        typer.Option("--as-of", help="Report date (default: the year's last day, or today for the current year)."),
    ] = None,
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """The year's targets with actual figures, progress and a verdict."""
    fmt = fmt_of(json_out, csv_out)
    with db_session("targets") as session:
        if xlsx:  # the workbook's other sections cost a full coverage pass: only when asked
            from koptrack.cli import export

            sections = export.targets_sections(session, year, as_of, regency)
            rows = sections[0].rows if sections else []
            if sections:
                export.write_report(xlsx, sections, "xlsx", force=force)
        else:
            from koptrack.core import targets

            rows = targets.report(session, year, as_of, regency)
    if not rows:
        terminal.emit_rows([], COLUMNS, fmt=fmt, empty=f"no targets for {year}: see `koptrack targets`")
        return
    terminal.emit_rows(rows, COLUMNS, fmt=fmt, title=f"Targets {year}, as of {rows[0]['as_of']}")
    if fmt == "table":
        for r in rows:
            for w in r["warnings"]:
                terminal.info(f"[yellow]warning:[/yellow] {w}")
        if any(r["reported"] for r in rows):
            terminal.info("[dim]reported: an office report's count without names, standing in until named records exist[/dim]")


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
    note: Annotated[Optional[str], typer.Option("--note", help="Where the target comes from.")] = None,
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

        row = targets.set_target(session, year, metric, value, kind=kind, base=base, regency=regency, note=note)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        change = f" (was {row['previous']})" if row["previous"] is not None else ""
        terminal.info(f"target {row['year']} {row['metric']} {row['segment']}: {row['value']}{change}")
