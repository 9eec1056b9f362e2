"""`koptrack trend`: every figure over months, quarters or years."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli.common import CsvOpt, JsonOpt, RegencyOpt, db_session, fmt_of
from koptrack.io import terminal


def trend(
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The first period: a year (2020), a month (2021-03) or a day (default: the first year with data).",
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="The last period: a year, a month or a day (default: today; never after today)."),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            help="month, quarter or year (bulan, triwulan, tahun); default: each year, then each month of the last.",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            metavar="<str>",
            help="Only these figures (repeat it, or separate with commas): bpjs.registered_coops, "
            "bpjs.enrolled_people, pkspkb.joined, pkspkb.members, bpjs.coverage, bpjs.coverage_kecamatan.",
        ),
    ] = None,
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
) -> None:
    """Figures over months, quarters or years, with their targets.

    Every figure koptrack reports on a date, as a series: each target metric (for every
    cooperative, and for each segment with a target in those years), BPJS coverage by kind and
    by kecamatan, PKS-PKB members. A period's figure is the one on its last day (today for the
    current one), as `koptrack targets` and `koptrack bpjs status` give it on that day, reported
    counts standing in as there. The table shows a sparkline of each row, the target lines and
    the change since the previous period; --json and --csv give one row per period, metric and
    segment (period, as_of, metric, segment, value, target, change).

    Examples:

    \b
      koptrack trend
      koptrack trend --from 2021-01 --to 2021-12 --every month
      koptrack trend --from 2020 --every triwulan --metric pkspkb.members
      koptrack trend --every year --json
      koptrack trend --metric bpjs.coverage_kecamatan --regency 32.15 --csv
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("trend") as session:
        from koptrack.core import views

        view = views.trend(session, fmt=fmt, start=start, end=end, every=every, regency=regency, metrics=metric or None)
        terminal.show(view, fmt)
