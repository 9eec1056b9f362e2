"""Every figure koptrack reports on a date, as a series over periods (`koptrack trend`).

The figures: each target metric (`bpjs.registered_coops`, `bpjs.enrolled_people`,
`pkspkb.joined`, `pkspkb.members`) for every cooperative and for each segment with a target in
the years shown; BPJS coverage (enrolled / in scope, per cent) for every cooperative and per
kind (`bpjs.coverage`) and per kecamatan (`bpjs.coverage_kecamatan`). PKS-PKB members are
`pkspkb.members`.

A period is a calendar month, quarter or year; its figure is the one on its last day (`as_of`),
or on the range's end (never after today) for the last, unfinished one. Each value equals what
`koptrack targets YEAR --as-of DAY` and `koptrack bpjs status --by kecamatan --as-of DAY` give
on that day, reported counts standing in exactly as there (the 2020 PKS-PKB figure stands for
2020).

`series()` gives the tidy series: one row per period, metric and segment, with the keys
`period, as_of, metric, segment, value, target, change`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, not_, or_, select, union_all
from sqlmodel import Session

from koptrack import i18n
from koptrack.core import targets as targets_core
from koptrack.core.coverage import scoped
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, COOP_KINDS, METRICS, ROLES
from koptrack.errors import ValidationError
from koptrack.i18n import N_, _, pgettext
from koptrack.report import Col, Record, Section, Tone, View, pct, percent
from koptrack.store.tables import (
    COOP,
    ENGAGEMENT,
    ENROLLMENT,
    INACTIVE,
    KEC,
    MEMBERSHIP,
    REGISTRATION,
    REPORTED,
    TARGET,
    in_regency,
)

# The series' metrics: the targets' four, then BPJS coverage per kind and per kecamatan.
COVERAGE = "bpjs.coverage"
COVERAGE_KECAMATAN = "bpjs.coverage_kecamatan"
TREND_METRICS = (*METRICS, COVERAGE, COVERAGE_KECAMATAN)
# Period lengths, and the words a person may type for them (English and Bahasa Indonesia).
EVERY = ("month", "quarter", "year")
EVERY_WORDS = {
    "month": "month",
    "months": "month",
    "monthly": "month",
    "bulan": "month",
    "bulanan": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "quarterly": "quarter",
    "triwulan": "quarter",
    "kuartal": "quarter",
    "year": "year",
    "years": "year",
    "yearly": "year",
    "tahun": "year",
    "tahunan": "year",
}
# Without `every`: the year-ends before the last year, then each month of the last year.
AUTO = "auto"


def parse_every(value: object) -> str:
    """`month|quarter|year` (or `bulan|triwulan|tahun`); empty or `auto`: the default mix."""
    s = "" if value is None else str(value).strip().lower()
    if s in ("", AUTO):
        return AUTO
    if s not in EVERY_WORDS:
        raise ValidationError("every", str(value), _("must be one of month, quarter, year (bulan, triwulan, tahun)"))
    return EVERY_WORDS[s]


def parse_metrics(values: Iterable[object] | None) -> list[str]:
    """The metrics asked for (every one when none): names of TREND_METRICS, each checked."""
    if not values:
        return list(TREND_METRICS)
    out: list[str] = []
    for value in values:
        for part in str(value).split(","):
            s = part.strip().lower()
            if not s:
                continue
            if s not in TREND_METRICS:
                raise ValidationError(
                    "metric", part.strip(), _("must be one of {choices}").format(choices=", ".join(TREND_METRICS))
                )
            if s not in out:
                out.append(s)
    return out or list(TREND_METRICS)


# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year; its figures are those of `as_of` (its last day, or
    the range's end for an unfinished one)."""

    every: str
    first: dt.date
    last: dt.date
    as_of: dt.date

    @property
    def label(self) -> str:
        """`2021-03`, `2021-Q1`, `2021`: the tidy rows' `period`, the same in every language."""
        if self.every == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.every == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return str(self.first.year)


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def _span(every: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the month, quarter or year holding `day`."""
    if every == "month":
        return day.replace(day=1), _month_end(day.year, day.month)
    if every == "quarter":
        m = (day.month - 1) // 3 * 3 + 1
        return dt.date(day.year, m, 1), _month_end(day.year, m + 2)
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


def periods(start: dt.date, end: dt.date, every: str, *, today: dt.date | None = None) -> list[Period]:
    """The periods from the one holding `start` to the one holding `end` (never past today).
    `every` month, quarter or year; `auto`: each year before `end`'s year (from `start`'s),
    then each month of `end`'s year."""
    today = today or dt.date.today()
    every = parse_every(every)
    end = min(end, today)
    if start > today:
        raise ValidationError(
            "from", i18n.date(start), _("is in the future (today is {today})").format(today=i18n.date(today))
        )
    if start > end:
        raise ValidationError("from", i18n.date(start), _("is after --to ({end})").format(end=i18n.date(end)))
    out: list[Period] = []
    day = start
    while day <= end:
        kind = every if every != AUTO else ("year" if day.year < end.year else "month")
        first, last = _span(kind, day)
        out.append(Period(kind, first, last, min(last, end)))
        day = last + dt.timedelta(days=1)
    return out


def parse_start(value: object, field: str = "from") -> dt.date | None:
    """`--from`: a year (`2021`: its first day), a month (`2021-03`, `03/2021`), or a date."""
    return _parse_bound(value, field, end=False)


def parse_end(value: object, field: str = "to") -> dt.date | None:
    """`--to`: a year (`2021`: its last day), a month (`2021-03`: its last day), or a date."""
    return _parse_bound(value, field, end=True)


