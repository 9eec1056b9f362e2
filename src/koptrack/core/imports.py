"""Bulk import of cooperatives and their people from the office's spreadsheets (CSV or XLSX).

One streaming pass: each row is checked in Python (the same rules as the single commands), and
good rows are written in batches with SQLAlchemy Core inserts inside the caller's transaction,
so memory stays flat however long the file is. Errors found while writing (a NIK already
registered under another name, an overlapping period) are reported like any other bad row.
By default an import is all or nothing: if any row is bad, `ImportRejected` is raised and the
caller's transaction rolls back. With `skip_invalid` the good rows are kept.
Importing the same file twice changes nothing: identical records already present count as
`unchanged`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, insert, select
from sqlmodel import Session

from koptrack.core import audit, bpjs
from koptrack.domain import validate
from koptrack.core.coops import resolve_coop
from koptrack.errors import KoptrackError, ValidationError
from koptrack.store.models import Cooperative, Engagement, Enrollment, Person, utcnow

# Column names the office's spreadsheets use, matched case-insensitively with punctuation and
# extra spaces ignored ("No. KPJ" = "no kpj"). The first name of each is koptrack's own.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "nik": ("nik", "no nik", "nomor nik", "nomor induk kependudukan", "no ktp", "nomor ktp", "ktp"),
        "name": ("name", "nama", "nama lengkap", "nama karyawan", "nama anggota", "nama pegawai"),
        "role": ("role", "peran", "jabatan", "status", "status keanggotaan"),
        "since": ("since", "tanggal masuk", "tgl masuk", "tanggal bergabung", "tgl bergabung", "mulai", "sejak"),
        "coop": ("coop", "koperasi", "nama koperasi", "id koperasi", "nik koperasi", "nomor induk koperasi"),
        "kpj": ("kpj", "no kpj", "nomor kpj", "no kartu bpjs", "nomor kartu bpjs"),
        "bpjs_on": ("bpjs on", "bpjs date", "tanggal bpjs", "tgl bpjs", "tanggal daftar bpjs", "tmt bpjs"),
        "programmes": ("programs", "programmes", "program", "program bpjs"),
        "category": ("category", "kategori", "kategori peserta"),
    },
    "coops": {
        "name": ("name", "nama", "nama koperasi"),
        "kind": ("kind", "jenis", "jenis koperasi"),
        "base": ("base", "basis", "basis anggota", "kelompok"),
        "kecamatan": ("kecamatan", "kec"),
        "desa": ("desa", "kelurahan", "desa kelurahan"),
        "legal_no": ("legal no", "no badan hukum", "nomor badan hukum", "badan hukum", "nbh"),
        "nik_koperasi": ("nik koperasi", "nomor induk koperasi", "nik kop"),
        "address": ("address", "alamat"),
        "size": ("size", "skala", "skala usaha"),
        "note": ("note", "catatan", "keterangan"),
    },
}
REQUIRED = {"people": ("nik", "name", "role", "since"), "coops": ("name", "kind", "kecamatan")}

BATCH = 5000
IMPORT_CACHE_KIB = 64 * 1024
# Rows created by one import from which the tables are analyzed at its end (PostgreSQL).
ANALYZE_AFTER = 10_000
MAX_COLUMNS = 200
MAX_FIELD = 100_000  # characters in one cell
MAX_SHOWN_ERRORS = 1000
XLSX_MAX_UNCOMPRESSED = 1 << 30  # 1 GiB
XLSX_MAX_RATIO = 200


class ImportRejected(KoptrackError):
    """The file had bad rows and nothing was written; `.result` holds them."""

    def __init__(self, result: "ImportResult"):
        self.result = result
        super().__init__(
            f"{result.file}: {result.invalid} of {result.rows} rows are invalid; nothing was imported",
            hint="fix them (write them out with --errors FILE, correct, import that file) or keep the good "
            "rows with --skip-invalid",
        )


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class ImportResult:
    kind: str
    file: str
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "file": self.file, "rows": self.rows, "created": self.created,
            "unchanged": self.unchanged, "invalid": self.invalid,
            "errors": [e.__dict__ for e in self.errors],
        }


# --- reading ---------------------------------------------------------------------------------

def _norm_header(text: object) -> str:
    s = re.sub(r"[_\-./:]+", " ", str(text or "").strip().lower())
    return " ".join(s.split())


def map_headers(kind: str, headers: list[object]) -> dict[str, int]:
    """koptrack field -> column index; raises naming a missing required column."""
    lookup = {alias: name for name, aliases in ALIASES[kind].items() for alias in aliases}
    mapping: dict[str, int] = {}
    for i, h in enumerate(headers):
        name = lookup.get(_norm_header(h))
        if name and name not in mapping:
            mapping[name] = i
    missing = [f for f in REQUIRED[kind] if f not in mapping]
    if missing:
        wanted = "; ".join(f"{f} (or {', '.join(ALIASES[kind][f][1:4])})" for f in missing)
        raise KoptrackError(
            f"the header row has no column for {wanted}",
            hint=f"found columns: {', '.join(str(h) for h in headers)[:300]}",
        )
    return mapping


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for a progress bar over a streamed file."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, b):
        n = self.raw.readinto(b)
        self.count += n or 0
        return n


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


@dataclass
class Table:
    headers: list
    rows: Iterator[tuple[int, list]]  # (line number, cell values)
    size: int  # bytes, for progress
    position: Callable[[], int]  # bytes read so far


@contextmanager
def open_table(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Iterator[Table]:
    if not path.is_file():
        raise KoptrackError(f"file {str(path)!r} does not exist")
    size = path.stat().st_size
    if size == 0:
        raise KoptrackError(f"file {str(path)!r} is empty")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with _open_xlsx(path, sheet, size) as table:
            yield table
    elif suffix in (".csv", ".txt", ".tsv"):
        with _open_csv(path, encoding, size) as table:
            yield table
    else:
        raise KoptrackError(f"file {str(path)!r}: koptrack reads .csv and .xlsx files",
                            hint="in Excel: File > Save As > CSV UTF-8, or Excel Workbook (.xlsx)")


@contextmanager
def _open_csv(path: Path, encoding: str | None, size: int) -> Iterator[Table]:
    enc = encoding or detect_encoding(path)
    raw = open(path, "rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=enc, newline="", errors="strict")
    try:
        first = text.readline()
        if len(first) > MAX_FIELD * 2:
            raise KoptrackError(f"file {path.name!r}: the first line is {len(first):,} characters long; "
                                "it is not a header row")
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        csv.field_size_limit(MAX_FIELD)
        headers = next(csv.reader([first], delimiter=delimiter), [])
        if not any(h.strip() for h in headers):
            raise KoptrackError(f"file {path.name!r}: the first line must be a header row (NIK, Nama, ...)")
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(f"file {path.name!r} has {len(headers):,} columns; a roster has at most {MAX_COLUMNS}")
        reader = csv.reader(text, delimiter=delimiter)

        def rows():
            line = 1
            try:
                for values in reader:
                    line = reader.line_num + 1
                    if len(values) > MAX_COLUMNS:
                        raise KoptrackError(f"{path.name} line {line}: {len(values):,} cells; at most {MAX_COLUMNS}")
                    if values and "".join(values).strip():
                        yield line, values
            except csv.Error as exc:
                raise KoptrackError(f"{path.name} line {line + 1}: not readable as CSV ({exc})") from None
            except UnicodeDecodeError:
                raise KoptrackError(f"{path.name}: not {enc} text after line {line}",
                                    hint="save it again as CSV UTF-8, or give --encoding cp1252") from None

        yield Table(headers=headers, rows=rows(), size=size, position=lambda: counter.count)
    except UnicodeDecodeError:
        raise KoptrackError(f"{path.name}: not {enc} text", hint="save it again as CSV UTF-8") from None
    finally:
        text.close()


class NumberCell(str):
    """A spreadsheet cell that held a number, as text: a NIK stored as a number has lost its
    last digit (Excel keeps 15 significant digits), so the checker refuses it."""


def _xlsx_cell(value) -> str:
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
def _open_xlsx(path: Path, sheet: str | None, size: int) -> Iterator[Table]:
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
            packed = sum(i.compress_size for i in z.infolist()) or 1
    except (zipfile.BadZipFile, OSError):
        raise KoptrackError(f"file {path.name!r} is not an Excel workbook (.xlsx)") from None
    if total > XLSX_MAX_UNCOMPRESSED or total / packed > XLSX_MAX_RATIO:
        raise KoptrackError(f"file {path.name!r} unpacks to {total:,} bytes from {packed:,}: refused as unsafe "
                            "(a 'zip bomb')")
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
        header_row = next(it, None)
        if not header_row or not any(h is not None and str(h).strip() for h in header_row):
            raise KoptrackError(f"{path.name}: the first row must be a header row (NIK, Nama, ...)")
        headers = [("" if h is None else str(h)) for h in header_row]
        while headers and not headers[-1].strip():
            headers.pop()
        if len(headers) > MAX_COLUMNS:
            raise KoptrackError(f"{path.name} has {len(headers):,} columns; a roster has at most {MAX_COLUMNS}")
        state = {"line": 1}

        def rows():
            for values in it:
                state["line"] += 1
                if values and any(v is not None and str(v).strip() for v in values):
                    yield state["line"], [_xlsx_cell(v) for v in values[: len(headers)]]

        # openpyxl gives no byte position while streaming: estimate from the sheet's row count.
        total_rows = max(ws.max_row or 1, 1)
        yield Table(headers=headers, rows=rows(), size=size, position=lambda: int(size * state["line"] / total_rows))
    finally:
        wb.close()


# --- writing the errors file -----------------------------------------------------------------

class _ErrorSink:
    """Keeps the first errors for display and writes every bad row to the --errors CSV."""

    def __init__(self, result: ImportResult, headers: list, path: Path | None):
        self.result, self.file, self.writer = result, None, None
        if path is not None:
            from koptrack.core.exports import open_private

            self.file = open_private(path, newline="", encoding="utf-8-sig")
            self.writer = csv.writer(self.file)
            self.writer.writerow([*headers, "error"])
        self._lines: set[int] = set()

    def add(self, line: int, column: str, value: object, reason: str, raw: list | None) -> None:
        shown = validate.mask_nik(str(value)) if column == "nik" and value else ("" if value is None else str(value))
        if len(self.result.errors) < MAX_SHOWN_ERRORS:
            self.result.errors.append(RowError(line, column, shown[:80], reason))
        if line not in self._lines:
            self._lines.add(line)
            self.result.invalid += 1
            if self.writer is not None and raw is not None:
                self.writer.writerow([*("" if v is None else v for v in raw), f"{column}: {reason}"])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _cell(values: list, mapping: dict[str, int], name: str) -> object:
    i = mapping.get(name)
    if i is None or i >= len(values):
        return None
    v = values[i]
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


# --- people ----------------------------------------------------------------------------------

@dataclass(slots=True)
class _PersonRow:
    line: int
    raw: list
    nik: str
    name: str
    gender: str
    birth: dt.date
    role: str
    since: dt.date
    coop_id: int
    bpjs_on: dt.date | None
    kpj: str | None
    category: str | None
    programmes: tuple[str, ...] | None


def import_people(
    session: Session,
    path: str | Path,
    *,
    coop: object = None,
    sheet: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    errors_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a roster: nik, name, role, since, and the cooperative (unless `coop` is given);
    optional kpj, bpjs date, programmes and category enroll them in BPJS in the same step."""
    path = Path(path)
    result = ImportResult(kind="people", file=path.name,
                          created={"people": 0, "engagements": 0, "enrollments": 0})
    fixed_coop = resolve_coop(session, coop) if coop not in (None, "") else None
    if fixed_coop is not None and fixed_coop.status != "active":
        raise KoptrackError(f"cooperative {fixed_coop.id} {fixed_coop.name!r} is inactive")
    with open_table(path, sheet=sheet, encoding=encoding) as table:
        mapping = map_headers("people", table.headers)
        if fixed_coop is None and "coop" not in mapping:
            raise KoptrackError("the file has no cooperative column (Koperasi / Nama Koperasi / ID Koperasi)",
                                hint="add one, or give the cooperative for every row with --coop")
        sink = _ErrorSink(result, table.headers, Path(errors_path) if errors_path else None)
        checker = _PersonChecker(session, mapping, fixed_coop, sink)
        writer = _PeopleWriter(session, result, sink)
        batch: list[_PersonRow] = []
        try:
            for line, values in table.rows:
                result.rows += 1
                row = checker.check(line, values)
                if row is not None:
                    batch.append(row)
                if len(batch) >= BATCH:
                    writer.write(batch)
                    batch = []
                    if progress:
                        progress(table.position(), table.size)
            writer.write(batch)
            if progress:
                progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    if sum(result.created.values()) >= ANALYZE_AFTER and session.connection().dialect.name == "postgresql":
        # PostgreSQL's planner still believes the tables hold what they held before the COPY
        # until autovacuum comes by; the reports run right after an import need fresh figures.
        session.connection().exec_driver_sql("ANALYZE person, engagement, enrollment")
    audit.record(session, "import", path.name, coop_id=fixed_coop.id if fixed_coop else None,
                 action="import people", rows=result.rows, created=result.created, unchanged=result.unchanged,
                 invalid=result.invalid)
    return result


