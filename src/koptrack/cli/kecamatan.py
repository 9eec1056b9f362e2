"""`koptrack kecamatan list`."""

from __future__ import annotations

import typer

from koptrack.cli.common import CsvOpt, JsonOpt, RegencyOpt, db_session, fmt_of
from koptrack.io import terminal

app = typer.Typer(help="The kecamatan (sub-districts) cooperatives are registered in.", no_args_is_help=True)


@app.command("list")
def list_(
    regency: RegencyOpt = None,
    json_out: JsonOpt = False,
    csv_out: CsvOpt = False,
) -> None:
    """List the kecamatan with their Kemendagri codes.

    Examples:

    \b
      koptrack kecamatan list --json
      koptrack kecamatan list --regency 32.15
    """
    fmt = fmt_of(json_out, csv_out)
    with db_session("kecamatan list") as session:
        from koptrack.core import views

        view = views.kecamatan_list(session, regency)
    terminal.show(view, fmt)
