"""`koptrack worker ...`: a cooperative's people, employees (karyawan) and members (anggota)."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack.cli.common import AsOfOpt, CoopOpt, CsvOpt, JsonOpt, NikOpt, OnOpt, ShowNikOpt, db_session, fmt_of
from koptrack.io import terminal
from koptrack.report import masked

app = typer.Typer(help="Register a cooperative's employees and members, and their departures.", no_args_is_help=True)


@app.command("add")
def add(
    coop: CoopOpt,
    nik: NikOpt,
    name: Annotated[str, typer.Option("--name", help="Full name as on the KTP.")],
    role: Annotated[str, typer.Option("--role", help="karyawan (employee / pengelola) or anggota (member).")],
    since: Annotated[str, typer.Option("--since", help="First day: 2021-03-16 or 16/03/2021.")],
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Register a person as employee or member of a cooperative. Gender and birth date come from the NIK.

    Example:

    \b
      koptrack worker add --coop "Makmur Mandiri" --nik 3215054512900001 \
        --name "Siti Aminah" --role karyawan --since 2020-01-02
    """
    with db_session("worker add", write=True) as session:
        from koptrack.core import people

        row = people.add_worker(session, coop, nik=nik, name=name, role=role, since=since)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(
            f"{row['name']} ({masked(row, show_nik)['nik']}) is {row['role']} of {row['coop']} since {row['since']}"
        )


@app.command("list")
def list_(
    coop: CoopOpt,
    role: Annotated[str | None, typer.Option("--role", help="Only karyawan or only anggota.")] = None,
    as_of: AsOfOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Every period, including people who have left.")] = False,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """List the people of a cooperative engaged on a date (default today). NIKs are masked.

    Examples:

    \b
      koptrack worker list --coop 1
      koptrack worker list --coop 1 --role karyawan --as-of 2021-12-31 --json
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("worker list") as session:
        from koptrack.core import views

        view = views.worker_list(session, coop, role=role, as_of=as_of, include_left=all_)
    terminal.show(view, fmt, reveal=show_nik)


@app.command("leave")
def leave(
    coop: CoopOpt,
    nik: NikOpt,
    on: OnOpt,
    role: Annotated[str | None, typer.Option("--role", help="End only this role (default: every open role).")] = None,
    json_out: JsonOpt = False,
    show_nik: ShowNikOpt = False,
) -> None:
    """Record that a person left a cooperative on a date (no longer engaged from that day).
    Their BPJS enrollment through that cooperative ends the same day.

    Example:

    \b
      koptrack worker leave --coop 1 --nik 3215054512900001 --on 2022-06-30
    """
    with db_session("worker leave", write=True) as session:
        from koptrack.core import people

        row = people.leave(session, coop, nik=nik, on=on, role=role)
    if json_out:
        terminal.emit_record(row, fmt="json", reveal=show_nik)
    else:
        terminal.info(
            f"{row['name']} left {row['coop']} on {row['until']}"
            + (f"; {row['enrollments_ended']} enrollment(s) ended" if row["enrollments_ended"] else "")
        )
