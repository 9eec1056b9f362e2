"""`koptrack config`: the person's own settings (language, database, regency) and their sources."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack import i18n, settings
from koptrack.cli.common import JsonOpt, fmt_of, user_errors
from koptrack.i18n import N_, _
from koptrack.io import terminal
from koptrack.report import Col, Section, View

app = typer.Typer(
    help=N_("Your own settings: the language, the database and the regency, kept in your config folder."),
    invoke_without_command=True,
)

SOURCES = {
    "option": N_("option"),
    "environment": N_("environment variable"),
    "config": N_("config file"),
    "locale": N_("system language"),
    "default": N_("default"),
}


@app.callback(invoke_without_command=True)
def show(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Show each setting, its value and where it comes from (an option, an environment
    variable, the config file, the system, or the default).

    Examples:

    \b
      koptrack config
      koptrack config set language id
      koptrack config set db D:/data/koptrack.db
      koptrack config set regency 32.15
      koptrack config unset regency
    """
    if ctx.invoked_subcommand is not None:
        return
    fmt = fmt_of(json_out)
    with user_errors():
        from typer._click.core import ParameterSource

        from koptrack.core import config
        from koptrack.store import engine

        root = ctx.find_root()
        lang = settings.in_force or settings.language()
        typed = root.get_parameter_source("db") == ParameterSource.COMMANDLINE
        db = settings.value_of("db", root.params.get("db") if typed else None)
        db_value = db.value or str(engine.default_db_path())
        regency = settings.value_of("regency")
        regency_value = config.default_regency()
        rows: list[dict[str, str | None]] = [
            {"key": "language", "value": lang.value, "source": lang.source},
            {"key": "db", "value": db_value, "source": db.source},
            {"key": "regency", "value": regency_value or "all", "source": regency.source},
        ]
    if fmt == "json":
        terminal.show(View([], json={"settings": rows, "file": str(settings.config_path())}), fmt)
        return
    shown: list[dict[str, str | None]] = [
        {
            "key": key,
            "value": i18n.NAMES.get(value or "", value) if key == "language" else value,
            "source": _(SOURCES[source]),
            "about": _(settings.KEYS[key][1]),
        }
        for key, value, source in ((str(r["key"]), r["value"], str(r["source"])) for r in rows)
    ]
    columns = [
        Col("key", N_("Setting"), no_wrap=True),
        Col("value", N_("Value")),
        Col("source", N_("From")),
        Col("about", N_("What it is")),
    ]
    terminal.show(View([Section(N_("Settings"), columns, shown)]))
    terminal.note(_("config file: {path}").format(path=settings.config_path()))


KeyArg = Annotated[str, typer.Argument(help=N_("language, db or regency"), show_default=False)]


@app.command("set")
def set_(key: KeyArg, value: Annotated[str, typer.Argument(help=N_("The new value."))]) -> None:
    """Keep a setting in your config file.

    Examples:

    \b
      koptrack config set language id     (Bahasa Indonesia)
      koptrack config set language en     (English)
      koptrack config set db D:/data/koptrack.db
      koptrack config set regency 32.15   (Karawang)
    """
    with user_errors():
        path = settings.save(key, value)
        kept = settings.load()[key]
    if key == "language":
        i18n.activate(kept)
    terminal.info(_("{key} = {value} (kept in {path})").format(key=key, value=kept, path=path))


@app.command("unset")
def unset(key: KeyArg) -> None:
    """Remove a setting from your config file (the default applies again).

    Example:

    \b
      koptrack config unset regency
    """
    with user_errors():
        settings.check(key, "en" if key == "language" else "x" if key == "db" else "all")
        path = settings.save(key, None)
    terminal.info(_("{key} removed from {path}").format(key=key, path=path))
