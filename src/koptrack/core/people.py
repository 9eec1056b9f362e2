"""A cooperative's people: employees (karyawan / pengelola) and members (anggota).

Periods are half-open: a person engaged `since` D1 and leaving `on` D2 is engaged on D1 and on
every day before D2, not on D2 itself. The same rule holds for enrollments, registrations and
PKS-PKB membership, so every report counts "on the as-of date" the same way.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from koptrack.core import audit
from koptrack.core.coops import resolve_coop
from koptrack.core.periods import ENGAGED, open_period
from koptrack.domain import periods, validate
from koptrack.errors import Conflict, KoptrackError, NotFound
from koptrack.store.models import Engagement, Enrollment, Person, utcnow
from koptrack.store.tables import ENGAGEMENT, PERSON, active_on


def find_person(session: Session, nik: str) -> Person | None:
    return session.exec(select(Person).where(Person.nik == nik)).first()


def get_or_create_person(session: Session, nik: object, name: object) -> tuple[Person, bool]:
    """The person with this NIK (the name must agree), or a new one. Returns (person, created)."""
    info = validate.parse_nik(nik)
    clean_name = cast(str, validate.clean_text(name, "name", required=True))  # required: never None
    person = find_person(session, info.nik)
    if person is not None:
        if person.name.casefold() != clean_name.casefold():
            raise Conflict(
                f"nik {validate.mask_nik(info.nik)} is already registered under another name "
                f"({person.name!r}, not {clean_name!r})",
                hint="check the NIK; correct a misspelt name with the registered spelling",
            )
        return person, False
    person = Person(nik=info.nik, name=clean_name, gender=info.gender, birth_date=info.birth_date)
    session.add(person)
    session.flush()
    return person, True


def add_worker(
    session: Session,
    coop_ref: object,
    *,
    nik: object,
    name: object,
    role: object,
    since: object,
) -> dict:
    """Engage a person (created from the NIK if new) with a cooperative from `since`."""
    coop = resolve_coop(session, coop_ref)
    role = validate.parse_role(role)
    since_d = validate.parse_date(since, "since", allow_future=False)
    person, created = get_or_create_person(session, nik, name)
    if coop.status != "active":
        raise KoptrackError(
            f"cooperative {coop.id} {coop.name!r} is inactive", hint="reactivate it with `koptrack coop edit`"
        )
    eng = open_period(
        session,
        ENGAGED,
        {"person_id": person.id, "coop_id": coop.id, "role": role},
        since_d,
        subject=f"nik {validate.mask_nik(person.nik)}",
        state=f"{role} of cooperative {coop.id}",
    )
    audit.record(
        session,
        "engagement",
        eng.id,
        coop_id=coop.id,
        action="add",
        nik=validate.mask_nik(person.nik),
        role=role,
        since=since_d,
        new_person=created,
    )
    return {
        "engagement_id": eng.id,
        "person_id": person.id,
        "coop_id": coop.id,
        "coop": coop.name,
        "nik": person.nik,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "role": role,
        "since": since_d,
        "until": None,
        "new_person": created,
    }


def leave(
    session: Session,
    coop_ref: object,
    *,
    nik: object,
    on: object,
    role: object | None = None,
) -> dict:
    """End a person's open engagement(s) with a cooperative on `on`; their enrollments through
    that cooperative end the same day."""
    coop = resolve_coop(session, coop_ref)
    info = validate.parse_nik(nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    person = find_person(session, info.nik)
    if person is None:
        raise NotFound(f"nik {validate.mask_nik(info.nik)}: no person with this NIK is registered")
    stmt = select(Engagement).where(
        Engagement.person_id == person.id, Engagement.coop_id == coop.id, col(Engagement.until).is_(None)
    )
    if role is not None:
        stmt = stmt.where(Engagement.role == validate.parse_role(role))
    open_engagements = session.exec(stmt).all()
    if not open_engagements:
        raise NotFound(
            f"nik {validate.mask_nik(info.nik)} has no open engagement with cooperative {coop.id} {coop.name!r}"
        )
    for e in open_engagements:
        periods.close(
            e,
            start="since",
            end="until",
            on=on_d,
            subject=f"nik {validate.mask_nik(person.nik)}",
            state=f"{e.role} of cooperative {coop.id}",
        )
        session.add(e)
    ended = 0
    for enr in session.exec(
        select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.coop_id == coop.id, col(Enrollment.end_on).is_(None)
        )
    ).all():
        enr.end_on = max(on_d, enr.start_on)
        session.add(enr)
        ended += 1
    person.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        "engagement",
        ",".join(str(e.id) for e in open_engagements),
        coop_id=coop.id,
        action="leave",
        nik=validate.mask_nik(person.nik),
        on=on_d,
        enrollments_ended=ended,
    )
    return {
        "coop_id": coop.id,
        "coop": coop.name,
        "nik": person.nik,
        "name": person.name,
        "roles": [e.role for e in open_engagements],
        "until": on_d,
        "enrollments_ended": ended,
    }


def list_workers(
    session: Session,
    coop_ref: object,
    *,
    role: object | None = None,
    as_of: object | None = None,
    include_left: bool = False,
) -> list[dict]:
    """The cooperative's people: engaged on `as_of` (default today), or every period with
    `include_left`."""
    coop = resolve_coop(session, coop_ref)
    E, P = ENGAGEMENT, PERSON
    stmt = (
        sa_select(P.c.nik, P.c.name, P.c.gender, P.c.birth_date, E.c.role, E.c.since, E.c.until)
        .select_from(E.join(P, P.c.id == E.c.person_id))
        .where(E.c.coop_id == coop.id)
        .order_by(E.c.role, P.c.name, E.c.since)
    )
    if role is not None:
        stmt = stmt.where(E.c.role == validate.parse_role(role))
    if not include_left:
        stmt = stmt.where(active_on(E.c.since, E.c.until, validate.parse_as_of(as_of)))
    return [
        {"nik": nik, "name": name, "gender": g, "birth_date": b, "role": r, "since": s, "until": u}
        for nik, name, g, b, r, s, u in session.connection().execute(stmt)
    ]
