"""`koptrack coop ...`: register and look after cooperatives."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli import complete
from koptrack.cli.common import (
    AsOfOpt,
    BaseOpt,
    CsvOpt,
    JsonOpt,
    KecamatanOpt,
    KindOpt,
    RegencyOpt,
    ShowNikOpt,
    day,
    db_session,
    fmt_of,
    record_reveal,
)
from koptrack.i18n import _
from koptrack.io import terminal

app = typer.Typer(help="Register cooperatives and look after their records.", no_args_is_help=True)

NameOpt = Annotated[str | None, typer.Option("--name", help="New name.")]
DesaOpt = Annotated[str | None, typer.Option("--desa", help="Desa / kelurahan.")]
LegalOpt = Annotated[str | None, typer.Option("--legal-no", help="Legal-entity number (518/BH/... or AHU-...).")]
NikKopOpt = Annotated[str | None, typer.Option("--nik-koperasi", help="Nomor Induk Koperasi, 16 digits (ODS).")]
AddressOpt = Annotated[str | None, typer.Option("--address", help="Street address.")]
SizeOpt = Annotated[
    str | None, typer.Option("--size", help="Employer size for BPJS minimum programmes: micro, small, medium, large.")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Free note.")]
LabelOpt = Annotated[
    str | None,
    typer.Option("--label", help="The office's label of purpose or group, kept beside the kind: KUD, KPRI, Kopwan."),
]
RefArg = Annotated[str, typer.Argument(help="Cooperative id or name.")]


@app.command("add")
def add(
    name: Annotated[
        str, typer.Argument(help='The cooperative\'s name, e.g. "KSP Contoh Sejahtera" (quote a name with spaces).')
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="ksp (simpan-pinjam), produsen, konsumen, pemasaran, jasa.", autocompletion=complete.kinds
        ),
    ],
    kecamatan: Annotated[
        str,
        typer.Option(
            "--kecamatan", help="Kecamatan by name or code: Klari, 32.15.05.", autocompletion=complete.kecamatan
        ),
    ],
    base: Annotated[str, typer.Option("--base", help="karyawan (kopkar), masyarakat, or unknown.")] = "unknown",
    desa: DesaOpt = None,
    legal_no: LegalOpt = None,
    nik_koperasi: NikKopOpt = None,
    address: AddressOpt = None,
    size: SizeOpt = None,
    label: LabelOpt = None,
    note: NoteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Register a cooperative and print its new id. Quote a name with spaces.

    Examples:

    \b
      koptrack coop add "KSP Contoh Sejahtera" --kind ksp --base masyarakat --kecamatan Klari
      koptrack coop add "KUD Contoh Tani" --kind pemasaran --label KUD --kecamatan "Cilamaya Wetan"
    """
    with db_session("coop add", write=True) as session:
        from koptrack.core import coops

        coop = coops.add_coop(
            session,
            name,
            kind=kind,
            kecamatan=kecamatan,
            base=base,
            desa=desa,
            legal_no=legal_no,
            nik_koperasi=nik_koperasi,
            address=address,
            employer_size=size,
            label=label,
            note=note,
        )
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        typer.echo(coop["id"])
        terminal.info(
            _("added cooperative {id}: {name} ({kind}, {kecamatan})").format(
                id=coop["id"], name=coop["name"], kind=coop["kind"], kecamatan=coop["kecamatan"]
            )
        )


@app.command("list")
def list_(
    kind: KindOpt = None,
    base: BaseOpt = None,
    kecamatan: KecamatanOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="active or inactive.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text to find in name, desa or legal number.")] = None,
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
        from koptrack.core import views

        view = views.coop_list(
            session, kind=kind, base=base, kecamatan=kecamatan, status=status, search=search, regency=regency
        )
        terminal.show(view, fmt)  # streamed: inside the session


@app.command("show")
def show(
    ref: RefArg,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Show one cooperative: its record, BPJS and PKS-PKB status, and its people's enrollments.

    With --show-nik (NIK and KPJ in full) it is recorded in `koptrack log`.

    Example:

    \b
      koptrack coop show "Makmur Mandiri" --as-of 2021-12-31
    """
    with db_session("coop show") as session:
        from koptrack.core import views

        view = views.coop_show(session, ref, as_of, reveal=show_nik)
    if show_nik:
        people = list(view.sections[0].rows)
        record_reveal("coop show", "NIK and KPJ in full", people=people, coop=(view.json or {}).get("id"))
    terminal.show(view, fmt_of(json_out), reveal=show_nik)


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
    status: Annotated[
        str | None, typer.Option("--status", help="active or inactive, from today (dated: coop deactivate/activate).")
    ] = None,
    label: LabelOpt = None,
    note: NoteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change fields of a cooperative; fields not given stay as they are.

    Examples:

    \b
      koptrack coop edit "KSP Contoh Sejahtera" --base karyawan --legal-no "518/BH/XII/2004"
      koptrack coop edit 12 --name "KSP Contoh Sejahtera Bersama"
    """
    with db_session("coop edit", write=True) as session:
        from koptrack.core import coops

        coop = coops.edit_coop(
            session,
            ref,
            name=name,
            kind=kind,
            base=base,
            kecamatan=kecamatan,
            desa=desa,
            legal_no=legal_no,
            nik_koperasi=nik_koperasi,
            address=address,
            employer_size=size,
            status=status,
            label=label,
            note=note,
        )
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        terminal.info(_("updated cooperative {id}: {name}").format(id=coop["id"], name=coop["name"]))


DayOpt = Annotated[str | None, typer.Option("--on", help="From this day: 2026-01-31 or 31/01/2026 (default: today).")]


@app.command("deactivate")
def deactivate(ref: RefArg, on: DayOpt = None, json_out: JsonOpt = False) -> None:
    """Mark a cooperative inactive from a date (dissolved or dormant). Its history is kept:
    reports for earlier dates count it as the active cooperative it was.

    Examples:

    \b
      koptrack coop deactivate 12
      koptrack coop deactivate "KSP Contoh Sejahtera" --on 2025-12-31
    """
    with db_session("coop deactivate", write=True) as session:
        from koptrack.core import coops

        coop = coops.deactivate_coop(session, ref, on=on)
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        terminal.info(
            _("cooperative {id} {name} is inactive from {day}").format(
                id=coop["id"], name=coop["name"], day=day(coop["inactive_since"])
            )
        )


@app.command("activate")
def activate(ref: RefArg, on: DayOpt = None, json_out: JsonOpt = False) -> None:
    """Mark an inactive cooperative active again from a date (default today).

    Example:

    \b
      koptrack coop activate "KSP Contoh Sejahtera" --on 2026-03-01
    """
    with db_session("coop activate", write=True) as session:
        from koptrack.core import coops

        coop = coops.activate_coop(session, ref, on=on)
    if json_out:
        terminal.emit_record(coop, fmt="json")
    else:
        terminal.info(
            _("cooperative {id} {name} is active again from {day}").format(
                id=coop["id"], name=coop["name"], day=day(coop["active_since"])
            )
        )
