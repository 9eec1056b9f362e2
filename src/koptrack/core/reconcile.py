"""Reconciling BPJS Ketenagakerjaan's own participant list with what the cooperatives declared.

The branch office's list (CSV or xlsx: NIK, KPJ, Nama, NPP, TMT, Status, Tgl Nonaktif,
Program, Kategori; Indonesian headers and their variants, title rows above the header) is read
as `import` reads a roster: every row checked, every bad row named, nothing used when one is
bad. The rows go to a temporary table, and the database does the matching: one sorted pass over
the list's rows and the enrollments running on the as-of date, person by person, so memory
stays flat whatever the list's size. Every person lands in one class (`CLASSES`); a cooperative
whose people BPJS lists under another NPP is in `coop_npp`.

A person is matched by NIK, or by KPJ where the list has no NIK. The list names its employer by
NPP (the cooperative's BPJS registration); a list without an NPP column is one cooperative's
(`--coop`). A row is active at BPJS on the day when its TMT has come, it has not ended (Tgl
Nonaktif after the day), and it is not `nonaktif` without an end date.

With `apply`, what the list proves is written in the same transaction, with one audit entry (the
list's file name and date, and the undo rows): enrollments of people on the roster that BPJS
shows active and koptrack lacks (under the rules of `bpjs enroll`), the end of enrollments BPJS
shows ended, KPJs koptrack lacked, and the date and list that last confirmed each enrollment.
Disagreements are never written: they are counted and left for a person to decide.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel import Session

from koptrack.core import audit
from koptrack.core.coverage import CoverageFilter
from koptrack.core.imports.result import ErrorSink, ImportRejected, ImportResult
from koptrack.domain import rules, validate
from koptrack.errors import KoptrackError, ValidationError
from koptrack.io.readers import norm_header, open_table
from koptrack.store.bulk import Storage, bulk_insert
from koptrack.store.models import Enrollment
from koptrack.store.tables import COOP, ENGAGEMENT, ENROLLMENT, PERSON, REGISTRATION, active_on

# --- the list's columns ------------------------------------------------------------------------

ALIASES: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no nik", "nomor nik", "nik peserta", "nomor induk kependudukan", "no ktp", "nomor ktp", "ktp"),
    "kpj": (
        "kpj",
        "no kpj",
        "nomor kpj",
        "no kartu",
        "nomor kartu",
        "no kartu peserta",
        "nomor kartu peserta",
        "no peserta",
        "nomor peserta",
        "no kartu bpjs",
        "nomor kartu bpjs",
    ),
    "name": ("name", "nama", "nama peserta", "nama tenaga kerja", "nama tk", "nama lengkap"),
    "npp": ("npp", "no npp", "nomor npp", "nomor pendaftaran perusahaan", "npp perusahaan", "npp wadah"),
    "tmt": (
        "tmt",
        "tgl tmt",
        "tanggal tmt",
        "tmt kepesertaan",
        "tmt peserta",
        "tanggal kepesertaan",
        "tgl kepesertaan",
        "tanggal mulai",
        "tgl mulai",
        "mulai",
    ),
    "status": ("status", "status kepesertaan", "status peserta", "status aktif", "keterangan status"),
    "end": (
        "tgl nonaktif",
        "tanggal nonaktif",
        "tgl non aktif",
        "tanggal non aktif",
        "tmt nonaktif",
        "tmt non aktif",
        "tanggal berhenti",
        "tgl berhenti",
        "tanggal keluar",
        "tgl keluar",
        "end",
        "sampai",
    ),
    "programmes": ("programs", "programmes", "program", "program bpjs", "program kepesertaan", "program diikuti"),
    "category": ("category", "kategori", "kategori peserta", "segmen", "segmen peserta", "jenis kepesertaan"),
}
KNOWN = frozenset(a for names in ALIASES.values() for a in names)
ACTIVE_WORDS = {"aktif", "active", "a", "ya", "1"}
INACTIVE_WORDS = {"nonaktif", "non aktif", "tidak aktif", "inactive", "na", "n", "keluar", "berhenti", "0"}

# The classes a person lands in, in the order reports show them, with their labels.
CLASSES: dict[str, str] = {
    "confirmed": "confirmed: enrolled and active at BPJS, same programmes",
    "not_active": "declared, not active at BPJS (absent, or nonaktif)",
    "not_enrolled": "active at BPJS, on the roster, not enrolled in koptrack",
    "not_on_roster": "active at BPJS, not on the cooperative's roster",
    "disagree": "in both, but they disagree",
    "two_coops": "enrolled in koptrack through two cooperatives at once",
    "other_npp": "active at BPJS under an NPP not the cooperative's",
}
UNKNOWN_SEQ = 1_000_000_000  # result rows written in SQL: unknown people at this + line, absent ones at -id
ABSENT = "absent"  # declared, absent from the list: not_active if the list speaks for the cooperative
COOP_NPP = "coop_npp"  # a cooperative whose NPP in the list does not match its registration
BATCH = 5000

_META = MetaData()
LIST = Table(
    "reconcile_list",
    _META,
    Column("line", Integer, primary_key=True),
    Column("nik", String(16)),
    Column("kpj", String(11)),
    Column("name", String),
    Column("npp", String(8)),
    Column("tmt", Date),
    Column("end_on", Date),
    Column("status", String),
    Column("programmes", String),
    Column("category", String),
    Column("dup", Integer),
    prefixes=["TEMPORARY"],
)
NPP_MAP = Table(
    "reconcile_npp",
    _META,
    Column("npp", String(8), primary_key=True),
    Column("coop_id", Integer),
    prefixes=["TEMPORARY"],
)
IN_FILTER = Table(
    "reconcile_coops", _META, Column("coop_id", Integer, primary_key=True, autoincrement=False), prefixes=["TEMPORARY"]
)
COVERED = Table(
    "reconcile_covered",
    _META,
    Column("coop_id", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
RESULT = Table(
    "reconcile_result",
    _META,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("class", String),
    Column("coop_id", Integer),
    Column("coop", String),
    Column("nik", String),
    Column("kpj", String),
    Column("name", String),
    Column("npp", String),
    Column("tmt", Date),
    Column("start_on", Date),
    Column("detail", String),
    Column("line", Integer),
    # what --apply needs
    Column("person_id", Integer),
    Column("enrollment_id", Integer),
    Column("action", String),  # enroll | end | kpj | verify (with kpj) | None
    Column("end_on", Date),
    Column("programmes", String),
    Column("category", String),
    prefixes=["TEMPORARY"],
)
_RESULT_COLUMNS = tuple(c.name for c in RESULT.columns)
SHOWN = ("coop_id", "coop", "nik", "kpj", "name", "npp", "tmt", "start_on", "detail", "line")


@dataclass
class Side:
    """One row of the sorted pass: a list row (`list_row`) or an enrollment running on the day."""

    list_row: bool
    ref: int  # the list's line, or the enrollment's id
    person_id: int | None
    nik: str | None
    kpj: str | None
    name: str | None
    npp: str | None
    start: dt.date | None
    end: dt.date | None
    status: str | None
    programmes: str | None
    category: str | None
    coop_id: int | None
    engaged: bool
    person_name: str | None


@dataclass
class Reconciliation:
    """What a reconciliation found (the rows themselves stay in the temporary table until the
    session ends: `rows(cls)`), and what `apply` wrote."""

    file: str
    list_date: dt.date | None
    as_of: dt.date
    rows_read: int = 0
    duplicates: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    per_coop: dict[int | None, Counter] = field(default_factory=dict)
    coop_names: dict[int, str] = field(default_factory=dict)
    coop_npp: list[dict] = field(default_factory=list)
    applied: dict[str, int] | None = None
    left: int = 0
    audit_id: int | None = None
    reveal: bool = False
    session: Session | None = None

    def rows(self, cls: str) -> Iterator[dict]:
        """The people of one class, by cooperative and name (streamed from the temporary table)."""
        assert self.session is not None
        R = RESULT
        stmt = select(*(R.c[k] for k in SHOWN)).where(R.c["class"] == cls).order_by(R.c.coop, R.c.name, R.c.seq)
        for r in self.session.connection().execute(stmt.execution_options(yield_per=BATCH)).mappings():
            yield dict(r)

    def coop_summary(self) -> list[dict]:
        out = []
        for coop_id, counts in self.per_coop.items():
            name = self.coop_names.get(coop_id, "") if coop_id is not None else "(no cooperative)"
            out.append({"coop_id": coop_id, "coop": name, **{c: counts.get(c, 0) for c in CLASSES}})
        out.sort(key=lambda r: (r["coop_id"] is None, r["coop"], r["coop_id"] or 0))
        return out

    def class_summary(self) -> list[dict]:
        total = sum(self.counts.values())
        return [
            {"class": c, "label": label, "people": self.counts[c], "share": _share(self.counts[c], total)}
            for c, label in CLASSES.items()
        ]


def _share(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


# --- reading the list -----------------------------------------------------------------------------


def _map_headers(headers: list[str]) -> dict[str, int]:
    lookup = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
    mapping: dict[str, int] = {}
    problems = []
    for i, h in enumerate(headers):
        name = lookup.get(norm_header(h))
        if not name:
            continue
        if name in mapping:
            problems.append(f"columns {mapping[name] + 1} and {i + 1} are both the {name} column")
            continue
        mapping[name] = i
    if "nik" not in mapping and "kpj" not in mapping:
        problems.append("the list has no NIK column (NIK, No KTP) and no KPJ column (No KPJ, Nomor Kartu)")
    if "tmt" not in mapping:
        problems.append("the list has no TMT column (TMT, Tgl Kepesertaan): the day participation began")
    if problems:
        shown = ", ".join(_masked_text(h) for h in headers)[:300]
        raise KoptrackError(
            "not a BPJS Ketenagakerjaan participant list: " + "; ".join(problems),
            hint=f"found columns: {shown}",
        )
    return mapping


_NIK_LIKE = re.compile(r"\d{11,}")
_DATE_IN_TITLE = re.compile(r"(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{1,2}\s+[A-Za-z]+\.?\s+\d{4})")


def _masked_text(value: object) -> str:
    return _NIK_LIKE.sub(lambda m: validate.mask_nik(m.group()), str(value))


def list_date(path: Path, header_line: int, sheet: str | None, encoding: str | None) -> dt.date | None:
    """The list's date, from its title rows ("DAFTAR PESERTA ... PER TANGGAL 31 DESEMBER 2021")."""
    if header_line <= 1:
        return None
    with open_table(path, sheet=sheet, encoding=encoding) as table:
        texts = [" ".join(str(c) for c in table.headers if c)]
        for line, cells in table.rows:
            if line >= header_line:
                break
            texts.append(" ".join(str(c) for c in cells if c))
    for text in texts:
        for m in _DATE_IN_TITLE.finditer(text):
            try:
                return validate.parse_date(m.group(1), "list date")
            except ValidationError:
                continue
    return None


