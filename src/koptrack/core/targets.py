"""Yearly targets and where the office stands against them.

A target is (year, metric, segment, value); the segment is a cooperative kind and/or base
(`any` for all). Metrics:

- `bpjs.registered_coops`: cooperatives with a BPJS registration running on the as-of date;
- `bpjs.enrolled_people`: people with an enrollment running on the as-of date;
- `pkspkb.joined`: cooperatives that joined PKS-PKB during the year (up to the as-of date);
- `pkspkb.members`: cooperatives in PKS-PKB on the as-of date (cumulative).

**Reported counts** are figures from an office report without names. One stands in for its
year and segment until named records exist for that same year and segment; then the records
count, and a disagreement with the report becomes a warning. Reported PKS-PKB joins of past years
also count towards `pkspkb.members` (the joiners are taken to be still members), under the same
rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from koptrack.core import audit, coverage
from koptrack.core.coops import Said, said
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, COOP_BASES, METRICS
from koptrack.errors import ValidationError
from koptrack.i18n import N_, _, pgettext
from koptrack.store.models import ReportedCount, Target

PROGRAMMES = {"bpjs": "BPJS Ketenagakerjaan", "pkspkb": "PKS-PKB"}
# Metrics that describe a state on a date (their progress starts from last year's level);
# the others count events within the year (progress starts from zero).
STATE_METRICS = {"bpjs.registered_coops", "bpjs.enrolled_people", "pkspkb.members"}
# The rows' `metric_label` (in --json, in English); a table shows it translated.
METRIC_LABELS = {
    "bpjs.registered_coops": N_("coops registered"),
    "bpjs.enrolled_people": N_("people enrolled"),
    "pkspkb.joined": N_("coops joined in year"),
    "pkspkb.members": N_("coops in PKS-PKB"),
}
# A segment's membership base in words: `karyawan` alone reads as "employees", but it means
# the cooperatives whose members are one employer's staff (a kopkar).
BASE_SEGMENT_WORDS = {
    "karyawan": N_("kopkar (base karyawan)"),
    "masyarakat": N_("base masyarakat"),
    "unknown": N_("base unknown"),
}
# Where an actual figure comes from (the rows' `source`), in words.
SOURCE_WORDS = {
    "records": N_("records"),
    "reported": N_("reported count"),
    "records + reported": N_("records + reported count"),
}


def parse_metric(value: object, field: str = "metric") -> str:
    s = str(value or "").strip().lower()
    if s not in METRICS:
        raise ValidationError(field, str(value), _("must be one of {choices}").format(choices=", ".join(METRICS)))
    return s


def parse_segment(kind: object, base: object) -> tuple[str, str]:
    every = (None, "", ANY, "all", "semua")  # `semua`: the office's word for every kind or base
    k = ANY if kind in every else validate.parse_kind(kind)
    b = ANY if base in every else validate.parse_base(base)
    return k, b


def segment_label(kind: str, base: str, regency: str = ANY) -> str:
    parts = [p for p in (kind, base) if p != ANY]
    label = "/".join(parts) if parts else "all"
    return label if regency == ANY else f"{label} ({regency})"


def segment_words(label: str) -> str:
    """A segment's label (`segment_label`, as --json gives it) in words for people, in the
    language in force: `karyawan` -> `kopkar (base karyawan)`, `all` -> `all` / `semua`,
    `ksp/karyawan (32.15)` -> `ksp, kopkar (base karyawan) (32.15)`."""
    text, regency = str(label), ""
    if text.endswith(")") and " (" in text:
        text, regency = text.split(" (", 1)
        regency = " (" + regency
    words = []
    for part in text.split("/"):
        if part == "all":
            words.append(pgettext("segment", "all"))
        elif part in COOP_BASES:
            words.append(_(BASE_SEGMENT_WORDS[part]))
        else:
            words.append(part)
    return ", ".join(words) + regency


def source_words(value: str) -> str:
    """A figure's source (`records`, `reported`, `records + reported`; PKS-PKB by year joins
    several with ` / `) in words."""
    return " / ".join(_(SOURCE_WORDS.get(part, part)) for part in str(value).split(" / "))


def segment_said(kind: str, base: str, regency: str = ANY) -> Said:
    """The segment's label (English, as --json gives it) that shows in words."""
    label = segment_label(kind, base, regency)
    return Said(label, segment_words(label))


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def default_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """The year's last day; today for the current year (and for a year still ahead)."""
    today = today or dt.date.today()
    return min(year_end(year), today)


