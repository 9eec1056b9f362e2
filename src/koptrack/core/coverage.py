"""Coverage figures, computed in the database as SQL aggregates (never by loading people).

People *in scope* of a cooperative on a date are those engaged with it that day in the role its
kind calls for: the members (anggota) of a producer cooperative, the employees (karyawan) of
every other kind (a KSP's employees above all). A cooperative's *state* on a date:

- `not registered`: no BPJS registration running that day;
- `registered, roster missing`: registered, but nobody in scope is recorded;
- `partial`: some in scope are not enrolled, or an enrollment lacks a mandatory programme;
- `fully covered`: everyone in scope enrolled with every mandatory programme.

Only active cooperatives are counted. Periods are half-open (store/tables.active_on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, exists, func, literal, select, union_all
from sqlmodel import Session

from koptrack.domain import periods, validate
from koptrack.domain.vocab import ANY, MEMBER_SCOPED_KINDS
from koptrack.report import percent
from koptrack.store.tables import (
    COOP,
    ENGAGEMENT,
    ENROLLMENT,
    KEC,
    MEMBERSHIP,
    PERSON,
    REGISTRATION,
    active_on,
    coop_where,
    in_regency,
    unindexed,
)

STATES = ("not registered", "registered, roster missing", "partial", "fully covered")


@dataclass(frozen=True)
class CoverageFilter:
    """Which cooperatives a coverage query counts, and on which day: every field checked and
    resolved (ids and codes, not what the user typed). None means no restriction."""

    as_of: dt.date
    coop_id: int | None = None
    kind: str | None = None
    base: str | None = None
    kecamatan_code: str | None = None
    regency: str | None = None

    @classmethod
    def parse(
        cls,
        session: Session,
        *,
        as_of: object = None,
        coop: object = None,
        kind: object = None,
        base: object = None,
        kecamatan: object = None,
        regency: object = None,
    ) -> CoverageFilter:
        """From what a user typed: a date (default today), a cooperative's id or name, a kind,
        base, kecamatan and regency; each checked, with the usual messages."""
        from koptrack.core.coops import resolve_coop
        from koptrack.core.regions import resolve_kecamatan

        return cls(
            as_of=validate.parse_as_of(as_of),
            regency=validate.parse_regency(regency),
            coop_id=resolve_coop(session, coop).id if coop not in (None, "") else None,
            kind=validate.parse_kind(kind) if kind else None,
            base=validate.parse_base(base) if base else None,
            kecamatan_code=resolve_kecamatan(session, kecamatan) if kecamatan else None,
        )

    def where(self, *, active: bool = True) -> list[ColumnElement[bool]]:
        """The conditions on COOP: cooperatives of the segment active on the report's date (with
        `active` False, of the segment whatever their status: for aggregates joined to an outer
        query that checks it once)."""
        return coop_where(
            kind=self.kind,
            base=self.base,
            regency=self.regency,
            kecamatan_code=self.kecamatan_code,
            coop_id=self.coop_id,
            active_on_day=self.as_of if active else None,
        )


def scoped(kind_column: Any, role_column: Any) -> ColumnElement[bool]:
    """The people a cooperative must enroll (domain/vocab.in_scope, in SQL): its employees, and
    a producer cooperative's members too."""
    # Written as `role IN ('karyawan', <anggota for a producer, else karyawan again>)`, not as an
    # OR: SQLite then probes ix_engagement_scope (coop_id, role, person_id...) once per value.
    also = case((kind_column.in_(MEMBER_SCOPED_KINDS), literal("anggota")), else_=literal("karyawan"))
    return role_column.in_([literal("karyawan"), also])