def _parse_bound(value: object, field: str, *, end: bool) -> dt.date | None:
    s = "" if value is None else str(value).strip()
    if not s:
        return None
    if s.isdigit() and len(s) == 4:
        y = validate.parse_year(s, field)
        return dt.date(y, 12, 31) if end else dt.date(y, 1, 1)
    for sep in ("-", "/", "."):
        parts = s.split(sep)
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            year, month = (parts[0], parts[1]) if len(parts[0]) == 4 else (parts[1], parts[0])
            if len(year) == 4 and 1 <= int(month) <= 12:
                y = validate.parse_year(year, field)
                return _month_end(y, int(month)) if end else dt.date(y, int(month), 1)
    return validate.parse_date(s, field)


def first_year(session: Session, regency: object = None) -> int | None:
    """The earliest year of a BPJS registration or enrollment, a PKS-PKB membership, a target
    or a reported count (of the regency, for the targets and counts): where a default trend
    starts. None on an empty database."""
    reg = validate.parse_regency(regency)
    conn = session.connection()
    days = [
        conn.execute(select(func.min(REGISTRATION.c.registered_on))).scalar(),
        conn.execute(select(func.min(ENROLLMENT.c.start_on))).scalar(),
        conn.execute(select(func.min(MEMBERSHIP.c.joined_on))).scalar(),
    ]
    years = [d.year if isinstance(d, dt.date) else int(str(d)[:4]) for d in days if d is not None]
    for table in (TARGET, REPORTED):
        stmt = select(func.min(table.c.year))
        if reg:
            stmt = stmt.where(table.c.regency == reg)
        y = conn.execute(stmt).scalar()
        if y is not None:
            years.append(int(y))
    return min(years) if years else None


