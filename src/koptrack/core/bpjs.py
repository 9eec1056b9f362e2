"""BPJS Ketenagakerjaan: a cooperative's own registration, and its people's enrollments.

A cooperative registers with BPJS Ketenagakerjaan (as employer, or as collector for its
members); its people enroll through it. Category defaults from the role (karyawan -> PU,
anggota -> BPU) and programmes default to the minimum the rules (table programme_rule, loaded
from the seed) require; an enrollment lacking a mandatory programme is recorded with the gap.
Periods are half-open, as everywhere in koptrack (see people.py).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from koptrack.core import audit
from koptrack.core.coops import resolve_coop
from koptrack.core.people import find_person
from koptrack.core.periods import ENROLLED, REGISTERED, close_period, open_period
from koptrack.domain import validate
from koptrack.domain.vocab import ANY
from koptrack.errors import KoptrackError, NotFound
from koptrack.store.models import BpjsRegistration, Cooperative, Engagement, ProgrammeRule
from koptrack.store.tables import active_on

# Used only when no rule is loaded (an unseeded database): the DOMAIN.md minimum for both.
FALLBACK_MINIMUM = ("jkk", "jkm")


def default_category(role: str) -> str:
    """karyawan (a wage earner of the cooperative) -> pu; anggota (a member) -> bpu."""
    return "pu" if role == "karyawan" else "bpu"


def minimum_programmes(session: Session, category: str, employer_size: str | None) -> tuple[str, ...]:
    """Mandatory programmes for a category; PU by employer size, falling back to the `any` rule."""
    rules = dict(
        session.exec(
            select(ProgrammeRule.employer_size, ProgrammeRule.programmes).where(ProgrammeRule.category == category)
        ).all()
    )
    chosen = rules.get(employer_size or ANY) or rules.get(ANY)
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
    reg = open_period(
        session,
        REGISTERED,
        {"coop_id": coop.id},
        on_d,
        subject=f"cooperative {coop.id} {coop.name!r}",
        state="registered with BPJS",
        npp=npp_v,
        branch=validate.clean_text(branch, "branch"),
        note=validate.clean_text(note, "note", max_len=2000),
    )
    audit.record(session, "bpjs_registration", reg.id, coop_id=coop.id, action="register", on=on_d, npp=npp_v)
    return _registration_dict(reg, coop)


def deregister(session: Session, coop_ref: object, *, on: object) -> dict:
    coop = resolve_coop(session, coop_ref)
    on_d = validate.parse_date(on, "on", allow_future=False)
    reg = close_period(
        session,
        REGISTERED,
        {"coop_id": coop.id},
        on_d,
        subject=f"cooperative {coop.id} {coop.name!r}",
        state="registered with BPJS",
    )
    audit.record(session, "bpjs_registration", reg.id, coop_id=coop.id, action="deregister", on=on_d)
    return _registration_dict(reg, coop)


def _engaged_roles(session: Session, person_id: int | None, coop_id: int | None, day: dt.date) -> list[str]:
    return list(
        session.exec(
            select(Engagement.role).where(
                Engagement.person_id == person_id,
                Engagement.coop_id == coop_id,
                active_on(Engagement.since, Engagement.until, day),
            )
        ).all()
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
    info = validate.parse_nik(nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    kpj_v = validate.parse_kpj(kpj)
    cat = validate.parse_category(category) if category not in (None, "") else None
    progs = validate.parse_programmes(programmes) if programmes not in (None, "") else None
    person = find_person(session, info.nik)
    masked = validate.mask_nik(info.nik)
    if person is None:
        raise NotFound(
            f"nik {masked}: no person with this NIK is registered",
            hint="register them first with `koptrack worker add`",
        )
    roles = _engaged_roles(session, person.id, coop.id, on_d)
    if not roles:
        raise KoptrackError(
            f"nik {masked} is not engaged with cooperative {coop.id} {coop.name!r} on {on_d}",
            hint="check the date, or register the person with `koptrack worker add`",
        )
    if cat is None:
        cat = default_category("karyawan" if "karyawan" in roles else "anggota")
    required = minimum_programmes(session, cat, coop.employer_size)
    if progs is None:
        progs = required
    missing = tuple(p for p in required if p not in progs)
    enr = open_period(
        session,
        ENROLLED,
        {"person_id": person.id, "coop_id": coop.id},
        on_d,
        subject=f"nik {masked}",
        state=f"enrolled through cooperative {coop.id}",
        kpj=kpj_v,
        category=cat,
        programmes=validate.format_programmes(progs),
        missing_programmes=validate.format_programmes(missing),
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
        "end_on": None,
    }


def end(session: Session, coop_ref: object, *, nik: object, on: object) -> dict:
    coop = resolve_coop(session, coop_ref)
    info = validate.parse_nik(nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    masked = validate.mask_nik(info.nik)
    person = find_person(session, info.nik)
    state = f"enrolled through cooperative {coop.id} {coop.name!r}"
    if person is None:
        raise NotFound(f"nik {masked} is not {state}")
    enr = close_period(
        session, ENROLLED, {"person_id": person.id, "coop_id": coop.id}, on_d, subject=f"nik {masked}", state=state
    )
    audit.record(session, "enrollment", enr.id, coop_id=coop.id, action="end", nik=masked, on=on_d)
    return {
        "enrollment_id": enr.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "nik": person.nik,
        "name": person.name,
        "start_on": enr.start_on,
        "end_on": on_d,
    }
