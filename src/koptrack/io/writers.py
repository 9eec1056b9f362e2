"""Every file koptrack writes for people to open: created private to the user (0600), written
whole or not at all (a temporary file renamed into place), personal identifiers masked unless
asked, and spreadsheet formulas neutralised (a cell beginning with = + - @ is text, not code).

A report is a list of sections (a title, columns, rows); CSV takes the first section, JSON and
xlsx take them all (xlsx: one sheet per section, bold frozen header, widths fitted to the data,
percentages as percentages). Rows are streamed: an export of a million people does not hold
them in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from koptrack.errors import KoptrackError
from koptrack.report import Col, Section, masked, pct

FORMATS = ("csv", "json", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDTH_SAMPLE = 500  # rows looked at to fit column widths
MAX_WIDTH = 60


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


def open_private(path: str | Path, mode: str = "w", **kwargs) -> IO:
    """Open a file for writing, created (or truncated) with mode 0600 whatever the umask."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, mode, **kwargs)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def format_of(path: str | Path, given: str | None) -> str:
    if given:
        fmt = given.strip().lower()
        if fmt not in FORMATS:
            raise KoptrackError(f"format {given!r}: choose csv, json or xlsx")
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise KoptrackError(
        f"output {str(path)!r}: cannot tell the format from the name",
        hint="end the name with .csv, .json or .xlsx, or give --format",
    )


def _data_columns(columns: list[Col]) -> list[Col]:
    return [c for c in columns if not c.bar]


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return value


class _Atomic:
    """A 0600 temporary file next to `path`, renamed over it only when writing succeeded."""

    def __init__(self, path: str | Path, force: bool):
        self.path = Path(path)
        if self.path.is_dir():
            raise KoptrackError(f"output {str(self.path)!r} is a folder; give a file name")
        if self.path.exists() and not force:
            raise KoptrackError(f"output {str(self.path)!r} already exists", hint="add --force to replace it")
        if not self.path.parent.is_dir():
            raise KoptrackError(f"output {str(self.path)!r}: folder {str(self.path.parent)!r} does not exist")

    def __enter__(self) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=".koptrack-", suffix=self.path.suffix, dir=self.path.parent)
        os.close(fd)  # mkstemp creates it 0600
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.chmod(self.tmp, 0o600)
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def write(path: str | Path, sections: list[Section], fmt: str, *, reveal: bool = False, force: bool = False) -> dict:
    """Write the sections to `path` in `fmt`; returns {section title: rows written}."""
    with _Atomic(path, force) as tmp:
        if fmt == "csv":
            counts = {sections[0].title: _write_csv(tmp, sections[0], reveal)}
        elif fmt == "json":
            counts = _write_json(tmp, sections, reveal)
        else:
            counts = _write_xlsx(tmp, sections, reveal)
    return counts


def _write_csv(path: Path, section: Section, reveal: bool) -> int:
    cols = _data_columns(section.columns)
    n = 0
    # utf-8-sig: Excel on Windows reads the BOM and shows Indonesian names correctly.
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow([c.key for c in cols])
        for row in section.rows:
            row = masked(row, reveal)
            writer.writerow([neutralise(csv_cell(row.get(c.key))) for c in cols])
            n += 1
    return n


def csv_cell(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _plain(value)


def _write_json(path: Path, sections: list[Section], reveal: bool) -> dict:
    counts = {}
    with open(path, "w", encoding="utf-8") as f:
        single = len(sections) == 1
        f.write("[" if single else "{")
        for s_i, section in enumerate(sections):
            if not single:
                f.write(("\n  " if s_i == 0 else ",\n  ") + json.dumps(section.title, ensure_ascii=False) + ": [")
            n = 0
            for row in section.rows:
                f.write(("\n  " if n == 0 else ",\n  ") + dumps(masked(row, reveal)))
                n += 1
            if not single:
                f.write("]")
            counts[section.title] = n
        f.write(("\n]" if single else "\n}") + "\n")
    return counts


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name (31 characters, none of []:*?/\\)."""
    clean = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Sheet"
    name, i = clean[:31], 2
    while name.lower() in taken:
        suffix = f" ({i})"
        name, i = clean[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name.lower())
    return name


def _is_percent(col: Col) -> bool:
    return col.fmt is pct


def _xlsx_value(value: Any, col: Col) -> Any:
    if value is None:
        return None
    if _is_percent(col):
        return value / 100
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, dt.date, dt.datetime)):
        return value
    return neutralise(_plain(value) if isinstance(value, (list, tuple)) else str(value))


def _shown_width(value: Any, col: Col) -> int:
    if value is None:
        return 0
    if _is_percent(col):
        return 7
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    return len(str(_plain(value)))


def _xlsx_cells(ws: Any, cols: list[Col], r: dict) -> list:
    """One row's cells: text never read as a formula, percentages and dates formatted."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for c in cols:
        value = _xlsx_value(r.get(c.key), c)
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text
        if _is_percent(c):
            cell.number_format = "0.0%"
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        out.append(cell)
    return out


def _write_xlsx(path: Path, sections: list[Section], reveal: bool) -> dict:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    taken: set[str] = set()
    counts = {}
    for section in sections:
        ws = wb.create_sheet(sheet_title(section.title, taken))
        cols = _data_columns(section.columns)
        rows: Iterator[dict] = (masked(r, reveal) for r in section.rows)
        head: list[dict] = []
        for r in rows:  # the first rows decide the widths; the rest stream through
            head.append(r)
            if len(head) >= WIDTH_SAMPLE:
                break
        for i, c in enumerate(cols, start=1):
            widest = max([len(c.header)] + [_shown_width(r.get(c.key), c) for r in head])
            ws.column_dimensions[get_column_letter(i)].width = min(widest + 2, MAX_WIDTH)
        ws.freeze_panes = "A2"
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=c.header)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        n = 0
        for r in head:
            ws.append(_xlsx_cells(ws, cols, r))
            n += 1
        for r in rows:
            ws.append(_xlsx_cells(ws, cols, r))
            n += 1
        counts[section.title] = n
    if not sections:
        wb.create_sheet("Empty")
    wb.save(path)
    return counts
