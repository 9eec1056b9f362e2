"""What the head of office's document says: the figures, read through the core, and the
sentences written from them, in the language in force.

Nothing here selects a NIK or a KPJ, and every text that comes from the database (a
cooperative's name, a note, a source's title, a BPJS list's file name) passes through
`report.scrub`, which masks anything shaped like a personal number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from koptrack import i18n
from koptrack.core import coverage, pkspkb, targets
from koptrack.core.coverage import CoverageFilter
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, COOP_BASES
from koptrack.i18n import N_, _, ngettext, pgettext
from koptrack.report import percent, scrub
from koptrack.store.models import Cooperative, Kecamatan, Regency, ReportedCount, Source, Target

# How many cooperatives behind the document lists by name (the rest: a line naming the command).
BEHIND_LIMIT = 150
# Past this many kecamatan (a database of several regencies without --regency), coverage is
# charted by regency instead.
KECAMATAN_CHART_LIMIT = 60

KIND_WORDS = {
    "ksp": N_("KSP"),
    "produsen": N_("producer cooperatives"),
    "konsumen": N_("consumer cooperatives"),
    "pemasaran": N_("marketing cooperatives"),
    "jasa": N_("service cooperatives"),
}
BASE_WORDS = {
    "karyawan": N_("kopkar (base karyawan)"),
    "masyarakat": N_("cooperatives of base masyarakat"),
    "unknown": N_("cooperatives of unknown base"),
}
# One sentence per target: what it counts, the figure against the target. {who}: the segment.
FIGURE_SENTENCES = {
    "bpjs.registered_coops": N_("{actual} of {target} {who} registered with BPJS Ketenagakerjaan ({percent})"),
    "bpjs.enrolled_people": N_(
        "{actual} of {target} people enrolled in BPJS Ketenagakerjaan through {who} ({percent})"
    ),
    "pkspkb.joined": N_("{actual} of {target} {who} joined PKS-PKB in {year} ({percent})"),
    "pkspkb.members": N_("{actual} of {target} {who} in PKS-PKB ({percent})"),
}
# A chart's title: the metric and its segment.
CHART_TITLES = {
    "bpjs.registered_coops": N_("{who} registered with BPJS Ketenagakerjaan"),
    "bpjs.enrolled_people": N_("People enrolled in BPJS Ketenagakerjaan through {who}"),
    "pkspkb.joined": N_("{who} joined PKS-PKB in {year}"),
    "pkspkb.members": N_("{who} in PKS-PKB"),
}
LACKS = {
    "registration": N_("a BPJS Ketenagakerjaan registration"),
    "roster": N_("its roster: nobody in scope is recorded"),
    "people": N_("{missing} of {in_scope} people in scope not enrolled"),
}


@dataclass
class TargetFigure:
    """One target of the year with its figure, its words, and its trend through the year."""

    row: dict  # targets.report's row
    measure: str  # the metric and its segment in words: `KSP registered with BPJS Ketenagakerjaan`
    sentence: str  # the summary's sentence for it
    trend: list[tuple[dt.date, int]] = field(default_factory=list)  # (period end, value)
    baseline: int = 0  # the figure at the start of the year (0 for a count of the year's events)


@dataclass
class Document:
    year: int
    as_of: dt.date
    regency: str | None  # the code given with --regency (None: the whole database)
    place: str  # the regency's name, or the database's regencies in words
    generated_on: dt.date
    targets: list[TargetFigure]
    summary: str
    coverage_by: str  # "kecamatan" or "regency"
    coverage: list[dict]  # sorted by coverage, highest first; rows without anyone in scope last
    coverage_total: dict
    behind: list[dict]
    behind_total: int
    behind_kinds: list[str]
    pkspkb_years: list[dict]
    provenance: dict
    sources: list[dict]
    warnings: list[str]


def in_words(table: dict[str, str], key: str) -> str:
    """A text of one of the tables above, in the language in force."""
    text = table[key]
    return _(text)


def _kind_words(kind: str) -> str:
    return _(KIND_WORDS[kind]) if kind in KIND_WORDS else kind


def who(kind: str, base: str) -> str:
    """The cooperatives of a segment in words: `KSP`, `kopkar (base karyawan)`, `KSP of base
    karyawan`, `cooperatives`."""
    if kind == ANY and base == ANY:
        return _("cooperatives")
    if base == ANY:
        return _kind_words(kind)
    if kind == ANY:
        return _(BASE_WORDS[base]) if base in BASE_WORDS else base
    base_word = pgettext("base", "unknown") if base == "unknown" else base
    return _("{kind} of base {base}").format(kind=_kind_words(kind), base=base_word)


def count(n: int | None) -> str:
    """A count in the document: `1,234` / `1.234`."""
    if n is None:
        return ""
    return f"{n:,}" if i18n.language() == "en" else i18n.number(n)


def long_date(day: dt.date) -> str:
    """`31 December 2021`, `31 Desember 2021`."""
    from babel.dates import format_date

    return format_date(day, "d MMMM y", locale="id_ID" if i18n.language() == "id" else "en")


def month_year(day: dt.date) -> str:
    from babel.dates import format_date

    return format_date(day, "MMMM y", locale="id_ID" if i18n.language() == "id" else "en")


def month_short(day: dt.date) -> str:
    from babel.dates import format_date

    return format_date(day, "MMM", locale="id_ID" if i18n.language() == "id" else "en")


def _pace_clause(f: TargetFigure, year: int, as_of: dt.date) -> str:
    """What follows a target's figure in the summary: met, short at the year's end, or when
    this year's pace reaches it."""
    r = f.row
    if r["actual"] >= r["target"]:
        return _("target met")
    remaining = count(r["remaining"])
    if as_of >= targets.year_end(year):
        return _("the year ended {remaining} short").format(remaining=remaining)
    start = dt.date(year, 1, 1)
    if as_of < start:
        return _("{remaining} to go; the year has not begun").format(remaining=remaining)
    days = (as_of - start).days + 1
    gained = r["actual"] - f.baseline
    if gained <= 0:
        return _("{remaining} still to go, and no progress yet this year").format(remaining=remaining)
    per_month = gained / days * 30.4375
    reached = as_of + dt.timedelta(days=round(r["remaining"] * days / gained))
    per_month_text = i18n.number(round(per_month, 1), 1)
    if reached.year > year:
        message = _(
            "{remaining} still to go; at this year's pace ({rate} a month) the target is reached in {month}, "
            "after the year's end"
        )
    else:
        message = _("{remaining} still to go; at this year's pace ({rate} a month) the target is reached in {month}")
    return message.format(remaining=remaining, rate=per_month_text, month=month_year(reached))


