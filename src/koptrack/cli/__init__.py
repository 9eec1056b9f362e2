"""The `koptrack` command line: one Typer sub-app per command group.

Nothing here imports SQLAlchemy or SQLModel at import time, so `koptrack --help` stays fast;
commands that touch the database import the core inside their body.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from koptrack import __version__
from koptrack.cli import bpjs, coop, db, export, imports, kecamatan, log, pkspkb, seed, targets, worker
from koptrack.cli.common import STATE

app = typer.Typer(
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
        Optional[str],
        typer.Option(
            "--db",
            envvar="KOPTRACK_DB",
            help="Database: a file path or an SQLAlchemy URL. Default: koptrack.db in your user data folder.",
            show_envvar=True,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    STATE.db = db


app.add_typer(coop.app, name="coop")
app.add_typer(worker.app, name="worker")
app.add_typer(bpjs.app, name="bpjs")
app.add_typer(pkspkb.app, name="pkspkb")
app.add_typer(targets.app, name="targets")
app.add_typer(imports.app, name="import")
app.add_typer(kecamatan.app, name="kecamatan")
app.add_typer(export.app, name="export")
app.add_typer(db.app, name="db")
app.command("seed")(seed.seed)
app.command("log")(log.log)


def main() -> None:
    app()