_ROLES = {alias: role for alias, role in validate._ROLE_ALIASES.items()}
_CONTROL = validate._CONTROL


class _PersonChecker:
    """Checks one row at a time in plain Python: the rules of the single commands, with the
    columns located once and repeated values (dates, cooperatives) decoded once."""

    OPTIONAL = ("kpj", "bpjs_on", "category", "programmes")

    def __init__(self, session: Session, mapping: dict[str, int], fixed_coop, sink: _ErrorSink):
        self.session, self.sink = session, sink
        self.today = dt.date.today()
        self.i = {k: mapping.get(k) for k in ("nik", "name", "role", "since", "coop", *self.OPTIONAL)}
        self.optional = [k for k in self.OPTIONAL if self.i[k] is not None]
        self.fixed_coop_id = fixed_coop.id if fixed_coop is not None else None
        self.coops: dict[str, int | str] = {}
        self.names: dict[str, list[tuple[int, str]]] | None = None
        self.dates: dict[tuple[str, str], dt.date | str] = {}
        self.k_nik, self.k_name, self.k_role, self.k_since = (self.i[k] for k in ("nik", "name", "role", "since"))
        self.k_coop = self.i["coop"]

    def _date(self, text: str, label: str) -> dt.date | str:
        key = (text, label)
        d = self.dates.get(key)
        if d is None:
            try:
                d = validate.parse_date(text, label, allow_future=False, today=self.today)
            except ValidationError as exc:
                d = exc.reason
            self.dates[key] = d
        return d

    def _by_name(self) -> dict[str, list[tuple[int, str]]]:
        """Every cooperative by lower(name), read once: a roster naming thousands of
        cooperatives would otherwise cost one query each (resolve_coop's exact match, the
        same SQL lower() on the column and Python's on the reference)."""
        if self.names is None:
            C = Cooperative.__table__
            self.names = {}
            for cid, lowered, status in self.session.connection().execute(
                    select(C.c.id, func.lower(C.c.name), C.c.status)):
                self.names.setdefault(lowered, []).append((cid, status))
        return self.names

    def _coop(self, ref: str) -> int | str:
        found = self.coops.get(ref)
        if found is None:
            s = ref.strip()
            exact = None if s.isdigit() else self._by_name().get(s.lower())
            try:
                if exact is not None and len(exact) == 1:
                    cid, status = exact[0]
                else:  # ids, NIK koperasi, ambiguous, partial or unknown names: the usual rules and messages
                    c = resolve_coop(self.session, ref)
                    cid, status = c.id, c.status
                found = cid if status == "active" else f"cooperative {cid} is inactive"
            except KoptrackError as exc:
                found = exc.message
            self.coops[ref] = found
        return found

    def check(self, line: int, values: list[str]) -> _PersonRow | None:
        n = len(values)
        i = self.i
        errors: list[tuple[str, object, str]] = []

        k = self.k_nik
        nik_raw = values[k] if k < n else ""
        nik = validate.nik_fast(nik_raw, self.today)
        if isinstance(nik_raw, NumberCell):
            errors.append(("nik", nik_raw, "is stored as a number, which Excel rounds to 15 digits; "
                                           "format the NIK column as Text"))
        elif isinstance(nik, str):
            errors.append(("nik", nik_raw.strip(), nik))

        k = self.k_name
        name = values[k].strip() if k < n else ""
        if not name:
            errors.append(("name", "", "is required"))
        else:
            if not name.isascii():
                name = unicodedata.normalize("NFC", name)
            if _CONTROL.search(name):
                errors.append(("name", name.encode("unicode_escape").decode("ascii")[:60], "contains control characters"))
            elif len(name) > 200:
                errors.append(("name", name[:40] + "...", "is longer than 200 characters"))
            elif "  " in name:
                name = " ".join(name.split())

        k = self.k_role
        role_raw = values[k].strip() if k < n else ""
        role = _ROLES.get(role_raw.lower()) or _ROLES.get(" ".join(role_raw.lower().split()))
        if role is None:
            errors.append(("role", role_raw, f"must be one of {', '.join(validate.ROLES)}"))

        k = self.k_since
        since_raw = values[k].strip() if k < n else ""
        since = self._date(since_raw, "since") if since_raw else "is required (a date like 2021-03-16)"
        if isinstance(since, str):
            errors.append(("since", since_raw, since))

        if self.fixed_coop_id is not None:
            coop_id = self.fixed_coop_id
        else:
            k = self.k_coop
            ref = values[k].strip() if k < n else ""
            coop_id = self._coop(ref) if ref else "is required (or give --coop)"
            if isinstance(coop_id, str):
                errors.append(("coop", ref, coop_id))

        extra: dict[str, object] = {}
        for name_ in self.optional:
            k = i[name_]
            v = values[k].strip() if k < n else ""
            if not v:
                continue
            try:
                if name_ == "kpj":
                    extra[name_] = validate.parse_kpj(v)
                elif name_ == "bpjs_on":
                    d = self._date(v, "bpjs date")
                    if isinstance(d, str):
                        raise ValidationError("bpjs date", v, d)
                    extra[name_] = d
                elif name_ == "category":
                    extra[name_] = validate.parse_category(v)
                else:
                    extra[name_] = validate.parse_programmes(v) or None
            except ValidationError as exc:
                errors.append((name_, v, exc.reason))
        if not errors and extra and extra.get("bpjs_on") is None:
            errors.append(("bpjs_on", "", "a BPJS date is needed to enroll (kpj, programmes or category were given)"))
        if not errors and extra.get("bpjs_on") and extra["bpjs_on"] < since:
            errors.append(("bpjs_on", extra["bpjs_on"].isoformat(), f"is before the person joined ({since})"))
        if errors:
            for column, value, reason in errors:
                self.sink.add(line, column, value, reason, values)
            return None
        nik_s, gender, birth = nik
        return _PersonRow(line, values, nik_s, name, gender, birth, role, since, coop_id,
                          extra.get("bpjs_on"), extra.get("kpj"), extra.get("category"), extra.get("programmes"))