def per_coop(f: CoverageFilter, *, verified: bool = False) -> Subquery:
    """The per-cooperative aggregate as a subquery: id, name, kind, base, kecamatan,
    registered_on, in_scope, enrolled, missing, state (and with `verified`, how many of the
    enrollments a BPJS list confirmed)."""
    C, E, N, R, K = COOP, ENGAGEMENT, ENROLLMENT, REGISTRATION, KEC
    d = f.as_of
    # Every segment filter goes into each aggregate too (a segment counts only its own people);
    # whether a cooperative was active is checked once, in the outer query the aggregates join.
    where = f.where(active=False)
    # A person in scope in two roles (a producer cooperative's employee who is also a member) counts once.
    scope = (
        select(E.c.coop_id, func.count(func.distinct(E.c.person_id)).label("in_scope"))
        .select_from(E.join(C, C.c.id == E.c.coop_id))
        .where(scoped(C.c.kind, E.c.role), active_on(E.c.since, E.c.until, d), *where)
        .group_by(E.c.coop_id)
        .subquery("scope")
    )
    engaged = (
        select(E.c.person_id)
        .where(
            E.c.coop_id == N.c.coop_id,
            E.c.person_id == N.c.person_id,
            scoped(C.c.kind, E.c.role),
            active_on(E.c.since, E.c.until, d),
        )
        .correlate(N, C)
        .exists()
    )
    enrolled = (
        select(
            N.c.coop_id,
            func.count().label("enrolled"),
            func.sum(case((N.c.missing_programmes != "", 1), else_=0)).label("missing"),
            *([func.sum(case((N.c.verified_on.is_not(None), 1), else_=0)).label("verified")] if verified else []),
        )
        .select_from(N.join(C, C.c.id == N.c.coop_id))
        .where(active_on(N.c.start_on, N.c.end_on, d), engaged, *where)
        .group_by(N.c.coop_id)
        .subquery("enrolled")
    )
    reg = (
        select(R.c.coop_id, func.min(R.c.registered_on).label("registered_on"))
        .where(active_on(R.c.registered_on, R.c.deregistered_on, d))
        .group_by(R.c.coop_id)
        .subquery("reg")
    )
    in_scope = func.coalesce(scope.c.in_scope, 0)
    n_enrolled = func.coalesce(enrolled.c.enrolled, 0)
    missing = func.coalesce(enrolled.c.missing, 0)
    state = case(
        (reg.c.registered_on.is_(None), literal(STATES[0])),
        (in_scope == 0, literal(STATES[1])),
        (and_(n_enrolled >= in_scope, missing == 0), literal(STATES[3])),
        else_=literal(STATES[2]),
    )
    stmt = (
        select(
            C.c.id,
            C.c.name,
            C.c.kind,
            C.c.base,
            K.c.name.label("kecamatan"),
            C.c.kecamatan_code,
            reg.c.registered_on,
            in_scope.label("in_scope"),
            n_enrolled.label("enrolled"),
            missing.label("missing"),
            state.label("state"),
            *([func.coalesce(enrolled.c.verified, 0).label("verified")] if verified else []),
        )
        .select_from(
            C.join(K, K.c.code == C.c.kecamatan_code)
            .outerjoin(reg, reg.c.coop_id == C.c.id)
            .outerjoin(scope, scope.c.coop_id == C.c.id)
            .outerjoin(enrolled, enrolled.c.coop_id == C.c.id)
        )
        .where(*f.where())
    )
    return stmt.subquery("per_coop")


def bpjs_status(
    session: Session, f: CoverageFilter, *, only_behind: bool = False, verified: bool = False
) -> Iterator[dict]:
    """One row per active cooperative: registration, people in scope, enrolled, coverage, state
    (with `verified`: how many enrollments a BPJS list confirmed, and their share)."""
    per = per_coop(f, verified=verified)
    stmt = select(per).order_by(per.c.kecamatan, per.c.name, per.c.id)
    if only_behind:
        stmt = stmt.where(per.c.state != STATES[3])
    for r in session.connection().execute(stmt.execution_options(yield_per=5000)).mappings():
        yield {
            "id": r["id"],
            "name": r["name"],
            "kind": r["kind"],
            "base": r["base"],
            "kecamatan": r["kecamatan"],
            "registered": r["registered_on"] is not None,
            "registered_on": r["registered_on"],
            "in_scope": int(r["in_scope"]),
            "enrolled": int(r["enrolled"]),
            "coverage": percent(int(r["enrolled"]), int(r["in_scope"])),
            "missing_programmes": int(r["missing"]),
            "state": r["state"],
            "as_of": f.as_of,
        } | (
            {"verified": int(r["verified"]), "verified_share": percent(int(r["verified"]), int(r["enrolled"]))}
            if verified
            else {}
        )


