"""`koptrack report YEAR -o FILE`: the year's document for the head of office."""

from __future__ import annotations

from typing import Annotated

import typer

from koptrack import i18n
from koptrack.cli.common import STATE, ForceOpt, RegencyOpt, db_session, user_errors
from koptrack.i18n import _
from koptrack.io import terminal


def report(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2021.")],
    output: Annotated[
        str,
        typer.Option("--output", "-o", help="File to write: .pdf (A4, to print) or .html (one page, self-contained)."),
    ],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Report date (default: the year's last day, or today for the current year)."),
    ] = None,
    regency: RegencyOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write the year's report for the head of office, as PDF or HTML.

    Targets with their progress, each target's trend through the year, BPJS Ketenagakerjaan
    coverage by kecamatan, the cooperatives behind and what each lacks, PKS-PKB members by year,
    where the figures come from, and the sources; in the language in force, with no NIK in it.
    Needs the report extra: pip install 'koptrack[report]'.

    Examples:

    \b
      koptrack report 2021 -o laporan-2021.pdf
      koptrack report 2021 -o laporan-2021.html --as-of 2021-06-30
      koptrack report 2021 -o karawang-2021.pdf --regency 32.15
    """
    with user_errors():
        from koptrack import report_doc
        from koptrack.io import writers
        from koptrack.report_doc import render

        fmt = render.format_of(output)
        report_doc.require(report_doc.EXTRA + (report_doc.PDF_EXTRA if fmt == "pdf" else ()))
        writers.check_target(output, force=force)  # refused before the database is read
    with db_session("report") as session:
        from koptrack.report_doc import figures

        doc = figures.document(session, year, as_of, regency)
    with user_errors():
        from koptrack import store

        path_of_db = store.sqlite_file(store.resolve_url(STATE.db))
        written = render.write(doc, output, force=force, protect=() if path_of_db is None else (path_of_db,))
    terminal.info(
        _("wrote {path} ({format}, {size} kB; as of {day})").format(
            path=output,
            format=written["format"].upper(),
            size=i18n.number(max(1, round(written["bytes"] / 1024))),
            day=i18n.date(doc.as_of),
        )
    )
