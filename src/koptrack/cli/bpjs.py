"""`koptrack bpjs ...`: cooperatives' BPJS Ketenagakerjaan registration and their people's enrollment."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli import complete
from koptrack.cli.common import (
    AsOfOpt,
    BaseOpt,
    CoopOpt,
    CsvOpt,
    ForceOpt,
    JsonOpt,
    KecamatanOpt,
    KindOpt,
    OnOpt,
    RegencyOpt,
    ShowNikOpt,
    XlsxOpt,
    count,
    day,
    db_session,
    fmt_of,
    record_reveal,
    write_workbook,
)
from koptrack.i18n import _
from koptrack.io import terminal
from koptrack.report import masked

app = typer.Typer(
    help="BPJS Ketenagakerjaan: register cooperatives, enroll their people, see coverage.", no_args_is_help=True
)

# A person as the user sees them: `--nik` takes the NIK or a name unique within the cooperative.
PersonOpt = Annotated[
    str,
    typer.Option(
        "--nik",
        help="The person: their 16-digit NIK, or their name as listed (unique within the cooperative).",
    ),
]
SinceSelectOpt = Annotated[
    str | None,
    typer.Option("--since", help="Which period: the day it began (needed when there are several)."),
]


@app.command("register")
def register(
    coop: CoopOpt,
    on: OnOpt,
    npp: Annotated[
        str | None, typer.Option("--npp", help="NPP, the employer registration number (8 characters).")
    ] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="BPJS Ketenagakerjaan branch office.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free note.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a cooperative's registration with BPJS Ketenagakerjaan.

    Example:

    \b
      koptrack bpjs register --coop "KSP Contoh Sejahtera" --on 2021-03-01 --npp AB123456 --branch Karawang
    """
    with db_session("bpjs register", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.register(session, coop, on=on, npp=npp, branch=branch, note=note)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(
            _("{coop} registered with BPJS Ketenagakerjaan from {day}").format(
                coop=row["coop"], day=day(row["registered_on"])
            )
        )


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
        terminal.info(
            _("{coop}: BPJS registration ended on {day}").format(coop=row["coop"], day=day(row["deregistered_on"]))
        )


@app.command("enroll")
def enroll(
    coop: CoopOpt,
    nik: PersonOpt,
    on: OnOpt,
    kpj: Annotated[str | None, typer.Option("--kpj", help="KPJ participant card number (11 digits).")] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="pu (wage earner) or bpu (self-employed). Default: from the role.")
    ] = None,
    programs: Annotated[
        str | None,
        typer.Option("--programs", help="Programmes, e.g. jkk,jkm,jht. Default: the minimum for the category."),
    ] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Enroll a person in BPJS Ketenagakerjaan through the cooperative they are engaged with.

    The cooperative must be registered with BPJS on that date (`bpjs register`). An employee
    (karyawan) enrolls as PU, a member (anggota) as BPU; the programmes default to the minimum
    the rules in force that day require, and an enrollment lacking one is flagged. JP and JKP are
    for PU only.

    Example:

    \b
      koptrack bpjs enroll --coop 12 --nik 3215055203900001 --on 2021-04-01 --kpj 12345678901 --programs jkk,jkm,jht
    """
    with db_session("bpjs enroll", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.enroll(session, coop, nik=nik, on=on, kpj=kpj, category=category, programmes=programs)
    for warning in row["warnings"]:
        terminal.warn(warning)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
        return
    shown = masked(row, show_nik)
    terminal.info(
        _("{name} ({nik}) enrolled through {coop} from {day} as {category}: {programmes}").format(
            name=row["name"],
            nik=shown["nik"],
            coop=row["coop"],
            day=day(row["start_on"]),
            category=row["category"].upper(),
            programmes=", ".join(row["programmes"]).upper(),
        ),
        reveal=show_nik,
    )
    if row["missing_programmes"]:
        terminal.warn(
            _("lacks mandatory programme(s) {programmes} for {category}").format(
                programmes=", ".join(row["missing_programmes"]).upper(), category=row["category"].upper()
            )
        )


@app.command("end")
def end(coop: CoopOpt, nik: PersonOpt, on: OnOpt, json_out: JsonOpt = False, show_nik: ShowNikOpt = False) -> None:
    """Record that a person's enrollment through a cooperative ended.

    Example:

    \b
      koptrack bpjs end --coop "KSP Contoh Sejahtera" --nik 3215055203900001 --on 2022-06-30
    """
    with db_session("bpjs end", write=True) as session:
        from koptrack.core import bpjs

        row = bpjs.end(session, coop, nik=nik, on=on)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(
            _("{name}: enrollment through {coop} ended on {day}").format(
                name=row["name"], coop=row["coop"], day=day(row["end_on"])
            )
        )


@app.command("programmes")
def programmes(as_of: AsOfOpt = None, json_out: JsonOpt = False) -> None:
    """Show the BPJS Ketenagakerjaan programmes with the rate in force on a date, and the
    programmes each category and employer size must have then (the rules reports use).

    Examples:

    \b
      koptrack bpjs programmes
      koptrack bpjs programmes --as-of 2024-12-31 --json
    """
    with db_session("bpjs programmes") as session:
        from koptrack.core import views

        view = views.programmes(session, as_of)
    terminal.show(view, fmt_of(json_out))


@app.command("status")
def status(
    coop: Annotated[
        str | None,
        typer.Option("--coop", autocompletion=complete.cooperatives, help="Only this cooperative (id or name)."),
    ] = None,
    kind: KindOpt = None,
    base: BaseOpt = None,
    kecamatan: KecamatanOpt = None,
    as_of: AsOfOpt = None,
    only_behind: Annotated[bool, typer.Option("--only-behind", help="Only cooperatives not fully covered.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Group rows: kecamatan.")] = None,
    regency: RegencyOpt = None,
    verified: Annotated[
        bool,
        typer.Option(
            "--verified", help="Also the enrollments a BPJS participant list confirmed (`bpjs reconcile --apply`)."
        ),
    ] = False,
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
      koptrack bpjs status --verified   (declared, and confirmed by BPJS's participant list)
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("bpjs status") as session:
        from koptrack.core import views
        from koptrack.core.coverage import CoverageFilter

        f = CoverageFilter.parse(
            session, as_of=as_of, coop=coop, kind=kind, base=base, kecamatan=kecamatan, regency=regency
        )
        view = views.bpjs_status(session, f, only_behind=only_behind, by=by, workbook=bool(xlsx), verified=verified)
        if xlsx:
            write_workbook(xlsx, view.workbook, force=force)
    terminal.show(view, fmt)


@app.command("reconcile")
def reconcile(
    file: Annotated[
        str, typer.Argument(help="BPJS Ketenagakerjaan's participant list: .csv (comma or semicolon) or .xlsx.")
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Match on this date (default: the list's date, else today)."),
    ] = None,
    coop: Annotated[
        str | None,
        typer.Option(
            "--coop",
            autocompletion=complete.cooperatives,
            help="Only this cooperative (id or name); a list without an NPP column is its list.",
        ),
    ] = None,
    kecamatan: KecamatanOpt = None,
    regency: RegencyOpt = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Record what the list proves (enrollments, endings, KPJs, verification); disagreements are left.",
        ),
    ] = False,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Worksheet of an .xlsx file (default: the first).")
    ] = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    xlsx: XlsxOpt = None,
    force: ForceOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Match BPJS Ketenagakerjaan's participant list against the database: who is really covered.

    The list (NIK, KPJ, Nama, NPP, TMT, Status, Tgl Nonaktif, Program, Kategori; the branch
    office's header spellings and title rows are read) is matched by NIK, or by KPJ where the NIK
    is missing. Every person lands in one class: confirmed; declared but not active at BPJS;
    active at BPJS but not enrolled (on the roster, or not on it); disagreeing (KPJ, name, start,
    programmes, category); enrolled through two cooperatives; active under another NPP. Nothing
    is written unless --apply, which records what the list proves in one transaction and leaves
    every disagreement for a person to decide. A bad row: every reason listed, nothing used.

    Examples:

    \b
      koptrack bpjs reconcile peserta-kantor-cabang.xlsx
      koptrack bpjs reconcile peserta.csv --coop "KSP Contoh Sejahtera" --as-of 2021-12-31
      koptrack bpjs reconcile peserta.csv --xlsx rekonsiliasi.xlsx   (one sheet per class)
      koptrack bpjs reconcile peserta.csv --apply
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("bpjs reconcile", write=apply) as session:
        from koptrack.core import reconcile as rc
        from koptrack.core import views

        try:
            with terminal.progress(_("reading the list"), enabled=fmt == "table") as progress:
                rec = rc.reconcile(
                    session,
                    file,
                    as_of=as_of,
                    coop=coop,
                    kecamatan=kecamatan,
                    regency=regency,
                    sheet=sheet,
                    apply=apply,
                    reveal=show_nik,
                    progress=progress,
                )
        except rc.ReconcileRejected as exc:
            section, more = views.refused_rows(exc.result)
            terminal.show_section(section, stderr=True)
            if more:
                terminal.info(_("... and {n} more rows").format(n=count(more)))
            raise
        view = views.reconcile(rec, fmt, workbook=bool(xlsx))
        if show_nik:  # recorded before anything is shown or written (in --apply's own transaction)
            people = sum(rec.counts.values())
            own = session if apply else None
            record_reveal("bpjs reconcile", "NIK and KPJ in full", people=people, coop=coop, to=xlsx, session=own)
        if xlsx:
            write_workbook(xlsx, view.workbook, reveal=show_nik, force=force)
        terminal.show(view, fmt, reveal=show_nik)
    if fmt != "table" and rec.applied is not None:  # what --apply wrote, on stderr beside the data
        terminal.info(view.notes[-1])  # views.reconcile: with --json or --csv, the last note says it


@app.command("edit")
def edit(
    coop: CoopOpt,
    nik: Annotated[
        str | None,
        typer.Option(
            "--nik", help="The person whose enrollment to correct (NIK or name); without it, the registration."
        ),
    ] = None,
    since: SinceSelectOpt = None,
    kpj: Annotated[str | None, typer.Option("--kpj", help="Correct the KPJ card number ('' clears it).")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Correct the category: pu or bpu.")] = None,
    programs: Annotated[
        str | None, typer.Option("--programs", help="Correct the programmes, e.g. jkk,jkm,jht.")
    ] = None,
    npp: Annotated[str | None, typer.Option("--npp", help="Correct the registration's NPP.")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="Correct the registration's branch office.")] = None,
    new_since: Annotated[str | None, typer.Option("--new-since", help="Correct the first day.")] = None,
    new_until: Annotated[
        str | None, typer.Option("--new-until", help="Correct the end (the first day no longer covered), or 'open'.")
    ] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Correct an enrollment entered in error (with --nik) or the cooperative's registration (without).

    The change is in `koptrack log` with the old and new values; `koptrack undo` reverses it.

    Examples:

    \b
      koptrack bpjs edit --coop "KSP Contoh Sejahtera" --nik 3215055203900001 --kpj 12345678910
      koptrack bpjs edit --coop "KSP Contoh Sejahtera" --nik "Dewi Lestari" --since 2021-04-01 --programs jkk,jkm,jht
      koptrack bpjs edit --coop "KSP Contoh Sejahtera" --npp AB123465 --new-since 2021-02-15
    """
    with db_session("bpjs edit", write=True) as session:
        from koptrack.core import corrections

        row = corrections.edit_bpjs(
            session,
            coop,
            nik,
            since=since,
            kpj=kpj,
            category=category,
            programmes=programs,
            npp=npp,
            branch=branch,
            new_since=new_since,
            new_until=new_until,
            reveal=show_nik,
        )
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(row["message"], reveal=show_nik)


