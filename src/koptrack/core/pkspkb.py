"""PKS-PKB: cooperatives in the motor-vehicle-tax cooperation with Samsat Jawa Barat."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from koptrack.core import audit, coverage, targets
from koptrack.core.coops import coop_subject, ensure_active, resolve_coop
from koptrack.core.periods import MEMBER, close_period, open_period
from koptrack.domain import validate
from koptrack.domain.vocab import ANY, COOP_BASES
from koptrack.i18n import N_, _
from koptrack.store.models import Cooperative, PkspkbMembership, ReportedCount


def _membership_dict(m: PkspkbMembership, coop: Cooperative) -> dict:
    return {
        "membership_id": m.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "base": coop.base,
        "joined_on": m.joined_on,
        "left_on": m.left_on,
        "agreement_no": m.agreement_no,
    }


def join(session: Session, coop_ref: object, *, on: object, agreement: object = None, note: object = None) -> dict:
    coop = resolve_coop(session, coop_ref)
    on_d = validate.parse_date(on, "on", allow_future=False)
    ensure_active(session, coop, on_d, N_("record it joining PKS-PKB"))
    m = open_period(
        session,
        MEMBER,
        {"coop_id": coop.id},
        on_d,
        subject=coop_subject(coop),
        state=_("in PKS-PKB"),
        agreement_no=validate.clean_text(agreement, "agreement", max_len=200),
        note=validate.clean_text(note, "note", max_len=2000),
    )
    audit.record(session, "pkspkb_membership", m.id, coop_id=coop.id, action="join", on=on_d, undo=audit.inserted(m))
    return _membership_dict(m, coop)


def leave(session: Session, coop_ref: object, *, on: object) -> dict:
    coop = resolve_coop(session, coop_ref)
    on_d = validate.parse_date(on, "on", allow_future=False)
    m = close_period(
        session,
        MEMBER,
        {"coop_id": coop.id},
        on_d,
        subject=coop_subject(coop),
        state=_("in PKS-PKB"),
    )
    audit.record(
        session,
        "pkspkb_membership",
        m.id,
        coop_id=coop.id,
        action="leave",
        on=on_d,
        undo=audit.updated(m, left_on=None),
    )
    return _membership_dict(m, coop)


def _years(figures: targets.Figures, first_year: int, last_year: int, day: dt.date, reg: str) -> list[dict]:
    """PKS-PKB by year: joins per base and members at each year's end (or `day`)."""
    years = []
    for y in range(first_year, last_year + 1):
        y_day = min(targets.year_end(y), day)
        row: dict = {"year": y, "as_of": y_day}
        sources = set()
        total = 0
        for base in COOP_BASES:
            a = targets.actual(figures.session, "pkspkb.joined", y, y_day, ANY, base, reg, figures=figures)
            row[f"joined_{base}"] = a.value
            total += a.value
            if a.value:
                sources.add(a.source)
        row["joined"] = total
        members = targets.actual(figures.session, "pkspkb.members", y, y_day, ANY, ANY, reg, figures=figures)
        row["members"] = members.value
        row["source"] = " / ".join(sorted(sources | ({members.source} if members.value else set()))) or "records"
        row["warnings"] = members.warnings
        years.append(row)
    return years


def status(session: Session, *, year: object = None, as_of: object = None, regency: object = None) -> dict:
    """PKS-PKB by year: joins per base (records, or reported counts standing in), and members
    at each year's end (or the as-of date), cumulative. Plus the named members on the as-of date."""
    day = validate.parse_as_of(as_of, targets.default_as_of(validate.parse_year(year)) if year else None)
    reg = validate.parse_regency(regency) or ANY
    last_year = validate.parse_year(year) if year else day.year
    first_year = last_year
    first_join = coverage.pkspkb_first_join(session, day, reg)
    named_years = [first_join.year] if first_join else []
    reported = select(ReportedCount.year).where(ReportedCount.metric == "pkspkb.joined")
    if reg != ANY:
        reported = reported.where(ReportedCount.regency == reg)
    reported_years = list(session.exec(reported).all())
    if named_years or reported_years:
        first_year = min([*named_years, *reported_years, last_year])
    figures = targets.Figures(session)
    with figures.collecting():  # every figure asked for once, then counted together
        _years(figures, first_year, last_year, day, reg)
    years = _years(figures, first_year, last_year, day, reg)
    named = coverage.pkspkb_members_on(session, day, reg)
    return {"as_of": day, "regency": reg, "years": years, "members": named}
