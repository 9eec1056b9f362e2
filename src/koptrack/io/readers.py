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
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from koptrack import i18n
from koptrack.errors import KoptrackError
from koptrack.i18n import _

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_COLUMNS = 200
MAX_FIELD = 100_000  # characters in one cell
XLSX_MAX_UNCOMPRESSED = 1 << 30  # 1 GiB
XLSX_MAX_RATIO = 200
HEADER_SEARCH = 10  # rows looked at for the header row


def _count(n: int) -> str:
    """A number in a message: `1,234,567` in English (as these messages always wrote it),
    `1.234.567` in Indonesian."""
    return f"{n:,}" if i18n.language() == "en" else i18n.number(n)


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
        _("{file} has no data rows").format(file=path.name),
        hint=_("the file holds a header row only; add the rows below it"),
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
        raise KoptrackError(_("file {path} does not exist").format(path=repr(str(path))))
    size = path.stat().st_size
    if size == 0:
        raise KoptrackError(_("file {path} is empty").format(path=repr(str(path))))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, sheet, size, known) as table:
            yield table
    elif suffix in (".csv", ".txt", ".tsv"):
        with _open_csv(path, encoding, size, known) as table:
            yield table
    else:
        raise KoptrackError(
            _("file {path}: koptrack reads .csv and .xlsx files").format(path=repr(str(path))),
            hint=_("in Excel: File > Save As > CSV UTF-8, or Excel Workbook (.xlsx)"),
        )


