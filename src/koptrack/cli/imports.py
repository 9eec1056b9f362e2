"""`koptrack import coops|people|registrations|pkspkb|targets FILE`: bring the office's
spreadsheets in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from koptrack import i18n
from koptrack.cli import complete
from koptrack.cli.common import JsonOpt, db_session
from koptrack.i18n import N_, _
from koptrack.io import terminal

app = typer.Typer(
    help="Import cooperatives and people from CSV or Excel (.xlsx) files.\n\n"
    "And the office's other lists in bulk: BPJS registrations, PKS-PKB memberships, targets.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="A .csv (comma or semicolon, UTF-8 or Windows-1252) or .xlsx file.")]
SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Worksheet of an .xlsx file (default: the first).")]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option(
        "--errors",
        help="Write the rejected rows, with every reason, to this CSV (the input's delimiter) to fix and re-import.",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the --errors file if it exists.")]
SkipOpt = Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows and leave out the bad ones.")]
EncodingOpt = Annotated[
    str | None, typer.Option("--encoding", help="Text encoding of a CSV (default: detected, UTF-8 or cp1252).")
]


# What an import creates (the keys of ImportResult.created), as the summary line counts them.
CREATED = {
    "cooperatives": N_("{n} cooperatives"),
    "people": N_("{n} people"),
    "engagements": N_("{n} engagements"),
    "enrollments": N_("{n} enrollments"),
    "registrations": N_("{n} registrations"),
    "memberships": N_("{n} memberships"),
    "targets": N_("{n} targets"),
}


def _count(n: int) -> str:
    """A count in a message: 1,234 in English (as always), 1.234 in Indonesian."""
    return f"{n:,}" if i18n.language() == "en" else i18n.number(n)


def _report(result: Any, json_out: bool) -> None:
    if json_out:
        terminal.emit_record(result.as_dict(), fmt="json")
        return
    made = ", ".join(
        _(CREATED[k]).format(n=_count(n)) if k in CREATED else f"{_count(n)} {k}" for k, n in result.created.items()
    )
    parts = [
        _("{file}: {rows} rows read").format(file=result.file, rows=_count(result.rows)),
        _("created {what}").format(what=made),
        _("{n} unchanged").format(n=_count(result.unchanged)),
    ]
    if result.updated:
        parts.append(_("{n} changed").format(n=_count(result.updated)))
    if result.ended:
        parts.append(_("{n} periods ended").format(n=_count(result.ended)))
    if result.invalid:
        parts.append(_("{n} invalid rows left out").format(n=_count(result.invalid)))
    terminal.info("; ".join(parts))


def _show_errors(result: Any) -> None:
    """The first refused rows as a table on stderr, and how many more there are."""
    from koptrack.core import views

    section, more = views.refused_rows(result)
    terminal.show_section(section, stderr=True)
    if more:
        terminal.info(_("... and {n} more rows (write them all with --errors FILE)").format(n=_count(more)))


def _refused_in(n: int, path: Path) -> str:
    return _("the {n} refused rows are in {path}").format(n=_count(n), path=path)


def _run(kind: str, file: Path, json_out: bool, errors: Path | None, **kwargs: Any) -> None:
    with db_session(f"import {kind}", write=True) as session:
        from koptrack.core import imports

        fn = imports.IMPORTS[kind]
        try:
            with terminal.progress(_("importing {file}").format(file=file.name), enabled=not json_out) as progress:
                result = fn(session, file, errors_path=errors, progress=progress, **kwargs)
        except imports.ImportRejected as exc:
            if json_out:
                terminal.emit_record(exc.result.as_dict(), fmt="json")
            else:
                _show_errors(exc.result)
            if errors:
                terminal.info(_refused_in(exc.result.invalid, errors))
            raise
    _report(result, json_out)
    if errors and result.invalid:
        terminal.info(_refused_in(result.invalid, errors))
    elif result.invalid and not json_out:
        _show_errors(result)


@app.command("people")
def people(
    file: FileArg,
    coop: Annotated[
        str | None,
        typer.Option(
            "--coop",
            autocompletion=complete.cooperatives,
            help="The cooperative of every row (id or name), when the file has no cooperative column.",
        ),
    ] = None,
    sheet: SheetOpt = None,
    errors: ErrorsOpt = None,
    force: ForceOpt = False,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = None,
    confirm: Annotated[
        bool,
        typer.Option("--confirm", help="Import improbable ages (an employee under 15...) after checking them."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Import employees and members: NIK, Nama, Peran (karyawan/anggota) or Jabatan, Tanggal Masuk.

    A cooperative column (Koperasi, ID Koperasi or NIK Koperasi) or --coop says whose they are.
    A job title in the Jabatan column (Ketua, Kasir, Staf, Karyawan Tetap, ...) means an employee,
    and is kept as the position. A Tgl Keluar (Tanggal Berhenti, until) column records that a
    person left; a list of departures (NIK, Nama, Tgl Keluar, no Tgl Masuk) ends the recorded
    engagements, as `worker leave` does, and their enrollments through the cooperative with them.
    Optional columns No KPJ, Tanggal BPJS, Program and Kategori enroll them in BPJS
    Ketenagakerjaan in the same step. Title rows above the header row are skipped; dates may be
    written 2021-03-16, 16/03/2021, 16.03.2021 or 16 Maret 2021. All or nothing: one bad row and
    nothing is written, unless --skip-invalid. Importing the same file twice changes nothing, and
    so does importing a `koptrack export people --show-nik` file into the database it came from.
    The rules of `worker add` and `bpjs enroll` hold for every row: nobody starts before birth,
    an improbable age needs --confirm, an enrollment needs the cooperative's BPJS registration.

    Examples:

    \b
      koptrack import people karyawan-maju-bersama.xlsx --coop "KSP Maju Bersama"
      koptrack import people roster.csv --errors ditolak.csv
      koptrack import people keluar-2022.csv --coop "KSP Maju Bersama"
    """
    _run(
        "people",
        file,
        json_out,
        errors,
        coop=coop,
        sheet=sheet,
        encoding=encoding,
        skip_invalid=skip_invalid,
        force=force,
        confirm=confirm,
    )