def _target_figures(session: Session, year: int, as_of: dt.date, regency: str | None) -> list[TargetFigure]:
    figures = []
    for row in targets.report(session, year, as_of, regency):
        w = who(row["kind"], row["base"])
        baseline = 0
        if row["metric"] in targets.STATE_METRICS:
            before = min(targets.year_end(year - 1), as_of)
            baseline = targets.actual(
                session, row["metric"], year - 1, before, row["kind"], row["base"], row["regency"]
            ).value
        sentence = in_words(FIGURE_SENTENCES, row["metric"]).format(
            actual=count(row["actual"]),
            target=count(row["target"]),
            who=w,
            year=year,
            percent=i18n.percent(row["percent"]),
        )
        title = in_words(CHART_TITLES, row["metric"]).format(who=w, year=year)
        figures.append(
            TargetFigure(
                row=row,
                measure=title[:1].upper() + title[1:],
                sentence=sentence,
                baseline=baseline,
            )
        )
    return figures


def _attach_trends(session: Session, figures: list[TargetFigure], year: int, as_of: dt.date, regency: str | None):
    """Each target's figure at the end of every month of the year up to the as-of date, from
    `core.trend.series` (one pass over the periods, in the database); the last point is the
    targets table's own figure on the as-of date."""
    if not figures:
        return
    from koptrack.core import trend

    start = dt.date(year, 1, 1)
    if as_of < start:
        return
    metrics = sorted({f.row["metric"] for f in figures})
    rows = trend.series(session, start=start, end=as_of, every="month", regency=regency, metrics=metrics)
    by_key: dict[tuple[str, str], dict[dt.date, int]] = {}
    for r in rows:
        day = r["as_of"] if isinstance(r["as_of"], dt.date) else dt.date.fromisoformat(str(r["as_of"]))
        if start <= day <= as_of and r.get("value") is not None:
            by_key.setdefault((r["metric"], str(r["segment"])), {})[day] = int(r["value"])
    for f in figures:
        segment = targets.segment_label(f.row["kind"], f.row["base"], f.row["regency"])
        points = dict(by_key.get((f.row["metric"], segment), {}))
        points[as_of] = f.row["actual"]
        f.trend = sorted(points.items())


