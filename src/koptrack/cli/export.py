"""`koptrack export ...`: the office's data and reports as CSV, JSON or Excel files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

import typer

from koptrack.cli import complete
from koptrack.cli.common import (
    AsOfOpt,
    ForceOpt,
    RegencyOpt,
    ShowNikOpt,
    db_session,
    record_reveal,
    user_errors,
    write_workbook,
)
from koptrack.i18n import _

app = typer.Typer(
    help=(
        "Write data or a report to a file: CSV, JSON or Excel (xlsx).\n\n"
        "NIK and KPJ are masked unless --show-nik; files are created private to you (0600). An export "
        "with --show-nik is recorded in `koptrack log` (who, when, what, how many people)."
    ),
    no_args_is_help=True,
)

OutOpt = Annotated[str, typer.Option("--output", "-o", help="File to write: .csv, .json or .xlsx.")]
FormatOpt = Annotated[str | None, typer.Option("--format", help="csv, json or xlsx (default: from the file name).")]
CoopFilterOpt = Annotated[
    str | None, typer.Option("--coop", autocompletion=complete.cooperatives, help="Only this cooperative (id or name).")
]
DelimiterOpt = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="CSV only: comma (,) by default; semicolon (;) for Excel with Indonesian regional settings; or tab.",
    ),
]


def _export(
    command: str,
    out: str,
    fmt: str | None,
    force: bool,
    reveal: bool,
    build: Callable[[Any], list],
    delimiter: str | None = None,
    people_in: Callable[[Any], int] | None = None,
    coop: str | None = None,
) -> None:
    with user_errors():
        from koptrack.errors import KoptrackError
        from koptrack.io import writers

        fmt = writers.format_of(out, fmt)
        sep = writers.delimiter_of(delimiter)
        if delimiter is not None and fmt != "csv":
            raise KoptrackError(
                _("--delimiter {value}: only a CSV file has a delimiter; this one is {format}").format(
                    value=repr(delimiter), format=fmt
                )
            )
        writers.check_target(out, force=force)  # before the database is read: refused early, nothing opened
    with db_session(f"export {command}") as session:
        sections = build(session)
        on_written = None
        if reveal and people_in is not None:
            people = people_in(session)

            def on_written(counts: dict) -> None:  # the file is complete and not yet readable under its name
                record_reveal(
                    f"export {command}",
                    "NIK and KPJ in full",
                    people=people,
                    rows=sum(counts.values()),
                    coop=coop,
                    to=out,
                )

        write_workbook(out, sections, fmt=fmt, reveal=reveal, force=force, delimiter=sep, on_written=on_written)


def _people_in(what: str, coop: str | None, regency: str | None) -> Callable[[Any], int]:
    def count(session: Any) -> int:
        from koptrack.core import exports

        return exports.people_in(session, what, coop=coop, regency=regency)

    return count


def _sections(what: str, coop: str | None, regency: str | None) -> Callable[[Any], list]:
    def build(session: Any) -> list:
        from koptrack.core import exports

        return exports.sections(session, what, coop=coop, regency=regency)

    return build


@app.command("coops")
def coops(
    out: OutOpt,
    fmt: FormatOpt = None,
    regency: RegencyOpt = None,
    force: ForceOpt = False,
    delimiter: DelimiterOpt = None,
) -> None:
    """Every cooperative with all its fields (active and inactive).

    Examples:

    \b
      koptrack export coops -o koperasi.xlsx
      koptrack export coops -o koperasi.csv
      koptrack export coops -o koperasi.csv --delimiter semicolon   (Excel with Indonesian settings)
    """
    _export("coops", out, fmt, force, False, _sections("coops", None, regency), delimiter)


@app.command("people")
def people(
    out: OutOpt,
    fmt: FormatOpt = None,
    coop: CoopFilterOpt = None,
    regency: RegencyOpt = None,
    show_nik: ShowNikOpt = False,
    force: ForceOpt = False,
    delimiter: DelimiterOpt = None,
) -> None:
    """Every person's engagements (employees and members, current and past) with their cooperative.

    With --show-nik the file can be imported again (`koptrack import people`); such an export is
    recorded in `koptrack log` with the number of people in it.

    Examples:

    \b
      koptrack export people -o orang.xlsx
      koptrack export people --coop "KSP Maju Bersama" --show-nik -o maju-bersama.csv --delimiter ";"
    """
    _export(
        "people",
        out,
        fmt,
        force,
        show_nik,
        _sections("people", coop, regency),
        delimiter,
        _people_in("people", coop, regency),
        coop,
    )


@app.command("enrollments")
def enrollments(
    out: OutOpt,
    fmt: FormatOpt = None,
    coop: CoopFilterOpt = None,
    regency: RegencyOpt = None,
    show_nik: ShowNikOpt = False,
    force: ForceOpt = False,
    delimiter: DelimiterOpt = None,
) -> None:
    """Every BPJS Ketenagakerjaan enrollment: person, cooperative, KPJ, programmes, period.

    With --show-nik (NIK and KPJ in full) the export is recorded in `koptrack log`.

    Example:

    \b
      koptrack export enrollments -o bpjs.xlsx
    """
    _export(
        "enrollments",
        out,
        fmt,
        force,
        show_nik,
        _sections("enrollments", coop, regency),
        delimiter,
        _people_in("enrollments", coop, regency),
        coop,
    )


@app.command("pkspkb")
def pkspkb(
    out: OutOpt,
    fmt: FormatOpt = None,
    regency: RegencyOpt = None,
    force: ForceOpt = False,
    delimiter: DelimiterOpt = None,
) -> None:
    """Every PKS-PKB membership: cooperative, joined, left, agreement.

    Example:

    \b
      koptrack export pkspkb -o pkspkb.csv
    """
    _export("pkspkb", out, fmt, force, False, _sections("pkspkb", None, regency), delimiter)


@app.command("targets")
def targets(
    out: OutOpt,
    year: Annotated[
        int, typer.Option("--year", help="The year of the targets (default: this year).")
    ] = dt.date.today().year,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = None,
    regency: RegencyOpt = None,
    force: ForceOpt = False,
    delimiter: DelimiterOpt = None,
) -> None:
    """The year's targets report: targets, BPJS coverage by kecamatan, KSPs behind, PKS-PKB by year.

    An xlsx has one sheet per section; CSV holds the targets table only.

    Examples:

    \b
      koptrack export targets --year 2021 -o target-2021.xlsx
      koptrack export targets --year 2021 --as-of 2021-06-30 -o semester-1.json
    """

    def build(session: Any) -> list:
        from koptrack.core import views
        from koptrack.errors import KoptrackError

        sheets = views.targets(session, year, as_of, regency, workbook=True).workbook
        if not sheets:
            raise KoptrackError(
                _("no targets for {year}").format(year=year),
                hint=_("see `koptrack targets` for the years that have them"),
            )
        return sheets

    _export("targets", out, fmt, force, False, build, delimiter)
