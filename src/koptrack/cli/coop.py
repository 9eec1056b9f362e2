"""`koptrack coop ...`: register and look after cooperatives."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from koptrack.io import terminal
from koptrack.cli.common import (
    AsOfOpt, BaseOpt, CsvOpt, JsonOpt, KecamatanOpt, KindOpt, RegencyOpt, ShowNikOpt, db_session, fmt_of,
)
from koptrack.io.terminal import Col

app = typer.Typer(help="Register cooperatives and look after their records.", no_args_is_help=True)

LIST_COLUMNS = [
    Col("id", "ID", "right"),
    Col("name", "Name"),
    Col("kind", "Kind"),
    Col("base", "Base"),
    Col("kecamatan", "Kecamatan"),
    Col("desa", "Desa"),
    Col("status", "Status"),
]

NameOpt = Annotated[Optional[str], typer.Option("--name", help="New name.")]
DesaOpt = Annotated[Optional[str], typer.Option("--desa", help="Desa / kelurahan.")]
LegalOpt = Annotated[Optional[str], typer.Option("--legal-no", help="Legal-entity number (518/BH/... or AHU-...).")]
NikKopOpt = Annotated[Optional[str], typer.Option("--nik-koperasi", help="Nomor Induk Koperasi, 16 digits (ODS).")]
AddressOpt = Annotated[Optional[str], typer.Option("--address", help="Street address.")]
SizeOpt = Annotated[
    Optional[str], typer.Option("--size", help="Employer size for BPJS minimum programmes: micro, small, medium, large.")
]
NoteOpt = Annotated[Optional[str], typer.Option("--note", help="Free note.")]
RefArg = Annotated[str, typer.Argument(help="Cooperative id or name.")]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The cooperative's name, e.g. 'Koperasi Makmur Mandiri'.")],
    kind: Annotated[str, typer.Option("--kind", help="ksp (simpan-pinjam), produsen, konsumen, pemasaran, jasa.")],
    kecamatan: Annotated[str, typer.Option("--kecamatan", help="Kecamatan by name or code: Klari, 32.15.05.")],
    base: Annotated[str, typer.Option("--base", help="karyawan (kopkar), masyarakat, or unknown.")] = "unknown",
    desa: DesaOpt = None,
    legal_no: LegalOpt = None,
    nik_koperasi: NikKopOpt = None,
    address: AddressOpt = None,
    size: SizeOpt = None,
    note: NoteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a cooperative and print its new id.

    Example:

    \b
      koptrack coop add "Koperasi Makmur Mandiri" --kind ksp --base masyarakat --kecamatan Klari
    """
    with db_session("coop add", write=True) as session:
        from koptrack.core import coops

        coop = coops.add_coop(
            session, name, kind=kind, kecamatan=kecamatan, base=base, desa=desa, legal_no=legal_no,
            nik_koperasi=nik_koperasi, address=address, employer_size=size, note=note,
        )
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        typer.echo(coop["id"])
        terminal.info(f"added cooperative {coop['id']}: {coop['name']} ({coop['kind']}, {coop['kecamatan']})")


@app.command("list")
def list_(
    kind: KindOpt = None,
    base: BaseOpt = None,
    kecamatan: KecamatanOpt = None,
    status: Annotated[Optional[str], typer.Option("--status", help="active or inactive.")] = None,
    search: Annotated[Optional[str], typer.Option("--search", help="Text to find in name, desa or legal number.")] = None,
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
) -> None:
    """List cooperatives, filtered by kind, base, kecamatan, status or a search text.

    Examples:

    \b
      koptrack coop list --kind ksp --kecamatan Klari
      koptrack coop list --search makmur --json
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("coop list") as session:
        from koptrack.core import coops

        rows = coops.list_coops(session, kind=kind, base=base, kecamatan=kecamatan, status=status, search=search,
                                regency=regency)
        terminal.emit_rows(rows, LIST_COLUMNS, fmt=fmt, title="Cooperatives",
                         empty="no cooperative matches; add one with `koptrack coop add` or load `koptrack seed`")


@app.command("show")
def show(
    ref: RefArg,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Show one cooperative: its record, BPJS and PKS-PKB status, and its people's enrollments.

    Example:

    \b
      koptrack coop show "Makmur Mandiri" --as-of 2021-12-31
    """
    with db_session("coop show") as session:
        import datetime as dt

        from koptrack.core import coops, coverage
        from koptrack.domain import validate

        day = validate.parse_date(as_of, "as-of") if as_of else dt.date.today()
        coop = coops.get_coop(session, ref)
        profile = coverage.coop_profile(session, coop["id"], day)
    if json_out:
        people = [terminal.masked(p, show_nik) for p in profile["people"]]
        terminal.emit_record({**coop, **profile, "people": people}, fmt="json")
        return
    terminal.emit_record(coop, title=f"Cooperative {coop['id']}")
    b, p = profile["bpjs"], profile["pkspkb"]
    reg = f"since {b['registered_on']}" if b["registered"] else "not registered"
    cov = terminal.pct(b["coverage"]) or "-"
    terminal.emit_record(
        {"BPJS Ketenagakerjaan": reg, "state": b["state"], "in scope": b["in_scope"], "enrolled": b["enrolled"],
         "coverage": cov, "lacking programmes": b["missing_programmes"],
         "PKS-PKB": "member" if p["member"] else "not a member"},
        title=f"Status on {day}",
    )
    terminal.emit_rows(
        profile["people"],
        [Col("nik", "NIK", no_wrap=True), Col("name", "Name"), Col("role", "Role"), Col("since", "Since", no_wrap=True),
         Col("enrolled_on", "Enrolled", no_wrap=True), Col("kpj", "KPJ", no_wrap=True), Col("category", "Cat."),
         Col("programmes", "Programmes"), Col("missing_programmes", "Lacking", color=lambda v: "yellow" if v else None)],
        reveal=show_nik, title="People and their enrollment", empty="no people registered on that date",
    )


@app.command("edit")
def edit(
    ref: RefArg,
    name: NameOpt = None,
    kind: KindOpt = None,
    base: BaseOpt = None,
    kecamatan: KecamatanOpt = None,
    desa: DesaOpt = None,
    legal_no: LegalOpt = None,
    nik_koperasi: NikKopOpt = None,
    address: AddressOpt = None,
    size: SizeOpt = None,
    status: Annotated[Optional[str], typer.Option("--status", help="active or inactive.")] = None,
    note: NoteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change fields of a cooperative; fields not given stay as they are.

    Example:

    \b
      koptrack coop edit 1 --base karyawan --legal-no "518/BH/XII/2004"
    """
    with db_session("coop edit", write=True) as session:
        from koptrack.core import coops

        coop = coops.edit_coop(
            session, ref, name=name, kind=kind, base=base, kecamatan=kecamatan, desa=desa, legal_no=legal_no,
            nik_koperasi=nik_koperasi, address=address, employer_size=size, status=status, note=note,
        )
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        terminal.info(f"updated cooperative {coop['id']}: {coop['name']}")


@app.command("deactivate")
def deactivate(ref: RefArg, json_out: JsonOpt = False) -> None:
    """Mark a cooperative inactive (dissolved or dormant). Its history is kept.

    Example:

    \b
      koptrack coop deactivate 12
    """
    with db_session("coop deactivate", write=True) as session:
        from koptrack.core import coops

        coop = coops.deactivate_coop(session, ref)
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        terminal.info(f"cooperative {coop['id']} {coop['name']} is now inactive")
