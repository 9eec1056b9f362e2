"""BPJS Ketenagakerjaan: a cooperative's own registration, and its people's enrollments.

A cooperative registers with BPJS Ketenagakerjaan (as employer, or as collector for its
members); its people enroll through it. Category defaults from the role (karyawan -> PU,
anggota -> BPU) and programmes default to the minimum the rules (table programme_rule, loaded
from the seed) require; an enrollment lacking a mandatory programme is recorded with the gap.
Periods are half-open, as everywhere in koptrack (see people.py).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.coops import coop_subject, ensure_active, nik_subject, resolve_coop, said
from koptrack.core.people import resolve_person
from koptrack.core.periods import ENROLLED, REGISTERED, close_period, open_period
from koptrack.domain import rules, validate
from koptrack.domain.vocab import ANY, CATEGORIES, EMPLOYER_SIZES, PROGRAMMES
from koptrack.errors import Conflict, Duplicate, KoptrackError
from koptrack.i18n import N_, _
from koptrack.store.models import (
    BpjsRegistration,
    Cooperative,
    Engagement,
    Enrollment,
    Person,
    Programme,
    ProgrammeRate,
    ProgrammeRule,
)
from koptrack.store.tables import active_on

# Used only when no rule is loaded (an unseeded database): the DOMAIN.md minimum for both.
FALLBACK_MINIMUM = ("jkk", "jkm")


def default_category(role: str) -> str:
    """karyawan (a wage earner of the cooperative) -> pu; anggota (a member) -> bpu."""
    return "pu" if role == "karyawan" else "bpu"


def minimum_programmes(
    session: Session, category: str, employer_size: str | None, day: dt.date | None = None
) -> tuple[str, ...]:
    """Mandatory programmes for a category on `day` (default today): the rules in force that day,
    PU by employer size, falling back to the `any` rule."""
    day = day or dt.date.today()
    by_size: dict[str, list[tuple[dt.date, object]]] = {}
    for rule in session.exec(select(ProgrammeRule).where(ProgrammeRule.category == category)).all():
        by_size.setdefault(rule.employer_size, []).append((rule.valid_from, rule.programmes))
    chosen = rules.in_force(by_size.get(employer_size or ANY, []), day) or rules.in_force(by_size.get(ANY, []), day)
    return validate.parse_programmes(chosen) if chosen else FALLBACK_MINIMUM


def _registration_dict(reg: BpjsRegistration, coop: Cooperative) -> dict:
    return {
        "registration_id": reg.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "registered_on": reg.registered_on,
        "deregistered_on": reg.deregistered_on,
        "npp": reg.npp,
        "branch": reg.branch,
    }


def register(
    session: Session,
    coop_ref: object,
    *,
    on: object,
    npp: object = None,
    branch: object = None,
    note: object = None,
) -> dict:
    """Record the cooperative's registration with BPJS Ketenagakerjaan from `on`."""
    coop = resolve_coop(session, coop_ref)
    on_d = validate.parse_date(on, "on", allow_future=False)
    npp_v = validate.parse_npp(npp)
    ensure_active(session, coop, on_d, N_("register it with BPJS"))
    reg = open_period(
        session,
        REGISTERED,
        {"coop_id": coop.id},
        on_d,
        subject=coop_subject(coop),
        state=_("registered with BPJS"),
        npp=npp_v,
        branch=validate.clean_text(branch, "branch"),
        note=validate.clean_text(note, "note", max_len=2000),
    )
    audit.record(
        session,
        "bpjs_registration",
        reg.id,
        coop_id=coop.id,
        action="register",
        on=on_d,
        npp=npp_v,
        undo=audit.inserted(reg),
    )
    return _registration_dict(reg, coop)


def deregister(session: Session, coop_ref: object, *, on: object) -> dict:
    coop = resolve_coop(session, coop_ref)
    on_d = validate.parse_date(on, "on", allow_future=False)
    reg = close_period(
        session,
        REGISTERED,
        {"coop_id": coop.id},
        on_d,
        subject=coop_subject(coop),
        state=_("registered with BPJS"),
    )
    still_open = session.exec(
        select(Enrollment).where(Enrollment.coop_id == coop.id, col(Enrollment.end_on).is_(None))
    ).all()
    # An enrollment lies within a registration of its cooperative: those still open end with it.
    ended = _end_open_enrollments(session, coop, on_d)
    audit.record(
        session,
        "bpjs_registration",
        reg.id,
        coop_id=coop.id,
        action="deregister",
        on=on_d,
        enrollments_ended=ended,
        undo=[audit.updated(reg, deregistered_on=None)] + [audit.updated(e, end_on=None) for e in still_open],
    )
    return _registration_dict(reg, coop) | {"enrollments_ended": ended}


