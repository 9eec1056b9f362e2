"""Reconciling BPJS Ketenagakerjaan's own participant list with what the cooperatives declared.

The branch office's list (CSV or xlsx: NIK, KPJ, Nama, NPP, TMT, Status, Tgl Nonaktif,
Program, Kategori; Indonesian headers and their variants, title rows above the header) is read
as `import` reads a roster: every row checked, every bad row named, nothing used when one is
bad. The rows are checked a chunk at a time, column by column (`_Reader`), and go to a temporary
table with their person, cooperative and state on the day; the database does the matching.
Set-based statements class most people (those koptrack has never seen, the confirmed ones whose
one row and one enrollment agree in everything, the declared ones the list does not name) and
count them by cooperative; the rest go through one sorted pass in Python, person by person.
The rows of a class are read from the temporary tables only when they are shown or written,
so memory stays flat whatever the list's size. Every person lands in one class (`CLASSES`); a
cooperative whose people BPJS lists under another NPP is in `coop_npp`.

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
import gc
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Select,
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
    true,
    union,
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
# Rows classed in SQL, numbered apart from those of the pass in Python (1, 2, ...): unknown
# people at UNKNOWN_SEQ + line, confirmed ones at -(UNKNOWN_SEQ + line), absent ones at -id.
UNKNOWN_SEQ = 1_000_000_000
ABSENT = "absent"  # declared, absent from the list: not_active if the list speaks for the cooperative
COOP_NPP = "coop_npp"  # a cooperative whose NPP in the list does not match its registration
BATCH = 5000
FIRST_ROWS = 100  # rows of a class read by a first, cheaper query (the terminal shows 50)
LOAD_BATCH = 20_000  # list rows per INSERT (executemany)
TEMP_CACHE_KB = 16_384  # SQLite's page cache for the temporary tables (its default: 2,000 KB)

_META = MetaData()
# The list's rows, checked, with what the reading found: the row's cooperative (by its NPP) and
# whether it is active at BPJS on the day.
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
    Column("coop_id", Integer),
    Column("running", Integer),
    prefixes=["TEMPORARY"],
)
# the list's rows whose person koptrack knows: by NIK (`by_nik`), or by KPJ for a row without one
PIDS = Table(
    "reconcile_pids",
    _META,
    Column("line", Integer, primary_key=True, autoincrement=False),
    Column("pid", Integer),
    Column("by_nik", Integer),
    prefixes=["TEMPORARY"],
)
IN_FILTER = Table(
    "reconcile_coops", _META, Column("coop_id", Integer, primary_key=True, autoincrement=False), prefixes=["TEMPORARY"]
)
# the cooperatives active on the day, whatever the segment (`--coop`, `--kecamatan`, `--regency`)
ACTIVE = Table(
    "reconcile_active", _META, Column("coop_id", Integer, primary_key=True, autoincrement=False), prefixes=["TEMPORARY"]
)
COVERED = Table(
    "reconcile_covered",
    _META,
    Column("coop_id", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
# the lines whose NIK or KPJ the list holds more than once: the only ones that can repeat or conflict
REPEATED = Table(
    "reconcile_repeated",
    _META,
    Column("line", Integer, primary_key=True, autoincrement=False),
    prefixes=["TEMPORARY"],
)
# the people with two enrollments or more running on the day, and in how many cooperatives
MULTI = Table(
    "reconcile_multi",
    _META,
    Column("pid", Integer, primary_key=True, autoincrement=False),
    Column("coops", Integer),
    prefixes=["TEMPORARY"],
)
# the people confirmed by set-based statements: one list row (by NIK), active at BPJS, one
# enrollment running, in an active cooperative, the row's, nothing that differs
SIMPLE = Table(
    "reconcile_simple",
    _META,
    Column("pid", Integer, primary_key=True, autoincrement=False),
    Column("line", Integer),
    Column("enrollment_id", Integer),
    Column("coop_id", Integer),
    prefixes=["TEMPORARY"],
)
# the people left to the pass in Python
PENDING = Table(
    "reconcile_pending", _META, Column("pid", Integer, primary_key=True, autoincrement=False), prefixes=["TEMPORARY"]
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
    # the classes' rows that stay queries until they are shown or written (result-shaped selects)
    lazy: dict[str, Select] = field(default_factory=dict)

    def rows(self, cls: str) -> Iterator[dict]:
        """The people of one class, by cooperative and name (streamed from the temporary tables).
        The first FIRST_ROWS come from a query that keeps only them while it sorts (the terminal
        shows no more); the rest, if they are asked for, from one that sorts them all."""
        assert self.session is not None
        R = RESULT
        parts: list[Select] = [select(*(R.c[k] for k in _RESULT_COLUMNS)).where(R.c["class"] == cls)]
        if cls in self.lazy:
            parts.append(self.lazy[cls])
        u = union_all(*parts).subquery("r")
        stmt = select(*(u.c[k] for k in SHOWN)).order_by(u.c.coop, u.c.name, u.c.seq)  # seq: one order
        conn = self.session.connection()
        n = 0
        for r in conn.execute(stmt.limit(FIRST_ROWS)).mappings():
            n += 1
            yield dict(r)
        if n == FIRST_ROWS:
            for r in conn.execute(stmt.offset(FIRST_ROWS).execution_options(yield_per=BATCH)).mappings():
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
# NIK parts remembered: every birth part there is (ddmmyy, 41-71 for women: 74,400), as many regions
_NIK_PARTS_MAX = 75_000


class _Reader:
    """Checks each row of the list into the temporary table, with its cooperative, its state on
    the day and its person; bad rows to the error sink. The columns whose values repeat (dates,
    NPP, status, programmes, category) are parsed once per distinct value.

    `load` reads a chunk at a time and checks it column by column (`_columns`: a NIK's region and
    birth parts once each, every other test over a whole column in one call). A chunk with a
    value that test does not take goes row by row (`_rows`): a row whose cells are all in their
    plain forms or seen before in a good row the quick way, any other through `check`, the full
    check that names every fault. A row is kept or refused, with the same values, exactly as
    `check` alone would."""

    FIELDS = ("nik", "kpj", "name", "npp", "tmt", "end", "status", "programmes", "category")
    REPEATING = FIELDS[3:]

    def __init__(
        self,
        conn: Any,
        mapping: dict[str, int],
        sink: ErrorSink,
        today: dt.date,
        *,
        day: dt.date,
        npp_map: dict[str, int],
        fixed: int | None,
    ):
        self.conn, self.sink, self.today = conn, sink, today
        self.store = Storage(conn.dialect.name)
        # the row's cooperative: its NPP's (`npp_map`), or `fixed` for a list without an NPP column
        self.npp_map, self.fixed, self.has_npp = npp_map, fixed, "npp" in mapping
        self.day = self.store.date(day)  # as the dates are held
        self.index = tuple(mapping.get(f, -1) for f in self.FIELDS)
        self.width = max(self.index) + 1
        self.batch: list[tuple] = []
        self.caches: dict[str, dict[str, Any]] = {f: {} for f in self.FIELDS}
        # a repeating column's cell as read (unstripped) -> its value in a good row
        self.seen: dict[str, dict[Any, Any]] = {f: {} for f in self.REPEATING}
        self.named: set[int | None] = set()  # the cooperatives whose NPPs the list names
        self.good_npps: set[str] = set()  # NPPs seen in their form
        self.kpj_only = False  # a row without a NIK was read
        self.nik_regions: set[str] = set()
        self.nik_births: set[str] = set()
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

    def load(self, rows: Iterable[tuple[int, list[Any]]], tick: Callable[[], None] | None = None) -> int:
        """Check every row into the temporary table (the last batch too); the number of rows read.
        The rows come in chunks, each checked column by column (`_columns`), or row by row
        (`_rows`) when a value in it is not one the column check takes."""
        it = iter(rows)
        n = 0
        while chunk := list(itertools.islice(it, LOAD_BATCH)):
            n += len(chunk)
            if not self._columns(chunk):
                self._rows(chunk)
            if tick is not None:
                tick()
        self.flush()
        return n

    def _columns(self, chunk: list[tuple[int, list[Any]]]) -> bool:
        """The chunk checked column by column, each check over a whole column at once: False
        (nothing kept) unless every row is a good one the row-by-row check takes the quick way."""
        lines, cells = zip(*chunk, strict=True)
        n, width = len(lines), self.width
        if min(map(len, cells)) < width:
            return False
        columns = list(zip(*cells, strict=False))  # a row may hold more cells than are read
        blank = ("",) * n
        nik_c, kpj_c, name_c, npp_c, *repeating = (columns[i] if i >= 0 else blank for i in self.index)
        # Every cell is text (io.readers): a test of a column's cells joined is the test of each.
        niks = list(filter(None, nik_c))
        if niks:
            joined = "".join(niks)
            if set(map(len, niks)) != {16} or not joined.isdigit() or not joined.isascii():
                return False
            if "0000" in set(map(itemgetter(slice(12, 16)), niks)):
                return False
            regions, births = self.nik_regions, self.nik_births
            # a NIK of each region and each birth part (the chunk's last)
            by_region = dict(zip(map(itemgetter(slice(0, 6)), niks), niks, strict=True))
            by_birth = dict(zip(map(itemgetter(slice(6, 12)), niks), niks, strict=True))
            new_regions = by_region.keys() - regions
            new_births = by_birth.keys() - births
            if new_regions or new_births:
                # a part not seen in a good NIK: good when a NIK holding it is (the region and
                # the birth part are checked apart); else the chunk is checked row by row
                samples = {by_region[r] for r in new_regions} | {by_birth[b] for b in new_births}
                if any(isinstance(validate.nik_fast(v, self.today), str) for v in samples):
                    return False
                if len(regions) + len(new_regions) > _NIK_PARTS_MAX:
                    regions.clear()
                    births.clear()
                regions |= new_regions
                births |= new_births
        kpjs = list(filter(None, kpj_c))
        if kpjs:
            joined = "".join(kpjs)
            if set(map(len, kpjs)) != {11} or not joined.isdigit() or not joined.isascii():
                return False
        if len(niks) < n and len(kpjs) < n and any(not a and not b for a, b in zip(nik_c, kpj_c, strict=True)):
            return False
        joined = "".join(name_c)
        if not joined.isascii() or not joined.isprintable():
            return False
        # a name's spaces as `check` leaves them: one between words (printable ASCII: no other space)
        joined = "\0".join(name_c)
        if "  " in joined or " \0" in joined or "\0 " in joined or joined.startswith(" ") or joined.endswith(" "):
            names: Iterable[str] = list(map(" ".join, map(str.split, name_c)))
        else:
            names = name_c
        if max(map(len, names)) > 200:
            names = [v[:200] for v in names]
        # NPPs already in their form (8 capitals or digits), as validate.parse_npp takes them
        good, distinct = self.good_npps, set(npp_c)
        distinct.discard("")
        new = distinct - good
        if not new or (
            set(map(len, new)) == {8}
            and (joined := "".join(new)).isalnum()
            and joined.isascii()
            and joined == joined.upper()
        ):
            if len(good) + len(new) > _CACHE_MAX:
                good.clear()
                new = distinct
            good |= new
            npp_v: list[Any] = [v or None for v in npp_c]
        else:
            got = self._distinct("npp", npp_c)
            if got is None:
                return False
            npp_v = list(map(got.__getitem__, npp_c))
        values: list[list[Any]] = []
        for f, column in zip(self.REPEATING[1:], repeating, strict=True):
            got = self._distinct(f, column)
            if got is None:
                return False
            values.append(list(map(got.__getitem__, column)))
        tmt_v, end_v, status_v, progs_v, cat_v = values
        if end_v.count(None) < n and any(e is not None and e < t for e, t in zip(end_v, tmt_v, strict=True)):
            return False
        day = self.day
        running = [
            1 if t <= day and (e > day if e is not None else st != "nonaktif") else 0
            for t, e, st in zip(tmt_v, end_v, status_v, strict=True)
        ]
        coops = list(map(self.npp_map.get, npp_v)) if self.has_npp else [self.fixed] * n
        self.named.update(coops)
        if len(niks) < n:
            self.kpj_only = True
        self.batch.extend(
            zip(
                lines,
                [v or None for v in nik_c],
                [v or None for v in kpj_c],
                [v or None for v in names],
                npp_v,
                tmt_v,
                end_v,
                status_v,
                progs_v,
                cat_v,
                coops,
                running,
                strict=True,
            )
        )
        if len(self.batch) >= LOAD_BATCH:
            self.flush()
        return True

    def _distinct(self, f: str, column: tuple[str, ...]) -> dict[Any, Any] | None:
        """A repeating column's cells -> their values, as `check` reads them (every cell of the
        column among the keys); None if one is bad."""
        seen = self.seen[f]
        distinct = set(column)
        new = distinct - seen.keys()
        if len(seen) + len(new) > _CACHE_MAX:  # memory stays flat: this column's cells only
            seen.clear()
            new = distinct
        for v in new:
            stripped = v.strip()
            if not stripped:
                if f == "tmt":
                    return None
                got = None
            else:
                got = self.parsed(f, stripped)
                if isinstance(got, ValidationError):
                    return None
            seen[v] = got
        return seen

    def _rows(self, chunk: list[tuple[int, list[Any]]]) -> None:
        """The chunk row by row: a good row the quick way, any other through `check`."""
        index, width, today, day = self.index, self.width, self.today, self.day
        coop_of, fixed = (self.npp_map.get if self.has_npp else None), self.fixed
        absent = -1 in index  # a column the list lacks reads as "" (appended to the row, at -1)
        pick = itemgetter(*index)
        seen_npp, seen_tmt, seen_end, seen_status, seen_progs, seen_cat = (self.seen[f] for f in self.REPEATING)
        nik_fast = validate.nik_fast
        # the parts of the NIKs accepted so far: a NIK whose region (digits 1-6) and birth
        # (digits 7-12) are both parts of accepted NIKs, with a serial not 0000, is accepted too
        regions, births = self.nik_regions, self.nik_births
        batch = self.batch
        append = batch.append
        add_named = self.named.add
        for line, values in chunk:
            if len(values) < width:
                values = values + [""] * (width - len(values))
            if absent:
                values.append("")
            nik_s, kpj_s, name_s, npp_s, tmt_s, end_s, status_s, progs_s, cat_s = pick(values)
            if absent:
                values.pop()
            npp = seen_npp.get(npp_s, _OK)
            if npp is _OK:  # as validate.parse_npp takes an NPP already in its form
                if npp_s.__class__ is not str or len(npp_s) != 8 or not npp_s.isalnum() or not npp_s.isascii():
                    self._slow(line, values)
                    continue
                if npp_s != npp_s.upper():
                    self._slow(line, values)
                    continue
                npp = npp_s
                if len(seen_npp) >= _CACHE_MAX:
                    seen_npp.clear()
                seen_npp[npp_s] = npp
            try:
                tmt = seen_tmt[tmt_s]
                end = seen_end[end_s]
                status = seen_status[status_s]
                progs = seen_progs[progs_s]
                cat = seen_cat[cat_s]
            except KeyError:
                self._slow(line, values)
                continue
            if nik_s:
                if (
                    len(nik_s) == 16
                    and nik_s[:6] in regions
                    and nik_s[6:12] in births
                    and nik_s[12:] != "0000"
                    and nik_s.isdigit()
                    and nik_s.isascii()
                ):
                    nik = nik_s
                else:
                    got = nik_fast(nik_s, today)
                    if got.__class__ is str:
                        self._slow(line, values)
                        continue
                    nik = got[0]
                    if len(regions) >= _NIK_PARTS_MAX:
                        regions.clear()
                        births.clear()
                    regions.add(nik[:6])
                    births.add(nik[6:12])
            else:
                nik = None
            if kpj_s:
                if len(kpj_s) != 11 or not kpj_s.isdigit() or not kpj_s.isascii():
                    self._slow(line, values)
                    continue
                kpj = kpj_s
            elif nik is None:
                self._slow(line, values)
                continue
            else:
                kpj = None
            if nik is None:
                self.kpj_only = True
            if name_s:
                if not (name_s.isascii() and name_s.isprintable()):
                    self._slow(line, values)
                    continue
                name = " ".join(name_s.split())[:200] or None
            else:
                name = None
            if end is not None and end < tmt:
                self._slow(line, values)
                continue
            # active at BPJS on the day: begun, not ended, not nonaktif without an end date
            running = tmt <= day and (end > day if end is not None else status != "nonaktif")
            coop = fixed if coop_of is None else (coop_of(npp) if npp is not None else None)
            add_named(coop)
            append((line, nik, kpj, name, npp, tmt, end, status, progs, cat, coop, 1 if running else 0))
            if len(batch) >= LOAD_BATCH:
                self.flush()

    def _slow(self, line: int, values: list[Any]) -> None:
        """A row the quick way cannot take: the full check; a good row's repeating cells remembered."""
        row = self.check(line, values)
        if row is None:
            return
        if row[1] is None:
            self.kpj_only = True
        tmt, end, status, npp, day = row[5], row[6], row[7], row[4], self.day
        running = tmt <= day and (end > day if end is not None else status != "nonaktif")
        coop = self.fixed if not self.has_npp else (self.npp_map.get(npp) if npp is not None else None)
        self.named.add(coop)
        row = (*row, coop, 1 if running else 0)
        for i, f in enumerate(self.REPEATING, start=3):
            j = self.index[i]
            cell = values[j] if j >= 0 and j < len(values) else ""
            seen = self.seen[f]
            if len(seen) >= _CACHE_MAX:
                seen.clear()
            seen[cell] = row[i + 1]
        self.batch.append(row)
        if len(self.batch) >= LOAD_BATCH:
            self.flush()

    def check(self, line: int, values: list[str]) -> tuple | None:
        """The row's values for the temporary table, or None when it is bad (every fault to the sink)."""
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
            return None
        return (line, nik, kpj, name, out["npp"], tmt, end, out["status"], out["programmes"], out["category"])

    def flush(self) -> None:
        cols = ("line", "nik", "kpj", "name", "npp", "tmt", "end_on", "status", "programmes", "category")
        bulk_insert(self.conn, LIST, (*cols, "coop_id", "running"), self.batch)
        self.batch.clear()