def default_range(session: Session, regency: object = None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The default trend: from 1 January of the first year with data (`first_year`; this year
    on an empty database) to today."""
    today = today or dt.date.today()
    year = first_year(session, regency) or today.year
    return dt.date(min(year, today.year), 1, 1), today


# --- series -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One line of figures: a metric in a segment (kind, base, regency; or one kecamatan)."""

    metric: str
    kind: str = ANY
    base: str = ANY
    regency: str = ANY
    kecamatan_code: str | None = None
    kecamatan: str | None = None

    @property
    def segment(self) -> str:
        """`all`, `ksp`, `ksp/karyawan (32.15)` (as targets name segments); a kecamatan's
        series: `Klari (32.15.05)`."""
        if self.kecamatan_code is not None:
            return f"{self.kecamatan} ({self.kecamatan_code})"
        return targets_core.segment_label(self.kind, self.base, self.regency)


@dataclass
class Trend:
    """The periods, the series, their values per period (None: no figure), the targets per
    period where a target exists, and the warnings of reported counts the records contradict."""

    periods: list[Period]
    series: list[Series]
    values: dict[Series, list[Any]]
    targets: dict[Series, list[int | None]]
    warnings: list[str] = field(default_factory=list)
    reported: bool = False  # a reported count stands in one of the figures

    def rows(self) -> list[dict]:
        """The tidy series: one row per series and period (series after series, periods in
        order); `change` is the value minus the previous period's (None for the first, or
        when either is None)."""
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[dict]:
        """The rows of `rows()`, made one at a time (--json and --csv write them as they come)."""
        for s in self.series:
            values, goals = self.values[s], self.targets[s]
            for i, p in enumerate(self.periods):
                yield {
                    "period": p.label,
                    "as_of": p.as_of,
                    "metric": s.metric,
                    "segment": s.segment,
                    "value": values[i],
                    "target": goals[i],
                    "change": change(values[i - 1], values[i]) if i else None,
                }


def change(before: Any, now: Any) -> Any:
    if before is None or now is None:
        return None
    if isinstance(now, float) or isinstance(before, float):
        return round(now - before, 1)
    return now - before


def _targets(session: Session, years: range, regency: str | None) -> dict[tuple, int]:
    """(year, metric, kind, base, regency) -> the target, for the years (of the regency)."""
    T = TARGET
    stmt = select(T.c.year, T.c.metric, T.c.kind, T.c.base, T.c.regency, T.c.value).where(
        T.c.year >= years.start, T.c.year < years.stop
    )
    if regency:
        stmt = stmt.where(T.c.regency == regency)
    return {tuple(r[:5]): int(r[5]) for r in session.connection().execute(stmt)}


def _kecamatan(session: Session, regency: str | None) -> list[tuple[str, str]]:
    """(code, name) of every kecamatan with a cooperative (of the regency), by name."""
    C, K = COOP, KEC
    stmt = select(K.c.code, K.c.name).where(select(C.c.id).where(C.c.kecamatan_code == K.c.code).exists())
    if regency:
        stmt = stmt.where(in_regency(K.c.code, regency))
    return [(c, n) for c, n in session.connection().execute(stmt.order_by(K.c.name, K.c.code))]


def plan(
    session: Session, periods_: list[Period], regency: str | None, metrics: list[str]
) -> tuple[list[Series], dict[tuple, int]]:
    """The series to compute, in the order they are shown, and the targets of their years."""
    reg = regency or ANY
    years = range(periods_[0].as_of.year, periods_[-1].as_of.year + 1)
    goals = _targets(session, years, regency)
    out: list[Series] = []
    for metric in METRICS:
        if metric not in metrics:
            continue
        out.append(Series(metric, regency=reg))
        for _y, m, kind, base, r in sorted(goals, key=lambda k: (k[4], k[1], k[2], k[3], k[0])):
            s = Series(m, kind, base, r)
            if m == metric and s not in out:
                out.append(s)
    if COVERAGE in metrics:
        out += [Series(COVERAGE, regency=reg)] + [Series(COVERAGE, kind=k, regency=reg) for k in COOP_KINDS]
    if COVERAGE_KECAMATAN in metrics:
        out += [
            Series(COVERAGE_KECAMATAN, regency=reg, kecamatan_code=code, kecamatan=name)
            for code, name in _kecamatan(session, regency)
        ]
    return out, goals


def compute(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    every: str,
    regency: object = None,
    metrics: list[str] | None = None,
    today: dt.date | None = None,
) -> Trend:
    """The trend: periods, series, values, targets and warnings (`series()` gives its rows)."""
    reg = validate.parse_regency(regency)
    wanted = parse_metrics(metrics)
    ps = periods(start, end, every, today=today)
    series_, goals = plan(session, ps, reg, wanted)
    values, warnings, reported_used = _values(session, series_, ps, reg)
    target_values = {
        s: [goals.get((p.as_of.year, s.metric, s.kind, s.base, s.regency)) if s.metric in METRICS else None for p in ps]
        for s in series_
    }
    return Trend(ps, series_, values, target_values, warnings, reported_used)


def series(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    every: str,
    regency: object = None,
    metrics: list[str] | None = None,
) -> list[dict]:
    """The tidy series, one row per period, metric and segment: `period` (`2021-03`,
    `2021-Q1`, `2021`), `as_of` (the day its figures are for), `metric`, `segment`, `value`
    (a count; a percentage for coverage, None when nobody is in scope), `target` (that year's,
    or None), `change` (since the previous period). `every`: month, quarter, year (bulan,
    triwulan, tahun) or `auto` (year-ends, then the months of the last year)."""
    return compute(session, start=start, end=end, every=every, regency=regency, metrics=metrics).rows()


# --- values: every period at once, one pass over each table -----------------------------------
#
# The days the figures are for (each period's as_of, and the year-ends a reported PKS-PKB count
# needs) go into the query itself, as a CASE that finds a date's place among them by halves:
# each row of a period table (registrations, enrollments, memberships, engagements) is read
# once, and becomes a run of days [a, b): a the first day on or after its start, b the first day
# on or after its end (half-open, as store/tables.active_on). The database counts the rows per
# group of cooperatives (kind, base and regency for the targets' metrics; kind and kecamatan for
# coverage) and run; the runs are summed day by day here (a difference array).
#
# Two kinds of rows are counted apart, so that every figure is exactly the day's own:
# - those of a cooperative with a period of inactivity (coop_inactive): per cooperative, its
#   days of inactivity left out (a report counts only cooperatives active on its day);
# - those of a subject with more than one period in the table (a cooperative registered twice, a
#   person enrolled through two cooperatives, a person engaged twice): per subject, counted once
#   on a day however many of its periods hold it (the reports count distinct subjects).

Group = tuple[str, ...]
Segment = tuple[str, str, str]  # kind, base, regency (`any` for every one)


class _Days:
    """The days figures are computed for, sorted, and where a date falls among them."""

    def __init__(self, days: Iterable[dt.date]) -> None:
        self.days = sorted(set(days))
        self.n = len(self.days)
        self.index = {d: i for i, d in enumerate(self.days)}

    def bucket(self, x: Any) -> Any:
        """SQL: the index of the first day on or after `x` (n when none, or `x` NULL): a row
        starting on `x` holds from that day, one ending on `x` no longer holds on it."""
        return _search(x, self.days)

    def next_year(self, x: Any) -> Any:
        """SQL: the index of the first day in a later year than `x` (n when none)."""
        return _search(x, [dt.date(d.year - 1, 12, 31) for d in self.days])


def _search(x: Any, bounds: list[dt.date]) -> Any:
    """The first i with x <= bounds[i] (len(bounds) when none, or `x` NULL), as a CASE: most
    periods began before the first day or are still running, so those two are asked first,
    then the place among the days by halves (log2(n) comparisons)."""

    def halves(lo: int, hi: int) -> Any:
        if lo == hi:
            return literal(lo)
        mid = (lo + hi) // 2
        return case((x <= literal(bounds[mid], Date), halves(lo, mid)), else_=halves(mid + 1, hi))

    n = len(bounds)
    return case((x.is_(None), literal(n)), (x <= literal(bounds[0], Date), literal(0)), else_=halves(1, n))


class _Acc:
    """Figures per group and day, added as runs of days."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.diff: dict[Any, list[int]] = {}

    def run(self, group: Any, a: int, b: int, k: int = 1) -> None:
        if a < b and k:
            d = self.diff.get(group)
            if d is None:
                d = self.diff[group] = [0] * (self.n + 1)
            d[a] += k
            d[b] -= k

    def days(self, group: Any, values: list[int]) -> None:
        for i, v in enumerate(values):
            self.run(group, i, i + 1, v)

    def result(self) -> dict[Any, list[int]]:
        out = {}
        for group, d in self.diff.items():
            total, values = 0, []
            for i in range(self.n):
                total += d[i]
                values.append(total)
            out[group] = values
        return out


def _inactive(session: Session, days: _Days, where: list[Any]) -> dict[int, list[bool]]:
    """Cooperatives inactive on one of the days: per day, whether active."""
    Q, C = INACTIVE, COOP
    q = (
        select(Q.c.coop_id.label("coop"), days.bucket(Q.c.since).label("a"), days.bucket(Q.c.until).label("b"))
        .select_from(Q.join(C, C.c.id == Q.c.coop_id))
        .where(*where)
        .subquery("inactive")
    )
    out: dict[int, list[bool]] = {}
    for coop_id, a, b in session.connection().execute(select(q.c.coop, q.c.a, q.c.b).where(q.c.a < q.c.b)):
        active = out.setdefault(coop_id, [True] * days.n)
        for i in range(a, b):
            active[i] = False
    return out


def _merged(runs: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The days any of the runs holds, as runs of 1 (a subject counted once a day)."""
    out: list[tuple[int, int, int]] = []
    for a, b, _k in sorted(runs):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b, 1)
        else:
            out.append((a, b, 1))
    return out