def bpjs_status_by_kecamatan(session: Session, f: CoverageFilter, *, only_behind: bool = False) -> list[dict]:
    """The same figures summed per kecamatan, with how many cooperatives are in each state."""
    per = per_coop(f)

    def n_state(s: str) -> Any:
        return func.sum(case((per.c.state == s, 1), else_=0))

    stmt = (
        select(
            per.c.kecamatan_code,
            per.c.kecamatan,
            func.count().label("coops"),
            func.sum(case((per.c.registered_on.is_not(None), 1), else_=0)).label("registered"),
            func.sum(per.c.in_scope).label("in_scope"),
            func.sum(per.c.enrolled).label("enrolled"),
            func.sum(per.c.missing).label("missing"),
            *[n_state(s).label(f"s{i}") for i, s in enumerate(STATES)],
        )
        .group_by(per.c.kecamatan_code, per.c.kecamatan)
        .order_by(per.c.kecamatan)
    )
    if only_behind:
        stmt = stmt.where(per.c.state != STATES[3])
    rows = []
    for r in session.connection().execute(stmt).mappings():
        in_scope, enrolled = int(r["in_scope"] or 0), int(r["enrolled"] or 0)
        rows.append(
            {
                "kecamatan_code": r["kecamatan_code"],
                "kecamatan": r["kecamatan"],
                "coops": int(r["coops"]),
                "registered": int(r["registered"] or 0),
                "in_scope": in_scope,
                "enrolled": enrolled,
                "coverage": percent(enrolled, in_scope),
                "missing_programmes": int(r["missing"] or 0),
                "not_registered": int(r["s0"] or 0),
                "roster_missing": int(r["s1"] or 0),
                "partial": int(r["s2"] or 0),
                "fully_covered": int(r["s3"] or 0),
                "as_of": f.as_of,
            }
        )
    return rows


# --- metrics for targets ----------------------------------------------------------------------


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.connection().execute(stmt).scalar() or 0)


def _segment(kind: str, base: str, regency: str, day: dt.date) -> list[ColumnElement[bool]]:
    """Cooperatives of the segment active on `day` (as they were then, not as they are today)."""
    return coop_where(kind=kind, base=base, regency=regency, active_on_day=day)


# The counts of cooperatives, each from the table whose rows it counts: (table, start, end);
# without an end, the metric counts the rows that start within a window (first, last).
COOP_METRICS = {
    "bpjs.registered_coops": (REGISTRATION, "registered_on", "deregistered_on"),
    "pkspkb.members": (MEMBERSHIP, "joined_on", "left_on"),
    "pkspkb.joined": (MEMBERSHIP, "joined_on", None),
}


@dataclass(frozen=True)
class Segment:
    """Cooperatives of one kind, base and regency (`any`: every one)."""

    kind: str = ANY
    base: str = ANY
    regency: str = ANY


# (None, day): running on the day; (first, last): begun between the two days, inclusive.
Window = tuple[dt.date | None, dt.date]


class CoopCounts:
    """How many active cooperatives of a segment had a BPJS registration running, were in
    PKS-PKB, or joined PKS-PKB, over given days: each figure a cell of one statement per metric
    that reads the registrations or memberships (thousands of rows) once and finds each one's
    cooperative by its id, never the cooperatives (hundreds of thousands) for a segment.

    A report first asks for every figure inside `collecting()` (each answer is 0 then), and the
    figures are counted together when it ends; a figure not asked for then is counted when first
    asked. Every figure is counted once, then remembered."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._known: dict[tuple[str, Window, Segment], int] = {}
        self._asked: dict[str, dict[tuple[Window, Segment], None]] = {}
        self._collecting = False
        self._fewer: dict[tuple[str, str], bool] = {}

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Within: `count` notes what it is asked and answers 0. On leaving: all of it counted."""
        self._collecting = True
        try:
            yield
        finally:
            self._collecting = False
        for metric, cells in self._asked.items():
            self._fill(metric, list(cells))
        self._asked.clear()

    @property
    def is_collecting(self) -> bool:
        return self._collecting

    def count(self, metric: str, window: Window, segment: Segment) -> int:
        key = (metric, window, segment)
        if key in self._known:
            return self._known[key]
        if self._collecting:
            self._asked.setdefault(metric, {})[(window, segment)] = None
            return 0
        self._fill(metric, [(window, segment)])
        return self._known[key]

    def _fewer_coops(self, regency: str, table: Any) -> bool:
        """Whether the regency holds fewer cooperatives than `table` has rows: two counts, the
        regency's stopped at the table's (a few milliseconds at national size)."""
        key = (regency, table.name)
        if key not in self._fewer:
            conn = self.session.connection()
            rows = int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
            in_regency_ = select(literal(1)).where(in_regency(COOP.c.kecamatan_code, regency)).limit(rows)
            coops = int(conn.execute(select(func.count()).select_from(in_regency_.subquery())).scalar() or 0)
            self._fewer[key] = coops < rows
        return self._fewer[key]

    def _fill(self, metric: str, cells: list[tuple[Window, Segment]]) -> None:
        cells = [c for c in cells if (metric, *c) not in self._known]
        if not cells:
            return
        table, start_name, end_name = COOP_METRICS[metric]
        start = table.c[start_name]
        # The rows are read in the order of the (coop_id, start, end) index, from the index
        # alone, so that their cooperatives are found in id order (neighbours on a page): never
        # through an index on the date, whose order scatters the cooperatives over the table.
        rows = [unindexed(start) <= max(last for _, last in dict.fromkeys(w for w, _ in cells))]
        # All the figures of one regency, which holds fewer cooperatives than the table rows
        # (a province's or the country's database): its cooperatives' rows only.
        regencies = {seg.regency for _, seg in cells}
        if len(regencies) == 1 and (regency := regencies.pop()) != ANY and self._fewer_coops(regency, table):
            rows.append(table.c.coop_id.in_(select(COOP.c.id).where(in_regency(COOP.c.kecamatan_code, regency))))
        if end_name is None:
            parts = [_events(table, start, cells, rows)]
        else:
            end = table.c[end_name]
            parts = [_open_periods(table, start, end, cells, rows), _closed_periods(table, start, end, cells, rows)]
        totals = [0] * len(cells)
        for row in self.session.connection().execute(union_all(*parts)):
            totals = [t + int(n or 0) for t, n in zip(totals, row, strict=True)]
        for (w, seg), n in zip(cells, totals, strict=True):
            self._known[(metric, w, seg)] = n