def _bulk_insert(conn, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany elsewhere. On SQLite the
    rows must already hold the values as SQLAlchemy stores them (see `_Storage`)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            # PostgreSQL refuses COPY FROM into a table whose row-level security applies to
            # this role (an office's role, docs/deployment.md): there, one pipelined INSERT
            # per row, each checked by the policies.
            key = ("row_security_active", table.name)  # asked once per connection and table
            if key not in conn.info:
                cur.execute("SELECT row_security_active(%s::regclass)", (table.name,))
                conn.info[key] = cur.fetchone()[0]
            if conn.info[key]:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
                return
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})", rows
    )


class _Storage:
    """Dates and timestamps in the form the engine stores: on SQLite the text SQLAlchemy itself
    writes (ISO dates, 'YYYY-MM-DD HH:MM:SS.ffffff'), each distinct date formatted once;
    elsewhere the objects, which the driver adapts."""

    def __init__(self, dialect_name: str):
        self.text = dialect_name == "sqlite"
        self._dates: dict[dt.date, str] = {}

    def date(self, d: dt.date | None):
        if d is None or not self.text:
            return d
        s = self._dates.get(d)
        if s is None:
            s = self._dates[d] = d.isoformat()
        return s

    def cached(self, d: dt.date | None):
        """`date` for the SQLite case, as a plain dict lookup in the common case."""
        try:
            return self._dates[d]
        except KeyError:
            return self.date(d)

    def stamp(self, t: dt.datetime):
        return t.strftime("%Y-%m-%d %H:%M:%S.%f") if self.text else t


