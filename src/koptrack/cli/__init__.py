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

from koptrack import __version__, i18n, settings
from koptrack.cli import clicktext, complete
from koptrack.cli.common import STATE, fail
from koptrack.i18n import N_, _

# name -> (module, attribute: a Typer sub-app or a command function, short help for --help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "seed": ("koptrack.cli.seed", "seed", N_("Load the seed: kecamatan, programmes, the article's...")),
    "log": ("koptrack.cli.log", "log", N_("Show the audit trail: every change, with time (UTC), user,...")),
    "undo": ("koptrack.cli.undo", "undo", N_("Reverse a change: your last one, or the one numbered in...")),
    "coop": ("koptrack.cli.coop", "app", N_("Register cooperatives and look after their records.")),
    "worker": ("koptrack.cli.worker", "app", N_("Register a cooperative's employees and members, and their...")),
    "bpjs": ("koptrack.cli.bpjs", "app", N_("BPJS Ketenagakerjaan: register cooperatives, enroll their...")),
    "pkspkb": ("koptrack.cli.pkspkb", "app", N_("PKS-PKB: cooperatives in the motor-vehicle-tax cooperation...")),
    "targets": ("koptrack.cli.targets", "app", N_("Targets per year and the figures against them.")),
    "import": ("koptrack.cli.imports", "app", N_("Import cooperatives and people from CSV or Excel (.xlsx) files.")),
    "export": ("koptrack.cli.export", "app", N_("Write data or a report to a file: CSV, JSON or Excel (xlsx).")),
    "kecamatan": ("koptrack.cli.kecamatan", "app", N_("The kecamatan (sub-districts) cooperatives are registered in.")),
    "db": ("koptrack.cli.db", "app", N_("Look after the database: backup, restore, check.")),
    "trend": ("koptrack.cli.trend", "trend", N_("Figures over months, quarters or years, with their targets.")),
    "report": ("koptrack.cli.report", "report", N_("Write the year's report for the head of office, as PDF or...")),
    "config": ("koptrack.cli.config", "app", N_("Your own settings: the language, the database and the...")),
}


def load_command(name: str, *, translate: bool = True):
    """The Click command for one entry of COMMANDS, built from its module, its help texts in
    the language in force (`translate=False`: as written, for the catalog)."""
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
    if translate:
        translate_help(command)
        clicktext.use_formatter(command)
    return command


def translate_help(command) -> None:
    """The help texts of a command, its options and its subcommands, in the language in force
    (the catalog holds them as Click has them: scripts/catalog.py reads them from these objects)."""
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, i18n.help_text(text))
    for param in command.params:
        if getattr(param, "help", None):
            param.help = i18n.help_text(param.help)
    for sub in getattr(command, "commands", {}).values():
        translate_help(sub)


def _plain_help(command) -> None:
    """Plain Click help everywhere, as the top level has (rich_markup_mode=None): faster, and
    the `\b` example blocks stay as written."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


class _LazyGroup(TyperGroup):
    context_class = clicktext.Context

    def make_context(self, info_name, args, parent=None, **extra):
        args = choose_language(list(args))
        translate_help(self)  # the root's own help and options (the groups translate as they load)
        return super().make_context(info_name, args, parent, **extra)

    def parse_args(self, ctx, args):
        _refuse_undecodable(args)
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if hasattr(exc, "show"):
                clicktext.translated_show(exc)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if hasattr(exc, "show"):
                clicktext.translated_show(exc)
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
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, _(short)) for name, (_m, _a, short) in COMMANDS.items()])


def _global_options(args: list[str]) -> tuple[list[str], str | None, bool]:
    """`--lang X` and `--wide`, wherever they stand (`koptrack bpjs status --wide --lang id`),
    taken out of the arguments before Click parses them, so that even `--help` and Click's own
    errors speak the language; the rest of the arguments, the language asked for, and --wide."""
    rest: list[str] = []
    lang: str | None = None
    wide = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            lang = args[i + 1]
            i += 2
            continue
        if arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
        elif arg == "--wide":
            wide = True
        else:
            rest.append(arg)
        i += 1
    return rest, lang, wide


def choose_language(args: list[str]) -> list[str]:
    """Speak the language the user chose (settings.language: --lang, KOPTRACK_LANG, config,
    locale) and note --wide; the arguments without those two options."""
    from koptrack.io import terminal

    rest, lang, wide = _global_options(args)
    terminal.WIDE = wide
    if lang is not None and i18n.code_of(lang) is None:
        i18n.activate(settings.language().value or "en")
        fail(
            _("language '{value}' is not one koptrack speaks").format(value=lang),
            hint=_("choose id (Bahasa Indonesia) or en (English)"),
        )
    settings.in_force = settings.language(lang)
    machine = any(arg in ("--json", "--csv") for arg in rest[: rest.index("--") if "--" in rest else None])
    # --json and --csv on stdout are an interface for programs: the same in every language, the
    # messages they carry (an import's refused rows, a correction's summary) included
    i18n.activate("en" if machine else settings.in_force.value or "en")
    return rest


# Environment variables koptrack reads its options from.
ENVIRONMENT = ("KOPTRACK_DB", "KOPTRACK_REGENCY", "KOPTRACK_LANG")


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
                _("{where} '{text}' is not UTF-8 text (its bytes are shown as \\x..)").format(
                    where=where if not where.startswith("argument ") else _("argument {n}").format(n=where[9:]),
                    text=shown[:80],
                ),
                hint=_("type it again in a UTF-8 terminal; rename a file whose name is in another encoding"),
            )


app = typer.Typer(
    cls=_LazyGroup,
    name="koptrack",
    help=N_(
        "Track cooperatives' BPJS Ketenagakerjaan enrollment and PKS-PKB membership against "
        "the office's yearly targets.\n\n"
        "Start with:  koptrack seed  then  koptrack coop list"
    ),
    no_args_is_help=True,
    add_completion=True,
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
            help=N_(
                "Database: a file path or an SQLAlchemy URL. Default: koptrack.db in your user data folder "
                "(or `koptrack config set db`). Only a command that writes (seed, coop add, import) creates a new one."
            ),
            show_envvar=True,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="KOPTRACK_LANG",
            autocompletion=complete.languages,
            show_envvar=True,
            help=N_(
                "Language: id (Bahasa Indonesia) or en (English), here or after any command; see `koptrack config`."
            ),
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option(
            "--wide", help=N_("Show every column of a table whatever the window's width (here or after any command).")
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version and exit."))
    ] = False,
) -> None:
    from koptrack.errors import KoptrackError

    try:
        STATE.db = db if db is not None else settings.value_of("db").value
    except KoptrackError as exc:
        fail(exc.message, exc.hint)


def main() -> None:
    # A command runs for a second or two: the garbage collector would only walk the objects the
    # imports create (SQLAlchemy, SQLModel, pydantic), during import and once more at exit.
    # It stays off until the imports are done (common.imports_done); measured 0.2 s per command.
    gc.disable()
    app()
