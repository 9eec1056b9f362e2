"""The one place that decides how rows look: a Rich table for people, `--json` for programs,
`--csv` for spreadsheets. Data goes to stdout, messages and progress to stderr, so `--json`
output always pipes cleanly. NIK and KPJ are masked in every format unless `reveal`.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable

# csv, json and koptrack.validate are imported where used: `koptrack --help` loads this module
# and must stay fast.


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    justify: str = "left"
    fmt: Callable[[Any], str] | None = None
    style: str | None = None
    no_wrap: bool = False
    color: Callable[[Any], str | None] | None = None  # a Rich style chosen from the value
    table_only: bool = False  # e.g. a progress bar: not a data field for CSV
    render: Callable[[Any], Any] | None = None  # a Rich renderable for the table cell


def _stdout_console():
    from rich.console import Console

    console = Console(soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in __import__("os").environ:
        # Piped or redirected: no terminal edge to fit, so do not squeeze identifiers.
        console = Console(soft_wrap=False, width=200)
    return console


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


_MASKERS = None


def masked(row: dict, reveal: bool) -> dict:
    global _MASKERS
    if reveal:
        return row
    if _MASKERS is None:
        from koptrack.domain.validate import mask_kpj, mask_nik

        _MASKERS = (("nik", mask_nik), ("kpj", mask_kpj))
    if not any(row.get(key) for key, _ in _MASKERS):
        return row  # nothing personal in it: no copy
    out = dict(row)
    for key, fn in _MASKERS:
        if out.get(key):
            out[key] = fn(out[key])
    return out


def _json_default(value: Any):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


_ENCODE = None


def dumps(value: Any) -> str:
    # One encoder for the whole run: json.dumps with options builds a new one on every call,
    # a third of the time of a 130,000-row `coop list --json`.
    global _ENCODE
    if _ENCODE is None:
        import json

        _ENCODE = json.JSONEncoder(default=_json_default, ensure_ascii=False).encode
    return _ENCODE(value)


def safe_cell(value: Any, fmt: Callable[[Any], str] | None = None) -> str:
    """Text for a table cell: markup escaped, bidi/control characters shown as escapes."""
    from rich.markup import escape

    from koptrack.domain.validate import BIDI_CONTROLS

    if value is None:
        return ""
    text = fmt(value) if fmt else (value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value))
    if any(ch in text for ch in BIDI_CONTROLS) or any(ord(ch) < 32 for ch in text):
        text = "".join(ch.encode("unicode_escape").decode("ascii") if (ch in BIDI_CONTROLS or ord(ch) < 32) else ch
                       for ch in text)
    return escape(text)


def _cell(value: Any, col: Col):
    if col.render is not None:
        return col.render(value)
    text = safe_cell(value, col.fmt)
    style = col.color(value) if col.color else None
    return f"[{style}]{text}[/]" if style and text else text


def progress_bar(percent: float | None, width: int = 20):
    from rich.progress_bar import ProgressBar

    value = min(max(percent or 0.0, 0.0), 100.0)
    return ProgressBar(total=100, completed=value, width=width,
                       complete_style="green" if value >= 100 else "yellow", finished_style="green")


def csv_cell(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return value


def emit_rows(
    rows: Iterable[dict],
    columns: list[Col],
    *,
    fmt: str = "table",
    title: str | None = None,
    reveal: bool = False,
    totals: dict | None = None,
    empty: str = "nothing to show",
    caption: str | None = None,
) -> int:
    """Write rows in the chosen format; returns how many were written. JSON is streamed."""
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
        data_cols = [c for c in columns if not c.table_only]
        writer.writerow([c.key for c in data_cols])
        for row in rows:
            row = masked(row, reveal)
            writer.writerow([csv_cell(row.get(c.key)) for c in data_cols])
            n += 1
        return n
    from rich.table import Table

    table = Table(title=title, caption=caption, header_style="bold", show_footer=totals is not None)
    for c in columns:
        footer = safe_cell(totals.get(c.key), c.fmt) if totals else ""
        table.add_column(c.header, justify=c.justify, style=c.style, footer=footer, no_wrap=c.no_wrap)
    for row in rows:
        row = masked(row, reveal)
        table.add_row(*[_cell(row.get(c.key), c) for c in columns])
        n += 1
    console = _stdout_console()
    if n == 0:
        console.print(f"[dim]{empty}[/dim]")
    else:
        console.print(table)
    return n


def emit_record(record: dict, *, fmt: str = "table", title: str | None = None, reveal: bool = False,
                labels: dict[str, str] | None = None) -> None:
    """One object: JSON, or a two-column Rich table of field and value."""
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

    table = Table(title=title, show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in record.items():
        if isinstance(value, (list, dict)):
            continue
        label = (labels or {}).get(key, key.replace("_", " "))
        table.add_row(label, safe_cell(value))
    _stdout_console().print(table)


def info(message: str) -> None:
    """A message for the person at the terminal (stderr, never mixed with data)."""
    _stderr_console().print(message, highlight=False)


def error(message: str, hint: str | None = None) -> None:
    from rich.markup import escape

    console = _stderr_console()
    console.print(f"[bold red]error:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)
    if hint:
        console.print(f"[dim]hint:[/dim] {escape(hint)}", highlight=False, soft_wrap=True)


def pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}%"