class _PeopleWriter:
    """Writes checked rows batch by batch: persons, engagements, enrollments."""

    PERSON = ("nik", "name", "gender", "birth_date", "created_at", "updated_at")
    ENGAGEMENT = ("person_id", "coop_id", "role", "since", "created_at")
    ENROLLMENT = ("person_id", "coop_id", "kpj", "category", "programmes", "missing_programmes", "start_on",
                  "created_at")

    def __init__(self, session: Session, result: ImportResult, sink: _ErrorSink):
        self.session, self.result, self.sink = session, result, sink
        self.conn = session.connection()
        self.P, self.E, self.N = Person.__table__, Engagement.__table__, Enrollment.__table__
        self.rules: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self.sizes: dict[int, str | None] = {}
        self.store = _Storage(self.conn.dialect.name)
        if self.conn.dialect.name == "sqlite":
            # Index pages of a large roster stay in memory (bounded: 64 MiB, whatever the file).
            self.conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")

    def _load_sizes(self, coop_ids: set[int]) -> None:
        """Employer sizes of these cooperatives, in one query per 500 of them."""
        C = Cooperative.__table__
        todo = sorted(coop_ids - self.sizes.keys())
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            self.sizes.update(self.conn.execute(select(C.c.id, C.c.employer_size).where(C.c.id.in_(chunk))).all())

    def _minimum(self, category: str, coop_id: int) -> tuple[str, ...]:
        # The rules depend on category and employer size only; write() loaded the batch's sizes.
        key = (category, self.sizes[coop_id])
        if key not in self.rules:
            self.rules[key] = bpjs.minimum_programmes(self.session, *key)
        return self.rules[key]

    def _ids(self, niks: list[str]) -> dict[str, tuple[int, str]]:
        """id and name of the persons with these NIKs (a driver-level query: building an
        SQLAlchemy IN list of thousands of parameters costs more than the lookup itself)."""
        if not niks:
            return {}
        if self.conn.dialect.name == "postgresql":
            rows = self.conn.exec_driver_sql("SELECT id, nik, name FROM person WHERE nik = ANY(%s)", (niks,)).all()
        else:
            mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
            rows = self.conn.exec_driver_sql(
                f"SELECT id, nik, name FROM person WHERE nik IN ({','.join([mark] * len(niks))})", tuple(niks)
            ).all()
        return {nik: (pid, name) for pid, nik, name in rows}

    def _insert_persons(self, rows: list[tuple]) -> dict[str, int]:
        """Insert new persons; their ids by NIK. On SQLite, inside our write lock, rows without
        an id get max(id)+1, +2, ... in order: checked by max(id) afterwards, else looked up."""
        conn = self.conn
        if conn.dialect.name == "sqlite":
            before = conn.exec_driver_sql("SELECT max(id) FROM person").scalar() or 0
            _bulk_insert(conn, self.P, self.PERSON, rows)
            after = conn.exec_driver_sql("SELECT max(id) FROM person").scalar()
            if after == before + len(rows):
                return {row[0]: before + 1 + j for j, row in enumerate(rows)}
        else:
            _bulk_insert(conn, self.P, self.PERSON, rows)
        return {nik: pid for nik, (pid, _) in self._ids([row[0] for row in rows]).items()}

    def write(self, batch: list[_PersonRow]) -> None:
        if not batch:
            return
        E, N, conn, st = self.E, self.N, self.conn, self.store
        now = st.stamp(utcnow())
        d = st.date if not st.text else st.cached
        known = self._ids(list({r.nik for r in batch}))
        new: dict[str, tuple] = {}
        rows: list[_PersonRow] = []
        for r in batch:
            if r.nik in known:
                if known[r.nik][1].casefold() != r.name.casefold():
                    self.sink.add(r.line, "nik", r.nik, f"is already registered under another name ({known[r.nik][1]!r})", r.raw)
                    continue
            elif r.nik in new:
                if new[r.nik][1].casefold() != r.name.casefold():
                    self.sink.add(r.line, "nik", r.nik, f"appears earlier in the file with another name ({new[r.nik][1]!r})", r.raw)
                    continue
            else:
                new[r.nik] = (r.nik, r.name, r.gender, d(r.birth), now, now)
            rows.append(r)
        ids = {nik: pid for nik, (pid, _) in known.items()}
        self._load_sizes({r.coop_id for r in rows if r.bpjs_on is not None})
        if new:
            ordered = sorted(new.values())  # NIK order: index locality
            ids.update(self._insert_persons(ordered))
            self.result.created["people"] += len(new)
        # periods already recorded for persons known before this batch
        known_ids = [ids[n] for n in known]
        engaged: dict[tuple[int, int, str], list[tuple[dt.date, dt.date | None]]] = {}
        enrolled: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = {}
        if known_ids:
            for pid, cid, role, since, until in conn.execute(
                    select(E.c.person_id, E.c.coop_id, E.c.role, E.c.since, E.c.until).where(E.c.person_id.in_(known_ids))):
                engaged.setdefault((pid, cid, role), []).append((since, until))
            for pid, cid, start, end in conn.execute(
                    select(N.c.person_id, N.c.coop_id, N.c.start_on, N.c.end_on).where(N.c.person_id.in_(known_ids))):
                enrolled.setdefault((pid, cid), []).append((start, end))
        new_engagements, new_enrollments = [], []
        for r in rows:
            pid = ids[r.nik]
            key = (pid, r.coop_id, r.role)
            periods_ = engaged.get(key)
            if periods_ is None:  # the common case: nothing recorded for this person here yet
                periods_ = engaged[key] = []
                verdict = "new"
            else:
                verdict = _fits(periods_, r.since)
            if verdict == "conflict":
                self.sink.add(r.line, "since", r.since.isoformat(),
                              f"overlaps this person's earlier period as {r.role} of cooperative {r.coop_id}", r.raw)
                continue
            changed = False
            if verdict == "new":
                new_engagements.append((pid, r.coop_id, r.role, d(r.since), now))
                periods_.append((r.since, None))
                changed = True
            if r.bpjs_on is not None:
                eperiods = enrolled.setdefault((pid, r.coop_id), [])
                everdict = _fits(eperiods, r.bpjs_on)
                if everdict == "conflict":
                    self.sink.add(r.line, "bpjs_on", r.bpjs_on.isoformat(),
                                  f"overlaps an enrollment through cooperative {r.coop_id}", r.raw)
                    if verdict == "new":  # keep the row whole: no engagement without its enrollment
                        new_engagements.pop()
                        periods_.pop()
                    continue
                if everdict == "new":
                    category = r.category or bpjs.default_category(r.role)
                    required = self._minimum(category, r.coop_id)
                    progs = r.programmes or required
                    new_enrollments.append((
                        pid, r.coop_id, r.kpj, category, validate.format_programmes(progs),
                        validate.format_programmes(p for p in required if p not in progs), d(r.bpjs_on), now,
                    ))
                    eperiods.append((r.bpjs_on, None))
                    changed = True
            if not changed:
                self.result.unchanged += 1
        _bulk_insert(conn, E, self.ENGAGEMENT, new_engagements)
        self.result.created["engagements"] += len(new_engagements)
        _bulk_insert(conn, N, self.ENROLLMENT, new_enrollments)
        self.result.created["enrollments"] += len(new_enrollments)


