"""Importing a cooperative's dated records in bulk: BPJS registrations (`bpjs register` for many
cooperatives at once) and PKS-PKB memberships (`pkspkb join`, and `pkspkb leave` when the row
gives the day it left).

Each row is checked by the rules of the single command: the cooperative by `resolve_coop`'s rules
(every cooperative read in one query first), the dates by `validate.parse_date` (never in the
future), the NPP, branch, agreement number and note by the same `validate` parsers and limits,
the cooperative active on the day (`coops.ensure_active`), and the period beside the ones recorded
and the ones earlier in the file (`domain.periods.ensure_can_open`; an end after the start,
`domain.periods.close`). A period already recorded with the same dates is unchanged (the same
file imported twice changes nothing); a recorded open period whose end the file gives is ended;
a value that disagrees with the record is a bad row that names the correction command. The good
rows are inserted in batches (store.bulk), all or nothing unless the bad rows are skipped."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.coops import coop_subject, ensure_active
from koptrack.core.imports.checks import CoopLookup, Dates
from koptrack.core.imports.columns import known, map_headers
from koptrack.core.imports.result import ErrorSink, ImportRejected, ImportResult
from koptrack.core.imports.writer import BATCH
from koptrack.core.periods import MEMBER, REGISTERED, PeriodKind
from koptrack.domain import periods, validate
from koptrack.errors import KoptrackError, ValidationError
from koptrack.i18n import N_, _
from koptrack.io.readers import open_table
from koptrack.io.writers import FORMULA_STARTS
from koptrack.store.bulk import Storage, bulk_insert
from koptrack.store.models import Cooperative, utcnow
from koptrack.store.tables import INACTIVE, MEMBERSHIP, REGISTRATION

# Rows created by one import from which the table is analyzed at its end (PostgreSQL).
ANALYZE_AFTER = 10_000


@dataclass(frozen=True)
class DatedFile:
    """What one kind of file holds: its period (table and start and end columns, which are also
    the file's fields), the values beside the dates (field = column, and its parser), and the
    words of its messages."""

    kind: str  # the columns' kind (columns.ALIASES) and the import's name
    period: PeriodKind[Any]
    table: Table
    created: str  # what ImportResult.created counts
    has_end: bool  # the file may give the day the period ended
    values: tuple[tuple[str, Callable[[object], object]], ...]
    state: str  # N_(): a cooperative "is already {state}" (as the single command says it)
    doing: str  # N_(): a cooperative inactive that day "cannot {doing}"
    edit: str  # the correction command, with {id}


REGISTRATIONS = DatedFile(
    kind="registrations",
    period=REGISTERED,
    table=REGISTRATION,
    created="registrations",
    has_end=False,
    # the parsers and limits of bpjs.register
    values=(
        ("npp", validate.parse_npp),
        ("branch", lambda v: validate.clean_text(v, "branch")),
        ("note", lambda v: validate.clean_text(v, "note", max_len=2000)),
    ),
    state=N_("registered with BPJS"),
    doing=N_("register it with BPJS"),
    edit="koptrack bpjs edit --coop {id}",
)
MEMBERSHIPS = DatedFile(
    kind="pkspkb",
    period=MEMBER,
    table=MEMBERSHIP,
    created="memberships",
    has_end=True,
    # the parsers and limits of pkspkb.join
    values=(
        ("agreement_no", lambda v: validate.clean_text(v, "agreement", max_len=200)),
        ("note", lambda v: validate.clean_text(v, "note", max_len=2000)),
    ),
    state=N_("in PKS-PKB"),
    doing=N_("record it joining PKS-PKB"),
    edit="koptrack pkspkb edit --coop {id}",
)


@dataclass(slots=True)
class Period:
    """A period of one cooperative, recorded (`id`) or from an earlier row of the file (`line`)."""

    start: dt.date
    end: dt.date | None
    id: int | None
    values: tuple[object, ...] = ()  # in the order of DatedFile.values
    line: int = 0


# Distinct texts of one value column whose parsed value is kept (NPPs are all different).
SEEN_VALUES = 1000
_UNSEEN = object()


@dataclass(frozen=True, slots=True)
class _Refused:
    reason: str


@dataclass(slots=True)
class _Row:
    line: int
    raw: list[str]
    coop_id: int
    start: dt.date
    end: dt.date | None
    values: tuple[object, ...]  # in the order of DatedFile.values


class DatedImport:
    """One file of dated records: `check` a row, `record` it beside what is recorded."""

    def __init__(
        self, session: Session, spec: DatedFile, mapping: dict[str, int], sink: ErrorSink, result: ImportResult
    ):
        self.session, self.spec, self.sink, self.result = session, spec, sink, result
        self.conn = session.connection()
        self.lookup = CoopLookup(session, eager=True)
        self.dates = Dates()
        self.store = Storage(self.conn.dialect.name)
        self.now = self.store.stamp(utcnow())
        start, end = spec.period.start, spec.period.end
        T = spec.table
        names = [name for name, _parse in spec.values]
        # the columns read: the cooperative, its name beside it, the dates, the values
        self.keys = [mapping.get(k, -1) for k in ("coop", "coop_name", start, end if spec.has_end else "", *names)]
        self.columns = ("coop_id", start, end, *names, "created_at")
        self.recorded: dict[int, list[Period]] = {}
        for row in self.conn.execute(select(T.c.id, T.c.coop_id, T.c[start], T.c[end], *(T.c[n] for n in names))):
            self.recorded.setdefault(row[1], []).append(Period(row[2], row[3], row[0], tuple(row[4:])))
        # cooperatives with a period of inactivity (a few): the day of each of their rows is checked
        self.inactive = set(self.conn.execute(select(INACTIVE.c.coop_id).distinct()).scalars())
        self.batch: list[tuple[Any, ...]] = []
        self.ends: list[dict[str, Any]] = []
        # each value column's texts parsed so far (a branch, a note: the same few again and again)
        self.seen: list[dict[str, object]] = [{} for _value in spec.values]

    def _subject(self, coop_id: int) -> str:
        """The cooperative as the single commands' messages name it (read only for a message,
        or a cooperative with periods recorded)."""
        coop = self.session.get(Cooperative, coop_id)
        assert coop is not None  # resolved from the table a moment ago
        return coop_subject(coop)

    def _cells(self, values: list[str]) -> list[str]:
        """The row's cells in the order of `self.keys`, trimmed ("" for a column the file lacks)."""
        n = len(values)
        cells = [values[k].strip() if 0 <= k < n else "" for k in self.keys]
        for i, v in enumerate(cells):
            if v[:1] == "'" and v[1:2] in FORMULA_STARTS:
                cells[i] = v[1:]  # koptrack's export kept a spreadsheet from reading it as a formula
        return cells

    def check(self, line: int, values: list[str]) -> _Row | None:
        """The row's values by the single command's rules, or None after reporting every fault."""
        spec = self.spec
        errors: list[tuple[str, object, str]] = []
        ref, named, raw, raw_end, *others = self._cells(values)
        coop_id = 0
        if not ref:
            errors.append(("coop", "", _("is required")))
        else:
            hit = self.lookup.resolve(ref)
            if isinstance(hit, str):
                errors.append(("coop", ref, hit))
            else:
                coop_id = hit[0]
                elsewhere = self.lookup.named_elsewhere(coop_id, named) if named else None
                if elsewhere:
                    errors.append(("coop", ref, elsewhere))
        start_field, end_field = spec.period.start, spec.period.end
        start: Any = self.dates(raw, start_field) if raw else _("is required (a date like 2021-03-16)")
        if isinstance(start, str):
            errors.append((start_field, raw, start))
        end: Any = None
        if raw_end:
            end = self.dates(raw_end, end_field)
            if isinstance(end, str):
                errors.append((end_field, raw_end, end))
            elif isinstance(start, dt.date) and end <= start and coop_id:
                try:  # the rule of the single command's leave: a period ends after the day it began
                    periods.close(
                        Period(start, None, None),
                        start="start",
                        end="end",
                        on=end,
                        subject=self._subject(coop_id),
                        state=_(spec.state),
                    )
                except KoptrackError as exc:
                    errors.append((end_field, raw_end, exc.message))
        parsed: list[object] = []
        for (field_, parse), v, seen in zip(self.spec.values, others, self.seen, strict=True):
            found = seen.get(v, _UNSEEN)
            if found is _UNSEEN:
                try:
                    found = parse(v)
                except ValidationError as exc:
                    found = _Refused(exc.reason)
                if len(seen) < SEEN_VALUES:
                    seen[v] = found
            if isinstance(found, _Refused):
                errors.append((field_, v, found.reason))
            else:
                parsed.append(found)
        if errors:
            for column, value, reason in errors:
                self.sink.add(line, column, value, reason, values)
            return None
        return _Row(line, values, coop_id, start, end, tuple(parsed))

    def _differs(self, r: _Row, p: Period) -> bool:
        """Report the values of the row that disagree with the same period's (recorded, or an
        earlier row's); a value the row leaves empty agrees with any."""
        bad = False
        for (field_, _parse), v, stored in zip(self.spec.values, r.values, p.values, strict=True):
            if v is None or v == stored:
                continue
            shown = repr(stored) if stored is not None else _("none")
            if p.id is None:
                reason = _("line {line} gives {value} for the same period").format(line=p.line, value=shown)
            else:
                reason = _(
                    "the record of the period from {day} has {value}; correct it with `{command} --since {since}`"
                ).format(
                    day=i18n.date(p.start),
                    value=shown,
                    command=self.spec.edit.format(id=r.coop_id),
                    since=p.start.isoformat(),
                )
            self.sink.add(r.line, field_, v, reason, r.raw)
            bad = True
        return bad

    def record(self, r: _Row) -> None:
        """The row beside the periods of its cooperative: unchanged, an end, or a new period."""
        spec = self.spec
        start_field = spec.period.start
        recorded = self.recorded.get(r.coop_id)
        if recorded is None:  # the common case: nothing recorded for the cooperative yet
            recorded = self.recorded[r.coop_id] = []
        same = next((p for p in recorded if p.start == r.start), None) if recorded else None
        if same is not None and (same.end == r.end or (same.end is None and r.end is not None)):
            if self._differs(r, same):
                return
            if same.end == r.end:
                self.result.unchanged += 1
            elif same.id is None:
                self.sink.add(
                    r.line,
                    spec.period.end,
                    r.end.isoformat() if r.end else "",
                    _("ends a period that line {line} begins: give both dates on that row").format(line=same.line),
                    r.raw,
                )
            else:  # the cooperative has left: the recorded open period ends
                self.ends.append({"eid": same.id, "day": r.end})
                same.end = r.end
                self.result.ended += 1
            return
        try:
            if recorded:
                periods.ensure_can_open(
                    recorded,
                    start="start",
                    end="end",
                    on=r.start,
                    subject=self._subject(r.coop_id),
                    state=_(spec.state),
                )
            if r.coop_id in self.inactive:
                coop = self.session.get(Cooperative, r.coop_id)
                assert coop is not None
                ensure_active(self.session, coop, r.start, spec.doing)
        except KoptrackError as exc:
            self.sink.add(r.line, start_field, r.start.isoformat(), exc.message, r.raw)
            return
        d = self.store.date
        self.batch.append((r.coop_id, d(r.start), d(r.end), *r.values, self.now))
        recorded.append(Period(r.start, r.end, None, r.values, r.line))
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        bulk_insert(self.conn, self.spec.table, self.columns, self.batch)
        self.result.created[self.spec.created] += len(self.batch)
        self.batch = []

    def finish(self) -> None:
        self.flush()
        if self.ends:
            T, end = self.spec.table, self.spec.period.end
            self.conn.execute(update(T).where(T.c.id == bindparam("eid")).values({end: bindparam("day")}), self.ends)