def _cell(segment: Segment, day: dt.date, *within: ColumnElement[bool]) -> Any:
    """1 for a row of the cell, else 0: the cooperative (found by id: no condition on COOP in a
    WHERE, so no plan starts from the cooperatives) of the segment, its kind and base checked
    first, then its regency, the row's window, and whether it was active on `day` only once all
    those hold."""
    conditions = [
        *coop_where(kind=segment.kind, base=segment.base),
        *coop_where(regency=segment.regency),
        *within,
        *coop_where(active_on_day=day),
    ]
    return func.sum(case((and_(*conditions), 1), else_=0))


def _open_periods(table: Any, start: Any, end: Any, cells: list[tuple[Window, Segment]], rows: list) -> Select[Any]:
    """The running periods (no end yet) in each cell, one row per period: a cooperative has at
    most one (the table's partial unique index on coop_id where the end is NULL), so they are
    counted without grouping, the rows read in the order of the (coop_id, start, end) index."""
    return (
        select(*[_cell(seg, day, start <= day) for (_, day), seg in cells])
        .select_from(table.join(COOP, COOP.c.id == table.c.coop_id))
        .where(end.is_(None), *rows)
    )


def _closed_periods(table: Any, start: Any, end: Any, cells: list[tuple[Window, Segment]], rows: list) -> Select[Any]:
    """The ended periods in each cell, once per cooperative (grouped by coop_id) and only for a
    cooperative whose running period does not already count that day (few rows: the periods
    that ended after the first day)."""
    days = list(dict.fromkeys(day for (_, day), _ in cells))
    held = (
        select(
            table.c.coop_id,
            *[func.max(case((and_(start <= d, end > d), 1), else_=0)).label(f"d{i}") for i, d in enumerate(days)],
        )
        .where(end.is_not(None), end > min(days), *rows)
        .group_by(table.c.coop_id)
        .subquery("held")
    )
    other = table.alias("running")

    def not_running(day: dt.date) -> ColumnElement[bool]:
        return ~exists().where(
            other.c.coop_id == held.c.coop_id, other.c[end.name].is_(None), other.c[start.name] <= day
        )

    return select(
        *[_cell(seg, day, held.c[f"d{days.index(day)}"] == 1, not_running(day)) for (_, day), seg in cells]
    ).select_from(held.join(COOP, COOP.c.id == held.c.coop_id))