def _add(acc: _Acc, group: Any, runs: Iterable[tuple[int, int, int]], mask: list[bool] | None) -> None:
    """Add the runs to the group, but for the days the cooperative was inactive (`mask`)."""
    for a, b, k in runs:
        if mask is None:
            acc.run(group, a, b, k)
            continue
        i = a
        while i < b:
            if not mask[i]:
                i += 1
                continue
            j = i
            while j < b and mask[j]:
                j += 1
            acc.run(group, i, j, k)
            i = j


def _tally(
    session: Session,
    days: _Days,
    inactive: dict[int, list[bool]],
    source: Any,
    start: Any,
    end: Any,
    keys: list[Any],
    where: list[Any],
    *,
    coop: Any,
    subject: Any,
    multi: tuple[Any, Any] | None,
    b: Any = None,
    apart: list[tuple[Any, int, Group, int, int]] | None = None,
) -> _Acc:
    """Per group and day, the subjects (of one cooperative each: the cooperative itself, a
    person in scope of it, an enrollment) with a row of `source` holding the day (from `start`,
    until `end`: half-open), through a cooperative active that day. `coop` is the
    cooperative's id column. `multi` (a column, and a query of its values found in more than
    one row): the subjects whose rows are counted once a day however many of them hold it.
    With `apart`, those rows are put there as (subject, coop_id, group, a, b) instead, for
    the caller to count. `b`: the runs' end as an index of the days, in place of `end`'s.

    Two statements. The rows holding every day (most of them) are counted per cooperative, in
    the order the database reads them (no sorting); the others become runs of days, grouped.
    """
    n = days.n
    acc = _Acc(n)
    in_inactive = coop.in_(select(INACTIVE.c.coop_id))
    a = days.bucket(start)
    always = None
    if b is None:
        b = days.bucket(end)
        always = and_(start <= literal(days.days[0], Date), or_(end.is_(None), end > literal(days.days[-1], Date)))
        per_coop = (
            select(coop.label("coop"), *[k.label(f"k{i}") for i, k in enumerate(keys)], func.count().label("n"))
            .select_from(source)
            .where(*where, always)
            .group_by(coop)
            .subquery("held")
        )
        ks = [per_coop.c[f"k{i}"] for i in range(len(keys))]
        odd = case((per_coop.c.coop.in_(select(INACTIVE.c.coop_id)), per_coop.c.coop))
        stmt = select(odd, *ks, func.sum(per_coop.c.n)).group_by(odd, *ks)
        for row in session.connection().execute(stmt):
            coop_id, held, total = row[0], tuple(row[1:-1]), int(row[-1])
            _add(acc, held, [(0, n, total)], inactive.get(coop_id) if coop_id is not None else None)
    # the other rows (and every row of a subject counted once, whose rows holding every day the
    # count above has in it: taken back below): 0 counted per group; 1 of a cooperative with a
    # period of inactivity; 2 of a subject with more than one row
    rest_where = [*where] if always is None else [*where, not_(always)]
    members = []
    columns = [coop.label("coop"), subject.label("subject"), *[k.label(f"k{i}") for i, k in enumerate(keys)]]
    if multi is None:
        members.append(select(case((in_inactive, 1), else_=0).label("path"), *columns, a.label("a"), b.label("b")))
        members[-1] = members[-1].select_from(source).where(*rest_where)
    else:
        column, values = multi
        found = values.cte("more_than_once")
        members.append(
            select(case((in_inactive, 1), else_=0).label("path"), *columns, a.label("a"), b.label("b"))
            .select_from(source)
            # NOT EXISTS, not NOT IN: PostgreSQL makes it an anti-join whatever the list's size
            .where(*rest_where, ~select(found.c[0]).where(found.c[0] == column).exists())
        )
        members.append(
            select(literal(2).label("path"), *columns, a.label("a"), b.label("b"))
            .select_from(source)
            .where(*where, column.in_(select(found.c[0])))
        )
    # every expression computed once a row: OFFSET 0 keeps the database from merging this
    # query into the one that groups its rows (and repeating the expressions there)
    union = members[0] if len(members) == 1 else union_all(*members)
    q = union.offset(0).subquery("runs")
    cols = [
        q.c.path,
        case((q.c.path > 0, q.c.coop)),
        case((q.c.path == 2, q.c.subject)),
        *[q.c[f"k{i}"] for i in range(len(keys))],
        q.c.a,
        q.c.b,
    ]
    stmt = select(*cols, func.count()).where(q.c.a < q.c.b).group_by(*cols)
    per: dict[tuple[Any, int], tuple[Group, list[tuple[int, int, int]]]] = {}
    group: Group
    for row in session.connection().execute(stmt):
        kind, coop_id, subject_id = row[0], row[1], row[2]
        group = tuple(row[3:-3])
        a_, b_, k = row[-3], row[-2], row[-1]
        if kind == 0:
            acc.run(group, a_, b_, k)
        elif kind == 1:
            _add(acc, group, [(a_, b_, k)], inactive.get(coop_id))
        else:
            if always is not None and a_ == 0 and b_ == n:  # counted above
                _add(acc, group, [(0, n, -k)], inactive.get(coop_id))
            if apart is not None:
                apart.extend([(subject_id, coop_id, group, a_, b_)] * k)
            else:
                per.setdefault((subject_id, coop_id), (group, []))[1].append((a_, b_, k))
    for (_s, coop_id), (group, runs) in per.items():
        _add(acc, group, _merged(runs), inactive.get(coop_id))
    return acc