@app.command("remove")
def remove(
    coop: CoopOpt,
    nik: PersonOpt,
    since: SinceSelectOpt = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Remove an enrollment entered in error (not an ending: that is `bpjs end`).

    `koptrack undo` puts it back.

    Example:

    \b
      koptrack bpjs remove --coop "KSP Contoh Sejahtera" --nik 3215055203900001 --since 2021-04-01
    """
    with db_session("bpjs remove", write=True) as session:
        from koptrack.core import corrections

        row = corrections.remove_enrollment(session, coop, nik, since=since, reveal=show_nik)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(row["message"], reveal=show_nik)


@app.command("unregister")
def unregister(coop: CoopOpt, since: SinceSelectOpt = None, json_out: JsonOpt = False) -> None:
    """Remove a BPJS registration entered in error (not an ending: that is `bpjs deregister`).

    Refused while an enrollment lies within it (remove those first). `koptrack undo` puts it back.

    Example:

    \b
      koptrack bpjs unregister --coop "KSP Contoh Sejahtera" --since 2021-03-01
    """
    with db_session("bpjs unregister", write=True) as session:
        from koptrack.core import corrections

        row = corrections.remove_registration(session, coop, since=since)
    if json_out:
        terminal.emit_record(row, fmt="json")
    else:
        terminal.info(row["message"])