@contextmanager
def _collector_off() -> Iterator[None]:
    """Python's cycle collector off while the rows are read: the lookups and periods held for
    the whole file are hundreds of thousands of objects, which its full passes would walk again
    and again (a sixth of the time, measured), and a row makes no cycles. Back as it was after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def import_dated(
    session: Session,
    spec: DatedFile,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    errors_path: str | Path | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a file of `spec`'s records (REGISTRATIONS, MEMBERSHIPS): all or nothing unless
    `skip_invalid`; the --errors file (`errors_path`) is never the input, nor an existing file
    unless `force`. One audit entry with the counts."""
    path = Path(path)
    result = ImportResult(kind=spec.kind, file=path.name, created={spec.created: 0})
    with open_table(path, sheet=sheet, encoding=encoding, known=known(spec.kind)) as table:
        mapping = map_headers(spec.kind, table.headers)
        sink = ErrorSink(
            result,
            table.headers,
            Path(errors_path) if errors_path else None,
            delimiter=table.delimiter,
            force=force,
            protect=(path,),
        )
        try:
            with _collector_off():
                job = DatedImport(session, spec, mapping, sink, result)
                for line, values in table.rows:
                    result.rows += 1
                    row = job.check(line, values)
                    if row is not None:
                        job.record(row)
                    if progress and result.rows % BATCH == 0:
                        progress(table.position(), table.size)
                job.finish()
                if progress:
                    progress(table.size, table.size)
        finally:
            sink.close()
    if result.invalid and not skip_invalid:
        raise ImportRejected(result)
    conn = session.connection()
    if result.created[spec.created] >= ANALYZE_AFTER and conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {spec.table.name}")  # as import_people does
    audit.record(
        session,
        "import",
        path.name,
        action=f"import {spec.kind}",
        rows=result.rows,
        created=result.created,
        unchanged=result.unchanged,
        ended=result.ended,
        invalid=result.invalid,
    )
    return result


def import_registrations(session: Session, path: str | Path, **options: Any) -> ImportResult:
    """Import BPJS registrations: the cooperative, the day it registered, and optional NPP,
    branch and note (`bpjs register` for each row)."""
    return import_dated(session, REGISTRATIONS, path, **options)


def import_pkspkb(session: Session, path: str | Path, **options: Any) -> ImportResult:
    """Import PKS-PKB memberships: the cooperative, the day it joined, and optional day it left,
    agreement number and note (`pkspkb join`, and `pkspkb leave` for a row that gives the day it
    left)."""
    return import_dated(session, MEMBERSHIPS, path, **options)