def _more_than_once(column: Any, table: Any) -> tuple[Any, Any]:
    """`column` (of `table`'s rows), and a query of its values found in more than one row."""
    other = table.alias(f"{table.name}_again")
    return column, select(other.c[column.name]).group_by(other.c[column.name]).having(func.count() > 1)


def _enrolled_people(
    session: Session,
    days: _Days,
    inactive: dict[int, list[bool]],
    keys: list[Any],
    where: list[Any],
    segments: Iterable[Segment],
    full: Any,
) -> tuple[dict[Group, list[int]], dict[Segment, list[int]]]:
    """People with an enrollment holding the day through an active cooperative, per group and
    day. A person enrolled more than once counts once a day: in their group when all the
    enrollments holding the day are in one group; else once per segment (the second result)."""
    N, C = ENROLLMENT, COOP
    source = N.join(C, C.c.id == N.c.coop_id)
    multi = _more_than_once(N.c.person_id, ENROLLMENT)
    rows_apart: list[tuple[Any, int, Group, int, int]] = []
    acc = _tally(
        session,
        days,
        inactive,
        source,
        N.c.start_on,
        N.c.end_on,
        keys,
        where,
        coop=C.c.id,
        subject=N.c.person_id,
        multi=multi,
        apart=rows_apart,
    )
    per: dict[int, list[tuple[int, Group, int, int]]] = {}
    for person_id, coop_id, group, a_, b_ in rows_apart:
        per.setdefault(person_id, []).append((coop_id, group, a_, b_))
    combos: dict[tuple[int, frozenset[Group]], int] = {}
    for rows in per.values():
        groups = {g for _c, g, _a, _b in rows}
        if len(groups) == 1 and all(inactive.get(c) is None for c, _g, _a, _b in rows):
            _add(acc, rows[0][1], _merged([(a_, b_, 1) for _c, _g, a_, b_ in rows]), None)
            continue
        held: list[set[Group]] = [set() for _ in range(days.n)]
        for coop_id, group, a_, b_ in rows:
            mask = inactive.get(coop_id)
            for i in range(a_, b_):
                if mask is None or mask[i]:
                    held[i].add(group)
        for i, day_groups in enumerate(held):
            if len(day_groups) == 1:
                acc.run(next(iter(day_groups)), i, i + 1)
            elif day_groups:
                key = (i, frozenset(day_groups))
                combos[key] = combos.get(key, 0) + 1
    direct: dict[Segment, list[int]] = {}
    for seg in segments:
        counts = [0] * days.n
        for (i, gs), k in combos.items():
            if any(_holds(seg, full(g)) for g in gs):
                counts[i] += k
        direct[seg] = counts
    return {full(g): figures for g, figures in acc.result().items()}, direct


def _holds(seg: Segment, group: Group) -> bool:
    """The segment (kind, base, regency) holds the cooperatives of the group (kind, base, regency)."""
    return all(s in (ANY, g) for s, g in zip(seg, group, strict=True))


def _coverage(
    session: Session, days: _Days, inactive: dict[int, list[bool]], keys: list[Any], where: list[Any]
) -> tuple[dict[Group, list[int]], dict[Group, list[int]]]:
    """People in scope and enrolled (as coverage.per_coop counts them) per group and day, over
    the cooperatives active that day."""
    E, N, C = ENGAGEMENT, ENROLLMENT, COOP
    # a person engaged more than once may be in scope of a cooperative through two engagements
    # at once (a producer cooperative's employee and member): counted once a day
    multi = _more_than_once(E.c.person_id, ENGAGEMENT)
    scope = scoped(C.c.kind, E.c.role)
    in_scope = _tally(
        session,
        days,
        inactive,
        E.join(C, C.c.id == E.c.coop_id),
        E.c.since,
        E.c.until,
        keys,
        [*where, scope],
        coop=C.c.id,
        subject=E.c.person_id,
        multi=multi,
    )
    # an enrollment counts on the days an engagement in scope with its cooperative holds too
    start = case((N.c.start_on >= E.c.since, N.c.start_on), else_=E.c.since)
    end = case(
        (N.c.end_on.is_(None), E.c.until),
        (E.c.until.is_(None), N.c.end_on),
        (N.c.end_on <= E.c.until, N.c.end_on),
        else_=E.c.until,
    )
    enrolled = _tally(
        session,
        days,
        inactive,
        N.join(C, C.c.id == N.c.coop_id).join(
            # the roles spelled out (every role is one of them) let the database find the
            # engagement in its covering index (coop_id, role, person_id, ...) before it knows
            # the cooperative's kind
            E,
            and_(E.c.coop_id == N.c.coop_id, E.c.person_id == N.c.person_id, E.c.role.in_(ROLES)),
        ),
        start,
        end,
        keys,
        [*where, scope],
        coop=C.c.id,
        subject=N.c.id,
        multi=multi,
    )
    return in_scope.result(), enrolled.result()


