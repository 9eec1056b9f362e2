"""`koptrack export ...`: the office's data and reports as CSV, JSON or Excel files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import typer

from koptrack.io import terminal
from koptrack.cli.common import AsOfOpt, ForceOpt, RegencyOpt, ShowNikOpt, db_session, user_errors

app = typer.Typer(
    help=(
        "Write data or a report to a file: CSV, JSON or Excel (xlsx).\n\n"
        "NIK and KPJ are masked unless --show-nik; files are created private to you (0600)."
    ),
    no_args_is_help=True,
)

OutOpt = Annotated[str, typer.Option("--output", "-o", help="File to write: .csv, .json or .xlsx.")]
FormatOpt = Annotated[
    Optional[str], typer.Option("--format", help="csv, json or xlsx (default: from the file name).")
]
CoopFilterOpt = Annotated[Optional[str], typer.Option("--coop", help="Only this cooperative (id or name).")]


def targets_sections(session, year: int, as_of: Optional[str], regency: Optional[str]) -> list:
    """The year's report for the office's head: targets, BPJS coverage by kecamatan, the KSPs
    not fully covered, and PKS-PKB by year. Empty list when the year has no targets."""
    from koptrack.core import coverage, pkspkb, targets
    from koptrack.cli import bpjs as bpjs_cli
    from koptrack.cli import pkspkb as pkspkb_cli
    from koptrack.cli import targets as targets_cli
    from koptrack.core.exports import Section

    rows = targets.report(session, year, as_of, regency)
    if not rows:
        return []
    day = rows[0]["as_of"]
    filters = dict(as_of=day, coop=None, kind=None, base=None, kecamatan=None, regency=regency)
    return [
        Section(f"Targets {year}", targets_cli.COLUMNS, rows),
        Section("BPJS by kecamatan", bpjs_cli.BY_KECAMATAN_COLUMNS,
                coverage.bpjs_status_by_kecamatan(session, only_behind=False, **filters)),
        Section("KSP behind", bpjs_cli.STATUS_COLUMNS,
                list(coverage.bpjs_status(session, **{**filters, "kind": "ksp"}, only_behind=True))),
        Section("PKS-PKB by year", pkspkb_cli.YEAR_COLUMNS,
                pkspkb.status(session, year=year, as_of=day, regency=regency)["years"]),
    ]


def write_report(path: str, sections: list, fmt: str, *, reveal: bool = False, force: bool = False) -> None:
    from koptrack.core import exports

    counts = exports.write(path, sections, fmt, reveal=reveal, force=force)
    parts = ", ".join(f"{title}: {n} row{'s' if n != 1 else ''}" for title, n in counts.items())
    terminal.info(f"wrote {path} ({parts})")


def _export(command: str, out: str, fmt: Optional[str], force: bool, reveal: bool, build) -> None:
    with user_errors():
        from koptrack.core import exports

        fmt = exports.format_of(out, fmt)
    with db_session(f"export {command}") as session:
        write_report(out, build(session), fmt, reveal=reveal, force=force)


@app.command("coops")
def coops(out: OutOpt, fmt: FormatOpt = None, regency: RegencyOpt = None, force: ForceOpt = False) -> None:
    """Every cooperative with all its fields (active and inactive).

    Examples:

    \b
      koptrack export coops -o koperasi.xlsx
      koptrack export coops -o koperasi.csv
    """
    from koptrack.core import exports

    _export("coops", out, fmt, force, False,
            lambda s: [exports.Section("Cooperatives", exports.COOP_COLUMNS, exports.coop_rows(s, regency))])


@app.command("people")
def people(
    out: OutOpt, fmt: FormatOpt = None, coop: CoopFilterOpt = None, regency: RegencyOpt = None,
    show_nik: ShowNikOpt = False, force: ForceOpt = False,
) -> None:
    """Every person's engagements (employees and members, current and past) with their cooperative.

    With --show-nik the file can be imported again (`koptrack import people`).

    Examples:

    \b
      koptrack export people -o orang.xlsx
      koptrack export people --coop "Makmur Mandiri" --show-nik -o makmur.csv
    """
    from koptrack.core import exports

    _export("people", out, fmt, force, show_nik,
            lambda s: [exports.Section("People", exports.PEOPLE_COLUMNS, exports.people_rows(s, coop, regency))])


@app.command("enrollments")
def enrollments(
    out: OutOpt, fmt: FormatOpt = None, coop: CoopFilterOpt = None, regency: RegencyOpt = None,
    show_nik: ShowNikOpt = False, force: ForceOpt = False,
) -> None:
    """Every BPJS Ketenagakerjaan enrollment: person, cooperative, KPJ, programmes, period.

    Example:

    \b
      koptrack export enrollments -o bpjs.xlsx
    """
    from koptrack.core import exports

    _export("enrollments", out, fmt, force, show_nik,
            lambda s: [exports.Section("Enrollments", exports.ENROLLMENT_COLUMNS,
                                       exports.enrollment_rows(s, coop, regency))])


@app.command("pkspkb")
def pkspkb(out: OutOpt, fmt: FormatOpt = None, regency: RegencyOpt = None, force: ForceOpt = False) -> None:
    """Every PKS-PKB membership: cooperative, joined, left, agreement.

    Example:

    \b
      koptrack export pkspkb -o pkspkb.csv
    """
    from koptrack.core import exports

    _export("pkspkb", out, fmt, force, False,
            lambda s: [exports.Section("PKS-PKB", exports.PKSPKB_COLUMNS, exports.pkspkb_rows(s, regency))])


@app.command("targets")
def targets(
    out: OutOpt,
    year: Annotated[int, typer.Option("--year", help="The year of the targets (default: this year).")] = dt.date.today().year,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = None,
    regency: RegencyOpt = None,
    force: ForceOpt = False,
) -> None:
    """The year's targets report: targets, BPJS coverage by kecamatan, KSPs behind, PKS-PKB by year.

    An xlsx has one sheet per section; CSV holds the targets table only.

    Examples:

    \b
      koptrack export targets --year 2021 -o target-2021.xlsx
      koptrack export targets --year 2021 --as-of 2021-06-30 -o semester-1.json
    """
    from koptrack.errors import KoptrackError

    def build(session):
        sections = targets_sections(session, year, as_of, regency)
        if not sections:
            raise KoptrackError(f"no targets for {year}", hint="see `koptrack targets` for the years that have them")
        return sections

    _export("targets", out, fmt, force, False, build)
