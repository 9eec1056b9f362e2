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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from koptrack import i18n
from koptrack.core import targets as targets_core
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, COOP_KINDS, METRICS
from koptrack.errors import ValidationError
from koptrack.i18n import N_, _
from koptrack.report import percent
from koptrack.store.tables import COOP, ENROLLMENT, KEC, MEMBERSHIP, REGISTRATION, REPORTED, TARGET, in_regency

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
COVERAGE_LABEL = N_("BPJS coverage")


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

    def rows(self) -> list[dict]:
        """The tidy series: one row per series and period (series after series, periods in
        order); `change` is the value minus the previous period's (None for the first, or
        when either is None)."""
        out = []
        for s in self.series:
            values, goals = self.values[s], self.targets[s]
            for i, p in enumerate(self.periods):
                out.append(
                    {
                        "period": p.label,
                        "as_of": p.as_of,
                        "metric": s.metric,
                        "segment": s.segment,
                        "value": values[i],
                        "target": goals[i],
                        "change": change(values[i - 1], values[i]) if i else None,
                    }
                )
        return out


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
    values, warnings = _values(session, series_, ps, reg)
    target_values = {
        s: [goals.get((p.as_of.year, s.metric, s.kind, s.base, s.regency)) if s.metric in METRICS else None for p in ps]
        for s in series_
    }
    return Trend(ps, series_, values, target_values, warnings)


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


# --- values -------------------------------------------------------------------------------------


def _values(
    session: Session, series_: list[Series], periods_: list[Period], regency: str | None
) -> tuple[dict[Series, list[Any]], list[str]]:
    """Each series' value per period (a first, plain version: the day's reports, period by period)."""
    from koptrack.core import coverage
    from koptrack.core.coverage import CoverageFilter

    values: dict[Series, list[Any]] = {s: [] for s in series_}
    warnings: list[str] = []
    for p in periods_:
        day = p.as_of
        by_kind: dict[str, list[dict]] = {}
        for s in series_:
            if s.metric in METRICS:
                a = targets_core.actual(session, s.metric, day.year, day, s.kind, s.base, s.regency)
                values[s].append(a.value)
                warnings += [w for w in a.warnings if w not in warnings]
                continue
            if s.kind not in by_kind:
                f = CoverageFilter(as_of=day, regency=regency, kind=None if s.kind == ANY else s.kind)
                by_kind[s.kind] = coverage.bpjs_status_by_kecamatan(session, f)
            rows = [r for r in by_kind[s.kind] if s.kecamatan_code in (None, r["kecamatan_code"])]
            values[s].append(percent(sum(r["enrolled"] for r in rows), sum(r["in_scope"] for r in rows)))
    return values, warnings