def _events(table: Any, start: Any, cells: list[tuple[Window, Segment]], rows: list) -> Select[Any]:
    """The rows begun within each cell's window (first, last), once per cooperative (grouped by
    coop_id: a cooperative may join twice in a year)."""
    windows = list(dict.fromkeys(w for w, _ in cells))
    firsts = [first for first, _ in windows if first is not None]
    held = (
        select(
            table.c.coop_id,
            *[
                func.max(case((and_(start >= first, start <= last), 1), else_=0)).label(f"w{i}")
                for i, (first, last) in enumerate(windows)
            ],
        )
        .where(unindexed(start) >= min(firsts), *rows)
        .group_by(table.c.coop_id)
        .subquery("held")
    )
    return select(*[_cell(seg, w[1], held.c[f"w{windows.index(w)}"] == 1) for w, seg in cells]).select_from(
        held.join(COOP, COOP.c.id == held.c.coop_id)
    )


def registered_coops(session: Session, day: dt.date, kind: str = ANY, base: str = ANY, regency: str = ANY) -> int:
    """Active cooperatives of the segment with a BPJS registration running on `day`."""
    return CoopCounts(session).count("bpjs.registered_coops", (None, day), Segment(kind, base, regency))


def enrolled_people(session: Session, day: dt.date, kind: str = ANY, base: str = ANY, regency: str = ANY) -> int:
    """People with an enrollment running on `day` through an active cooperative of the segment."""
    N, C = ENROLLMENT, COOP
    stmt = (
        select(func.count(func.distinct(N.c.person_id)))
        .select_from(N.join(C, C.c.id == N.c.coop_id))
        .where(active_on(N.c.start_on, N.c.end_on, day), *_segment(kind, base, regency, day))
    )
    return _count(session, stmt)


def verified_people(session: Session, day: dt.date, kind: str = ANY, base: str = ANY, regency: str = ANY) -> int:
    """People of `enrolled_people` whose enrollment a BPJS participant list confirmed
    (`bpjs reconcile --apply`)."""
    N, C = ENROLLMENT, COOP
    stmt = (
        select(func.count(func.distinct(N.c.person_id)))
        .select_from(N.join(C, C.c.id == N.c.coop_id))
        .where(
            active_on(N.c.start_on, N.c.end_on, day),
            N.c.verified_on.is_not(None),
            *_segment(kind, base, regency, day),
        )
    )
    return _count(session, stmt)


def verification(session: Session, day: dt.date, regency: str = ANY) -> dict | None:
    """How much of the coverage on `day` BPJS lists confirmed, and the latest list (its date and
    file); None when no list ever confirmed an enrollment (one index probe)."""
    N = ENROLLMENT
    conn = session.connection()
    latest = conn.execute(select(func.max(N.c.verified_on))).scalar()
    if latest is None:
        return None
    by = conn.execute(select(N.c.verified_by).where(N.c.verified_on == latest).limit(1)).scalar()
    enrolled = enrolled_people(session, day, regency=regency)
    verified = verified_people(session, day, regency=regency)
    return {
        "as_of": day,
        "enrolled": enrolled,
        "verified": verified,
        "percent": percent(verified, enrolled),
        "latest_list_on": latest if isinstance(latest, dt.date) else dt.date.fromisoformat(str(latest)),
        "latest_list": by,
    }


def pkspkb_joined(
    session: Session, first: dt.date, last: dt.date, kind: str = ANY, base: str = ANY, regency: str = ANY
) -> int:
    """Active cooperatives of the segment that joined PKS-PKB between `first` and `last` inclusive."""
    return CoopCounts(session).count("pkspkb.joined", (first, last), Segment(kind, base, regency))


def pkspkb_members(session: Session, day: dt.date, kind: str = ANY, base: str = ANY, regency: str = ANY) -> int:
    """Active cooperatives of the segment whose PKS-PKB membership runs on `day`."""
    return CoopCounts(session).count("pkspkb.members", (None, day), Segment(kind, base, regency))


def pkspkb_joins_by_year(session: Session, last: dt.date, regency: str = ANY) -> list[dict]:
    """Named joins per year and base up to `last` (inclusive), from the records."""
    M, C = MEMBERSHIP, COOP
    year = func.extract("year", M.c.joined_on)
    stmt = (
        select(year.label("year"), C.c.base, func.count(func.distinct(M.c.coop_id)).label("n"))
        .select_from(M.join(C, C.c.id == M.c.coop_id))
        .where(M.c.joined_on <= last, *coop_where(regency=regency, active_on_day=last, by_id=True))
        .group_by(year, C.c.base)
        .order_by(year)
    )
    return [{"year": int(y), "base": b, "n": int(n)} for y, b, n in session.connection().execute(stmt)]