def _place(session: Session, regency: str | None) -> str:
    if regency:
        name = session.exec(select(Regency.name).where(Regency.code == regency)).first()
        return scrub(name) if name else regency
    codes = session.exec(
        select(Kecamatan.regency_code).where(col(Kecamatan.code).in_(select(Cooperative.kecamatan_code))).distinct()
    ).all()
    if len(codes) == 1:
        name = session.exec(select(Regency.name).where(Regency.code == codes[0])).first()
        return scrub(name or codes[0])
    return _("{n} regencies").format(n=count(len(codes)))


def _coverage(session: Session, every: CoverageFilter) -> tuple[str, list[dict], dict]:
    rows = coverage.bpjs_status_by_kecamatan(session, every)
    by = "kecamatan"
    if len(rows) > KECAMATAN_CHART_LIMIT and not every.regency:
        by = "regency"
        names = dict(session.exec(select(Regency.code, Regency.name)).all())
        grouped: dict[str, dict] = {}
        for r in rows:
            code = str(r["kecamatan_code"])[:5]
            g = grouped.setdefault(
                code, {"code": code, "name": names.get(code, code), "coops": 0, "in_scope": 0, "enrolled": 0}
            )
            for k in ("coops", "in_scope", "enrolled"):
                g[k] += r[k]
        rows = list(grouped.values())
    out = [
        {
            "name": scrub(str(r.get("kecamatan", r.get("name")))),
            "coops": r["coops"],
            "in_scope": r["in_scope"],
            "enrolled": r["enrolled"],
            "coverage": percent(r["enrolled"], r["in_scope"]),
        }
        for r in rows
    ]
    out.sort(key=lambda r: (r["coverage"] is None, -(r["coverage"] or 0.0), r["name"]))
    in_scope = sum(r["in_scope"] for r in out)
    enrolled = sum(r["enrolled"] for r in out)
    total = {
        "coops": sum(r["coops"] for r in out),
        "in_scope": in_scope,
        "enrolled": enrolled,
        "coverage": percent(enrolled, in_scope),
    }
    return by, out, total


def lacks(row: dict) -> str:
    """What a cooperative behind lacks, in words."""
    parts = []
    if not row["registered"]:
        parts.append(in_words(LACKS, "registration"))
    if row["in_scope"] == 0:
        parts.append(in_words(LACKS, "roster"))
    elif row["enrolled"] < row["in_scope"]:
        missing, in_scope = count(row["in_scope"] - row["enrolled"]), count(row["in_scope"])
        parts.append(in_words(LACKS, "people").format(missing=missing, in_scope=in_scope))
    if row["missing_programmes"]:
        n = row["missing_programmes"]
        parts.append(
            ngettext(
                "{n} enrollment without every mandatory programme",
                "{n} enrollments without every mandatory programme",
                n,
            ).format(n=count(n))
        )
    return "; ".join(parts)


def _behind(session: Session, every: CoverageFilter, kinds: list[str]) -> tuple[list[dict], int]:
    rows: list[dict] = []
    every_kind: list[str | None] = [None]
    for kind in kinds or every_kind:
        f = dataclasses.replace(every, kind=kind)
        rows.extend(coverage.bpjs_status(session, f, only_behind=True))
    # the furthest behind first: not registered, then most people not enrolled
    rows.sort(key=lambda r: (r["registered"], -(r["in_scope"] - r["enrolled"]), str(r["kecamatan"]), str(r["name"])))
    shown = [
        {
            "id": r["id"],
            "name": scrub(str(r["name"])),
            "kind": r["kind"],
            "kecamatan": scrub(str(r["kecamatan"])),
            "in_scope": r["in_scope"],
            "enrolled": r["enrolled"],
            "coverage": r["coverage"],
            "lacks": lacks(r),
        }
        for r in rows[:BEHIND_LIMIT]
    ]
    return shown, len(rows)


def _provenance(session: Session, figures: list[TargetFigure], as_of: dt.date, regency: str | None) -> dict:
    """How much of what the document counts is declared, verified against a BPJS list, or a
    reported count without names."""
    reg = regency or ANY
    enrolled = coverage.enrolled_people(session, as_of, regency=reg)
    verified = coverage.verified_people(session, as_of, regency=reg)
    latest = coverage.verification(session, as_of, reg)
    reported = [
        {
            "measure": f.measure,
            "actual": f.row["actual"],
            "reported": f.row["reported"],
            "records": f.row["records"],
        }
        for f in figures
        if f.row["reported"]
    ]
    return {
        "enrolled": enrolled,
        "verified": verified,
        "declared": enrolled - verified,
        "verified_percent": percent(verified, enrolled),
        "latest_list": scrub(str(latest["latest_list"])) if latest and latest["latest_list"] else None,
        "latest_list_on": latest["latest_list_on"] if latest else None,
        "registered_coops": coverage.registered_coops(session, as_of, regency=reg),
        "reported": reported,
    }