def _end_open_enrollments(session: Session, coop: Cooperative, on: dt.date) -> int:
    """End on `on` (the cooperative's BPJS registration ends) every enrollment through `coop`
    still open then; refused when one began on or after `on` (it would hold no day: remove it,
    or end it first)."""
    rows = session.exec(select(Enrollment).where(Enrollment.coop_id == coop.id, col(Enrollment.end_on).is_(None))).all()
    late = [e for e in rows if e.start_on >= on]
    if late:
        raise Conflict(
            _(
                "on {day}: {n} enrollment(s) through cooperative {id} {name!r} began on or after that day "
                "(first: {first}); the cooperative's BPJS registration ends before they began"
            ).format(
                day=i18n.date(on),
                n=len(late),
                id=coop.id,
                name=coop.name,
                first=i18n.date(min(e.start_on for e in late)),
            ),
            hint=_("check the date; an enrollment entered in error can be removed (`koptrack bpjs remove`)"),
        )
    for e in rows:
        e.end_on = on
        session.add(e)
    session.flush()
    return len(rows)


def _engagements_on(session: Session, person_id: int | None, coop_id: int | None, day: dt.date) -> list[Engagement]:
    return list(
        session.exec(
            select(Engagement).where(
                Engagement.person_id == person_id,
                Engagement.coop_id == coop_id,
                active_on(Engagement.since, Engagement.until, day),
            )
        ).all()
    )


def _registration_on(session: Session, coop_id: int | None, day: dt.date) -> BpjsRegistration | None:
    return session.exec(
        select(BpjsRegistration).where(
            BpjsRegistration.coop_id == coop_id,
            active_on(BpjsRegistration.registered_on, BpjsRegistration.deregistered_on, day),
        )
    ).first()


def ensure_kpj_free(session: Session, kpj: str | None, person: Person) -> None:
    """A KPJ is one person's card number: refuse it when an enrollment of another person has it."""
    if kpj is None:
        return
    other = session.exec(
        select(Person)
        .join(Enrollment, col(Enrollment.person_id) == col(Person.id))
        .where(Enrollment.kpj == kpj, Person.id != person.id)
    ).first()
    if other is not None:
        raise Duplicate(
            _("kpj {kpj} already belongs to another person (nik {nik})").format(
                kpj=validate.mask_kpj(kpj), nik=validate.mask_nik(other.nik)
            ),
            hint=_("a KPJ is one person's BPJS card number: check the digits"),
        )


