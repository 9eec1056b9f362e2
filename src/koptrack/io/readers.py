"""Reading the office's files: a CSV or XLSX table streamed row by row, with its header row.

`open_table` yields a `Table`: the header cells, the data rows as (line number, cell texts),
and the bytes read so far for a progress bar, so memory stays flat however long the file is.
The header row is found among the first HEADER_SEARCH rows by the column names the caller
knows (title rows such as "DAFTAR KARYAWAN KOPERASI ..." above it are skipped); a file with a
header and no data rows is refused. CSV: the encoding is detected (UTF-8 with or without BOM,
else Windows-1252 as Excel writes) and the delimiter guessed from the header line (comma,
semicolon or tab). XLSX: the first sheet unless one is named; a cell that held a number comes
as a `NumberCell`. Files that could
exhaust memory are refused (too many columns, huge cells, a workbook that unpacks to a zip bomb).
Nothing here touches a database.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from koptrack.errors import KoptrackError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_COLUMNS = 200
MAX_FIELD = 100_000  # characters in one cell
XLSX_MAX_UNCOMPRESSED = 1 << 30  # 1 GiB
XLSX_MAX_RATIO = 200
HEADER_SEARCH = 10  # rows looked at for the header row


def norm_header(text: object) -> str:
    """A header cell as the importers match it: lower case, punctuation (_ - . / :) and extra
    spaces ignored ("No. KPJ" -> "no kpj")."""
    s = re.sub(r"[_\-./:]+", " ", str(text or "").strip().lower())
    return " ".join(s.split())


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number, cell values)
    size: int  # bytes, for progress
    position: Callable[[], int]  # bytes read so far
    delimiter: str = ","  # a CSV's; written back the same way (the refused rows)
    header_line: int = 1


def find_header(rows: list[list[str]], known: Collection[str]) -> int:
    """The index of the header row among the first rows of a file: the first row with the most
    cells that are known column names (at least two); 0 when none has them."""
    best, best_hits = 0, 1
    for i, cells in enumerate(rows):
        hits = sum(1 for c in cells if norm_header(c) in known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _no_rows(path: Path) -> KoptrackError:
    return KoptrackError(
        f"{path.name} has no data rows", hint="the file holds a header row only; add the rows below it"
    )


@contextmanager
def open_table(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    known: Collection[str] = frozenset(),
) -> Iterator[Table]:
    """The file's table; `known`: the column names (as norm_header gives them) to find the
    header row by."""
    if not path.is_file():
        raise KoptrackError(f"file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size == 0:
        raise KoptrackError(f"file {str(path)!r} is empty")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, sheet, size, known) as table:
            yield table
    elif suffix in (".csv", ".txt", ".tsv"):
        with _open_csv(path, encoding, size, known) as table:
            yield table
    else:
        raise KoptrackError(
            f"file {str(path)!r}: koptrack reads .csv and .xlsx files",
            hint="in Excel: File > Save As > CSV UTF-8, or Excel Workbook (.xlsx)",
        )


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if every byte decodes as UTF-8, else Windows-1252 (Excel)."""
    with open(path, "rb") as f:
        if f.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "cp1252"
    return "utf-8"


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for a progress bar over a streamed file."""

    def __init__(self, raw: io.BufferedIOBase):
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: WriteableBuffer) -> int:
        n = self.raw.readinto(b)
        self.count += n or 0
        return n


# --- CSV -------------------------------------------------------------------------------------


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@contextmanager
def _open_csv(path: Path, encoding: str | None, size: int, known: Collection[str]) -> Iterator[Table]:
    enc = encoding or detect_encoding(path)
    raw = open(path, "rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=enc, newline="", errors="strict")
    try:
        csv.field_size_limit(MAX_FIELD)
        # The first lines, to find the header row below any title rows (each line read whole:
        # a header or a title holds no line breaks).
        lines: list[str] = []
        for _ in range(HEADER_SEARCH if known else 1):
            line = text.readline()
            if not line:
                break
            if len(line) > MAX_FIELD * 2:
                if not lines:
                    raise KoptrackError(
                        f"file {path.name!r}: the first line is {len(line):,} characters long; it is not a header row"
                    )
                lines.append(line)  # data, for the reader to refuse with its line number
                break
            lines.append(line)
        cells = [next(csv.reader([ln], delimiter=_delimiter(ln)), []) for ln in lines if len(ln) <= MAX_FIELD * 2]
        at = find_header(cells, known) if known else 0
        first = lines[at] if lines else ""
        delimiter = _delimiter(first)
        headers = cells[at] if cells else []
        if not any(h.strip() for h in headers):
            raise KoptrackError(f"file {path.name!r}: the first line must be a header row (NIK, Nama, ...)")
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(f"file {path.name!r} has {len(headers):,} columns; a roster has at most {MAX_COLUMNS}")
        rest = lines[at + 1 :]
        reader = csv.reader(itertools.chain(rest, text) if rest else text, delimiter=delimiter)
        offset = at + 1  # line number of the header row

        def rows() -> Iterator[tuple[int, list[str]]]:
            line = offset
            try:
                for values in reader:
                    line = reader.line_num + offset
                    if len(values) > MAX_COLUMNS:
                        raise KoptrackError(f"{path.name} line {line}: {len(values):,} cells; at most {MAX_COLUMNS}")
                    if values and "".join(values).strip():
                        yield line, values
            except csv.Error as exc:
                raise KoptrackError(f"{path.name} line {line + 1}: not readable as CSV ({exc})") from None
            except UnicodeDecodeError:
                raise KoptrackError(
                    f"{path.name}: not {enc} text after line {line}",
                    hint="save it again as CSV UTF-8, or give --encoding cp1252",
                ) from None

        yield Table(
            headers=headers,
            rows=_with_rows(path, rows()),
            size=size,
            position=lambda: counter.count,
            delimiter=delimiter,
            header_line=offset,
        )
    except UnicodeDecodeError:
        raise KoptrackError(f"{path.name}: not {enc} text", hint="save it again as CSV UTF-8") from None
    finally:
        text.close()


def _with_rows(path: Path, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """`rows`, refused now if there is not one (a header row and nothing under it)."""
    first = next(rows, None)
    if first is None:
        raise _no_rows(path)
    return itertools.chain((first,), rows)


# --- XLSX ------------------------------------------------------------------------------------


class NumberCell(str):
    """A spreadsheet cell that held a number, as text: a NIK stored as a number has lost its
    last digit (Excel keeps 15 significant digits), so the checker refuses it."""


def _xlsx_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return NumberCell(str(int(value)))
    if isinstance(value, (int, float)):
        return NumberCell(str(value))
    return str(value)


@contextmanager
def _open_xlsx(path: Path, sheet: str | None, size: int, known: Collection[str]) -> Iterator[Table]:
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
            packed = sum(i.compress_size for i in z.infolist()) or 1
    except (zipfile.BadZipFile, OSError):
        raise KoptrackError(f"file {path.name!r} is not an Excel workbook (.xlsx)") from None
    if total > XLSX_MAX_UNCOMPRESSED or total / packed > XLSX_MAX_RATIO:
        raise KoptrackError(
            f"file {path.name!r} unpacks to {total:,} bytes from {packed:,}: refused as unsafe (a 'zip bomb')"
        )
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise KoptrackError(f"file {path.name!r} could not be read as a workbook: {exc}") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise KoptrackError(f"sheet {sheet!r} is not in {path.name}; it has {', '.join(wb.sheetnames)}")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first_rows = list(itertools.islice(it, HEADER_SEARCH if known else 1))
        at = find_header([["" if c is None else str(c) for c in r] for r in first_rows], known) if known else 0
        header_row = first_rows[at] if first_rows else None
        if not header_row or not any(h is not None and str(h).strip() for h in header_row):
            raise KoptrackError(f"{path.name}: the first row must be a header row (NIK, Nama, ...)")
        it = itertools.chain(first_rows[at + 1 :], it)
        headers = [("" if h is None else str(h)) for h in header_row]
        while headers and not headers[-1].strip():
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(f"{path.name} has {len(headers):,} columns; a roster has at most {MAX_COLUMNS}")
        state = {"line": at + 1}

        def rows() -> Iterator[tuple[int, list[str]]]:
            for values in it:
                state["line"] += 1
                if values and any(v is not None and str(v).strip() for v in values):
                    yield state["line"], [_xlsx_cell(v) for v in values[: len(headers)]]

        # openpyxl gives no byte position while streaming: estimate from the sheet's row count.
        total_rows = max(ws.max_row or 1, 1)
        yield Table(
            headers=headers,
            rows=_with_rows(path, rows()),
            size=size,
            position=lambda: int(size * state["line"] / total_rows),
            header_line=at + 1,
        )
    finally:
        wb.close()
