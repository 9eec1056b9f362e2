"""What every command shares: the database option's value, output options, and one session per
command with KoptrackError turned into `error: ...` and exit 1."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import typer

from koptrack import i18n
from koptrack.cli import complete
from koptrack.errors import KoptrackError
from koptrack.i18n import _, ngettext
from koptrack.io import terminal


@dataclass
class State:
    db: str | None = None


STATE = State()

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for programs instead of a table.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet) instead of a table.")]
ShowNikOpt = Annotated[
    bool,
    typer.Option(
        "--show-nik", help="Show NIK and KPJ in full. They are personal data (UU 27/2022): masked by default."
    ),
]
CoopOpt = Annotated[
    str,
    typer.Option(
        "--coop",
        help="Cooperative: its id, or its name (an unambiguous part will do).",
        autocompletion=complete.cooperatives,
    ),
]
NikOpt = Annotated[str, typer.Option("--nik", help="The person's 16-digit NIK (Nomor Induk Kependudukan).")]
OnOpt = Annotated[str, typer.Option("--on", help="Date of the event: 2021-03-16 or 16/03/2021.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="Report date: 2021-12-31 or 31/12/2021 (default: today).")]
KindOpt = Annotated[
    str | None,
    typer.Option(
        "--kind", help="Kind of cooperative: ksp, produsen, konsumen, pemasaran, jasa.", autocompletion=complete.kinds
    ),
]
BaseOpt = Annotated[
    str | None,
    typer.Option("--base", help="Membership base: karyawan, masyarakat, unknown.", autocompletion=complete.bases),
]
RegencyOpt = Annotated[
    str | None,
    typer.Option(
        "--regency",
        envvar="KOPTRACK_REGENCY",
        show_envvar=True,
        help="Only this regency, e.g. 32.15 (Karawang); 'all' for the whole database.",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output file if it exists.")]
ConfirmOpt = Annotated[
    bool, typer.Option("--confirm", help="Record it although it looks improbable (an age, a date) after checking it.")
]
XlsxOpt = Annotated[
    str | None, typer.Option("--xlsx", help="Also write the report to this Excel file (one sheet per section).")
]
KecamatanOpt = Annotated[
    str | None,
    typer.Option(
        "--kecamatan",
        help="Kecamatan by name or code: Klari, 'Kec. Klari', 32.15.05.",
        autocompletion=complete.kecamatan,
    ),
]


def fmt_of(json_out: bool = False, csv_out: bool = False) -> str:
    """The output format the options ask for: table (default), json or csv."""
    if json_out and csv_out:
        fail(_("choose one of --json and --csv"))
    return "json" if json_out else "csv" if csv_out else "table"


def day(value: Any) -> str:
    """A date in a message, as the language writes it (16/03/2021, 2021-03-16); `value` a date
    or an ISO text (a record's field); anything else as it is."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return i18n.date(value)
    return str(value)


def count(n: int) -> str:
    """A count in a message: `1,234` in English (as these messages always wrote it), `1.234` in
    Indonesian."""
    return f"{n:,}" if i18n.language() == "en" else i18n.number(n)


def fail(message: str, hint: str | None = None) -> NoReturn:
    terminal.error(message, hint)
    raise typer.Exit(1)


@contextlib.contextmanager
def db_session(
    command: str, *, write: bool = False
) -> Iterator[Any]:  # a sqlmodel Session (cli/ does not import the database layer)
    """Open the database (upgrading its schema), yield one session in one transaction. Only a
    command that writes creates a database that does not exist yet (and says so on stderr); for
    the others a missing database is an error naming the path.

    A KoptrackError anywhere inside becomes one `error:` line on stderr and exit 1; the
    transaction is rolled back, so the database is exactly as it was.
    """
    try:
        from koptrack import store
        from koptrack.core import audit

        audit.set_command(command)
        engine = store.open_engine(
            STATE.db, on_upgrade=upgrade_notice, create=write, on_create=created_notice, on_notice=terminal.warn
        )
        imports_done()
        try:
            with store.session_scope(engine, write=write) as session:
                yield session
        except Exception as exc:
            refused = store.refusal(exc)
            if refused is None:
                raise
            raise refused from None
        finally:
            engine.dispose()
    except KoptrackError as exc:
        fail(exc.message, exc.hint)


def imports_done() -> None:
    """The long-lived objects exist now: keep the collector off them (gc.freeze), and on for
    whatever the command itself creates (main() turned it off during the imports)."""
    if not gc.isenabled():  # only a real run (main()) turns it off; tests leave it alone
        gc.freeze()
        gc.enable()


def created_notice(path: str) -> None:
    terminal.info(_("created a new database at {path}").format(path=path))


def upgrade_notice(old: str, new: str) -> None:
    terminal.info(
        _("upgrading the database schema from revision {old} to {new} (once; a large database takes a minute)").format(
            old=old, new=new
        )
    )


@contextlib.contextmanager
def user_errors(command: str | None = None) -> Iterator[None]:
    """For commands that open the database themselves, or not at all: KoptrackError ->
    `error:` and exit 1. `command` names the command in the audit log of what it writes."""
    imports_done()
    try:
        if command is not None:
            from koptrack.core import audit

            audit.set_command(command)
        yield
    except KoptrackError as exc:
        fail(exc.message, exc.hint)


def write_workbook(
    path: str,
    sections: list[Any],
    *,
    fmt: str = "xlsx",
    reveal: bool = False,
    force: bool = False,
    delimiter: str = ",",
    on_written: Any = None,
) -> None:
    """Write a report's sections to a file (io/writers: never over an existing file without
    force, never over the database itself) and say what was written. `on_written(counts)`: run
    when the file is complete, before it takes its name (a failure there leaves no file)."""
    from koptrack import store
    from koptrack.io import writers

    path_of_db = store.sqlite_file(store.resolve_url(STATE.db))
    protect = () if path_of_db is None else (path_of_db,)
    counts = writers.write(
        path, sections, fmt, reveal=reveal, force=force, protect=protect, delimiter=delimiter, on_written=on_written
    )
    parts = ", ".join(
        ngettext("{title}: {n} row", "{title}: {n} rows", n).format(title=title, n=i18n.number(n))
        for title, n in counts.items()
    )
    terminal.info(_("wrote {path} ({parts})").format(path=path, parts=parts))


def record_reveal(
    command: str,
    what: str,
    *,
    people: int | list[dict],
    rows: int | None = None,
    coop: object = None,
    to: str | None = None,
    session: Any = None,
) -> None:
    """Record that a command shows NIKs and KPJs in full (--show-nik), in a transaction of its
    own, before anything is shown: if it cannot be recorded (a role that may not write), the
    command fails and reveals nothing. `people`: their number, or the rows shown (counted by NIK).
    `session`: the command's own write session, when it writes anyway (a second writer would
    wait for it on SQLite); the entry is then committed with the command's changes."""
    from koptrack.core import audit

    if not isinstance(people, int):
        rows = len(people) if rows is None else rows
        people = len({r.get("nik") for r in people if r.get("nik")})
    if session is not None:
        audit.record_reveal(session, what, people=people, rows=rows, coop=coop, to=to)
        return
    with db_session(command, write=True) as own:
        audit.record_reveal(own, what, people=people, rows=rows, coop=coop, to=to)
