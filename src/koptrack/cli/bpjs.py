"""`koptrack bpjs ...`: cooperatives' BPJS Ketenagakerjaan registration and their people's enrollment."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from koptrack.io import terminal
from koptrack.cli.common import (
    AsOfOpt, BaseOpt, CoopOpt, CsvOpt, ForceOpt, XlsxOpt, JsonOpt, KecamatanOpt, KindOpt, NikOpt, OnOpt, RegencyOpt, ShowNikOpt, db_session,
    fail, fmt_of,
)
from koptrack.io.terminal import Col, pct

app = typer.Typer(help="BPJS Ketenagakerjaan: register cooperatives, enroll their people, see coverage.",
                  no_args_is_help=True)

STATE_COLORS = {"not registered": "red", "registered, roster missing": "yellow", "partial": "yellow",
                "fully covered": "green"}


def _yes_date(row_value):
    return row_value.isoformat() if row_value else "no"


STATUS_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", "Cooperative"),
    Col("kind", "Kind"),
    Col("kecamatan", "Kecamatan"),
    Col("registered_on", "Registered"),
    Col("in_scope", "In scope", "right"),
    Col("enrolled", "Enrolled", "right"),
    Col("coverage", "Coverage", "right", fmt=pct),
    Col("missing_programmes", "Lacking", "right"),
    Col("state", "State", color=lambda v: STATE_COLORS.get(v)),
]
BY_KECAMATAN_COLUMNS = [
    Col("kecamatan", "Kecamatan"),
    Col("coops", "Coops", "right"),
    Col("registered", "Registered", "right"),
    Col("in_scope", "In scope", "right"),
    Col("enrolled", "Enrolled", "right"),
    Col("coverage", "Coverage", "right", fmt=pct),
    Col("missing_programmes", "Lacking progs", "right"),
    Col("not_registered", "Not reg.", "right"),
    Col("roster_missing", "No roster", "right"),
    Col("partial", "Partial", "right"),
    Col("fully_covered", "Full", "right"),
]


@app.command("register")
def register(
    coop: CoopOpt,
    on: OnOpt,
    npp: Annotated[Optional[str], typer.Option("--npp", help="NPP, the employer registration number (8 characters).")] = None,
    branch: Annotated[Optional[str], typer.Option("--branch", help="BPJS Ketenagakerjaan branch office.")] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="Free note.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a cooperative's registration with BPJS Ketenagakerjaan.

    Example:

    \b
      koptrack bpjs register --coop "Makmur Mandiri" --on 2021-03-01 --npp AB123456 --branch Karawang
    """
    with db_session("bpjs register", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.register(session, coop, on=on, npp=npp, branch=branch, note=note)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(f"{row['coop']} registered with BPJS Ketenagakerjaan from {row['registered_on']}")


@app.command("deregister")
def deregister(coop: CoopOpt, on: OnOpt, json_out: JsonOpt = False) -> None:
    """Record that a cooperative's BPJS registration ended (not registered from that day).

    Example:

    \b
      koptrack bpjs deregister --coop 12 --on 2022-01-01
    """
    with db_session("bpjs deregister", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.deregister(session, coop, on=on)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(f"{row['coop']}: BPJS registration ended on {row['deregistered_on']}")


@app.command("enroll")
def enroll(
    coop: CoopOpt,
    nik: NikOpt,
    on: OnOpt,
    kpj: Annotated[Optional[str], typer.Option("--kpj", help="KPJ participant card number (11 digits).")] = None,
    category: Annotated[
        Optional[str], typer.Option("--category", help="pu (wage earner) or bpu (self-employed). Default: from the role.")
    ] = None,
    programs: Annotated[
        Optional[str],
        typer.Option("--programs", help="Programmes, e.g. jkk,jkm,jht. Default: the minimum for the category."),
    ] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Enroll a person in BPJS Ketenagakerjaan through the cooperative they are engaged with.

    An employee (karyawan) enrolls as PU, a member (anggota) as BPU; the programmes default to
    the minimum the rules require, and an enrollment lacking one is flagged.

    Example:

    \b
      koptrack bpjs enroll --coop 1 --nik 3215055203900001 --on 2021-04-01 --kpj 12345678901 --programs jkk,jkm,jht
    """
    with db_session("bpjs enroll", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.enroll(session, coop, nik=nik, on=on, kpj=kpj, category=category, programmes=programs)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
        return
    shown = terminal.masked(row, show_nik)
    terminal.info(f"{row['name']} ({shown['nik']}) enrolled through {row['coop']} from {row['start_on']} as "
                f"{row['category'].upper()}: {', '.join(row['programmes']).upper()}")
    if row["missing_programmes"]:
        terminal.info(f"[yellow]warning:[/yellow] lacks mandatory programme(s) "
                    f"{', '.join(row['missing_programmes']).upper()} for {row['category'].upper()}")


@app.command("end")
def end(coop: CoopOpt, nik: NikOpt, on: OnOpt, json_out: JsonOpt = False, show_nik: ShowNikOpt = False) -> None:
    """Record that a person's enrollment through a cooperative ended.

    Example:

    \b
      koptrack bpjs end --coop 1 --nik 3215055203900001 --on 2022-06-30
    """
    with db_session("bpjs end", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.end(session, coop, nik=nik, on=on)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(f"{row['name']}: enrollment through {row['coop']} ended on {row['end_on']}")


@app.command("status")
def status(
    coop: Annotated[Optional[str], typer.Option("--coop", help="Only this cooperative (id or name).")] = None,
    kind: KindOpt = None,
    base: BaseOpt = None,
    kecamatan: KecamatanOpt = None,
    as_of: AsOfOpt = None,
    only_behind: Annotated[bool, typer.Option("--only-behind", help="Only cooperatives not fully covered.")] = False,
    by: Annotated[Optional[str], typer.Option("--by", help="Group rows: kecamatan.")] = None,
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
) -> None:
    """Coverage per cooperative: registered, people in scope, enrolled, coverage, state.

    People in scope are those engaged on the date: a producer cooperative's members, every
    other cooperative's employees. States: not registered, registered but roster missing,
    partial, fully covered.

    Examples:

    \b
      koptrack bpjs status --kind ksp --only-behind
      koptrack bpjs status --by kecamatan --as-of 2021-12-31 --json
      koptrack bpjs status --kind ksp --xlsx bpjs-ksp.xlsx   (per cooperative and by kecamatan)
    """
    fmt = fmt_of(json_out, csv_out)
    if by not in (None, "kecamatan"):
        fail(f"by {by!r}: can group by kecamatan only")
    with db_session("bpjs status") as session:
        import datetime as dt

        from koptrack.core import coverage
        from koptrack.domain import validate

        day = validate.parse_date(as_of, "as-of") if as_of else dt.date.today()
        args = dict(as_of=day, coop=coop, kind=kind, base=base, kecamatan=kecamatan, only_behind=only_behind,
                    regency=regency)
        if by == "kecamatan":
            rows = coverage.bpjs_status_by_kecamatan(session, **args)
            columns = BY_KECAMATAN_COLUMNS
            sum_keys = [c.key for c in columns[1:] if c.key != "coverage"]
        else:
            rows = list(coverage.bpjs_status(session, **args))
            columns = STATUS_COLUMNS
            sum_keys = ["in_scope", "enrolled", "missing_programmes"]
        if xlsx:
            from koptrack.cli import export
            from koptrack.core.exports import Section

            per_coop = rows if not by else list(coverage.bpjs_status(session, **args))
            per_kec = rows if by else coverage.bpjs_status_by_kecamatan(session, **args)
            export.write_report(xlsx, [Section("Cooperatives", STATUS_COLUMNS, per_coop),
                                       Section("By kecamatan", BY_KECAMATAN_COLUMNS, per_kec)], "xlsx", force=force)
        totals = None
        if fmt == "table":
            totals = {k: sum(r[k] for r in rows) for k in sum_keys}
            totals[columns[0].key if by else "name"] = f"Total ({len(rows)})"
            totals["coverage"] = coverage.percent(totals["enrolled"], totals["in_scope"])
            if not by:
                totals["registered_on"] = f"{sum(1 for r in rows if r['registered'])} reg."
        terminal.emit_rows(rows, columns, fmt=fmt, totals=totals, title=f"BPJS Ketenagakerjaan coverage on {day}",
                         empty="no cooperative matches")