def _duplicates(conn: Any, sink: ErrorSink) -> int:
    """Exact repeats of a row are left out (counted); the same person twice with other data is
    refused: two rows of one NIK (or KPJ) and NPP from the same TMT that differ, two such rows
    both running, one NIK with two KPJs, one KPJ with two NIKs. Only the lines whose NIK or KPJ
    the list holds more than once can be any of these: they are found through the indexes, and
    only they are read."""
    K = REPEATED
    many = [
        select(LIST.c.line).where(col.in_(select(col).where(col.is_not(None)).group_by(col).having(func.count() > 1)))
        for col in (LIST.c.nik, LIST.c.kpj)
    ]
    conn.execute(K.insert().from_select(["line"], union(*many)))
    if conn.execute(select(K.c.line).limit(1)).first() is None:
        return 0
    L = select(LIST).where(LIST.c.line.in_(select(K.c.line))).subquery("repeated")
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
    for chunk in range(0, len(dups), 500):  # a repeat says nothing more: the first row stays
        conn.execute(LIST.delete().where(LIST.c.line.in_(dups[chunk : chunk + 500])))
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
    with _collector_paused():
        rec = _reconcile(session, Path(path), as_of, coop, kecamatan, regency, sheet, encoding, reveal, progress)
    if apply:
        _apply(session, rec)
    return rec


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the list is read and matched: the reading makes
    millions of short-lived tuples and lists, none in a cycle (reference counting frees them),
    and each of them counted towards a collection that walked the whole heap, again and again
    (5 s of 27 s of CPU on a 1,000,000-row list). On again after, as it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _reconcile(
    session: Session,
    path: Path,
    as_of: object,
    coop: object,
    kecamatan: object,
    regency: object,
    sheet: str | None,
    encoding: str | None,
    reveal: bool,
    progress: Callable[[int, int], None] | None,
) -> Reconciliation:
    conn = session.connection()
    today = dt.date.today()
    result = ImportResult(kind="bpjs list", file=path.name)
    sink = ErrorSink(result, [], None)
    if conn.dialect.name == "sqlite":  # the temporary tables' pages kept in memory, up to TEMP_CACHE_KB
        conn.exec_driver_sql(f"PRAGMA temp.cache_size = -{TEMP_CACHE_KB}")
    _META.drop_all(conn, checkfirst=True)
    _META.create_all(conn)
    with open_table(path, sheet=sheet, encoding=encoding, known=KNOWN) as table:
        mapping = _map_headers(table.headers)
        header_line = table.header_line
        has_npp = "npp" in mapping
        # The day and the cooperatives, before the rows: each row is matched to its cooperative
        # and its state on the day as it is read. A bad option is told after the rows' faults.
        day_of_list = list_date(path, header_line, sheet, encoding)
        bad_option: KoptrackError | None = None
        try:
            f = CoverageFilter.parse(
                session, as_of=as_of or day_of_list, coop=coop, kecamatan=kecamatan, regency=regency
            )
        except KoptrackError as exc:
            bad_option, f = exc, CoverageFilter(as_of=today)
        npp_map = _npp_map(session, f.as_of)
        fixed = f.coop_id if not has_npp else None
        reader = _Reader(conn, mapping, sink, today, day=f.as_of, npp_map=npp_map, fixed=fixed)
        tick = (lambda: progress(table.position(), table.size)) if progress else None
        result.rows = reader.load(table.rows, tick)
        if progress:
            progress(table.size, table.size)
    # the matching and the duplicates probe the list by person
    conn.exec_driver_sql("CREATE INDEX reconcile_list_nik ON reconcile_list (nik)")
    conn.exec_driver_sql("CREATE INDEX reconcile_list_kpj ON reconcile_list (kpj, nik)")
    duplicates = _duplicates(conn, sink)
    sink.close()
    if result.invalid:
        raise ReconcileRejected(result)
    if bad_option is not None:
        raise bad_option
    rec = Reconciliation(file=path.name, list_date=day_of_list, as_of=f.as_of, reveal=reveal, session=session)
    rec.rows_read, rec.duplicates = result.rows, duplicates
    if not has_npp and f.coop_id is None:
        raise KoptrackError(
            "the list has no NPP column: koptrack cannot tell whose participants they are",
            hint="for one cooperative's list, name it with --coop",
        )
    _match(session, rec, f, has_npp=has_npp, named=reader.named, kpj_only=reader.kpj_only)
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