@app.command("coops")
def coops(
    file: FileArg,
    sheet: SheetOpt = None,
    errors: ErrorsOpt = None,
    force: ForceOpt = False,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import cooperatives: Nama Koperasi, Jenis, Kecamatan, and optional Basis, Desa,
    No Badan Hukum, NIK Koperasi, Alamat, Skala, Keterangan, Label (Jenis Koperasi).

    Jenis is one of ksp, produsen, konsumen, pemasaran, jasa (or produksi, konsumsi, KSPPS,
    syariah); a label of purpose or group (KSU, KUD, KPRI, Kopwan, Kopkar) goes in a Label
    column beside the kind.

    A cooperative already registered with the same name in the same kecamatan is left as it is.

    Examples:

    \b
      koptrack import coops daftar-koperasi.xlsx
      koptrack import coops koperasi.csv --errors ditolak.csv
    """
    _run("coops", file, json_out, errors, sheet=sheet, encoding=encoding, skip_invalid=skip_invalid, force=force)


@app.command("registrations")
def registrations(
    file: FileArg,
    sheet: SheetOpt = None,
    errors: ErrorsOpt = None,
    force: ForceOpt = False,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import cooperatives' BPJS Ketenagakerjaan registrations: Koperasi (id, name or NIK
    koperasi), Tanggal Daftar, and optional NPP, Kantor Cabang, Keterangan.

    Each row is `koptrack bpjs register` for its cooperative, by the same rules: a date not in
    the future, an NPP of 8 letters or digits, the cooperative active on that day and not
    registered already. A registration recorded from the same day is left as it is: importing
    the same file twice changes nothing. Title rows, dates and delimiters as for `import people`;
    all or nothing unless --skip-invalid.

    Examples:

    \b
      koptrack import registrations pendaftaran-bpjs.xlsx
      koptrack import registrations npp-koperasi.csv --errors ditolak.csv
    """
    _run(
        "registrations", file, json_out, errors, sheet=sheet, encoding=encoding, skip_invalid=skip_invalid, force=force
    )


@app.command("pkspkb")
def pkspkb(
    file: FileArg,
    sheet: SheetOpt = None,
    errors: ErrorsOpt = None,
    force: ForceOpt = False,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import PKS-PKB memberships: Koperasi (id, name or NIK koperasi), Tanggal Bergabung, and
    optional Tanggal Keluar, No Perjanjian, Keterangan.

    Each row is `koptrack pkspkb join` for its cooperative, by the same rules (a date not in the
    future, the cooperative active on that day and not a member already), and a Tanggal Keluar
    ends the membership that began on Tanggal Bergabung, as `koptrack pkspkb leave`. A membership
    recorded with the same dates is left as it is: importing the same file twice changes nothing,
    and so does importing a `koptrack export pkspkb` file into the database it came from. All or
    nothing unless --skip-invalid.

    Examples:

    \b
      koptrack import pkspkb anggota-pkspkb-2022.xlsx
      koptrack import pkspkb pks.csv --errors ditolak.csv
    """
    _run("pkspkb", file, json_out, errors, sheet=sheet, encoding=encoding, skip_invalid=skip_invalid, force=force)


@app.command("targets")
def targets(
    file: FileArg,
    sheet: SheetOpt = None,
    errors: ErrorsOpt = None,
    force: ForceOpt = False,
    skip_invalid: SkipOpt = False,
    encoding: EncodingOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import yearly targets: Tahun, Indikator, Target, and optional Jenis, Basis, Kabupaten,
    Keterangan.

    Each row is `koptrack targets set`: Indikator is bpjs.registered_coops,
    bpjs.enrolled_people, pkspkb.joined or pkspkb.members; Jenis and Basis give the segment
    (empty or semua: all); Kabupaten a regency code like 32.15 (empty: the whole database). A
    target already set is changed to the file's value; one with the same value is left as it is.
    All or nothing unless --skip-invalid.

    Examples:

    \b
      koptrack import targets target-2023.xlsx
      koptrack import targets renstra.csv --errors ditolak.csv
    """
    _run("targets", file, json_out, errors, sheet=sheet, encoding=encoding, skip_invalid=skip_invalid, force=force)