@dataclass(frozen=True)
class _Reported:
    year: int
    metric: str
    kind: str
    base: str
    regency: str
    value: int

    @property
    def segment(self) -> Segment:
        return (self.kind, self.base, self.regency)


def _within(rc: _Reported, seg: Segment) -> bool:
    """A reported count's segment lies inside `seg` (targets._reported_within)."""
    kind, base, regency = seg
    return (
        (regency == ANY or rc.regency == regency)
        and (kind == ANY or rc.kind == kind)
        and (base == ANY or rc.base == base)
    )


def _covers(outer: _Reported, inner: _Reported) -> bool:
    return all(o in (ANY, i) for o, i in zip(outer.segment, inner.segment, strict=True))


STAND_IN_WARNING = N_("{year} {metric} {segment}: records give {named}, the office report said {reported}")


class _Records:
    """The named records' figures of the targets' metrics, per segment and day, from the groups'
    counts (and the people counted apart), with reported counts standing in as targets.actual
    does."""

    def __init__(
        self,
        days: _Days,
        groups: dict[str, dict[Group, list[int]]],
        direct: dict[str, dict[Segment, list[int]]],
        reported: list[_Reported],
    ) -> None:
        self.days = days
        self.groups = groups
        self.direct = direct
        self.reported = reported
        self._cache: dict[tuple[str, Segment], list[int]] = {}
        self._by_regency: dict[str, dict[str, list[Group]]] = {}

    def named(self, metric: str, seg: Segment) -> list[int]:
        """The records' figure per day (targets._records; for pkspkb.joined: joins from 1
        January of the day's year to the day)."""
        key = (metric, seg)
        if key not in self._cache:
            groups = self.groups[metric]
            if seg[2] == ANY:
                candidates: Iterable[Group] = groups
            else:
                if metric not in self._by_regency:
                    index: dict[str, list[Group]] = {}
                    for g in groups:
                        index.setdefault(g[2], []).append(g)
                    self._by_regency[metric] = index
                candidates = self._by_regency[metric].get(seg[2], [])
            total = [0] * self.days.n
            for g in candidates:
                if _holds(seg, g):
                    for i, v in enumerate(groups[g]):
                        total[i] += v
            extra = self.direct.get(metric, {}).get(seg)
            if extra:
                total = [t + e for t, e in zip(total, extra, strict=True)]
            self._cache[key] = total
        return self._cache[key]

    def joined_in_year(self, year: int, seg: Segment) -> int:
        """Named PKS-PKB joins of the whole year (active cooperatives at its end)."""
        return self.named("pkspkb.joined", seg)[self.days.index[dt.date(year, 12, 31)]]

    def actual(self, metric: str, day: dt.date, seg: Segment) -> tuple[int, list[str], bool]:
        """targets.actual(metric, day.year, day, *seg): the value, its warnings, and whether a
        reported count stands in it."""
        from koptrack.core.coops import said

        i = self.days.index[day]
        value = records = self.named(metric, seg)[i]
        warnings: list[str] = []
        counted: list[_Reported] = []

        def stand_in(rc: _Reported, records_metric: str) -> bool:
            nonlocal value
            if records_metric == "pkspkb.joined":
                named = self.joined_in_year(rc.year, rc.segment)
            else:
                named = self.named(records_metric, rc.segment)[i]
            if named == 0:
                value += rc.value
                return rc.value > 0
            if named != rc.value:
                warnings.append(
                    said(
                        STAND_IN_WARNING,
                        year=rc.year,
                        metric=records_metric,
                        segment=targets_core.segment_said(*rc.segment),
                        named=named,
                        reported=rc.value,
                    )
                )
            return False

        for rc in self.reported:
            if rc.metric == metric and rc.year == day.year and _within(rc, seg) and stand_in(rc, metric):
                counted.append(rc)
        if metric == "pkspkb.members":
            for rc in self.reported:
                if rc.metric == "pkspkb.joined" and rc.year <= day.year and _within(rc, seg):
                    if not any(_covers(m, rc) for m in counted):
                        stand_in(rc, "pkspkb.joined")
        return value, warnings, value != records


def _reported(session: Session, regency: str | None) -> list[_Reported]:
    R = REPORTED
    stmt = select(R.c.year, R.c.metric, R.c.kind, R.c.base, R.c.regency, R.c.value)
    if regency:
        stmt = stmt.where(R.c.regency == regency)
    stmt = stmt.order_by(R.c.year, R.c.kind, R.c.base)
    return [_Reported(int(y), m, k, b, r, int(v)) for y, m, k, b, r, v in session.connection().execute(stmt)]