def pkspkb_first_join(session: Session, last: dt.date, regency: str = ANY) -> dt.date | None:
    """The earliest named join up to `last` (inclusive) of a cooperative of the regency active on
    `last` (the first year of `pkspkb_joins_by_year`): read from the joins in date order."""
    M, C = MEMBERSHIP, COOP
    stmt = (
        select(func.min(M.c.joined_on))
        .select_from(M.join(C, C.c.id == M.c.coop_id))
        .where(M.c.joined_on <= last, *coop_where(regency=regency, active_on_day=last, by_id=True))
    )
    first = session.connection().execute(stmt).scalar()
    return None if first is None else first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first))


def pkspkb_members_on(session: Session, day: dt.date, regency: str = ANY) -> list[dict]:
    """The active cooperatives in PKS-PKB on `day`, by date joined."""
    M, C, K = MEMBERSHIP, COOP, KEC
    stmt = (
        select(C.c.id, C.c.name, C.c.base, K.c.name, M.c.joined_on, M.c.agreement_no)
        .select_from(M.join(C, C.c.id == M.c.coop_id).join(K, K.c.code == C.c.kecamatan_code))
        .where(active_on(M.c.joined_on, M.c.left_on, day), *coop_where(regency=regency, active_on_day=day, by_id=True))
        .order_by(M.c.joined_on, C.c.name)
    )
    return [
        {"id": i, "name": n, "base": b, "kecamatan": k, "joined_on": j, "agreement_no": a}
        for i, n, b, k, j, a in session.connection().execute(stmt)
    ]


def coop_profile(session: Session, coop_id: int, as_of: dt.date) -> dict:
    """A cooperative's BPJS registrations, PKS-PKB memberships, coverage on `as_of`, and each
    person engaged that day with their enrollment through it (if any)."""
    R, M, N, E, PE = REGISTRATION, MEMBERSHIP, ENROLLMENT, ENGAGEMENT, PERSON
    conn = session.connection()
    regs = [
        dict(r)
        for r in conn.execute(
            select(R.c.registered_on, R.c.deregistered_on, R.c.npp, R.c.branch)
            .where(R.c.coop_id == coop_id)
            .order_by(R.c.registered_on)
        ).mappings()
    ]
    memberships = [
        dict(r)
        for r in conn.execute(
            select(M.c.joined_on, M.c.left_on, M.c.agreement_no).where(M.c.coop_id == coop_id).order_by(M.c.joined_on)
        ).mappings()
    ]
    per = per_coop(CoverageFilter(as_of=as_of, coop_id=coop_id))
    cov = conn.execute(select(per)).mappings().first()
    enrolled_now = (
        select(N.c.person_id, N.c.kpj, N.c.category, N.c.programmes, N.c.missing_programmes, N.c.start_on)
        .where(N.c.coop_id == coop_id, active_on(N.c.start_on, N.c.end_on, as_of))
        .subquery("n")
    )
    people = [
        dict(r)
        for r in conn.execute(
            select(
                PE.c.nik,
                PE.c.name,
                E.c.role,
                E.c.since,
                enrolled_now.c.kpj,
                enrolled_now.c.category,
                enrolled_now.c.programmes,
                enrolled_now.c.missing_programmes,
                enrolled_now.c.start_on.label("enrolled_on"),
            )
            .select_from(
                E.join(PE, PE.c.id == E.c.person_id).outerjoin(enrolled_now, enrolled_now.c.person_id == E.c.person_id)
            )
            .where(E.c.coop_id == coop_id, active_on(E.c.since, E.c.until, as_of))
            .order_by(E.c.role, PE.c.name)
        ).mappings()
    ]
    return {
        "as_of": as_of,
        "bpjs": {
            "registered": bool(cov and cov["registered_on"]),
            "registered_on": cov["registered_on"] if cov else None,
            "in_scope": int(cov["in_scope"]) if cov else 0,
            "enrolled": int(cov["enrolled"]) if cov else 0,
            "coverage": percent(int(cov["enrolled"]), int(cov["in_scope"])) if cov else None,
            "missing_programmes": int(cov["missing"]) if cov else 0,
            "state": cov["state"] if cov else "inactive",
            "registrations": regs,
        },
        "pkspkb": {
            "member": any(periods.contains(m["joined_on"], m["left_on"], as_of) for m in memberships),
            "memberships": memberships,
        },
        "people": people,
    }