def _fits(periods: list[tuple[dt.date, dt.date | None]], start: dt.date) -> str:
    """'same' if an open period starts on `start` (nothing to do), 'new' if a period may start
    then, 'conflict' otherwise (another open period, or an overlap with a closed one)."""
    verdict = "new"
    for since, until in periods:
        if until is None:
            return "same" if since == start else "conflict"
        if start < until:
            verdict = "conflict"
    return verdict


# --- cooperatives ----------------------------------------------------------------------------

def import_coops(
    session: Session,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    errors_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a list of cooperatives: name, kind, kecamatan, and optional base, desa, legal
    number, NIK koperasi, address, size, note. A cooperative already registered under the same
    name in the same kecamatan counts as unchanged."""
    from koptrack.core.coops import _PARSERS
    from koptrack.core.regions import kecamatan_choices
    from koptrack.core.config import default_regency

    path = Path(path)
    result = ImportResult(kind="coops", file=path.name, created={"cooperatives": 0})
    C = Cooperative.__table__
    conn = session.connection()
    choices = kecamatan_choices(session)
    if not choices:
        raise KoptrackError("no kecamatan are loaded yet", hint="run `koptrack seed` first")
    prefer = default_regency()
    kec_cache: dict[str, str | ValidationError] = {}
    existing = {(n.lower(), k): i for i, n, k in conn.execute(select(C.c.id, C.c.name, C.c.kecamatan_code))}
    taken = {
        "legal_no": {v: i for i, v in conn.execute(select(C.c.id, C.c.legal_no).where(C.c.legal_no.is_not(None)))},
        "nik_koperasi": {v: i for i, v in conn.execute(
            select(C.c.id, C.c.nik_koperasi).where(C.c.nik_koperasi.is_not(None)))},
    }
    with open_table(path, sheet=sheet, encoding=encoding) as table:
        mapping = map_headers("coops", table.headers)
        sink = _ErrorSink(result, table.headers, Path(errors_path) if errors_path else None)
        batch: list[dict] = []
        now = utcnow()
        try:
            for line, values in table.rows:
                result.rows += 1
                row, bad = {}, False
                for fieldname in ("name", "kind", "base", "desa", "legal_no", "nik_koperasi", "address", "size", "note"):
                    v = _cell(values, mapping, fieldname)
                    key = "employer_size" if fieldname == "size" else fieldname
                    try:
                        row[key] = _PARSERS[key](v if not (fieldname == "base" and v is None) else "unknown")
                    except ValidationError as exc:
                        sink.add(line, fieldname, v, exc.reason, values)
                        bad = True
                kv = _cell(values, mapping, "kecamatan")
                kkey = str(kv or "")
                if kkey not in kec_cache:
                    try:
                        kec_cache[kkey] = validate.match_kecamatan(kv, choices, prefer_regency=prefer)
                    except ValidationError as exc:
                        kec_cache[kkey] = exc
                found = kec_cache[kkey]
                if isinstance(found, ValidationError):
                    sink.add(line, "kecamatan", kv, found.reason, values)
                    bad = True
                if bad:
                    continue
                row["kecamatan_code"] = found
                ident = (row["name"].lower(), found)
                if ident in existing:
                    result.unchanged += 1
                    continue
                clash = next(((f, taken[f][row[f]]) for f in ("legal_no", "nik_koperasi")
                              if row.get(f) and row[f] in taken[f]), None)
                if clash:
                    sink.add(line, clash[0], row[clash[0]], f"already belongs to cooperative {clash[1]}", values)
                    continue
                existing[ident] = -1
                for f in ("legal_no", "nik_koperasi"):
                    if row.get(f):
                        taken[f][row[f]] = f"line {line}"
                batch.append({**row, "status": "active", "created_at": now, "updated_at": now})
                if len(batch) >= BATCH:
                    conn.execute(insert(C), batch)
                    result.created["cooperatives"] += len(batch)
                    batch = []
                    if progress:
                        progress(table.position(), table.size)
            if batch:
                conn.execute(insert(C), batch)
                result.created["cooperatives"] += len(batch)
            if progress:
                progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    audit.record(session, "import", path.name, action="import coops", rows=result.rows, created=result.created,
                 unchanged=result.unchanged, invalid=result.invalid)
    return result

