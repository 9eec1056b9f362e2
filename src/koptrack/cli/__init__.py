"""The `koptrack` command line: one Typer sub-app per command group, loaded when it is used.

Nothing here imports SQLAlchemy or SQLModel at import time, and the command groups themselves
are imported only when named: `koptrack --help` lists them from the table below without
building the thirty-odd commands behind them, so it stays about as fast as `import typer`.
`tests/test_cli_lazy.py` checks that this table's short help matches each group's own.
"""

from __future__ import annotations

import gc
import importlib
import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from koptrack import __version__
from koptrack.cli.common import STATE, fail

# name -> (module, attribute: a Typer sub-app or a command function, short help for --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "seed": ("koptrack.cli.seed", "seed", "Load the seed: kecamatan, programmes, the article's..."),
    "log": ("koptrack.cli.log", "log", "Show the audit trail: every change, with time (UTC), user,..."),
    "undo": ("koptrack.cli.undo", "undo", "Reverse a change: your last one, or the one numbered in..."),
    "coop": ("koptrack.cli.coop", "app", "Register cooperatives and look after their records."),
    "worker": ("koptrack.cli.worker", "app", "Register a cooperative's employees and members, and their..."),
    "bpjs": ("koptrack.cli.bpjs", "app", "BPJS Ketenagakerjaan: register cooperatives, enroll their..."),
    "pkspkb": ("koptrack.cli.pkspkb", "app", "PKS-PKB: cooperatives in the motor-vehicle-tax cooperation..."),
    "targets": ("koptrack.cli.targets", "app", "Targets per year and the figures against them."),
    "import": ("koptrack.cli.imports", "app", "Import cooperatives and people from CSV or Excel (.xlsx) files."),
    "export": ("koptrack.cli.export", "app", "Write data or a report to a file: CSV, JSON or Excel (xlsx)."),
    "kecamatan": ("koptrack.cli.kecamatan", "app", "The kecamatan (sub-districts) cooperatives are registered in."),
    "db": ("koptrack.cli.db", "app", "Look after the database: backup, restore, check."),
}


def load_command(name: str):
    """The Click command for one entry of COMMANDS, built from its module."""
    module, attr, _ = COMMANDS[name]
    obj = getattr(importlib.import_module(module), attr)
    command: Any
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(obj)  # a group even with one command (kecamatan list)
    else:
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    _plain_help(command)
    return command


def _plain_help(command) -> None:
    """Plain Click help everywhere, as the top level has (rich_markup_mode=None): faster, and
    the `\b` example blocks stay as written."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


class _LazyGroup(TyperGroup):
    def parse_args(self, ctx, args):
        _refuse_undecodable(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # Click's usage errors echo what was typed ("Got unexpected extra argument(s)
            # (3215...)", "No such command"): a NIK or KPJ in them is masked like every message.
            message = getattr(exc, "message", None)
            if isinstance(message, str) and hasattr(exc, "show"):
                from koptrack.report import scrub

                usage_error: Any = exc  # one of Click's errors (they carry `message` and `show`)
                usage_error.message = scrub(message)
            raise

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        return load_command(name) if name in COMMANDS else None

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])


# Environment variables koptrack reads its options from.
ENVIRONMENT = ("KOPTRACK_DB", "KOPTRACK_REGENCY")


def _refuse_undecodable(args: list[str]) -> None:
    """An argument (or KOPTRACK_DB, KOPTRACK_REGENCY) holding bytes that are not UTF-8 arrives
    with them as lone surrogates (Python's surrogateescape): it could be neither stored, compared
    nor shown. One `error:` line naming it, exit 1, before anything is opened."""
    given = [(f"argument {i}", arg) for i, arg in enumerate(args, 1)]
    given += [(name, os.environ[name]) for name in ENVIRONMENT if name in os.environ]
    for where, text in given:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            try:
                shown = text.encode("utf-8", "surrogateescape").decode("ascii", "backslashreplace")
            except UnicodeEncodeError:
                shown = text.encode("unicode_escape").decode("ascii")
            fail(
                f"{where} '{shown[:80]}' is not UTF-8 text (its bytes are shown as \\x..)",
                hint="type it again in a UTF-8 terminal; rename a file whose name is in another encoding",
            )


app = typer.Typer(
    cls=_LazyGroup,
    name="koptrack",
    help=(
        "Track cooperatives' BPJS Ketenagakerjaan enrollment and PKS-PKB membership against "
        "the office's yearly targets.\n\n"
        "Start with:  koptrack seed  then  koptrack coop list"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"koptrack {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="KOPTRACK_DB",
            help=(
                "Database: a file path or an SQLAlchemy URL. Default: koptrack.db in your user data folder. "
                "Only a command that writes (seed, coop add, import) creates a new one."
            ),
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    STATE.db = db


def main() -> None:
    # A command runs for a second or two: the garbage collector would only walk the objects the
    # imports create (SQLAlchemy, SQLModel, pydantic), during import and once more at exit.
    # It stays off until the imports are done (common.imports_done); measured 0.2 s per command.
    gc.disable()
    app()