def _names_differ(a: str | None, b: str | None) -> bool:
    """Two spellings of one name (case, accents, dots, a letter or two) are the same name."""
    if not a or not b:
        return False

    def norm(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
        return " ".join(sorted(re.sub(r"[^a-z ]+", " ", s).split()))

    x, y = norm(a), norm(b)
    return x != y and difflib.SequenceMatcher(None, x, y).ratio() < 0.85


_CACHE_MAX = 50_000  # distinct values remembered per column (dates, programmes, NPPs): memory stays flat
_OK = object()


class _Reader:
    """Checks each row of the list into the temporary table; bad rows to the error sink. The
    columns whose values repeat (dates, NPP, status, programmes, category) are parsed once per
    distinct value."""

    FIELDS = ("nik", "kpj", "name", "npp", "tmt", "end", "status", "programmes", "category")

    def __init__(self, conn: Any, mapping: dict[str, int], sink: ErrorSink, today: dt.date):
        self.conn, self.sink, self.today = conn, sink, today
        self.store = Storage(conn.dialect.name)
        self.index = tuple(mapping.get(f, -1) for f in self.FIELDS)
        self.width = max(self.index) + 1
        self.batch: list[tuple] = []
        self.caches: dict[str, dict[str, Any]] = {f: {} for f in self.FIELDS}
        self.parsers: dict[str, Callable[[str], Any]] = {
            "npp": validate.parse_npp,
            "tmt": lambda v: self._date(v, "tmt", allow_future=False),
            "end": lambda v: None if v == "-" else self._date(v, "end", allow_future=True),
            "status": self._status,
            "programmes": lambda v: validate.format_programmes(validate.parse_programmes(v)),
            "category": validate.parse_category,
        }

    def _date(self, v: str, name: str, *, allow_future: bool) -> Any:
        return self.store.date(validate.parse_date(v, name, allow_future=allow_future, today=self.today))

    @staticmethod
    def _status(v: str) -> str:
        word = norm_header(v)
        if word in ACTIVE_WORDS:
            return "aktif"
        if word in INACTIVE_WORDS:
            return "nonaktif"
        raise ValidationError("status", v, "must be aktif or nonaktif")

    def parsed(self, name: str, value: str) -> Any:
        """The value parsed (cached), or a ValidationError for the caller to report."""
        cache = self.caches[name]
        got = cache.get(value, _OK)
        if got is _OK:
            try:
                got = self.parsers[name](value)
            except ValidationError as exc:
                got = exc
            if len(cache) >= _CACHE_MAX:
                cache.clear()
            cache[value] = got
        return got

    def check(self, line: int, values: list[str]) -> None:
        if len(values) < self.width:
            values = values + [""] * (self.width - len(values))
        cells = [values[i].strip() if i >= 0 and values[i] else "" for i in self.index]
        nik_s, kpj_s, name_s = cells[0], cells[1], cells[2]
        errors: list[tuple[str, object, str]] = []
        nik = None
        if nik_s:
            got = validate.nik_fast(nik_s, self.today)
            if isinstance(got, str):
                errors.append(("nik", validate.nik_digits(nik_s), got))
            else:
                nik = got[0]
        kpj = None
        if kpj_s:
            if len(kpj_s) == 11 and kpj_s.isdigit() and kpj_s.isascii():
                kpj = kpj_s
            else:
                try:
                    kpj = validate.parse_kpj(kpj_s)
                except ValidationError as exc:
                    errors.append(("kpj", kpj_s, exc.reason))
        if not nik_s and not kpj_s:
            errors.append(("nik", "", "a row needs a NIK or a KPJ"))
        name = None
        if name_s:
            if name_s.isascii() and name_s.isprintable():
                name = " ".join(name_s.split())[:200]
            else:
                try:
                    name = validate.clean_name(name_s, required=False)
                except ValidationError as exc:
                    errors.append(("name", name_s, exc.reason))
        out: dict[str, Any] = {}
        for i, f in enumerate(self.FIELDS[3:], start=3):
            v = cells[i]
            if not v:
                out[f] = None
                if f == "tmt":
                    errors.append(("tmt", "", "is required (a date like 2021-03-16 or 16/03/2021)"))
                continue
            value = self.parsed(f, v)
            if isinstance(value, ValidationError):
                errors.append((f, value.value, value.reason))
                value = None
            out[f] = value
        tmt, end = out["tmt"], out["end"]
        if tmt is not None and end is not None and str(end) < str(tmt):
            errors.append(("end", str(end), f"is before the TMT {tmt}"))
        if errors:
            for column, value, reason in errors:
                self.sink.add(line, column, value, reason, values)
            return
        self.batch.append(
            (line, nik, kpj, name, out["npp"], tmt, end, out["status"], out["programmes"], out["category"], 0)
        )
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        cols = ("line", "nik", "kpj", "name", "npp", "tmt", "end_on", "status", "programmes", "category", "dup")
        bulk_insert(self.conn, LIST, cols, self.batch)
        self.batch = []


def _duplicates(conn: Any, sink: ErrorSink) -> int:
    """Exact repeats of a row are left out (counted); the same person twice with other data is
    refused: two rows of one NIK (or KPJ) and NPP from the same TMT that differ, two such rows
    both running, one NIK with two KPJs, one KPJ with two NIKs."""
    L = LIST
    who = func.coalesce(L.c.nik, literal("kpj:") + L.c.kpj)
    npp = func.coalesce(L.c.npp, literal(""))
    fields = ("kpj", "name", "programmes", "category", "status", "end_on")
    groups = select(who.label("who"), npp.label("npp")).group_by(who, npp).having(func.count() > 1).subquery()
    stmt = (
        select(L, who.label("who"))
        .join(groups, and_(groups.c.who == who, groups.c.npp == npp))
        .order_by(groups.c.who, groups.c.npp, L.c.line)
    )
    dups: list[int] = []
    first: dict[tuple, Any] = {}
    running: dict[tuple, int] = {}
    for r in conn.execute(stmt).mappings():
        key = (r["who"], r["npp"] or "", r["tmt"])
        seen = first.get(key)
        if seen is not None:
            differ = [f for f in fields if seen[f] != r[f]]
            if not differ:
                dups.append(r["line"])
                continue
            sink.add(
                r["line"],
                "nik" if r["nik"] else "kpj",
                r["nik"] or r["kpj"],
                f"the same person, NPP and TMT as line {seen['line']} with other {', '.join(differ)}",
                None,
            )
            continue
        first[key] = r
        if r["end_on"] is None and r["status"] != "nonaktif":
            pkey = (r["who"], r["npp"] or "")
            if pkey in running:
                sink.add(
                    r["line"],
                    "nik" if r["nik"] else "kpj",
                    r["nik"] or r["kpj"],
                    f"the same person and NPP as line {running[pkey]}, both still running",
                    None,
                )
            else:
                running[pkey] = r["line"]
        if len(first) > 10_000:  # a group is small: keep memory flat
            first.clear()
            running.clear()
    for chunk in range(0, len(dups), 500):
        conn.execute(L.update().where(L.c.line.in_(dups[chunk : chunk + 500])).values(dup=1))
    # One NIK with two KPJs, one KPJ with two NIKs.
    for a, b in (("nik", "kpj"), ("kpj", "nik")):
        bad = (
            select(L.c[a])
            .where(L.c[a].is_not(None), L.c[b].is_not(None))
            .group_by(L.c[a])
            .having(func.count(func.distinct(L.c[b])) > 1)
            .subquery()
        )
        stmt = select(L.c.line, L.c[a], L.c[b]).join(bad, bad.c[a] == L.c[a]).order_by(L.c[a], L.c.line)
        seen_first: dict[str, tuple[int, str]] = {}
        for line, va, vb in conn.execute(stmt):
            if va not in seen_first:
                seen_first[va] = (line, vb)
            elif seen_first[va][1] != vb:
                shown = validate.mask_kpj(vb) if b == "kpj" else validate.mask_nik(vb)
                sink.add(
                    line,
                    b,
                    vb,
                    f"{shown} here, another {b.upper()} on line {seen_first[va][0]} for the same {a.upper()}",
                    None,
                )
    return len(dups)


# --- matching ----------------------------------------------------------------------------------


def reconcile(
    session: Session,
    path: str | Path,
    *,
    as_of: object = None,
    coop: object = None,
    kecamatan: object = None,
    regency: object = None,
    sheet: str | None = None,
    encoding: str | None = None,
    apply: bool = False,
    reveal: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Reconciliation:
    """Match a BPJS participant list against the database on `as_of` (default: the list's date,
    else today); with `apply`, record what it proves. The result's rows are read from the
    session's temporary tables: use them before the session ends."""
    path = Path(path)
    conn = session.connection()
    today = dt.date.today()
    result = ImportResult(kind="bpjs list", file=path.name)
    sink = ErrorSink(result, [], None)
    _META.drop_all(conn, checkfirst=True)
    _META.create_all(conn)
    with open_table(path, sheet=sheet, encoding=encoding, known=KNOWN) as table:
        mapping = _map_headers(table.headers)
        header_line = table.header_line
        reader = _Reader(conn, mapping, sink, today)
        check = reader.check
        n = 0
        for line, values in table.rows:
            n += 1
            check(line, values)
            if progress and n % BATCH == 0:
                progress(table.position(), table.size)
        result.rows = n
        reader.flush()
        if progress:
            progress(table.size, table.size)
    for column in ("nik", "kpj"):  # the matching probes the list by person
        conn.exec_driver_sql(f"CREATE INDEX reconcile_list_{column} ON reconcile_list ({column})")
    duplicates = _duplicates(conn, sink)
    sink.close()
    if result.invalid:
        raise ReconcileRejected(result)
    day_of_list = list_date(path, header_line, sheet, encoding)
    f = CoverageFilter.parse(session, as_of=as_of or day_of_list, coop=coop, kecamatan=kecamatan, regency=regency)
    rec = Reconciliation(file=path.name, list_date=day_of_list, as_of=f.as_of, reveal=reveal, session=session)
    rec.rows_read, rec.duplicates = result.rows, duplicates
    if "npp" not in mapping and f.coop_id is None:
        raise KoptrackError(
            "the list has no NPP column: koptrack cannot tell whose participants they are",
            hint="for one cooperative's list, name it with --coop",
        )
    _match(session, rec, f, has_npp="npp" in mapping)
    if apply:
        _apply(session, rec)
    return rec


class ReconcileRejected(ImportRejected):
    def __init__(self, result: ImportResult):
        self.result = result
        KoptrackError.__init__(
            self,
            f"{result.file}: {result.invalid} of {result.rows} rows are invalid; nothing was reconciled",
            hint="correct them in the list (every reason is above) and run it again",
        )


def _npp_map(session: Session, day: dt.date) -> dict[str, int]:
    """NPP -> cooperative: the registration running on the day wins over older ones."""
    R = REGISTRATION
    stmt = select(R.c.npp, R.c.coop_id, R.c.registered_on, R.c.deregistered_on).where(R.c.npp.is_not(None))
    best: dict[str, tuple[bool, dt.date, int]] = {}
    for npp, coop_id, on, off in session.connection().execute(stmt):
        key = (on <= day and (off is None or off > day), on, coop_id)
        if npp not in best or key > best[npp]:
            best[npp] = key
    return {npp: v[2] for npp, v in best.items()}


def _match(session: Session, rec: Reconciliation, f: CoverageFilter, *, has_npp: bool) -> None:
    conn = session.connection()
    day = f.as_of
    L, M, N, P, E, C, R = LIST, NPP_MAP, ENROLLMENT, PERSON, ENGAGEMENT, COOP, REGISTRATION
    npp_map = _npp_map(session, day)
    if npp_map:
        bulk_insert(conn, M, ("npp", "coop_id"), list(npp_map.items()))
    in_filter = {i for (i,) in conn.execute(select(C.c.id).where(*f.where()))}
    rec.coop_names = {i: n for i, n in conn.execute(select(C.c.id, C.c.name).where(C.c.id.in_(in_filter)))}
    recorded_npp = {
        c: n
        for c, n in conn.execute(
            select(R.c.coop_id, R.c.npp).where(active_on(R.c.registered_on, R.c.deregistered_on, day))
        )
    }
    fixed = f.coop_id if not has_npp else None
    narrowed = any(v not in (None, "any") for v in (f.coop_id, f.kecamatan_code, f.regency))
    # The person of each list row: by NIK, else by a KPJ koptrack has recorded.
    by_kpj = select(N.c.person_id).where(N.c.kpj == L.c.kpj).order_by(N.c.start_on.desc()).limit(1).scalar_subquery()
    pid = func.coalesce(P.c.id, case((L.c.nik.is_(None), by_kpj), else_=null()))
    list_coop = literal(fixed) if fixed is not None else M.c.coop_id
    # each row with its person and cooperative first; then whether that person is on its roster
    base = (
        select(L, pid.label("pid"), list_coop.label("coop_id"), P.c.name.label("person_name"))
        .select_from(L.outerjoin(P, P.c.nik == L.c.nik).outerjoin(M, M.c.npp == L.c.npp))
        .where(L.c.dup == 0)
        .subquery("lb")
    )
    engaged = (
        select(E.c.id)
        .where(E.c.person_id == base.c.pid, E.c.coop_id == base.c.coop_id, active_on(E.c.since, E.c.until, day))
        .exists()
    )
    # A person koptrack has never seen (most of a large list): one INSERT, no pass through Python.
    running_row = and_(
        base.c.tmt <= day,
        or_(base.c.end_on > day, and_(base.c.end_on.is_(None), func.coalesce(base.c.status, "") != "nonaktif")),
    )
    in_shown = base.c.coop_id.in_(select(IN_FILTER.c.coop_id))
    shown_coop = in_shown if narrowed else or_(in_shown, base.c.coop_id.is_(None))
    unknown = (
        select(
            (literal(UNKNOWN_SEQ) + base.c.line).label("seq"),
            literal("not_on_roster").label("class"),
            base.c.coop_id,
            func.coalesce(C.c.name, "").label("coop"),
            base.c.nik,
            base.c.kpj,
            base.c.name,
            base.c.npp,
            base.c.tmt,
            case(
                (base.c.coop_id.is_(None), literal("NPP ") + base.c.npp + literal(" is no cooperative's registration")),
                else_=literal("a person koptrack has never seen"),
            ).label("detail"),
            base.c.line,
        )
        .select_from(base.outerjoin(C, C.c.id == base.c.coop_id))
        .where(base.c.pid.is_(None), running_row, shown_coop)
    )
    list_side = select(
        base.c.pid,
        literal(0).label("side"),
        base.c.line.label("ref"),
        base.c.nik,
        base.c.kpj,
        base.c.name,
        base.c.npp,
        base.c.tmt.label("start"),
        base.c.end_on.label("end"),
        base.c.status,
        base.c.programmes,
        base.c.category,
        base.c.coop_id,
        engaged.label("engaged"),
        base.c.person_name,
    ).where(base.c.pid.is_not(None))
    reg_npp = (
        select(R.c.npp)
        .where(R.c.coop_id == N.c.coop_id, active_on(R.c.registered_on, R.c.deregistered_on, day))
        .limit(1)
        .scalar_subquery()
    )
    running = active_on(N.c.start_on, N.c.end_on, day)
    active_coop = CoverageFilter(as_of=day).where()
    listed = or_(
        exists().where(L.c.nik == P.c.nik),
        and_(N.c.kpj.is_not(None), exists().where(L.c.kpj == N.c.kpj, L.c.nik.is_(None))),
    )
    N2 = ENROLLMENT.alias("n2")
    in_two = exists().where(
        N2.c.person_id == N.c.person_id, N2.c.coop_id != N.c.coop_id, active_on(N2.c.start_on, N2.c.end_on, day)
    )
    M2 = IN_FILTER
    koptrack_side = (
        select(
            N.c.person_id.label("pid"),
            literal(1).label("side"),
            N.c.id.label("ref"),
            P.c.nik,
            N.c.kpj,
            P.c.name,
            reg_npp.label("npp"),
            N.c.start_on.label("start"),
            N.c.end_on.label("end"),
            null().label("status"),
            N.c.programmes,
            N.c.category,
            N.c.coop_id,
            literal(True).label("engaged"),
            P.c.name.label("person_name"),
        )
        .select_from(N.join(P, P.c.id == N.c.person_id).join(C, C.c.id == N.c.coop_id))
        .where(running, *active_coop, or_(listed, in_two))
    )
    # Declared people the list does not name at all (most of a large database): one INSERT in the
    # database, no pass through Python; `_settle_absent` keeps them for the cooperatives it speaks for.
    absent = (
        select(
            (-N.c.id).label("seq"),
            literal(ABSENT).label("class"),
            N.c.coop_id,
            C.c.name,
            P.c.nik,
            N.c.kpj,
            P.c.name.label("person_name"),
            N.c.start_on,
            literal("absent from the list").label("detail"),
            N.c.person_id,
            N.c.id.label("enrollment_id"),
        )
        .select_from(N.join(P, P.c.id == N.c.person_id).join(C, C.c.id == N.c.coop_id))
        .where(running, *active_coop, N.c.coop_id.in_(select(M2.c.coop_id)), not_(listed), not_(in_two))
    )
    both = union_all(list_side, koptrack_side).subquery("both")
    stmt = select(both).order_by(both.c.pid, both.c.side, both.c.ref)
    # Cooperatives the list speaks for: those whose NPP it names, and those whose people it lists
    # (gathered during the pass; "absent from the list" counts only for them, settled after it).
    covered: set[int] = {fixed} if fixed is not None else set()
    bulk_insert(conn, IN_FILTER, ("coop_id",), [(c,) for c in sorted(in_filter)])
    absent_cols = ("seq", "class", "coop_id", "coop", "nik", "kpj", "name", "start_on", "detail", "person_id")
    conn.execute(RESULT.insert().from_select([*absent_cols, "enrollment_id"], absent))
    unknown_cols = ("seq", "class", "coop_id", "coop", "nik", "kpj", "name", "npp", "tmt", "detail", "line")
    conn.execute(RESULT.insert().from_select(unknown_cols, unknown))
    per_class = (
        select(RESULT.c["class"], RESULT.c.coop_id, func.count())
        .where(RESULT.c["class"].in_([ABSENT, "not_on_roster"]))
        .group_by(RESULT.c["class"], RESULT.c.coop_id)
    )
    for cls, coop_id, n in conn.execute(per_class):
        rec.per_coop.setdefault(coop_id, Counter())[cls] += n
        rec.counts[cls] = rec.counts.get(cls, 0) + n
    if fixed is None:  # the cooperatives whose NPP the list names
        named = select(M.c.coop_id).distinct().select_from(L.join(M, M.c.npp == L.c.npp))
        covered.update(c for (c,) in conn.execute(named))
    out = _Writer(conn, rec, recorded_npp)
    group: list[Side] = []
    current: object = object()
    for r in conn.execute(stmt.execution_options(yield_per=BATCH)):
        (pid_, side_, ref, nik_, kpj_, name_, npp_, start, end, status, progs, cat, coop_id, engaged_, pname) = r
        side = Side(
            side_ == 0,
            ref,
            pid_,
            nik_,
            kpj_,
            name_,
            npp_,
            _day(start),
            _day(end),
            status,
            progs,
            cat,
            coop_id,
            bool(engaged_),
            pname,
        )
        if side.person_id is None or side.person_id != current:
            if group:
                _decide(group, rec, out, day, in_filter, covered, has_npp, narrowed)
            group = []
            current = side.person_id
        group.append(side)
    if group:
        _decide(group, rec, out, day, in_filter, covered, has_npp, narrowed)
    out.flush()
    _settle_absent(conn, rec, covered)
    rec.coop_npp = [
        {
            "coop_id": c,
            "coop": rec.coop_names.get(c, ""),
            "recorded_npp": rn,
            "list_npp": ln,
            "people": n,
        }
        for (c, rn, ln), n in sorted(out.npp_mismatch.items(), key=lambda kv: (rec.coop_names.get(kv[0][0], ""), kv[0]))
    ]


def _settle_absent(conn: Any, rec: Reconciliation, covered: set[int]) -> None:
    """People declared and absent from the list are `not_active` where the list speaks for their
    cooperative (it names its NPP or some of its people); elsewhere the list says nothing of them."""
    R = RESULT
    rec.counts.pop(ABSENT, None)
    for coop_id in list(rec.per_coop):
        counts = rec.per_coop[coop_id]
        n = counts.pop(ABSENT, 0)
        if n and coop_id in covered:
            counts["not_active"] += n
            rec.counts["not_active"] += n
        if not any(counts.values()):
            del rec.per_coop[coop_id]
    bulk_insert(conn, COVERED, ("coop_id",), [(c,) for c in sorted(covered)])
    conn.execute(
        R.update()
        .where(R.c["class"] == ABSENT, R.c.coop_id.in_(select(COVERED.c.coop_id)))
        .values({"class": "not_active"})
    )
    conn.execute(R.delete().where(R.c["class"] == ABSENT))


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _running(row: Side, day: dt.date) -> bool:
    """A list row is active at BPJS on the day."""
    if row.start is None or row.start > day:
        return False
    if row.end is not None:
        return row.end > day
    return row.status != "nonaktif"


class _Writer:
    """Writes each person's class to the temporary result table, batch by batch."""

    def __init__(self, conn: Any, rec: Reconciliation, recorded_npp: dict[int, str | None]):
        self.conn, self.rec, self.recorded_npp = conn, rec, recorded_npp
        self.store = Storage(conn.dialect.name)
        self.batch: list[tuple] = []
        self.seq = 0
        self.npp_mismatch: Counter = Counter()

    def add(
        self,
        cls: str,
        row: Side,
        *,
        coop_id: int | None,
        detail: str = "",
        koptrack: Side | None = None,
        action: str | None = None,
        end_on: dt.date | None = None,
    ) -> None:
        lst = row if row.list_row else None
        self.rec.counts[cls] = self.rec.counts.get(cls, 0) + 1
        per = self.rec.per_coop.get(coop_id)
        if per is None:
            per = self.rec.per_coop[coop_id] = Counter()
        per[cls] += 1
        self.seq += 1
        s = self.store
        kpj = (lst.kpj if lst and lst.kpj else None) or (koptrack.kpj if koptrack else None)
        self.batch.append(
            (
                self.seq,
                cls,
                coop_id,
                self.rec.coop_names.get(coop_id, "") if coop_id is not None else "",
                row.nik or (koptrack.nik if koptrack else None),
                kpj,
                (koptrack.name if koptrack else None) or row.person_name or row.name,
                lst.npp if lst else row.npp,
                s.date(lst.start) if lst else None,
                s.date(koptrack.start) if koptrack else (s.date(row.start) if not row.list_row else None),
                detail,
                lst.ref if lst else None,
                row.person_id,
                koptrack.ref if koptrack else (row.ref if not row.list_row else None),
                action,
                s.date(end_on),
                lst.programmes if lst else None,
                lst.category if lst else None,
            )
        )
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        bulk_insert(self.conn, RESULT, _RESULT_COLUMNS, self.batch)
        self.batch = []


def _kpj_text(kpj: str | None, reveal: bool) -> str:
    return (kpj if reveal else validate.mask_kpj(kpj)) or "none"


def _differences(lst: Side, k: Side, reveal: bool) -> list[str]:
    out = []
    if lst.kpj and k.kpj and lst.kpj != k.kpj:
        out.append(f"KPJ {_kpj_text(lst.kpj, reveal)} at BPJS, {_kpj_text(k.kpj, reveal)} in koptrack")
    if _names_differ(lst.name, k.name):
        out.append(f"name {lst.name!r} at BPJS, {k.name!r} in koptrack")
    if lst.start != k.start:
        out.append(f"start {lst.start} at BPJS, {k.start} in koptrack")
    if lst.programmes is not None and lst.programmes != k.programmes:
        out.append(
            f"programmes {lst.programmes.upper() or 'none'} at BPJS, {(k.programmes or 'none').upper()} in koptrack"
        )
    if lst.category is not None and lst.category != k.category:
        out.append(f"category {lst.category.upper()} at BPJS, {(k.category or '').upper()} in koptrack")
    return out


def _decide(
    group: list[Side],
    rec: Reconciliation,
    out: _Writer,
    day: dt.date,
    in_filter: set[int],
    covered: set[int],
    has_npp: bool,
    narrowed: bool,
) -> None:
    """One person's rows (list rows first, then their enrollments running on the day): their class."""
    lists = [s for s in group if s.list_row]
    ks = [s for s in group if not s.list_row]
    if lists:
        covered.update(s.coop_id for s in lists if s.coop_id is not None)
        covered.update(k.coop_id for k in ks if k.coop_id is not None)
    active = [s for s in lists if _running(s, day)]
    used: set[int] = set()
    reveal = rec.reveal
    names = rec.coop_names

    def add(cls: str, row: Side, *, coop_id: int | None, **kw: Any) -> None:
        # --coop, --kecamatan, --regency: a person is shown through the cooperatives they name
        if (coop_id is None and not narrowed) or coop_id in in_filter:
            out.add(cls, row, coop_id=coop_id, **kw)

    def pair_for(k: Side) -> Side | None:
        for s in active:
            if s.ref not in used and (s.coop_id == k.coop_id or not has_npp):
                return s
        return None

    coops = {k.coop_id for k in ks}
    if len(coops) >= 2:
        for k in ks:
            others = ", ".join(names.get(c, str(c)) for c in sorted(coops - {k.coop_id}, key=str) if c is not None)
            p = pair_for(k)
            if p is not None:
                used.add(p.ref)
            state = "active at BPJS under this NPP" if p else "not active at BPJS under this NPP"
            add("two_coops", p or k, coop_id=k.coop_id, koptrack=k, detail=f"also enrolled through {others}; {state}")
    elif ks:
        k = ks[0]
        p = pair_for(k)
        if p is not None:
            used.add(p.ref)
            differ = _differences(p, k, reveal)
            if differ:
                add(
                    "disagree",
                    p,
                    coop_id=k.coop_id,
                    koptrack=k,
                    detail="; ".join(differ),
                    action="kpj" if p.kpj and not k.kpj else None,
                )
            else:
                add("confirmed", p, coop_id=k.coop_id, koptrack=k, action="verify")
        else:
            elsewhere = [s for s in active if s.ref not in used]
            if elsewhere:
                s = elsewhere[0]
                used.add(s.ref)
                recorded = out.recorded_npp.get(k.coop_id) if k.coop_id is not None else None
                whose = names.get(s.coop_id, f"cooperative {s.coop_id}") if s.coop_id else "no cooperative's"
                add(
                    "other_npp",
                    s,
                    coop_id=k.coop_id,
                    koptrack=k,
                    detail=f"active at BPJS under NPP {s.npp} ({whose}); "
                    f"the cooperative's NPP is {recorded or 'not recorded'}",
                )
                if s.coop_id is None:
                    out.npp_mismatch[(k.coop_id, recorded, s.npp)] += 1
            else:
                ended = [
                    s for s in lists if (s.coop_id == k.coop_id or not has_npp) and s.end is not None and s.end <= day
                ]
                stopped = [s for s in lists if (s.coop_id == k.coop_id or not has_npp) and s.status == "nonaktif"]
                if ended:
                    s = max(ended, key=lambda x: x.end or day)
                    can_end = s.end is not None and k.start is not None and s.end >= k.start
                    detail = f"nonaktif at BPJS since {s.end}" + (
                        "" if can_end else f", before koptrack's start {k.start}"
                    )
                    add(
                        "not_active",
                        s,
                        coop_id=k.coop_id,
                        koptrack=k,
                        detail=detail,
                        action="end" if can_end else None,
                        end_on=s.end,
                    )
                elif stopped:
                    add("not_active", stopped[0], coop_id=k.coop_id, koptrack=k, detail="nonaktif at BPJS, no end date")
                elif [s for s in lists if s.coop_id == k.coop_id or not has_npp]:
                    s = next(s for s in lists if s.coop_id == k.coop_id or not has_npp)
                    add("not_active", s, coop_id=k.coop_id, koptrack=k, detail=f"at BPJS only from {s.start}")
                else:  # settled after the pass: only for the cooperatives the list speaks for
                    add(ABSENT, k, coop_id=k.coop_id, detail="absent from the list")
    for s in active:
        if s.ref in used:
            continue
        if s.coop_id is not None and s.person_id is not None and s.engaged:
            add(
                "not_enrolled",
                s,
                coop_id=s.coop_id,
                detail=f"on the roster of {names.get(s.coop_id, '')}",
                action="enroll",
            )
        elif s.person_id is None:
            add("not_on_roster", s, coop_id=s.coop_id, detail="a person koptrack has never seen")
        elif s.coop_id is None:
            add("not_on_roster", s, coop_id=None, detail=f"NPP {s.npp} is no cooperative's registration")
        else:
            add(
                "not_on_roster",
                s,
                coop_id=s.coop_id,
                detail=f"not on the roster of {names.get(s.coop_id, '')} on {day}",
            )


# --- apply ---------------------------------------------------------------------------------------


def _apply(session: Session, rec: Reconciliation) -> None:
    """Write what the list proves; count what is left for a person to decide."""
    from koptrack.core import bpjs
    from koptrack.core.coops import ensure_active
    from koptrack.core.periods import ENROLLED, open_period
    from koptrack.store.models import Cooperative

    conn = session.connection()
    R = RESULT
    changes: list[dict[str, Any]] = []
    applied = {"enrolled": 0, "ended": 0, "kpj_recorded": 0, "verified": 0}
    left_reasons: Counter = Counter()
    stamp = rec.list_date or rec.as_of
    todo = list(conn.execute(select(R).where(R.c.action.is_not(None)).order_by(R.c.seq)).mappings())
    for r in todo:
        action = r["action"]
        if action == "enroll":
            coop = session.get(Cooperative, r["coop_id"])
            on = _day(r["tmt"])
            assert coop is not None and on is not None
            try:
                ensure_active(session, coop, on, "enroll people through it")
                engagements = bpjs._engagements_on(session, r["person_id"], coop.id, on)
                registration = bpjs._registration_on(session, coop.id, on)
                if not engagements or registration is None:
                    raise KoptrackError("not engaged with the cooperative or not registered on the TMT")
                if _kpj_taken(session, r["kpj"], r["person_id"]):
                    raise KoptrackError("the KPJ is another person's in koptrack")
                # as `bpjs enroll`: it ends when the person left or the registration ended
                ends = [e.until for e in engagements if e.until is not None]
                end_on = max(ends) if len(ends) == len(engagements) else None
                if registration.deregistered_on and (end_on is None or registration.deregistered_on < end_on):
                    end_on = registration.deregistered_on
                roles = [e.role for e in engagements]
                cat = r["category"] or bpjs.default_category("karyawan" if "karyawan" in roles else "anggota")
                required = bpjs.minimum_programmes(session, cat, coop.employer_size, on)
                progs = validate.parse_programmes(r["programmes"]) if r["programmes"] else required
                rules.check_programmes(cat, progs)
                with session.begin_nested():
                    enr = open_period(
                        session,
                        ENROLLED,
                        {"person_id": r["person_id"], "coop_id": coop.id},
                        on,
                        subject="the person",
                        state="enrolled",
                        kpj=r["kpj"],
                        category=cat,
                        programmes=validate.format_programmes(progs),
                        missing_programmes=validate.format_programmes(p for p in required if p not in progs),
                        end_on=end_on,
                        verified_on=stamp,
                        verified_by=rec.file,
                    )
            except KoptrackError:
                left_reasons["not_enrolled"] += 1
                continue
            changes.append(audit.inserted(enr))
            applied["enrolled"] += 1
            continue
        enr_row = session.get(Enrollment, r["enrollment_id"])
        assert enr_row is not None
        before = audit.snapshot(enr_row)
        if action == "end":
            end_on = _day(r["end_on"])
            enr_row.end_on = end_on
            applied["ended"] += 1
        if action in ("kpj", "verify") and r["kpj"] and not enr_row.kpj:
            if _kpj_taken(session, r["kpj"], enr_row.person_id):
                left_reasons["kpj"] += 1  # the list's KPJ is another person's in koptrack: left
            else:
                enr_row.kpj = r["kpj"]
                applied["kpj_recorded"] += 1
        if action == "verify":
            enr_row.verified_on = stamp
            enr_row.verified_by = rec.file
            applied["verified"] += 1
        session.add(enr_row)
        changes.append({"table": "enrollment", "id": enr_row.id, "before": before, "after": audit.snapshot(enr_row)})
    session.flush()
    decided = {"not_enrolled", "confirmed"}
    left = (
        sum(n for c, n in rec.counts.items() if c not in decided)
        - applied["ended"]
        + left_reasons["not_enrolled"]
        + left_reasons["kpj"]
    )
    rec.applied, rec.left = applied, left
    rec.audit_id = audit.record(
        session,
        "bpjs_list",
        rec.file,
        action="reconcile",
        list=rec.file,
        list_date=rec.list_date,
        as_of=rec.as_of,
        left=left,
        **applied,
        undo=changes,
    )


def _kpj_taken(session: Session, kpj: str | None, person_id: int | None) -> bool:
    """A KPJ is one person's card number: another person's enrollment has it already."""
    if not kpj:
        return False
    N = ENROLLMENT
    stmt = select(N.c.id).where(N.c.kpj == kpj, N.c.person_id != person_id).limit(1)
    return session.connection().execute(stmt).first() is not None