def _values(
    session: Session, series_: list[Series], periods_: list[Period], regency: str | None
) -> tuple[dict[Series, list[Any]], list[str], bool]:
    """Each series' value per period, the warnings of reported counts the records contradict,
    and whether a reported count stands in any figure."""
    C, R, M = COOP, REGISTRATION, MEMBERSHIP
    wanted = {s.metric for s in series_}
    reported = [rc for rc in _reported(session, regency) if rc.metric in METRICS]
    joined_years = {rc.year for rc in reported if rc.metric == "pkspkb.joined"}
    extra = [dt.date(y, 12, 31) for y in joined_years] if wanted & {"pkspkb.joined", "pkspkb.members"} else []
    days = _Days([p.as_of for p in periods_] + extra)
    where = [in_regency(C.c.kecamatan_code, regency)] if regency else []
    inactive = _inactive(session, days, where)
    values: dict[Series, list[Any]] = {}
    warnings: list[str] = []
    reported_used = False

    target_series = [s for s in series_ if s.metric in METRICS]
    if target_series:
        # the segments each metric is asked for: its series', and those of the reported counts
        # that may stand in it (a reported PKS-PKB join stands in the members too)
        needed: dict[str, set[Segment]] = {m: set() for m in METRICS}
        for s in target_series:
            needed[s.metric].add((s.kind, s.base, s.regency))
        for rc in reported:
            needed[rc.metric].add(rc.segment)
        needed["pkspkb.joined"] |= {rc.segment for rc in reported if rc.metric == "pkspkb.joined"}
        groups: dict[str, dict[Group, list[int]]] = {}
        direct: dict[str, dict[Segment, list[int]]] = {}

        def grouped(metric: str) -> tuple[list[Any], Any]:
            """The columns a metric's rows are grouped by (only the kind, base or regency one of
            its segments asks for), and a function giving a group as (kind, base, regency)."""
            columns = [C.c.kind, C.c.base, func.substr(C.c.kecamatan_code, 1, 5)]
            used = [any(seg[i] != ANY for seg in needed[metric]) for i in range(3)]
            keys = [c for c, u in zip(columns, used, strict=True) if u]

            def full(group: Group) -> Group:
                values = iter(group)
                return tuple(next(values) if u else ANY for u in used)

            return keys, full

        def tallied(acc: _Acc, full: Any) -> dict[Group, list[int]]:
            return {full(g): figures for g, figures in acc.result().items()}

        if "bpjs.registered_coops" in wanted:
            keys, full = grouped("bpjs.registered_coops")
            groups["bpjs.registered_coops"] = tallied(
                _tally(
                    session,
                    days,
                    inactive,
                    R.join(C, C.c.id == R.c.coop_id),
                    R.c.registered_on,
                    R.c.deregistered_on,
                    keys,
                    where,
                    coop=C.c.id,
                    subject=C.c.id,
                    multi=_more_than_once(R.c.coop_id, REGISTRATION),
                ),
                full,
            )
        if "bpjs.enrolled_people" in wanted:
            keys, full = grouped("bpjs.enrolled_people")
            groups["bpjs.enrolled_people"], direct["bpjs.enrolled_people"] = _enrolled_people(
                session, days, inactive, keys, where, needed["bpjs.enrolled_people"], full
            )
        if wanted & {"pkspkb.joined", "pkspkb.members"}:
            multi = _more_than_once(M.c.coop_id, MEMBERSHIP)
            source = M.join(C, C.c.id == M.c.coop_id)
            for metric in ("pkspkb.joined", "pkspkb.members"):
                if metric == "pkspkb.members" and metric not in wanted:
                    continue
                keys, full = grouped(metric)
                # joins count within the day's year: a run to the first day of a later year
                b = days.next_year(M.c.joined_on) if metric == "pkspkb.joined" else None
                acc = _tally(
                    session,
                    days,
                    inactive,
                    source,
                    M.c.joined_on,
                    M.c.left_on,
                    keys,
                    where,
                    coop=C.c.id,
                    subject=C.c.id,
                    multi=multi,
                    b=b,
                )
                groups[metric] = tallied(acc, full)
        records = _Records(days, groups, direct, reported)
        for s in target_series:
            values[s] = []
            for p in periods_:
                value, said_, stood_in = records.actual(s.metric, p.as_of, (s.kind, s.base, s.regency))
                values[s].append(value)
                reported_used |= stood_in
                warnings += [w for w in said_ if w not in warnings]

    coverage_series = [s for s in series_ if s.metric not in METRICS]
    if coverage_series:
        # grouped by kind and by kecamatan, as far as the series ask for them
        by_kind = any(s.metric == COVERAGE for s in coverage_series)
        by_kecamatan = any(s.kecamatan_code for s in coverage_series)
        keys = [C.c.kind] * by_kind + [C.c.kecamatan_code] * by_kecamatan
        in_scope, enrolled = _coverage(session, days, inactive, keys, where)
        # every day's sums over all, per kind and per kecamatan, from the groups' figures
        n = days.n
        totals: dict[tuple[str, str | None], tuple[list[int], list[int]]] = {}
        for figures, j in ((in_scope, 0), (enrolled, 1)):
            for g, per_day in figures.items():
                kind, kecamatan = (g[0] if by_kind else ANY), (g[-1] if by_kecamatan else None)
                for key in {(ANY, None), (kind, None), (ANY, kecamatan)}:
                    sums = totals.setdefault(key, ([0] * n, [0] * n))[j]
                    for i, v in enumerate(per_day):
                        sums[i] += v
        for s in coverage_series:
            scope_sum, enrolled_sum = totals.get((s.kind, s.kecamatan_code), ([0] * n, [0] * n))
            values[s] = [percent(enrolled_sum[days.index[p.as_of]], scope_sum[days.index[p.as_of]]) for p in periods_]
    return values, warnings, reported_used


# --- the report (koptrack trend) ----------------------------------------------------------------

# --json and --csv: the tidy series, one row per period, metric and segment.
TIDY_COLUMNS = [
    Col("period", N_("Period")),
    Col("as_of", N_("As of"), no_wrap=True),
    Col("metric", N_("Metric")),
    Col("segment", N_("Segment")),
    Col("value", N_("Value"), "right"),
    Col("target", N_("Target"), "right"),
    Col("change", N_("Change"), "right"),
]
SPARK = "▁▂▃▄▅▆▇█"
SPARK_PERIODS = 24  # a sparkline of the last 24 periods at most (two years of months)


