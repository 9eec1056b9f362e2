"""`koptrack report YEAR -o FILE`: the year's document for the head of office, printed.

One self-contained HTML file (no network, no script: its charts are inline SVG, its styles in
the page) or a PDF of the same page (A4, page numbers and the as-of date on every page), in the
language in force. Three parts:

- `figures.py`: what the document says, read from the database through the core (targets,
  the trend of each target through the year from `core.trend.series`, BPJS coverage by
  kecamatan, the cooperatives behind and what each lacks, PKS-PKB by year, where the figures
  come from, the sources) and the summary paragraph written from those figures. No NIK is ever
  read: no query of this package selects one, and every text from the database is scrubbed.
- `charts.py`: the charts as SVG (pygal), numbers written as the language writes them.
- `render.py`: the page (a Jinja2 template, autoescaped: a cooperative named `<script>` prints
  as typed) and the PDF (WeasyPrint), written through `io/writers.staged` (private, never over
  an existing file without `--force`, nothing left behind on failure).

Jinja2, pygal and WeasyPrint are the optional extra `koptrack[report]`: none of them, nor this
package, is imported by `koptrack --help` or any other command (tests/test_cli_lazy.py).
"""

from __future__ import annotations

from koptrack.errors import KoptrackError
from koptrack.i18n import _

# What the extra installs: the module each library is imported as, and its distribution name.
EXTRA = (("jinja2", "Jinja2"), ("pygal", "pygal"))
PDF_EXTRA = (("weasyprint", "WeasyPrint"),)
INSTALL = "pip install 'koptrack[report]'"


def require(modules: tuple[tuple[str, str], ...] = EXTRA) -> None:
    """A KoptrackError naming the pip command when a library of the report extra is missing."""
    import importlib.util

    missing = [name for module, name in modules if importlib.util.find_spec(module) is None]
    if missing:
        raise KoptrackError(
            _("the report needs {libraries}, which are not installed: {command}").format(
                libraries=", ".join(missing), command=INSTALL
            )
        )