def text_encoding(name: str) -> str:
    """The codec `--encoding` names, if it is one for text (utf-8, cp1252, latin-1, utf-16, ...):
    an unknown name, or a codec that is not for text (rot13, base64, hex), is one error."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise KoptrackError(
            _("--encoding {name} is not a text encoding koptrack knows").format(name=repr(name[:40])),
            hint=_("give utf-8, cp1252 (Excel on Windows) or latin-1, or leave --encoding out to detect it"),
        )
    return info.name


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if every byte decodes as UTF-8, UTF-16 if the file starts with
    its BOM (Excel's "Unicode Text"), else Windows-1252 (Excel)."""
    with open(path, "rb") as f:
        start = f.read(3)
        if start == codecs.BOM_UTF8:
            return "utf-8-sig"
        if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        for chunk in iter(lambda: f.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                _refuse_mixed(path)
                return "cp1252"
    return "utf-8"


# A letter written in UTF-8 (two to four bytes) and a byte that is not UTF-8: Windows-1252 text
# holds the first almost never (Ã« for ë), so a file with both was saved from two sources.
_UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _refuse_mixed(path: Path) -> None:
    """Refuse a file whose lines are partly UTF-8 and partly another encoding: read either way,
    some of its names would be stored garbled (Budi SÃ«ntoso). Only files that are not UTF-8
    throughout are scanned (the exception, not the rule)."""
    utf8_line = bad_line = None
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad_line = bad_line or number
            else:
                if _UTF8_LETTER.search(line):
                    utf8_line = utf8_line or number
            if utf8_line and bad_line:
                raise KoptrackError(
                    _(
                        "{file}: line {utf8_line} is written in UTF-8 and line {other_line} in another "
                        "encoding (Windows-1252?): read either way, some names would be stored garbled"
                    ).format(file=path.name, utf8_line=utf8_line, other_line=bad_line),
                    hint=_(
                        "save the file again as 'CSV UTF-8' from Excel, or give --encoding if you know the "
                        "one encoding it has"
                    ),
                )


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
    enc = text_encoding(encoding) if encoding else detect_encoding(path)
    raw = open(path, "rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=enc, newline="", errors="strict")
    try:
        csv.field_size_limit(MAX_FIELD)
        # The first lines, to find the header row below any title rows (each line read whole:
        # a header or a title holds no line breaks).
        lines: list[str] = []
        for _i in range(HEADER_SEARCH if known else 1):
            line = text.readline()
            if not line:
                break
            if len(line) > MAX_FIELD * 2:
                if not lines:
                    raise KoptrackError(
                        _("file {file}: the first line is {n} characters long; it is not a header row").format(
                            file=repr(path.name), n=_count(len(line))
                        )
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
            raise KoptrackError(
                _("file {file}: the first line must be a header row (NIK, Nama, ...)").format(file=repr(path.name))
            )
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(
                _("file {file} has {n} columns; a roster has at most {most}").format(
                    file=repr(path.name), n=_count(len(headers)), most=MAX_COLUMNS
                )
            )
        rest = lines[at + 1 :]
        reader = csv.reader(itertools.chain(rest, text) if rest else text, delimiter=delimiter)
        offset = at + 1  # line number of the header row

        def rows() -> Iterator[tuple[int, list[str]]]:
            line = offset
            try:
                for values in reader:
                    line = reader.line_num + offset
                    if len(values) > MAX_COLUMNS:
                        raise KoptrackError(
                            _("{file} line {line}: {n} cells; at most {most}").format(
                                file=path.name, line=line, n=_count(len(values)), most=MAX_COLUMNS
                            )
                        )
                    if values and "".join(values).strip():
                        yield line, values
            except csv.Error as exc:
                raise KoptrackError(
                    _("{file} line {line}: not readable as CSV ({problem})").format(
                        file=path.name, line=line + 1, problem=exc
                    )
                ) from None
            except UnicodeError:  # a byte that does not decode, a UTF-16 file without its BOM
                raise KoptrackError(
                    _("{file}: not {encoding} text after line {line}").format(file=path.name, encoding=enc, line=line),
                    hint=_("save it again as CSV UTF-8, or give --encoding cp1252"),
                ) from None

        yield Table(
            headers=headers,
            rows=_with_rows(path, rows()),
            size=size,
            position=lambda: counter.count,
            delimiter=delimiter,
            header_line=offset,
        )
    except UnicodeError:
        raise KoptrackError(
            _("{file}: not {encoding} text").format(file=path.name, encoding=enc),
            hint=_("save it again as CSV UTF-8"),
        ) from None
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


# What an xlsx may hold, counted on the bytes actually unpacked (never the sizes the zip's
# directory claims): every part is read once, in chunks, before openpyxl sees the file.
XLSX_MAX_RUN = 1 << 20  # bytes between two `<` of a part: the longest tag or text
XLSX_MAX_PART = 64 << 20  # a part without rows (shared strings, styles): openpyxl holds it whole
XLSX_MAX_PART_TAGS = 4_000_000  # `<` in such a part (or before a sheet's first row): a million strings
XLSX_MAX_ROW = 16 << 20  # bytes of one row of a sheet (and before the first, after the last)
XLSX_MAX_CELLS = 30_000_000  # cells of the whole workbook: a million rows of 30 columns
XLSX_MAX_DEPTH = 64  # nesting of a sheet's elements (a real sheet nests 5 deep)
EXCEL_MAX_ROWS = 1_048_576  # Excel's own limit on a sheet's rows
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _unsafe(path: Path, why: str) -> KoptrackError:
    return KoptrackError(
        _("file {file} {problem}: refused as unsafe").format(file=repr(path.name), problem=why),
        hint=_("open it in Excel and save it again as an Excel Workbook (.xlsx)"),
    )


def _damaged(path: Path, part: str) -> KoptrackError:
    return KoptrackError(
        _("file {file} is not an Excel workbook (.xlsx): its part {part} is damaged").format(
            file=repr(path.name), part=repr(part)
        )
    )


def scan_xlsx(path: Path, z: zipfile.ZipFile) -> dict[str, int]:
    """Unpack every part of the workbook once, counting what it really holds, and refuse it
    (before any of it is parsed) when it holds more than a roster can: more bytes in all than
    XLSX_MAX_UNCOMPRESSED or XLSX_MAX_RATIO times the file's size, a DTD or an entity
    declaration (never in a workbook Excel writes; the way to an entity expansion bomb), a tag
    or a text longer than XLSX_MAX_RUN, a row longer than XLSX_MAX_ROW, a part without rows larger
    than XLSX_MAX_PART (openpyxl holds those whole), more cells than XLSX_MAX_CELLS. Returns the
    real size of each part, by name."""
    limit = min(XLSX_MAX_UNCOMPRESSED, XLSX_MAX_RATIO * max(path.stat().st_size, 1))
    claimed = sum(i.file_size for i in z.infolist())
    if claimed > limit:  # what it says of itself is enough to refuse it; what it holds is counted below
        raise _unsafe(
            path,
            _("unpacks to {n} bytes from {size} (a 'zip bomb')").format(
                n=_count(claimed), size=_count(path.stat().st_size)
            ),
        )
    total = cells = 0
    sizes: dict[str, int] = {}
    for info in z.infolist():
        if info.is_dir():
            continue
        size = tags = rows = 0
        run = segment = 0  # bytes since the last `<`, since the last row start (or the part's start)
        tail = b""
        try:
            with z.open(info) as part:
                for chunk in iter(lambda: part.read(1 << 18), b""):
                    size += len(chunk)
                    total += len(chunk)
                    if total > limit:
                        raise _unsafe(path, _("unpacks to more than {n} bytes (a 'zip bomb')").format(n=_count(limit)))
                    joined = tail + chunk
                    if _DECLARATION.search(joined):
                        raise _unsafe(path, _("declares a DTD or an entity in {part}").format(part=info.filename))
                    pieces = chunk.split(b"<")
                    if len(pieces) == 1:
                        run += len(chunk)
                    else:
                        run = max(run + len(pieces[0]), max(map(len, pieces[1:-1]), default=0))
                        if run > XLSX_MAX_RUN:
                            break
                        run = len(pieces[-1])
                    tags += len(pieces) - 1
                    if run > XLSX_MAX_RUN:
                        break
                    starts = [m.start() - len(tail) for m in _ROW_START.finditer(joined) if m.end() > len(tail)]
                    if starts:
                        rows += len(starts)
                        gaps = [b - a for a, b in itertools.pairwise(starts)]
                        segment = max([segment + max(starts[0], 0), *gaps])
                        if segment > XLSX_MAX_ROW:
                            raise _unsafe(path, _row_too_long(info.filename))
                        segment = len(chunk) - starts[-1]
                    else:
                        segment += len(chunk)
                    if rows and segment > XLSX_MAX_ROW:
                        raise _unsafe(path, _row_too_long(info.filename))
                    cells += len(_CELL_START.findall(joined)) - len(_CELL_START.findall(tail))
                    if cells > XLSX_MAX_CELLS:
                        raise _unsafe(path, _("has more than {n} cells").format(n=_count(XLSX_MAX_CELLS)))
                    if not rows and (size > XLSX_MAX_PART or tags > XLSX_MAX_PART_TAGS):
                        raise _unsafe(
                            path, _("has a part ({part}) larger than a workbook's").format(part=info.filename)
                        )
                    tail = chunk[-16:]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            raise _damaged(path, info.filename) from None
        except (zlib.error, ValueError):
            raise _damaged(path, info.filename) from None
        if run > XLSX_MAX_RUN:
            raise _unsafe(
                path,
                _("has a tag or a text of more than {n} bytes in {part}").format(
                    n=_count(XLSX_MAX_RUN), part=info.filename
                ),
            )
        sizes[info.filename] = size
    return sizes


def _row_too_long(part: str) -> str:
    return _("has a row of more than {n} bytes in {part}").format(n=_count(XLSX_MAX_ROW), part=part)


def _xlsx_rows(wb, ws, limit: int, read: list[int]) -> Iterator[tuple[int, list[object]]]:
    """(row number, the values of its first `limit` columns) of a read-only sheet, streamed.
    Every element is freed once read, whatever it is (openpyxl's own loop keeps the elements
    it does not know, and pads rows to the size the sheet claims); nesting deeper than a sheet
    has is refused. `read[0]` counts the sheet's bytes read, for the progress bar."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser

    with ws._get_source() as raw:
        src = _CountingReader(raw)
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        stack: list = []
        in_row = 0
        for event, element in iterparse(src, events=("start", "end")):
            if event == "start":
                stack.append(element)
                if len(stack) > XLSX_MAX_DEPTH:
                    raise KoptrackError(
                        _("sheet {sheet}: elements nested more than {n} deep").format(
                            sheet=repr(ws.title), n=XLSX_MAX_DEPTH
                        )
                    )
                if element.tag == ROW_TAG:
                    in_row += 1
                continue
            stack.pop()
            read[0] = src.count
            if element.tag == ROW_TAG:
                in_row -= 1
                idx, cells = parser.parse_row(element)
                if idx > EXCEL_MAX_ROWS:
                    raise KoptrackError(
                        _("sheet {sheet}: row {row} is beyond Excel's last ({last})").format(
                            sheet=repr(ws.title), row=_count(idx), last=_count(EXCEL_MAX_ROWS)
                        )
                    )
                width = min(max((c["column"] for c in cells), default=0), limit)
                values: list[object] = [None] * width
                for c in cells:
                    if c["column"] <= width:
                        values[c["column"] - 1] = c["value"]
                yield idx, values
            if not in_row:  # nothing keeps an element outside a row
                element.clear()
                if stack:
                    stack[-1].remove(element)


@contextmanager
def _open_xlsx(path: Path, sheet: str | None, size: int, known: Collection[str]) -> Iterator[Table]:
    try:
        with zipfile.ZipFile(path) as z:
            sizes = scan_xlsx(path, z)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise KoptrackError(_("file {file} is not an Excel workbook (.xlsx)").format(file=repr(path.name))) from None
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise KoptrackError(
            _("file {file} could not be read as a workbook: {problem}").format(
                file=repr(path.name), problem=_short(exc)
            )
        ) from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise KoptrackError(
                    _("sheet {sheet} is not in {file}; it has {sheets}").format(
                        sheet=repr(sheet), file=path.name, sheets=", ".join(wb.sheetnames)
                    )
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        read = [0]
        it = _broken_xml(path, _xlsx_rows(wb, ws, MAX_COLUMNS + 1, read))
        first_rows = list(itertools.islice(it, HEADER_SEARCH if known else 1))
        texts = [["" if c is None else str(c) for c in r] for _, r in first_rows]
        at = find_header(texts, known) if known else 0
        header_row = first_rows[at][1] if first_rows else None
        if not header_row or not any(h is not None and str(h).strip() for h in header_row):
            raise KoptrackError(_("{file}: the first row must be a header row (NIK, Nama, ...)").format(file=path.name))
        header_line = first_rows[at][0]
        it = itertools.chain(first_rows[at + 1 :], it)
        headers = [("" if h is None else str(h)) for h in header_row]
        while headers and not headers[-1].strip():
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(
                _("{file} has more than {most} columns; a roster has at most {most}").format(
                    file=path.name, most=MAX_COLUMNS
                )
            )
        width = len(headers)

        def rows() -> Iterator[tuple[int, list[str]]]:
            for line, values in it:
                if values and any(v is not None and str(v).strip() for v in values[:width]):
                    yield line, [_xlsx_cell(v) for v in values[:width]]

        sheet_size = max(sizes.get(getattr(ws, "_worksheet_path", ""), 0), 1)
        yield Table(
            headers=headers,
            rows=_with_rows(path, rows()),
            size=size,
            position=lambda: min(size, int(size * read[0] / sheet_size)),
            header_line=header_line,
        )
    finally:
        wb.close()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _broken_xml(path: Path, rows: Iterator[tuple[int, list[object]]]) -> Iterator[tuple[int, list[object]]]:
    """`rows`, with what a damaged sheet raises (a bad tag, a shared string that is not there, a
    number that is none) turned into one error naming the file and the row read last."""
    line = 0
    try:
        for line, values in rows:
            yield line, values
    except KoptrackError:
        raise
    except Exception as exc:  # expat's ParseError, and openpyxl's ValueError, IndexError, KeyError, TypeError
        raise KoptrackError(
            _("file {file} could not be read as a workbook after row {row}: {problem}").format(
                file=repr(path.name), row=line, problem=_short(exc)
            ),
            hint=_("open it in Excel and save it again as an Excel Workbook (.xlsx)"),
        ) from None
