"""Files koptrack writes for people to open: created private to the user (0600), written
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
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from koptrack.errors import KoptrackError
from koptrack.io.terminal import Col, dumps, masked, pct

FORMATS = ("csv", "json", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDTH_SAMPLE = 500  # rows looked at to fit column widths
MAX_WIDTH = 60


@dataclass
class Section:
    title: str
    columns: list[Col]
    rows: Iterable[dict]


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
    raise KoptrackError(f"output {str(path)!r}: cannot tell the format from the name",
                        hint="end the name with .csv, .json or .xlsx, or give --format")


def _data_columns(columns: list[Col]) -> list[Col]:
    return [c for c in columns if not c.table_only]


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
            writer.writerow([neutralise(_csv_value(row.get(c.key))) for c in cols])
            n += 1
    return n


def _csv_value(value: Any) -> Any:
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
    clean = "".join("-" if ch in '[]:*?/\\' else ch for ch in title).strip("'") or "Sheet"
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
        formats = {}
        for i, c in enumerate(cols):
            formats[i] = "0.0%" if _is_percent(c) else None
        n = 0

        def cells(r: dict) -> list:
            out = []
            for i, c in enumerate(cols):
                value = _xlsx_value(r.get(c.key), c)
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                if formats[i]:
                    cell.number_format = formats[i]
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            return out

        for r in head:
            ws.append(cells(r))
            n += 1
        for r in rows:
            ws.append(cells(r))
            n += 1
        counts[section.title] = n
    if not sections:
        wb.create_sheet("Empty")
    wb.save(path)
    return counts


# --- what each export holds -------------------------------------------------------------------

COOP_COLUMNS = [
    Col("id", "ID"), Col("name", "Name"), Col("kind", "Kind"), Col("base", "Base"),
    Col("kecamatan", "Kecamatan"), Col("kecamatan_code", "Kecamatan code"), Col("regency", "Regency"),
    Col("desa", "Desa"), Col("legal_no", "Legal no"), Col("nik_koperasi", "NIK koperasi"),
    Col("address", "Address"), Col("employer_size", "Size"), Col("status", "Status"), Col("note", "Note"),
]
# Headers that `koptrack import people` reads back (with --show-nik, the export re-imports).
PEOPLE_COLUMNS = [
    Col("nik", "NIK"), Col("name", "Name"), Col("gender", "Gender"), Col("birth_date", "Birth date"),
    Col("role", "Role"), Col("since", "Since"), Col("until", "Until"), Col("coop", "Coop"),
    Col("coop_name", "Cooperative name"),
]
ENROLLMENT_COLUMNS = [
    Col("nik", "NIK"), Col("name", "Name"), Col("coop", "Coop"), Col("coop_name", "Cooperative name"),
    Col("kpj", "KPJ"), Col("category", "Category"), Col("programmes", "Programmes"),
    Col("missing_programmes", "Lacking programmes"), Col("start_on", "Start"), Col("end_on", "End"),
]
PKSPKB_COLUMNS = [
    Col("coop", "Coop"), Col("coop_name", "Cooperative name"), Col("base", "Base"), Col("kecamatan", "Kecamatan"),
    Col("joined_on", "Joined"), Col("left_on", "Left"), Col("agreement_no", "Agreement"), Col("note", "Note"),
]


def _stream(session, stmt) -> Iterator:
    return session.connection().execution_options(yield_per=2000).execute(stmt)


def coop_rows(session, regency: str | None = None) -> Iterator[dict]:
    from sqlalchemy import select

    from koptrack.core import coverage
    from koptrack.domain import validate
    from koptrack.store.models import Cooperative, Kecamatan

    C, K = Cooperative.__table__, Kecamatan.__table__
    stmt = (select(C, K.c.name.label("kecamatan"))
            .select_from(C.join(K, K.c.code == C.c.kecamatan_code)).order_by(C.c.id))
    reg = validate.parse_regency(regency)
    if reg:
        stmt = stmt.where(coverage.in_regency(C.c.kecamatan_code, reg))
    for r in _stream(session, stmt):
        row = dict(r._mapping)
        row["regency"] = row["kecamatan_code"][:5]
        yield row


def _coop_filter(session, stmt, coop_column, coop: str | None, regency: str | None):
    from koptrack.core import coverage
    from koptrack.domain import validate
    from koptrack.core.coops import resolve_coop
    from koptrack.store.models import Cooperative

    if coop:
        stmt = stmt.where(coop_column == resolve_coop(session, coop).id)
    reg = validate.parse_regency(regency)
    if reg:
        stmt = stmt.where(coverage.in_regency(Cooperative.__table__.c.kecamatan_code, reg))
    return stmt


def people_rows(session, coop: str | None = None, regency: str | None = None) -> Iterator[dict]:
    """Every engagement (current and past) with its person: one row per person and period."""
    from sqlalchemy import select

    from koptrack.store.models import Cooperative, Engagement, Person

    C, E, P = Cooperative.__table__, Engagement.__table__, Person.__table__
    stmt = (select(P.c.nik, P.c.name, P.c.gender, P.c.birth_date, E.c.role, E.c.since, E.c.until,
                   C.c.id.label("coop"), C.c.name.label("coop_name"))
            .select_from(E.join(P, P.c.id == E.c.person_id).join(C, C.c.id == E.c.coop_id))
            .order_by(C.c.id, P.c.nik, E.c.since))
    stmt = _coop_filter(session, stmt, C.c.id, coop, regency)
    for r in _stream(session, stmt):
        yield dict(r._mapping)


def enrollment_rows(session, coop: str | None = None, regency: str | None = None) -> Iterator[dict]:
    from sqlalchemy import select

    from koptrack.store.models import Cooperative, Enrollment, Person

    C, N, P = Cooperative.__table__, Enrollment.__table__, Person.__table__
    stmt = (select(P.c.nik, P.c.name, C.c.id.label("coop"), C.c.name.label("coop_name"), N.c.kpj, N.c.category,
                   N.c.programmes, N.c.missing_programmes, N.c.start_on, N.c.end_on)
            .select_from(N.join(P, P.c.id == N.c.person_id).join(C, C.c.id == N.c.coop_id))
            .order_by(C.c.id, P.c.nik, N.c.start_on))
    stmt = _coop_filter(session, stmt, C.c.id, coop, regency)
    for r in _stream(session, stmt):
        yield dict(r._mapping)


def pkspkb_rows(session, regency: str | None = None) -> Iterator[dict]:
    from sqlalchemy import select

    from koptrack.store.models import Cooperative, Kecamatan, PkspkbMembership

    C, K, M = Cooperative.__table__, Kecamatan.__table__, PkspkbMembership.__table__
    stmt = (select(C.c.id.label("coop"), C.c.name.label("coop_name"), C.c.base, K.c.name.label("kecamatan"),
                   M.c.joined_on, M.c.left_on, M.c.agreement_no, M.c.note)
            .select_from(M.join(C, C.c.id == M.c.coop_id).join(K, K.c.code == C.c.kecamatan_code))
            .order_by(M.c.joined_on, C.c.id))
    stmt = _coop_filter(session, stmt, C.c.id, None, regency)
    for r in _stream(session, stmt):
        yield dict(r._mapping)
