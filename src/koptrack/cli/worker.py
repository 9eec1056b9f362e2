"""`koptrack worker ...`: a cooperative's people, employees (karyawan) and members (anggota)."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli import complete
from koptrack.cli.common import (
    AsOfOpt,
    ConfirmOpt,
    CoopOpt,
    CsvOpt,
    JsonOpt,
    NikOpt,
    OnOpt,
    ShowNikOpt,
    day,
    db_session,
    fmt_of,
    record_reveal,
)
from koptrack.i18n import _
from koptrack.io import terminal
from koptrack.report import masked

app = typer.Typer(help="Register a cooperative's employees and members, and their departures.", no_args_is_help=True)


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
NewSinceOpt = Annotated[str | None, typer.Option("--new-since", help="Correct the first day.")]
NewUntilOpt = Annotated[
    str | None, typer.Option("--new-until", help="Correct the end (the first day no longer engaged), or 'open'.")
]


@app.command("add")
def add(
    coop: CoopOpt,
    nik: NikOpt,
    name: Annotated[str, typer.Option("--name", help="Full name as on the KTP.")],
    role: Annotated[
        str,
        typer.Option(
            "--role", autocompletion=complete.roles, help="karyawan (employee / pengelola) or anggota (member)."
        ),
    ],
    since: Annotated[str, typer.Option("--since", help="First day: 2021-03-16 or 16/03/2021.")],
    position: Annotated[
        str | None, typer.Option("--position", help="Job title (jabatan) of a karyawan: Ketua, Kasir, Staf...")
    ] = None,
    confirm: ConfirmOpt = False,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Register a person as employee or member of a cooperative. Gender and birth date come from the NIK.

    A start before the birth date is refused; an employee under 15, a member under 17 or anyone
    over 100 is almost surely a typing error, and is recorded only with --confirm.

    Examples:

    \b
      koptrack worker add --coop 12 --nik 3215054512900001 --name "Siti Aminah" --role karyawan --since 2020-01-02
      koptrack worker add --coop 12 --nik 3215055203900001 --name "Dewi Lestari" --role anggota --since 2021-01-04
    """
    with db_session("worker add", write=True) as session:
        from koptrack.core import people

        row = people.add_worker(
            session, coop, nik=nik, name=name, role=role, since=since, position=position, confirm=confirm
        )
    for warning in row["warnings"]:
        terminal.warn(warning)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(
            _("{name} ({nik}) is {role} of {coop} since {day}").format(
                name=row["name"],
                nik=masked(row, show_nik)["nik"],
                role=row["role"],
                coop=row["coop"],
                day=day(row["since"]),
            ),
            reveal=show_nik,
        )


@app.command("list")
def list_(
    coop: CoopOpt,
    role: Annotated[
        str | None, typer.Option("--role", autocompletion=complete.roles, help="Only karyawan or only anggota.")
    ] = None,
    as_of: AsOfOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every period, including people who have left.")] = False,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """List the people of a cooperative engaged on a date (default today). NIKs are masked;
    a list with --show-nik is recorded in `koptrack log` (who, when, how many people).

    Examples:

    \b
      koptrack worker list --coop 1
      koptrack worker list --coop 1 --role karyawan --as-of 2021-12-31 --json
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("worker list") as session:
        from koptrack.core import views

        view = views.worker_list(session, coop, role=role, as_of=as_of, include_left=all_)
    if show_nik:
        people = list(view.sections[0].rows)
        record_reveal("worker list", "NIK in full", people=people, coop=coop)
    terminal.show(view, fmt, reveal=show_nik)


@app.command("leave")
def leave(
    coop: CoopOpt,
    nik: PersonOpt,
    on: OnOpt,
    role: Annotated[
        str | None,
        typer.Option("--role", autocompletion=complete.roles, help="End only this role (default: every open role)."),
    ] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Record that a person left a cooperative on a date (no longer engaged from that day).
    Their BPJS enrollment through that cooperative ends the same day.

    The person: their NIK, or their name as `worker list` shows it.

    Examples:

    \b
      koptrack worker leave --coop "KSP Contoh Sejahtera" --nik 3215054512900001 --on 2022-06-30
      koptrack worker leave --coop "KSP Contoh Sejahtera" --nik "Siti Aminah" --on 2022-06-30
    """
    with db_session("worker leave", write=True) as session:
        from koptrack.core import people

        row = people.leave(session, coop, nik=nik, on=on, role=role)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        left = dict(name=row["name"], coop=row["coop"], day=day(row["until"]), n=row["enrollments_ended"])
        if row["enrollments_ended"]:
            terminal.info(_("{name} left {coop} on {day}; {n} enrollment(s) ended").format(**left))
        else:
            terminal.info(_("{name} left {coop} on {day}").format(**left))


@app.command("edit")
def edit(
    nik: PersonOpt,
    coop: Annotated[
        str | None,
        typer.Option(
            "--coop",
            autocompletion=complete.cooperatives,
            help="Cooperative (id or name): needed for a name, or to edit a period.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Correct the name (as on the KTP).")] = None,
    new_nik: Annotated[
        str | None, typer.Option("--new-nik", help="Correct a mistyped NIK: sex and birth date follow it.")
    ] = None,
    since: SinceSelectOpt = None,
    role: Annotated[
        str | None, typer.Option("--role", autocompletion=complete.roles, help="Which period: of this role.")
    ] = None,
    new_since: NewSinceOpt = None,
    new_until: NewUntilOpt = None,
    new_role: Annotated[str | None, typer.Option("--new-role", help="Correct the role: karyawan or anggota.")] = None,
    position: Annotated[str | None, typer.Option("--position", help="The job title (Ketua, Kasir, Staf...).")] = None,
    confirm: ConfirmOpt = False,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Correct a person entered in error (name, NIK), or one of their engagements (dates, role).

    Sex and birth date come from the NIK: correct the NIK and they follow. The change is in
    `koptrack log` with the old and new values, and `koptrack undo` reverses it.

    Examples:

    \b
      koptrack worker edit --nik 3215054512900001 --name "Siti Aminah Putri"
      koptrack worker edit --nik 3215054512900001 --new-nik 3215055212900001
      koptrack worker edit --coop "KSP Contoh Sejahtera" --nik "Siti Aminah" --since 2021-01-04 --new-since 2021-01-11
      koptrack worker edit --coop "KSP Contoh Sejahtera" --nik "Siti Aminah" --new-until open
    """
    with db_session("worker edit", write=True) as session:
        from koptrack.core import corrections

        row = corrections.edit_worker(
            session,
            nik,
            coop=coop,
            name=name,
            new_nik=new_nik,
            since=since,
            role=role,
            new_since=new_since,
            new_until=new_until,
            new_role=new_role,
            position=position,
            confirm=confirm,
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
    role: Annotated[
        str | None, typer.Option("--role", autocompletion=complete.roles, help="Which period: of this role.")
    ] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Remove an engagement entered in error (not a departure: that is `worker leave`).

    Refused while an enrollment lies within it (remove that first: `koptrack bpjs remove`). A
    person left with no other record is removed too. `koptrack undo` puts it back.

    Example:

    \b
      koptrack worker remove --coop "KSP Contoh Sejahtera" --nik 3215054512900001 --since 2021-01-04
    """
    with db_session("worker remove", write=True) as session:
        from koptrack.core import corrections

        row = corrections.remove_engagement(session, coop, nik, since=since, role=role, reveal=show_nik)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(row["message"], reveal=show_nik)
