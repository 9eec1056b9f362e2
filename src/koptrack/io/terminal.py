"""The terminal: the one module that uses Rich. It shows what the core built (a `View`, its
`Section`s and `Record`s) as a Rich table for people, `--json` for programs, `--csv` for
spreadsheets. Data goes to stdout; messages, warnings, progress and refused rows go to stderr,
so `--json` output always pipes cleanly. NIK and KPJ are masked in every format unless `reveal`,
and so is anything that looks like one (`report.scrub`: 11 or more digits) in any value, title,
message, hint or error: a NIK typed where a cooperative or a date was expected is not echoed.
CSV cells that a spreadsheet would run as a formula are neutralised as in exported files.

A terminal or pipe that cannot encode a character (PYTHONIOENCODING=ascii, a cp1252 pipe) gets
an escape instead (`\xeb`; JSON: `\u00eb`), never a UnicodeEncodeError.

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

from koptrack.report import NOT_PERSONAL, Col, Record, Section, View, has_id_like, masked, scrub, shown

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

# csv, json, Rich and koptrack.domain.validate are imported where used: `koptrack --help`
# loads this module and must stay fast.

TONE_STYLES = {"good": "green", "warn": "yellow", "bad": "red", "muted": "dim"}


def _encodable(stream: Any) -> None:
    """Characters the stream's encoding lacks become escapes instead of a UnicodeEncodeError
    (also a lone surrogate from an argument that was not UTF-8)."""
    if getattr(stream, "errors", "strict") == "strict" and hasattr(stream, "reconfigure"):
        with contextlib.suppress(Exception):  # a stream that cannot be reconfigured is left as it is
            stream.reconfigure(errors="backslashreplace")


def _utf(stream: Any) -> bool:
    return str(getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "").startswith("utf")


def stdout() -> Any:
    """sys.stdout, made safe for any text (see _encodable)."""
    _encodable(sys.stdout)
    return sys.stdout


def stdout_console() -> Console:
    from rich.console import Console

    _encodable(sys.stdout)
    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or redirected: no terminal edge to fit, so do not squeeze identifiers.
        console = Console(soft_wrap=False, width=200)
    return console


def stderr_console() -> Console:
    from rich.console import Console

    _encodable(sys.stderr)
    return Console(stderr=True)


def _json_dumps() -> Callable[[Any], str]:
    """JSON text for stdout: non-ASCII characters as they are on a UTF-8 stream, as `\\u` escapes
    on any other (still the same JSON document)."""
    from koptrack.io.writers import dumps

    if _utf(sys.stdout):
        return dumps
    return lambda value: dumps(value, ascii_only=True)


def plain(value: Any, fmt: Callable[[Any], str] | None = None, *, reveal: bool = False) -> str:
    """A value as the text of a cell or message: bidi and control characters shown as escapes,
    NIK- and KPJ-like numbers masked unless `reveal`."""
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
    return text if reveal else scrub(text)


def _text(value: Any, style: str | None = None, *, reveal: bool = False) -> Text:
    from rich.text import Text

    return Text(plain(value, reveal=reveal), style=style or "")


def _cell(value: Any, col: Col, reveal: bool = False) -> RenderableType:
    if col.bar:
        return progress_bar(value, 12)
    from rich.text import Text

    tone = col.tone(value) if col.tone else None
    text = plain(value, col.fmt, reveal=reveal or col.key in NOT_PERSONAL)
    return Text(text, style=TONE_STYLES[tone] if tone else "")


def _csv_cells(row: dict, keys: Iterable[str], reveal: bool) -> list:
    """One CSV line's cells: masked, scrubbed, and never a formula a spreadsheet would run."""
    from koptrack.io.writers import RISKY_FIRST, csv_cell, neutralise

    row = masked(row, reveal)
    cells = [csv_cell(row.get(key)) for key in keys]
    # one quick test of the whole line (most lines hold nothing that looks like a NIK or KPJ)
    if not reveal and has_id_like("\x00".join(c for c in cells if isinstance(c, str))):
        cells = [
            scrub(c) if isinstance(c, str) and key not in NOT_PERSONAL else c
            for key, c in zip(keys, cells, strict=True)
        ]
    return [neutralise(c) if isinstance(c, str) and c[:1] in RISKY_FIRST else c for c in cells]


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
    n = 0
    if fmt == "json":
        out = stdout()
        dumps = _json_dumps()
        out.write("[")
        chunk: list[str] = []  # written 1,000 rows at a time: one write per row cost 8 % of a long list
        kept: list[dict] = []
        for row in rows:
            row = masked(row, reveal)
            chunk.append(("\n  " if n == 0 else ",\n  ") + dumps(row))
            kept.append(row)
            n += 1
            if len(chunk) == 1000:
                out.write(_scrubbed_chunk(chunk, kept, n - len(chunk), dumps, reveal))
                chunk.clear()
                kept.clear()
        out.write(_scrubbed_chunk(chunk, kept, n - len(chunk), dumps, reveal) + ("\n]\n" if n else "]\n"))
        return n
    if fmt == "csv":
        import csv

        writer = csv.writer(stdout(), lineterminator="\n")
        keys = [c.key for c in columns if not c.bar]
        writer.writerow(keys)
        for row in rows:
            writer.writerow(_csv_cells(row, keys, reveal))
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
        table.add_row(*[_cell(row.get(c.key), c, reveal) for c in columns])
        n += 1
    console = stderr_console() if stderr else stdout_console()
    if n == 0:
        console.print(_text(empty, "dim"))
    else:
        console.print(table)
    return n


def _scrubbed_chunk(chunk: list[str], rows: list[dict], first: int, dumps: Callable[[Any], str], reveal: bool) -> str:
    """The chunk's JSON text; when anything in it looks like a NIK or KPJ (one search over the
    whole chunk: most lists have none), its rows again with their texts scrubbed."""
    text = "".join(chunk)
    if reveal or not has_id_like(text):
        return text
    return "".join(("\n  " if first + i == 0 else ",\n  ") + dumps(shown(row)) for i, row in enumerate(rows))


def emit_record(record: dict, *, fmt: str = "table", title: str | None = None, reveal: bool = False) -> None:
    """One object: JSON, CSV (a header and a line), or a two-column table of field and value."""
    record = masked(record, reveal)
    if fmt == "json":
        stdout().write(_json_dumps()(shown(record, reveal)) + "\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(stdout(), lineterminator="\n")
        writer.writerow(list(record))
        writer.writerow(_csv_cells(record, list(record), reveal))
        return
    from rich.table import Table

    table = Table(title=_text(title) if title else None, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if isinstance(value, list | dict):
            continue
        table.add_row(_text(key.replace("_", " ")), _text(value, reveal=reveal or key in NOT_PERSONAL))
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


def info(message: str, *, reveal: bool = False) -> None:
    """A message for the person at the terminal (stderr, never mixed with data), printed as typed
    (NIK- and KPJ-like numbers masked unless `reveal`: the command's --show-nik)."""
    stderr_console().print(_text(message, reveal=reveal), highlight=False, soft_wrap=True)


def warn(message: str, *, reveal: bool = False) -> None:
    from rich.text import Text

    stderr_console().print(
        Text.assemble(("warning:", "yellow"), " ", plain(message, reveal=reveal)), highlight=False, soft_wrap=True
    )


def note(message: str) -> None:
    stderr_console().print(_text(message, "dim"), highlight=False, soft_wrap=True)


def error(message: str, hint: str | None = None) -> None:
    """`error: ...` and its `hint: ...` on stderr; identifiers in them are always masked."""
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