def enroll(
    session: Session,
    coop_ref: object,
    *,
    nik: object,
    on: object,
    kpj: object = None,
    category: object = None,
    programmes: object = None,
) -> dict:
    """Enroll a person through a cooperative they are engaged with on `on`."""
    coop = resolve_coop(session, coop_ref)
    person = resolve_person(session, coop, nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    kpj_v = validate.parse_kpj(kpj)
    ensure_kpj_free(session, kpj_v, person)
    cat = validate.parse_category(category) if category not in (None, "") else None
    progs = validate.parse_programmes(programmes) if programmes not in (None, "") else None
    masked = validate.mask_nik(person.nik)
    ensure_active(session, coop, on_d, N_("enroll people through it"))
    engagements = _engagements_on(session, person.id, coop.id, on_d)
    if not engagements:
        raise KoptrackError(
            _("nik {nik} is not engaged with cooperative {id} {name!r} on {day}").format(
                nik=masked, id=coop.id, name=coop.name, day=i18n.date(on_d)
            ),
            hint=_("check the date, or register the person with `koptrack worker add`"),
        )
    registration = _registration_on(session, coop.id, on_d)
    if registration is None:
        raise KoptrackError(
            _(
                "cooperative {id} {name!r} is not registered with BPJS Ketenagakerjaan on {day}: "
                "its people are enrolled through its registration"
            ).format(id=coop.id, name=coop.name, day=i18n.date(on_d)),
            hint=_("record the registration first: koptrack bpjs register --coop {id} --on DATE").format(id=coop.id),
        )
    roles = [e.role for e in engagements]
    if cat is None:
        cat = default_category("karyawan" if "karyawan" in roles else "anggota")
    warnings: list[str] = [w for w in [rules.category_warning(cat, roles, coop.kind)] if w]
    required = minimum_programmes(session, cat, coop.employer_size, on_d)
    if progs is None:
        progs = required
    rules.check_programmes(cat, progs)
    missing = tuple(p for p in required if p not in progs)
    # Recorded late, after the person left or the registration ended: the enrollment ends then too.
    ends = [e.until for e in engagements if e.until is not None]
    end_on = max(ends) if len(ends) == len(engagements) else None
    if registration.deregistered_on and (end_on is None or registration.deregistered_on < end_on):
        end_on = registration.deregistered_on
    if end_on is not None:
        warnings.append(
            said(N_("the enrollment ends on {day}, when the person left or the registration ended"), day=end_on)
        )
    enr = open_period(
        session,
        ENROLLED,
        {"person_id": person.id, "coop_id": coop.id},
        on_d,
        subject=nik_subject(person.nik),
        state=_("enrolled through cooperative {id}").format(id=coop.id),
        kpj=kpj_v,
        category=cat,
        programmes=validate.format_programmes(progs),
        missing_programmes=validate.format_programmes(missing),
        end_on=end_on,
    )
    audit.record(
        session,
        "enrollment",
        enr.id,
        coop_id=coop.id,
        action="enroll",
        nik=masked,
        kpj=validate.mask_kpj(kpj_v),
        category=cat,
        programmes=enr.programmes,
        on=on_d,
        undo=audit.inserted(enr),
    )
    return {
        "enrollment_id": enr.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "nik": person.nik,
        "name": person.name,
        "kpj": kpj_v,
        "category": cat,
        "programmes": list(progs),
        "missing_programmes": list(missing),
        "start_on": on_d,
        "end_on": end_on,
        "warnings": warnings,
    }


def end(session: Session, coop_ref: object, *, nik: object, on: object) -> dict:
    coop = resolve_coop(session, coop_ref)
    person = resolve_person(session, coop, nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    masked = validate.mask_nik(person.nik)
    state = _("enrolled through cooperative {id} {name!r}").format(id=coop.id, name=coop.name)
    enr = close_period(
        session,
        ENROLLED,
        {"person_id": person.id, "coop_id": coop.id},
        on_d,
        subject=nik_subject(person.nik),
        state=state,
    )
    audit.record(
        session,
        "enrollment",
        enr.id,
        coop_id=coop.id,
        action="end",
        nik=masked,
        on=on_d,
        undo=audit.updated(enr, end_on=None),
    )
    return {
        "enrollment_id": enr.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "nik": person.nik,
        "name": person.name,
        "start_on": enr.start_on,
        "end_on": on_d,
    }


def programmes_on(session: Session, day: dt.date) -> dict:
    """The programmes with the rate in force on `day` (PU), and the minimum programmes each
    category and employer size had to have that day: the rules a report for that day uses."""
    rates: dict[str, list[tuple[dt.date, object]]] = {}
    basis: dict[tuple[str, dt.date], tuple[str | None, bool]] = {}
    for r in session.exec(select(ProgrammeRate).where(ProgrammeRate.category == "pu")).all():
        rates.setdefault(r.programme, []).append((r.valid_from, r.rate))
        basis[(r.programme, r.valid_from)] = (r.legal_basis, r.verified)
    programmes = []
    for p in session.exec(select(Programme)).all():
        dated = rates.get(p.code, [])
        rate = rules.in_force(dated, day) if dated else p.pu_rate
        since = max((v for v, _rate in dated if v <= day), default=None)
        legal, verified = basis[(p.code, since)] if since else (p.legal_basis, p.verified)
        programmes.append(
            {
                "code": p.code,
                "name": p.name,
                "pu_rate": rate,
                "since": since,
                "legal_basis": legal,
                "verified": verified,
            }
        )
    order = {code: i for i, code in enumerate(PROGRAMMES)}
    programmes.sort(key=lambda row: order.get(str(row["code"]), 99))
    minimum = []
    for category in CATEGORIES:
        sizes = sorted(
            {r.employer_size for r in session.exec(select(ProgrammeRule).where(ProgrammeRule.category == category))},
            key=lambda size: (ANY, *EMPLOYER_SIZES).index(size) if size in (ANY, *EMPLOYER_SIZES) else 99,
        )
        for size in sizes:
            in_force = [
                r
                for r in session.exec(
                    select(ProgrammeRule).where(ProgrammeRule.category == category, ProgrammeRule.employer_size == size)
                )
                if r.valid_from <= day
            ]
            if not in_force:
                continue
            rule = max(in_force, key=lambda r: r.valid_from)
            minimum.append(
                {
                    "category": category,
                    "employer_size": size,
                    "programmes": validate.parse_programmes(rule.programmes),
                    "since": rule.valid_from,
                    "legal_basis": rule.legal_basis,
                    "verified": rule.verified,
                }
            )
    return {"as_of": day, "programmes": programmes, "minimum": minimum}