def _sources(session: Session, year: int, regency: str | None, figures: list[TargetFigure]) -> list[dict]:
    """The documents the year's targets and the reported counts it uses come from."""
    keys: set[str] = set()
    for model in (Target, ReportedCount):
        stmt = select(model.source_key).where(col(model.source_key).is_not(None), model.year <= year)
        if model is Target:
            stmt = stmt.where(model.year == year)
        if regency:
            stmt = stmt.where(model.regency == regency)
        keys.update(k for k in session.exec(stmt).all() if k)
    if not keys:
        return []
    rows = session.exec(select(Source).where(col(Source.key).in_(sorted(keys))).order_by(col(Source.key))).all()
    return [
        {
            "key": scrub(s.key),
            "title": scrub(s.title),
            "reference": scrub(s.reference) if s.reference else None,
            "issued_on": s.issued_on,
            "kind": s.kind,
        }
        for s in rows
    ]


def document(session: Session, year: object, as_of: object = None, regency: object = None) -> Document:
    """Every figure of the year's document (of one regency with `regency`), on `as_of`
    (default: the year's last day, or today for the current year)."""
    y = validate.parse_year(year)
    day = validate.parse_as_of(as_of, targets.default_as_of(y))
    reg = validate.parse_regency(regency)
    figures = _target_figures(session, y, day, reg)
    _attach_trends(session, figures, y, day, reg)
    every = CoverageFilter.parse(session, as_of=day, regency=reg)
    by, cov, cov_total = _coverage(session, every)
    kinds = sorted(
        {
            f.row["kind"]
            for f in figures
            if f.row["metric"].startswith("bpjs.") and f.row["kind"] != ANY and f.row["base"] == ANY
        }
    )
    if any(f.row["metric"].startswith("bpjs.") and f.row["kind"] == ANY for f in figures):
        kinds = []  # a target counts every kind: every cooperative behind matters
    behind, behind_total = _behind(session, every, kinds)
    years = pkspkb.status(session, year=y, as_of=day, regency=reg)["years"]
    pkspkb_years = [
        {
            "year": r["year"],
            "as_of": r["as_of"],
            "joined": r["joined"],
            "members": r["members"],
            "source": targets.source_words(r["source"]),
            **{f"joined_{b}": r[f"joined_{b}"] for b in COOP_BASES},
        }
        for r in years
    ]
    place = _place(session, reg)
    doc = Document(
        year=y,
        as_of=day,
        regency=reg,
        place=place,
        generated_on=dt.date.today(),
        targets=figures,
        summary="",
        coverage_by=by,
        coverage=cov,
        coverage_total=cov_total,
        behind=behind,
        behind_total=behind_total,
        behind_kinds=kinds,
        pkspkb_years=pkspkb_years,
        provenance=_provenance(session, figures, day, reg),
        sources=_sources(session, y, reg, figures),
        warnings=[scrub(str(w)) for f in figures for w in f.row["warnings"]],
    )
    doc.summary = summary(doc)
    return doc


def summary(doc: Document) -> str:
    """One paragraph on where the year stands, written from the figures."""
    parts = [_("{place}, as of {day}.").format(place=doc.place, day=long_date(doc.as_of))]
    for f in doc.targets:
        parts.append(_("{figure}; {pace}.").format(figure=f.sentence, pace=_pace_clause(f, doc.year, doc.as_of)))
    if not doc.targets:
        parts.append(_("No targets are set for {year}.").format(year=doc.year))
    t = doc.coverage_total
    if t["in_scope"]:
        parts.append(
            _("Of the {in_scope} people the cooperatives must enroll, {enrolled} are enrolled ({percent}).").format(
                in_scope=count(t["in_scope"]), enrolled=count(t["enrolled"]), percent=i18n.percent(t["coverage"])
            )
        )
    if doc.behind_total:
        parts.append(
            ngettext(
                "{n} cooperative is not yet fully covered; the list below says what it lacks.",
                "{n} cooperatives are not yet fully covered; the list below says what each lacks.",
                doc.behind_total,
            ).format(n=count(doc.behind_total))
        )
    text = " ".join(parts)
    return text[:1].upper() + text[1:]
