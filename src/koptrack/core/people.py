"""A cooperative's people: employees (karyawan / pengelola) and members (anggota).

Periods are half-open: a person engaged `since` D1 and leaving `on` D2 is engaged on D1 and on
every day before D2, not on D2 itself. The same rule holds for enrollments, registrations and
PKS-PKB membership, so every report counts "on the as-of date" the same way.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.coops import ensure_active, nik_subject, resolve_coop, said
from koptrack.core.periods import ENGAGED, open_period
from koptrack.domain import periods, rules, validate
from koptrack.errors import Conflict, KoptrackError, NotFound
from koptrack.i18n import N_, _, ngettext
from koptrack.store.models import Cooperative, Engagement, Enrollment, Person, utcnow
from koptrack.store.tables import ENGAGEMENT, PERSON, active_on


def find_person(session: Session, nik: str) -> Person | None:
    return session.exec(select(Person).where(Person.nik == nik)).first()


def resolve_person(session: Session, coop: Cooperative | None, ref: object, field: str = "nik") -> Person:
    """A person as the user can see them: a NIK (spaces, dots, dashes or a leading apostrophe
    allowed), or a name unique among the people `coop` has ever engaged (case-insensitive)."""
    s = " ".join(("" if ref is None else str(ref)).split())
    digits = s.lstrip("'").replace(" ", "").replace(".", "").replace("-", "")
    if not s or digits.isdigit():
        info = validate.parse_nik(digits, field)
        person = find_person(session, info.nik)
        if person is None:
            raise NotFound(
                _("{field} {nik}: no person with this NIK is registered").format(
                    field=field, nik=validate.mask_nik(info.nik)
                ),
                hint=_("register them first with `koptrack worker add`"),
            )
        return person
    if coop is None:
        raise KoptrackError(
            _("{field} {name!r}: a name identifies a person only within a cooperative").format(field=field, name=s),
            hint=_("give the cooperative too (--coop), or the NIK"),
        )
    # Compared in Python: SQLite's lower() knows ASCII only, and a name may hold other letters.
    key = validate.normalise_name(s).casefold()
    names = session.exec(
        select(Person.id, Person.name).where(
            col(Person.id).in_(select(Engagement.person_id).where(Engagement.coop_id == coop.id))
        )
    ).all()
    people = [pid for pid, name in names if validate.normalise_name(name).casefold() == key]
    if len(people) == 1:
        found = session.get(Person, people[0])
        assert found is not None
        return found
    listing = f"`koptrack worker list --coop {coop.id} --all --show-nik`"
    if people:
        raise KoptrackError(
            ngettext(
                "{field} {name!r}: {n} person of cooperative {id} {coop!r} has this name",
                "{field} {name!r}: {n} people of cooperative {id} {coop!r} have this name",
                len(people),
            ).format(field=field, name=s, n=len(people), id=coop.id, coop=coop.name),
            hint=_("give the NIK instead: see {listing}").format(listing=listing),
        )
    raise NotFound(
        _("{field} {name!r}: no person of cooperative {id} {coop!r} has this name or NIK").format(
            field=field, name=s, id=coop.id, coop=coop.name
        ),
        hint=_("see {listing}").format(listing=listing),
    )


def get_or_create_person(session: Session, nik: object, name: object) -> tuple[Person, bool]:
    """The person with this NIK (the name must agree), or a new one. Returns (person, created)."""
    info = validate.parse_nik(nik)
    clean_name = cast(str, validate.clean_name(name, "name"))  # required: never None
    person = find_person(session, info.nik)
    if person is not None:
        if validate.normalise_name(person.name).casefold() != clean_name.casefold():
            raise Conflict(
                _("nik {nik} is already registered under another name ({registered!r}, not {given!r})").format(
                    nik=validate.mask_nik(info.nik), registered=person.name, given=clean_name
                ),
                hint=_("check the NIK; correct a misspelt name with the registered spelling"),
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
    position: object = None,
    confirm: bool = False,
) -> dict:
    """Engage a person (created from the NIK if new) with a cooperative from `since`. A start
    before the person's birth (from the NIK) is refused; an improbable age (an employee under 15,
    a member under 17, anyone over 100) is refused unless `confirm`, and then recorded with a
    warning."""
    coop = resolve_coop(session, coop_ref)
    role = validate.parse_role(role)
    since_d = validate.parse_date(since, "since", allow_future=False)
    position_v = validate.clean_text(position, "position", max_len=100)
    person, created = get_or_create_person(session, nik, name)
    ensure_active(session, coop, since_d, N_("engage people"))
    warnings: list[str] = [w for w in [validate.mixed_scripts(person.name)] if created and w]
    who = nik_subject(person.nik)
    improbable = rules.check_age(person.birth_date, since_d, role, who=who).improbable
    if improbable and not confirm:
        raise rules.NeedsConfirmation(improbable)
    if improbable:
        warnings.append(said(N_("{warning}; recorded as confirmed"), warning=improbable))
    eng = open_period(
        session,
        ENGAGED,
        {"person_id": person.id, "coop_id": coop.id, "role": role},
        since_d,
        subject=who,
        state=_("{role} of cooperative {id}").format(role=role, id=coop.id),
        position=position_v,
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
        undo=[audit.inserted(person), audit.inserted(eng)] if created else audit.inserted(eng),
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
        "position": position_v,
        "since": since_d,
        "until": None,
        "new_person": created,
        "warnings": warnings,
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
    person = resolve_person(session, coop, nik)
    on_d = validate.parse_date(on, "on", allow_future=False)
    stmt = select(Engagement).where(
        Engagement.person_id == person.id, Engagement.coop_id == coop.id, col(Engagement.until).is_(None)
    )
    if role is not None:
        stmt = stmt.where(Engagement.role == validate.parse_role(role))
    open_engagements = session.exec(stmt).all()
    if not open_engagements:
        raise NotFound(
            _("nik {nik} has no open engagement with cooperative {id} {name!r}").format(
                nik=validate.mask_nik(person.nik), id=coop.id, name=coop.name
            )
        )
    for e in open_engagements:
        periods.close(
            e,
            start="since",
            end="until",
            on=on_d,
            subject=nik_subject(person.nik),
            state=_("{role} of cooperative {id}").format(role=e.role, id=coop.id),
        )
        session.add(e)
    changes = [audit.updated(e, until=None) for e in open_engagements]
    ended = 0
    for enr in session.exec(
        select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.coop_id == coop.id, col(Enrollment.end_on).is_(None)
        )
    ).all():
        if enr.start_on >= on_d:
            raise Conflict(
                _(
                    "on {day}: nik {nik} was enrolled through cooperative {id} from {start}, not before leaving; "
                    "the enrollment would hold no day"
                ).format(
                    day=i18n.date(on_d), nik=validate.mask_nik(person.nik), id=coop.id, start=i18n.date(enr.start_on)
                ),
                hint=_("check the date; an enrollment entered in error can be removed (`koptrack bpjs remove`)"),
            )
        enr.end_on = on_d
        session.add(enr)
        changes.append(audit.updated(enr, end_on=None))
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
        undo=changes,
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
        sa_select(P.c.nik, P.c.name, P.c.gender, P.c.birth_date, E.c.role, E.c.position, E.c.since, E.c.until)
        .select_from(E.join(P, P.c.id == E.c.person_id))
        .where(E.c.coop_id == coop.id)
        .order_by(E.c.role, P.c.name, E.c.since)
    )
    if role is not None:
        stmt = stmt.where(E.c.role == validate.parse_role(role))
    if not include_left:
        stmt = stmt.where(active_on(E.c.since, E.c.until, validate.parse_as_of(as_of)))
    return [
        {"nik": nik, "name": name, "gender": g, "birth_date": b, "role": r, "position": pos, "since": s, "until": u}
        for nik, name, g, b, r, pos, s, u in session.connection().execute(stmt)
    ]