def sparkline(values: Any) -> str:
    """`▁▂▄▇`: each value's height between the row's lowest and highest (a blank for none; all
    at mid height when they are equal)."""
    values = list(values)[-SPARK_PERIODS:]
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    top = len(SPARK) - 1
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif high == low:
            out.append(SPARK[top // 2])
        else:
            out.append(SPARK[round((v - low) / (high - low) * top)])
    return "".join(out)


def period_title(p: Period) -> str:
    """A period as a column header: `2021-03` / `Mar 2021`, `2021-Q1` / `TW1 2021`, `2021`."""
    if p.every == "month":
        if i18n.language() == "en":
            return p.label
        from babel.dates import format_date

        return format_date(p.first, "MMM y", locale="id_ID")
    if p.every == "quarter":
        return _("{year}-Q{quarter}").format(year=p.first.year, quarter=(p.first.month - 1) // 3 + 1)
    return p.label


def _signed(value: Any) -> str:
    """A change: `+3`, `-2`, `0`; `+1.5` (percentage points) for coverage."""
    if value is None:
        return ""
    text = i18n.number(abs(value), 1 if isinstance(value, float) else None)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def _change_tone(value: Any) -> Tone | None:
    return "good" if value and value > 0 else "warn" if value and value < 0 else None


class _TargetLine(str):
    """The label of a row of targets (shown dim)."""


SECTION_TITLES = {
    "targets": N_("The targets' figures"),
    COVERAGE: N_("BPJS coverage by kind (enrolled / in scope)"),
    COVERAGE_KECAMATAN: N_("BPJS coverage by kecamatan (enrolled / in scope)"),
}
TARGET_LINE = N_("target")
REPORTED_NOTE = N_(
    "reported count: a figure from an office report without names, standing in until named records exist"
)


def _measure(s: Series) -> str:
    from koptrack.core.targets import METRIC_LABELS, segment_words

    if s.metric == COVERAGE:
        return pgettext("segment", "all") if s.kind == ANY else s.kind
    if s.metric == COVERAGE_KECAMATAN:
        return s.segment
    label = _(METRIC_LABELS[s.metric])
    if s.segment != "all":
        label = _("{measure}: {segment}").format(measure=label, segment=segment_words(s.segment))
    return label


def _section(title: str, t: Trend, series_: list[Series], percentages: bool) -> Section:
    n = len(t.periods)
    value_fmt = pct if percentages else i18n.number
    columns = [Col("measure", N_("Measure"), wrap=True, tone=lambda v: "muted" if isinstance(v, _TargetLine) else None)]
    for i, p in enumerate(t.periods):
        # at a narrow terminal the oldest periods make room first
        columns.append(Col(f"p{i}", period_title(p), "right", fmt=value_fmt, drop=n - i - 1, no_wrap=True))
    columns += [
        Col("spark", N_("Trend"), fmt=sparkline, no_wrap=True),
        Col("change", N_("Change"), "right", fmt=_signed, tone=_change_tone, no_wrap=True),
    ]

    def rows() -> Iterator[dict]:
        for s in series_:
            values = t.values[s]
            row: dict[str, Any] = {"measure": _measure(s), "spark": values}
            row |= {f"p{i}": v for i, v in enumerate(values)}
            row["change"] = change(values[-2], values[-1]) if n > 1 else None
            yield row
            goals = t.targets[s]
            if any(g is not None for g in goals):
                line: dict[str, Any] = {"measure": _TargetLine("  " + _(TARGET_LINE))}
                yield line | {f"p{i}": g for i, g in enumerate(goals)}

    return Section(title, columns, rows(), empty=_("nothing to show"))


def view(
    session: Session,
    *,
    start: object = None,
    end: object = None,
    every: object = None,
    regency: object = None,
    metrics: list[str] | None = None,
    fmt: str = "table",
    today: dt.date | None = None,
) -> View:
    """`koptrack trend`: the figures per period (a table per kind of figure, with a sparkline,
    the target lines and the change since the previous period); --json and --csv: the tidy
    series. Without `start`: from the first year with data; without `end`: today."""
    today = today or dt.date.today()
    first, last = parse_start(start), parse_end(end)
    if first is None:
        first = default_range(session, regency, today=today)[0]
        if last is not None and last < first:
            first = dt.date(last.year, 1, 1)
    t = compute(
        session,
        start=first,
        end=last or today,
        every=parse_every(every),
        regency=regency,
        metrics=metrics,
        today=today,
    )
    ps = t.periods
    span = (
        period_title(ps[0])
        if len(ps) == 1
        else _("{first} to {last}").format(first=period_title(ps[0]), last=period_title(ps[-1]))
    )
    notes = [_(REPORTED_NOTE)] if t.reported else []
    if fmt != "table":
        title = _("Trend {span}, as of {day}").format(span=span, day=i18n.date_title(ps[-1].as_of))
        return View([Section(title, TIDY_COLUMNS, t.iter_rows())], warnings=t.warnings, notes=notes)
    groups: dict[str, list[Series]] = {}
    for s in t.series:
        groups.setdefault("targets" if s.metric in METRICS else s.metric, []).append(s)
    parts: list[Section | Record] = [
        _section(
            _("{what}, {span} (as of {day})").format(
                what=_(SECTION_TITLES[key]), span=span, day=i18n.date_title(ps[-1].as_of)
            ),
            t,
            members,
            percentages=key != "targets",
        )
        for key, members in groups.items()
    ]
    return View(parts, warnings=t.warnings, notes=notes)
