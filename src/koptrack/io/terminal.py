"""The terminal: the one module that uses Rich. It shows what the core built (a `View`, its
`Section`s and `Record`s) as a Rich table for people, `--json` for programs, `--csv` for
spreadsheets. Data goes to stdout; messages, warnings, progress and refused rows go to stderr,
so `--json` output always pipes cleanly. NIK and KPJ are masked in every format unless `reveal`.

No text is ever read as Rich markup: values, titles, headers and messages are `Text` objects
(a cooperative named `Kop [/] x` prints as typed), and control or bidi characters in values
are shown as escapes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from koptrack.report import Col, Record, Section, View, masked

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

# csv, json, Rich and koptrack.domain.validate are imported where used: `koptrack --help`
# loads this module and must stay fast.

TONE_STYLES = {"good": "green", "warn": "yellow", "bad": "red", "muted": "dim"}


def stdout_console() -> Console:
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or redirected: no terminal edge to fit, so do not squeeze identifiers.
        console = Console(soft_wrap=False, width=200)
    return console


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def plain(value: Any, fmt: Callable[[Any], str] | None = None) -> str:
    """A value as the text of a cell or message: bidi and control characters shown as escapes."""
    from koptrack.domain.validate import BIDI_CONTROLS

    if value is None:
        return ""
    if fmt:
        text = fmt(value)
    elif isinstance(value, dt.date | dt.datetime):
        text = value.isoformat()
    else:
        text = str(value)
    if any(ch in BIDI_CONTROLS or ord(ch) < 32 for ch in text):
        text = "".join(
            ch.encode("unicode_escape").decode("ascii") if (ch in BIDI_CONTROLS or ord(ch) < 32) else ch for ch in text
        )
    return text


def _text(value: Any, style: str | None = None) -> Text:
    from rich.text import Text

    return Text(plain(value), style=style or "")


def _cell(value: Any, col: Col) -> RenderableType:
    if col.bar:
        return progress_bar(value, 12)
    from rich.text import Text

    tone = col.tone(value) if col.tone else None
    return Text(plain(value, col.fmt), style=TONE_STYLES[tone] if tone else "")


def progress_bar(percent: float | None, width: int = 20) -> RenderableType:
    from rich.progress_bar import ProgressBar

    value = min(max(percent or 0.0, 0.0), 100.0)
    return ProgressBar(
        total=100,
        completed=value,
        width=width,
        complete_style="green" if value >= 100 else "yellow",
        finished_style="green",
    )


def emit_rows(
    rows: Iterable[dict],
    columns: list[Col],
    *,
    fmt: str = "table",
    title: str | None = None,
    reveal: bool = False,
    totals: dict | None = None,
    empty: str = "nothing to show",
    stderr: bool = False,
) -> int:
    """Write rows in the chosen format; returns how many were written. JSON is streamed."""
    from koptrack.io.writers import csv_cell, dumps

    out = sys.stdout
    n = 0
    if fmt == "json":
        out.write("[")
        chunk: list[str] = []  # written 1,000 rows at a time: one write per row cost 8 % of a long list
        for row in rows:
            chunk.append(("\n  " if n == 0 else ",\n  ") + dumps(masked(row, reveal)))
            n += 1
            if len(chunk) == 1000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk) + ("\n]\n" if n else "]\n"))
        return n
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        data_cols = [c for c in columns if not c.bar]
        writer.writerow([c.key for c in data_cols])
        for row in rows:
            row = masked(row, reveal)
            writer.writerow([csv_cell(row.get(c.key)) for c in data_cols])
            n += 1
        return n
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_text(title) if title else None, header_style="bold", show_footer=totals is not None)
    for c in columns:
        footer = Text(plain(totals.get(c.key), c.fmt)) if totals else ""
        table.add_column(_text(c.header), justify=c.justify, footer=footer, no_wrap=c.no_wrap)
    for row in rows:
        row = masked(row, reveal)
        table.add_row(*[_cell(row.get(c.key), c) for c in columns])
        n += 1
    console = stderr_console() if stderr else stdout_console()
    if n == 0:
        console.print(_text(empty, "dim"))
    else:
        console.print(table)
    return n


def emit_record(record: dict, *, fmt: str = "table", title: str | None = None, reveal: bool = False) -> None:
    """One object: JSON, CSV (a header and a line), or a two-column table of field and value."""
    from koptrack.io.writers import csv_cell, dumps

    record = masked(record, reveal)
    if fmt == "json":
        sys.stdout.write(dumps(record) + "\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(list(record))
        writer.writerow([csv_cell(v) for v in record.values()])
        return
    from rich.table import Table

    table = Table(title=_text(title) if title else None, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if isinstance(value, list | dict):
            continue
        table.add_row(_text(key.replace("_", " ")), _text(value))
    stdout_console().print(table)


def show_section(section: Section, fmt: str = "table", *, reveal: bool = False, stderr: bool = False) -> int:
    return emit_rows(
        section.rows,
        section.columns,
        fmt=fmt,
        title=section.title,
        reveal=reveal,
        totals=section.totals,
        empty=section.empty,
        stderr=stderr,
    )


def show(view: View, fmt: str = "table", *, reveal: bool = False) -> None:
    """Everything a command shows. `--json`: the view's document (or its first section's rows,
    streamed); `--csv`: the first section; a table: every part, then warnings and notes."""
    if fmt != "table":
        if view.json is not None:
            emit_record(view.json, fmt=fmt, reveal=reveal)
            return
        first = view.sections[0]
        emit_rows(first.rows, first.columns, fmt=fmt, reveal=reveal)
        return
    for part in view.parts:
        if isinstance(part, Record):
            emit_record(part.fields, title=part.title, reveal=reveal)
        else:
            show_section(part, reveal=reveal)
    for w in view.warnings:
        warn(w)
    for n in view.notes:
        note(n)


def info(message: str) -> None:
    """A message for the person at the terminal (stderr, never mixed with data), printed as typed."""
    stderr_console().print(_text(message), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    from rich.text import Text

    stderr_console().print(Text.assemble(("warning:", "yellow"), " ", plain(message)), highlight=False, soft_wrap=True)


def note(message: str) -> None:
    stderr_console().print(_text(message, "dim"), highlight=False, soft_wrap=True)


def error(message: str, hint: str | None = None) -> None:
    from rich.text import Text

    console = stderr_console()
    console.print(Text.assemble(("error:", "bold red"), " ", plain(message)), highlight=False, soft_wrap=True)
    if hint:
        console.print(Text.assemble(("hint:", "dim"), " ", plain(hint)), highlight=False, soft_wrap=True)


@contextlib.contextmanager
def progress(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for a person at a terminal, as a callback (done, total); None
    when not at a terminal, so nothing is drawn into a log or a pipe."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    )
    task = bar.add_task(plain(label), total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