def _analyze(conn: Any, *tables: Table) -> None:
    """The temporary tables' sizes for the planner, which otherwise guesses (autovacuum never
    gathers statistics for them on PostgreSQL; SQLite has none for them until asked)."""
    for t in tables:
        conn.exec_driver_sql(f"ANALYZE {'temp.' if conn.dialect.name == 'sqlite' else ''}{t.name}")


def _match(
    session: Session,
    rec: Reconciliation,
    f: CoverageFilter,
    *,
    has_npp: bool,
    named: set[int | None],
    kpj_only: bool,
) -> None:
    """Every person's class. Set-based statements class most people: the list's people koptrack
    has never seen, the confirmed ones with one row and one enrollment that agree in everything
    (SIMPLE), and the declared people the list does not name (`absent`); the rest, person by
    person, in one sorted pass in Python (`_decide`)."""
    conn = session.connection()
    day = f.as_of
    L, N, P, E, C, R = LIST, ENROLLMENT, PERSON, ENGAGEMENT, COOP, REGISTRATION
    A, S, F, X, Q = ACTIVE, SIMPLE, IN_FILTER, MULTI, PIDS
    conn.execute(F.insert().from_select(["coop_id"], select(C.c.id).where(*f.where())))
    conn.execute(A.insert().from_select(["coop_id"], select(C.c.id).where(*CoverageFilter(as_of=day).where())))
    rec.coop_names = {i: n for i, n in conn.execute(select(C.c.id, C.c.name).join(F, F.c.coop_id == C.c.id))}
    in_filter = set(rec.coop_names)
    recorded_npp = _RecordedNpp(conn, day)
    fixed = f.coop_id if not has_npp else None
    narrowed = any(v not in (None, "any") for v in (f.coop_id, f.kecamatan_code, f.regency))
    # Each row's person: by NIK, or for a row without a NIK by a KPJ koptrack has recorded.
    by_nik = select(L.c.line, P.c.id, literal(1)).join(P, P.c.nik == L.c.nik)
    conn.execute(Q.insert().from_select(["line", "pid", "by_nik"], by_nik))
    if kpj_only:
        by_kpj = select(N.c.person_id).where(N.c.kpj == L.c.kpj).order_by(N.c.start_on.desc()).limit(1)
        rows = select(L.c.line, by_kpj.scalar_subquery().label("pid")).where(L.c.nik.is_(None)).subquery()
        by_kpj_rows = select(rows.c.line, rows.c.pid, literal(0)).where(rows.c.pid.is_not(None))
        conn.execute(Q.insert().from_select(["line", "pid", "by_nik"], by_kpj_rows))
    conn.exec_driver_sql("CREATE INDEX reconcile_pids_pid ON reconcile_pids (pid, by_nik)")
    running = active_on(N.c.start_on, N.c.end_on, day)
    multi = (
        select(N.c.person_id, func.count(N.c.coop_id.distinct()))
        .where(running)
        .group_by(N.c.person_id)
        .having(func.count() > 1)
    )
    conn.execute(X.insert().from_select(["pid", "coops"], multi))
    _analyze(conn, F, A, X, Q)

    # The confirmed people the database can class alone: the only row of a known person (by
    # NIK), active at BPJS, and their only enrollment running, in an active cooperative, the
    # row's, agreeing in everything `_differences` compares (a name that differs in more than
    # letter case is left to it).
    Q2 = PIDS.alias("q2")
    agree = and_(
        or_(L.c.kpj.is_(None), func.coalesce(N.c.kpj, "") == "", L.c.kpj == N.c.kpj),
        or_(
            L.c.name.is_(None),
            func.coalesce(P.c.name, "") == "",
            L.c.name == P.c.name,
            func.lower(L.c.name) == func.lower(P.c.name),
        ),
        L.c.tmt == N.c.start_on,
        or_(L.c.programmes.is_(None), L.c.programmes == N.c.programmes),
        or_(L.c.category.is_(None), L.c.category == N.c.category),
    )
    simple = (
        select(Q.c.pid, Q.c.line, N.c.id, N.c.coop_id)
        .select_from(Q.join(L, L.c.line == Q.c.line).join(N, N.c.person_id == Q.c.pid).join(P, P.c.id == Q.c.pid))
        .where(
            Q.c.by_nik == 1,
            L.c.running == 1,
            not_(exists().where(X.c.pid == Q.c.pid)),
            not_(exists().where(Q2.c.pid == Q.c.pid, Q2.c.line != Q.c.line)),
            running,
            exists().where(A.c.coop_id == N.c.coop_id),
            N.c.coop_id == L.c.coop_id if has_npp else true(),
            agree,
        )
    )
    conn.execute(S.insert().from_select(["pid", "line", "enrollment_id", "coop_id"], simple))
    _analyze(conn, S)

    # Their rows, and those of the people koptrack has never seen, stay queries (`rec.lazy`):
    # counted here, read when they are shown or written.
    rec.lazy["confirmed"] = select(
        (-(literal(UNKNOWN_SEQ) + L.c.line)).label("seq"),
        literal("confirmed").label("class"),
        S.c.coop_id,
        C.c.name.label("coop"),
        L.c.nik,
        func.coalesce(L.c.kpj, N.c.kpj).label("kpj"),
        func.coalesce(func.nullif(P.c.name, ""), L.c.name).label("name"),
        L.c.npp,
        L.c.tmt,
        N.c.start_on,
        literal("").label("detail"),
        L.c.line,
        S.c.pid.label("person_id"),
        S.c.enrollment_id,
        literal("verify").label("action"),
        null().label("end_on"),
        L.c.programmes,
        L.c.category,
    ).select_from(
        S.join(L, L.c.line == S.c.line)
        .join(N, N.c.id == S.c.enrollment_id)
        .join(P, P.c.id == S.c.pid)
        .join(C, C.c.id == S.c.coop_id)
        .join(F, F.c.coop_id == S.c.coop_id)
    )
    in_shown = L.c.coop_id.in_(select(F.c.coop_id))
    shown_coop = in_shown if narrowed else or_(in_shown, L.c.coop_id.is_(None))
    unknown = and_(L.c.running == 1, shown_coop, not_(exists().where(Q.c.line == L.c.line)))
    rec.lazy["not_on_roster"] = (
        select(
            (literal(UNKNOWN_SEQ) + L.c.line).label("seq"),
            literal("not_on_roster").label("class"),
            L.c.coop_id,
            func.coalesce(C.c.name, "").label("coop"),
            L.c.nik,
            L.c.kpj,
            L.c.name,
            L.c.npp,
            L.c.tmt,
            null().label("start_on"),
            case(
                (L.c.coop_id.is_(None), literal("NPP ") + L.c.npp + literal(" is no cooperative's registration")),
                else_=literal("a person koptrack has never seen"),
            ).label("detail"),
            L.c.line,
            null().label("person_id"),
            null().label("enrollment_id"),
            null().label("action"),
            null().label("end_on"),
            null().label("programmes"),
            null().label("category"),
        )
        .select_from(L.outerjoin(C, C.c.id == L.c.coop_id))
        .where(unknown)
    )
    counted = union_all(
        select(literal("confirmed").label("class"), S.c.coop_id, func.count().label("n"))
        .where(S.c.coop_id.in_(select(F.c.coop_id)))
        .group_by(S.c.coop_id),
        select(literal("not_on_roster").label("class"), L.c.coop_id, func.count().label("n"))
        .where(unknown)
        .group_by(L.c.coop_id),
    )
    for cls, coop_id, n in conn.execute(counted):
        rec.per_coop.setdefault(coop_id, Counter())[cls] += n
        rec.counts[cls] = rec.counts.get(cls, 0) + n

    active_coop = exists().where(A.c.coop_id == N.c.coop_id)
    # the list names the person: a row with their NIK, or a row without a NIK with the KPJ
    listed: Any = exists().where(Q.c.pid == N.c.person_id, Q.c.by_nik == 1)
    if kpj_only:
        listed = or_(listed, and_(N.c.kpj.is_not(None), exists().where(L.c.kpj == N.c.kpj, L.c.nik.is_(None))))
    in_two = exists().where(X.c.pid == N.c.person_id, X.c.coops > 1)

    # The rest, person by person: their list rows, then their enrollments running on the day.
    # They are the people of the list's rows, those enrolled through two cooperatives, and those
    # whose KPJ a row without a NIK names, less the people classed above, and less those the pass
    # would show nothing of: no enrollment running in an active cooperative, and every row of
    # theirs a cooperative's that is not shown (inactive on the day, or not --coop's).
    pending = [select(Q.c.pid), select(X.c.pid).where(X.c.coops > 1)]
    if kpj_only:
        pending.append(select(N.c.person_id).join(L, L.c.kpj == N.c.kpj).where(L.c.nik.is_(None)))
    candidates = union(*pending).subquery("candidates")
    people = select(candidates.c.pid).except_(select(S.c.pid)).subquery("people")
    shown_row = (
        select(Q.c.line)
        .join(L, L.c.line == Q.c.line)
        .where(Q.c.pid == people.c.pid, or_(L.c.coop_id.is_(None), L.c.coop_id.in_(select(F.c.coop_id))))
        .exists()
    )
    enrolled = exists().where(N.c.person_id == people.c.pid, running, exists().where(A.c.coop_id == N.c.coop_id))
    to_pass = select(people.c.pid).where(or_(shown_row, enrolled))
    conn.execute(PENDING.insert().from_select(["pid"], to_pass))
    _analyze(conn, PENDING)
    engaged = (
        select(E.c.id)
        .where(E.c.person_id == Q.c.pid, E.c.coop_id == L.c.coop_id, active_on(E.c.since, E.c.until, day))
        .exists()
    )
    list_side = select(
        Q.c.pid,
        literal(0).label("side"),
        L.c.line.label("ref"),
        L.c.nik,
        L.c.kpj,
        L.c.name,
        L.c.npp,
        L.c.tmt.label("start"),
        L.c.end_on.label("end"),
        L.c.status,
        L.c.programmes,
        L.c.category,
        L.c.coop_id,
        engaged.label("engaged"),
        P.c.name.label("person_name"),
    ).select_from(
        PENDING.join(Q, Q.c.pid == PENDING.c.pid).join(L, L.c.line == Q.c.line).outerjoin(P, P.c.nik == L.c.nik)
    )
    reg_npp = (
        select(R.c.npp)
        .where(R.c.coop_id == N.c.coop_id, active_on(R.c.registered_on, R.c.deregistered_on, day))
        .limit(1)
        .scalar_subquery()
    )
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
        .select_from(PENDING.join(N, N.c.person_id == PENDING.c.pid).join(P, P.c.id == N.c.person_id))
        .where(running, active_coop, or_(listed, in_two))
    )
    both = union_all(list_side, koptrack_side).subquery("both")
    stmt = select(both).order_by(both.c.pid, both.c.side, both.c.ref)
    # Cooperatives the list speaks for: those whose NPP it names, those of the people classed in
    # SQL, and those whose people it lists (gathered during the pass); "absent from the list"
    # counts only for them, settled after it.
    covered: set[int] = {fixed} if fixed is not None else set()
    if fixed is None:
        covered.update(c for c in named if c is not None)
    covered.update(c for (c,) in conn.execute(select(S.c.coop_id).distinct()))
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
    bulk_insert(conn, COVERED, ("coop_id",), [(c,) for c in sorted(covered)])
    _analyze(conn, COVERED)

    # Declared people the list does not name at all (most of a large database), in the
    # cooperatives the list speaks for: one INSERT, no pass through Python.
    absent = (
        select(
            (-N.c.id).label("seq"),
            literal("not_active").label("class"),
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
        .where(
            running,
            N.c.coop_id.in_(select(COVERED.c.coop_id)),
            N.c.coop_id.in_(select(F.c.coop_id)),
            not_(listed),
            not_(in_two),
        )
    )
    absent_cols = ("seq", "class", "coop_id", "coop", "nik", "kpj", "name", "start_on", "detail", "person_id")
    conn.execute(RESULT.insert().from_select([*absent_cols, "enrollment_id"], absent))
    per_coop = (
        select(RESULT.c.coop_id, func.count())
        .where(RESULT.c["class"] == "not_active", RESULT.c.seq < 0)
        .group_by(RESULT.c.coop_id)
    )
    for coop_id, n in conn.execute(per_coop):
        rec.per_coop.setdefault(coop_id, Counter())["not_active"] += n
        rec.counts["not_active"] += n
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
    """People the pass found declared and absent from the list are `not_active` where the list
    speaks for their cooperative (it names its NPP or some of its people, `covered`, also in the
    temporary table); elsewhere the list says nothing of them."""
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


class _RecordedNpp:
    """A cooperative's NPP, of its registration running on the day: asked for the few people a
    list shows under another NPP, once per cooperative."""

    def __init__(self, conn: Any, day: dt.date):
        self.conn, self.day = conn, day
        self.known: dict[int, str | None] = {}

    def get(self, coop_id: int) -> str | None:
        if coop_id not in self.known:
            R = REGISTRATION
            stmt = select(R.c.npp).where(
                R.c.coop_id == coop_id, active_on(R.c.registered_on, R.c.deregistered_on, self.day)
            )
            self.known[coop_id] = next((npp for (npp,) in self.conn.execute(stmt)), None)
        return self.known[coop_id]


class _Writer:
    """Writes each person's class to the temporary result table, batch by batch."""

    def __init__(self, conn: Any, rec: Reconciliation, recorded_npp: _RecordedNpp):
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
    parts = [select(*(R.c[k] for k in _RESULT_COLUMNS)).where(R.c.action.is_not(None))]
    parts += [q for q in rec.lazy.values() if q is not None]
    todo_rows = union_all(*parts).subquery("todo")
    todo = list(
        conn.execute(select(todo_rows).where(todo_rows.c.action.is_not(None)).order_by(todo_rows.c.seq)).mappings()
    )
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