@dataclass
class Actual:
    value: int
    records: int
    reported: int
    warnings: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        if self.reported and self.records:
            return "records + reported"
        return "reported" if self.reported else "records"


class Figures:
    """What a report of targets reads, read once: the reported counts (a small table, read
    whole) and the counts of records (coverage.CoopCounts: a report asks for all of them first,
    inside `collecting()`, and they are counted together, one statement per metric)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.counts = coverage.CoopCounts(session)
        self._people: dict[tuple[dt.date, coverage.Segment], int] = {}
        self._reported: list[ReportedCount] | None = None

    def collecting(self) -> AbstractContextManager[None]:
        return self.counts.collecting()

    def records(self, metric: str, window: coverage.Window, segment: coverage.Segment) -> int:
        if metric != "bpjs.enrolled_people":
            return self.counts.count(metric, window, segment)
        if self.counts.is_collecting:  # people are counted one figure at a time, and only for real
            return 0
        key = (window[1], segment)
        if key not in self._people:
            self._people[key] = coverage.enrolled_people(
                self.session, window[1], segment.kind, segment.base, segment.regency
            )
        return self._people[key]

    def reported(self, metric: str, kind: str, base: str, regency: str, years) -> list[ReportedCount]:
        """Reported counts of `metric` whose segment lies inside (kind, base, regency), for the
        years, by year, kind and base."""
        if self._reported is None:
            self._reported = list(self.session.exec(select(ReportedCount).order_by(col(ReportedCount.id))).all())
        wanted = set(years)
        return sorted(
            (
                rc
                for rc in self._reported
                if rc.metric == metric
                and rc.year in wanted
                and regency in (ANY, rc.regency)
                and kind in (ANY, rc.kind)
                and base in (ANY, rc.base)
            ),
            key=lambda rc: (rc.year, rc.kind, rc.base),
        )


def _window(metric: str, year: int, day: dt.date) -> coverage.Window:
    """The days a metric's records count over: a state on `day`; PKS-PKB joins from the year's
    first day to `day` (or the year's end)."""
    if metric == "pkspkb.joined":
        return (dt.date(year, 1, 1), min(day, year_end(year)))
    return (None, day)


def _records(figures: Figures, metric: str, year: int, day: dt.date, kind: str, base: str, regency: str) -> int:
    return figures.records(metric, _window(metric, year, day), coverage.Segment(kind, base, regency))


def _stand_in(figures: Figures, rc: ReportedCount, records_metric: str, day: dt.date, out: Actual) -> None:
    """Add `rc` to `out` unless named records exist for its year and segment (then warn on a
    disagreement)."""
    if records_metric == "pkspkb.joined":
        named = _records(figures, records_metric, rc.year, year_end(rc.year), rc.kind, rc.base, rc.regency)
    else:
        named = _records(figures, records_metric, rc.year, day, rc.kind, rc.base, rc.regency)
    if named == 0:
        out.value += rc.value
        out.reported += rc.value
    elif named != rc.value:
        out.warnings.append(
            said(
                N_("{year} {metric} {segment}: records give {named}, the office report said {reported}"),
                year=rc.year,
                metric=records_metric,
                segment=segment_said(rc.kind, rc.base, rc.regency),
                named=named,
                reported=rc.value,
            )
        )


def actual(
    session: Session,
    metric: str,
    year: int,
    as_of: dt.date,
    kind: str = ANY,
    base: str = ANY,
    regency: str = ANY,
    *,
    figures: Figures | None = None,
) -> Actual:
    """The figure for a metric, year and segment on `as_of`, with reported counts standing in
    (`figures`: a report's, to count its figures together)."""
    figures = figures or Figures(session)
    records = _records(figures, metric, year, as_of, kind, base, regency)
    out = Actual(value=records, records=records, reported=0)
    counted: list[ReportedCount] = []
    for rc in figures.reported(metric, kind, base, regency, [year]):
        before = out.reported
        _stand_in(figures, rc, metric, as_of, out)
        if out.reported > before:
            counted.append(rc)
    if metric == "pkspkb.members":
        # Reported joins of past years stand in for the members they made, unless a reported
        # members count of the year (a running total, which includes them) covers their segment.
        for rc in figures.reported("pkspkb.joined", kind, base, regency, range(1900, as_of.year + 1)):
            if not any(_covers(m, rc) for m in counted):
                _stand_in(figures, rc, "pkspkb.joined", as_of, out)
    return out


def _covers(outer: ReportedCount, inner: ReportedCount) -> bool:
    """`outer`'s segment holds `inner`'s (`any` holds every value)."""
    return all(getattr(outer, k) in (ANY, getattr(inner, k)) for k in ("kind", "base", "regency"))


def verdict(value: int, target: int, baseline: int, year: int, as_of: dt.date) -> str:
    """One word: met, missed (year over), pending (year not begun), on-track or behind (by the
    share of the year gone, from the start-of-year baseline)."""
    if value >= target:
        return "met"
    if as_of >= year_end(year):
        return "missed"
    start = dt.date(year, 1, 1)
    if as_of < start:
        return "pending"
    elapsed = ((as_of - start).days + 1) / ((year_end(year) - start).days + 1)
    expected = baseline + (target - baseline) * elapsed
    return "on-track" if value >= expected else "behind"


def report(session: Session, year: object, as_of: object = None, regency: object = None) -> list[dict]:
    """One row per target of the year (of one regency, if given): target, actual, percent,
    remaining, source, verdict."""
    y = validate.parse_year(year)
    day = validate.parse_as_of(as_of, default_as_of(y))
    reg = validate.parse_regency(regency)
    stmt = select(Target).where(Target.year == y)
    if reg:
        stmt = stmt.where(Target.regency == reg)
    targets = session.exec(stmt.order_by(Target.regency, Target.metric, Target.kind, Target.base)).all()
    figures = Figures(session)
    with figures.collecting():  # every figure asked for once, then counted together
        _rows(figures, targets, y, day)
    return _rows(figures, targets, y, day)


def _rows(figures: Figures, targets: Sequence[Target], y: int, day: dt.date) -> list[dict]:
    rows = []
    for t in targets:
        a = actual(figures.session, t.metric, y, day, t.kind, t.base, t.regency, figures=figures)
        baseline = 0
        if t.metric in STATE_METRICS:
            baseline = actual(
                figures.session, t.metric, y - 1, min(year_end(y - 1), day), t.kind, t.base, t.regency, figures=figures
            ).value
        rows.append(
            {
                "year": y,
                "programme": PROGRAMMES[t.metric.split(".")[0]],
                "metric": t.metric,
                "metric_label": METRIC_LABELS[t.metric],
                "segment": segment_label(t.kind, t.base),
                "kind": t.kind,
                "base": t.base,
                "regency": t.regency,
                "target": t.value,
                "actual": a.value,
                "percent": round(100.0 * a.value / t.value, 1),
                "remaining": max(t.value - a.value, 0),
                "source": a.source,
                "records": a.records,
                "reported": a.reported,
                "verdict": verdict(a.value, t.value, baseline, y, day),
                "warnings": a.warnings,
                "as_of": day,
                "note": t.note,
            }
        )
    return rows


def years(session: Session, regency: object = None) -> list[dict]:
    stmt = select(Target.year, func.count()).group_by(col(Target.year)).order_by(col(Target.year))
    reg = validate.parse_regency(regency)
    if reg:
        stmt = stmt.where(Target.regency == reg)
    return [{"year": y, "targets": n} for y, n in session.exec(stmt).all()]


def set_target(
    session: Session,
    year: object,
    metric: object,
    value: object,
    *,
    kind: object = None,
    base: object = None,
    regency: object = None,
    note: object = None,
) -> dict:
    """Create or change the target for (year, metric, segment, regency: `any` when not given)."""
    y = validate.parse_year(year)
    m = parse_metric(metric)
    v = validate.parse_count(value, "value", minimum=1)
    k, b = parse_segment(kind, base)
    r = validate.parse_regency(regency) or ANY
    clean_note = validate.clean_text(note, "note", max_len=2000)
    t = session.exec(
        select(Target).where(
            Target.year == y, Target.metric == m, Target.kind == k, Target.base == b, Target.regency == r
        )
    ).first()
    before = None
    if t is None:
        t = Target(year=y, metric=m, kind=k, base=b, regency=r, value=v, note=clean_note)
    else:
        before = t.value
        t.value = v
        if clean_note is not None:
            t.note = clean_note
    session.add(t)
    session.flush()
    audit.record(
        session, "target", t.id, action="set", year=y, metric=m, segment=segment_label(k, b, r), before=before, after=v
    )
    return {
        "id": t.id,
        "year": y,
        "metric": m,
        "kind": k,
        "base": b,
        "regency": r,
        "segment": segment_label(k, b),
        "value": v,
        "previous": before,
        "note": t.note,
    }
