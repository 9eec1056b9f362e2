"""Corrections of what was entered in error, and `koptrack undo`.

A correction edits or removes one record: a person (name; the NIK when it was mistyped, and
with it the sex and birth date it encodes), an engagement, an enrollment, a BPJS registration or
a PKS-PKB membership. Each is one audit entry whose summary holds the old and the new values
(identifiers masked) and whose undo payload holds the rows before and after (core/audit.py).

A removal deletes a row only when nothing depends on it: an enrollment lies within an engagement
of its person and a registration of its cooperative, so neither may go (or shrink) while such an
enrollment needs it; the refusal names what does.

`undo` reverses one change from its payload when nothing later depends on it: the rows it
touched are as it left them, no later change (not itself undone) touched them or rows that
refer to them, and reversing it leaves every enrollment within its engagement and registration.
The undo is an audit entry of its own, so it can be undone in turn. The log itself is never
edited (it is append-only).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.coops import Said, coop_subject, nik_subject, resolve_coop, said
from koptrack.core.people import find_person, resolve_person
from koptrack.domain import validate
from koptrack.errors import Conflict, Duplicate, KoptrackError, NotFound
from koptrack.i18n import N_, _, pgettext
from koptrack.store.models import (
    AuditEntry,
    BpjsRegistration,
    Cooperative,
    CoopInactive,
    Engagement,
    Enrollment,
    Person,
    PkspkbMembership,
    utcnow,
)

# --- periods --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A dated table: its start and end columns, the columns that name its subject (one subject
    has periods that never overlap), and what a user calls one row and several (marked with N_(),
    translated where shown)."""

    model: type[SQLModel]
    start: str
    end: str
    key: tuple[str, ...]
    label: str
    labels: str


ENGAGEMENT = Kind(Engagement, "since", "until", ("person_id", "coop_id", "role"), N_("engagement"), N_("engagements"))
REGISTRATION = Kind(
    BpjsRegistration,
    "registered_on",
    "deregistered_on",
    ("coop_id",),
    N_("BPJS registration"),
    N_("BPJS registrations"),
)
ENROLLMENT = Kind(Enrollment, "start_on", "end_on", ("person_id", "coop_id"), N_("enrollment"), N_("enrollments"))
MEMBERSHIP = Kind(
    PkspkbMembership, "joined_on", "left_on", ("coop_id",), N_("PKS-PKB membership"), N_("PKS-PKB memberships")
)
INACTIVITY = Kind(CoopInactive, "since", "until", ("coop_id",), N_("inactive period"), N_("inactive periods"))
KINDS = {str(k.model.__tablename__): k for k in (ENGAGEMENT, REGISTRATION, ENROLLMENT, MEMBERSHIP, INACTIVITY)}

# The tables undo may write, by name.
MODELS: dict[str, type[SQLModel]] = {
    str(m.__tablename__): m
    for m in (Cooperative, Person, Engagement, BpjsRegistration, Enrollment, PkspkbMembership, CoopInactive)
}
LABELS = {"cooperative": N_("cooperative"), "person": N_("person")} | {name: k.label for name, k in KINDS.items()}

OPEN_WORDS = ("open", "none", "-")  # --new-until open: the period is still running


def _date(value: object, field: str) -> dt.date:
    return validate.parse_date(value, field, allow_future=False)


def _end(value: object, field: str) -> dt.date | None:
    """An end date, or None for a period still running (`open`)."""
    if str(value).strip().lower() in OPEN_WORDS:
        return None
    return _date(value, field)


def _word(text: str) -> Said:
    """A text marked with N_() (a kind's label), in English and in the language in force."""
    return Said(text, _(text))


def _span(row: SQLModel, kind: Kind) -> Said:
    start, end = getattr(row, kind.start), getattr(row, kind.end)
    if end:
        return said(N_("from {start} until {end}"), start=start, end=end)
    return said(N_("from {start} (still running)"), start=start)


def _pick(rows: list[Any], kind: Kind, since: object, what: str, command: str) -> Any:
    """The period of `rows` that began on `since`, or the only one when `since` is not given."""
    see = _("see {command}").format(command=command)
    if since not in (None, ""):
        day = _date(since, "since")
        rows = [r for r in rows if getattr(r, kind.start) == day]
        if not rows:
            raise NotFound(
                _("since {day}: {what} has no {label} that began that day").format(
                    day=i18n.date(day), what=what, label=_(kind.label)
                ),
                hint=see,
            )
    if not rows:
        raise NotFound(_("{what} has no {label}").format(what=what, label=_(kind.label)), hint=see)
    if len(rows) > 1:
        spans = "; ".join(str(_span(r, kind)) for r in sorted(rows, key=lambda r: getattr(r, kind.start)))
        raise KoptrackError(
            _("{what} has {n} {labels} ({spans}): say which with --since (the day it began)").format(
                what=what, n=len(rows), labels=_(kind.labels), spans=spans
            ),
            hint=see,
        )
    return rows[0]


def _check_period(session: Session, kind: Kind, row: Any, subject: str) -> None:
    """A period ends after the day it starts and overlaps no other period of its subject."""
    start, end = getattr(row, kind.start), getattr(row, kind.end)
    if end is not None and end <= start:
        raise Conflict(
            _(
                "{subject}: the {label} would end on {end}, not after it starts ({start}); "
                "a period must end after the day it starts"
            ).format(subject=subject, label=_(kind.label), end=i18n.date(end), start=i18n.date(start)),
            hint=_("if it was entered in error, remove it instead"),
        )
    model = kind.model
    where = [getattr(model, c) == getattr(row, c) for c in (*kind.key,)]
    where.append(model.id != row.id)  # type: ignore[attr-defined]
    for other in session.exec(select(model).where(*where)).all():
        o_start, o_end = getattr(other, kind.start), getattr(other, kind.end)
        if o_start < (end or dt.date.max) and (o_end or dt.date.max) > start:
            raise Conflict(
                _("{subject}: the {label} {span} would overlap another one {other}").format(
                    subject=subject, label=_(kind.label), span=_span(row, kind), other=_span(other, kind)
                ),
                hint=_("periods of the same subject cannot overlap: correct or remove the other one first"),
            )


def _covers(periods: list[Any], kind: Kind, start: dt.date, end: dt.date | None) -> bool:
    for p in periods:
        p_start, p_end = getattr(p, kind.start), getattr(p, kind.end)
        if p_start <= start and (p_end is None or (end is not None and end <= p_end)):
            return True
    return False


def _uncovered(session: Session, coop_id: int | None) -> dict[int, str]:
    """The enrollments through a cooperative that lie outside an engagement of their person with
    it, or outside a registration of it: id -> what it lies outside (marked with N_())."""
    enrollments = session.exec(select(Enrollment).where(Enrollment.coop_id == coop_id)).all()
    if not enrollments:
        return {}
    registrations = list(session.exec(select(BpjsRegistration).where(BpjsRegistration.coop_id == coop_id)).all())
    engagements: dict[int, list[Engagement]] = {}
    for e in session.exec(select(Engagement).where(Engagement.coop_id == coop_id)).all():
        engagements.setdefault(e.person_id, []).append(e)
    out: dict[int, str] = {}
    for enr in enrollments:
        if not _covers(engagements.get(enr.person_id, []), ENGAGEMENT, enr.start_on, enr.end_on):
            out[enr.id] = N_("an engagement of its person")  # type: ignore[index]
        elif not _covers(registrations, REGISTRATION, enr.start_on, enr.end_on):
            out[enr.id] = N_("a BPJS registration of its cooperative")  # type: ignore[index]
    return out


def _still_covered(session: Session, coop_id: int | None, before: dict[int, str], doing: Said) -> None:
    """Refuse when `doing` left an enrollment outside the engagement or registration it lay in."""
    session.flush()
    newly = {i: why for i, why in _uncovered(session, coop_id).items() if i not in before}
    if not newly:
        return
    first = min(newly)
    enr = session.get(Enrollment, first)
    assert enr is not None
    person = session.get(Person, enr.person_id)
    who = nik_subject(person.nik) if person else _("person {id}").format(id=enr.person_id)
    message = (
        _(
            "{doing}: enrollment {id} of {who} through cooperative {coop}, {span}, (and {n} more) "
            "would lie outside {what}"
        )
        if len(newly) > 1
        else _("{doing}: enrollment {id} of {who} through cooperative {coop}, {span}, would lie outside {what}")
    )
    raise Conflict(
        message.format(
            doing=doing,
            id=first,
            who=who,
            coop=coop_id,
            span=_span(enr, ENROLLMENT),
            n=len(newly) - 1,
            what=_(newly[first]),
        ),
        hint=_(
            "correct or remove the enrollment first: koptrack bpjs edit|remove --coop {coop} --nik ... --since {since}"
        ).format(coop=coop_id, since=enr.start_on.isoformat()),
    )


# --- summaries ------------------------------------------------------------------------------------

MASKS = {"nik": validate.mask_nik, "kpj": validate.mask_kpj}
HIDDEN = ("id", *audit.BOOKKEEPING)


def _shown(values: dict[str, Any] | None, reveal: bool = False) -> dict[str, Any] | None:
    """A row's values as the user may see them: identifiers masked unless `reveal`."""
    if values is None:
        return None
    return {k: (MASKS[k](v) if (k in MASKS and v and not reveal) else v) for k, v in values.items() if k not in HIDDEN}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if k not in HIDDEN and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


# Machine values a change's description translates for people (by column).
VALUE_WORDS = {"status": {"active": N_("active"), "inactive": N_("inactive")}}


def _words(old: dict[str, Any], new: dict[str, Any]) -> Said:
    """`until none -> 2021-06-30; position Kasir -> Manajer`: the fields a change set, with their
    old and new values (in the language in force: field names, dates, "none" translated)."""

    def word(v: object) -> str:
        return "none" if v is None else str(v)

    def shown(key: str, v: object) -> str:
        if v is None:
            return _("none")
        if isinstance(v, str) and v in VALUE_WORDS.get(key, {}):
            return _(VALUE_WORDS[key][v])
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            try:
                return i18n.date(dt.date.fromisoformat(v))
            except ValueError:
                return v
        return str(v)

    return Said(
        "; ".join(f"{k} {word(old.get(k))} -> {word(new.get(k))}" for k in new),
        "; ".join(f"{_field(k)} {shown(k, old.get(k))} -> {shown(k, new.get(k))}" for k in new),
    )


def _field(key: str) -> str:
    """A column's name as people read it in a change's description (English: the column)."""
    words = {
        "name": pgettext("field", "name"),
        "kind": pgettext("field", "kind"),
        "base": pgettext("field", "base"),
        "kecamatan_code": pgettext("field", "kecamatan_code"),
        "desa": pgettext("field", "desa"),
        "legal_no": pgettext("field", "legal_no"),
        "nik_koperasi": pgettext("field", "nik_koperasi"),
        "address": pgettext("field", "address"),
        "employer_size": pgettext("field", "employer_size"),
        "label": pgettext("field", "label"),
        "status": pgettext("field", "status"),
        "note": pgettext("field", "note"),
        "nik": pgettext("field", "nik"),
        "gender": pgettext("field", "gender"),
        "birth_date": pgettext("field", "birth_date"),
        "person_id": pgettext("field", "person_id"),
        "coop_id": pgettext("field", "coop_id"),
        "role": pgettext("field", "role"),
        "position": pgettext("field", "position"),
        "since": pgettext("field", "since"),
        "until": pgettext("field", "until"),
        "registered_on": pgettext("field", "registered_on"),
        "deregistered_on": pgettext("field", "deregistered_on"),
        "npp": pgettext("field", "npp"),
        "branch": pgettext("field", "branch"),
        "kpj": pgettext("field", "kpj"),
        "category": pgettext("field", "category"),
        "programmes": pgettext("field", "programmes"),
        "missing_programmes": pgettext("field", "missing_programmes"),
        "start_on": pgettext("field", "start_on"),
        "end_on": pgettext("field", "end_on"),
        "verified_on": pgettext("field", "verified_on"),
        "verified_by": pgettext("field", "verified_by"),
        "joined_on": pgettext("field", "joined_on"),
        "left_on": pgettext("field", "left_on"),
        "agreement_no": pgettext("field", "agreement_no"),
    }
    return words.get(key, key)


def _result(
    change_id: int,
    action: str,
    entity: str,
    row_id: object,
    *,
    coop: Cooperative | None,
    person: Person | None,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    reveal: bool,
    message: Said,
    **extra: Any,
) -> dict:
    return {
        "change_id": change_id,
        "action": action,
        "entity": entity,
        "id": row_id,
        "coop_id": coop.id if coop else None,
        "coop": coop.name if coop else None,
        "nik": person.nik if person else None,
        "name": person.name if person else None,
        "before": _shown(old, reveal),
        "after": _shown(new, reveal),
        "message": message,
        **extra,
    }


def _who(person: Person, reveal: bool = False) -> str:
    return f"{person.name} ({person.nik if reveal else validate.mask_nik(person.nik)})"


# --- people and their engagements ------------------------------------------------------------------


def edit_worker(
    session: Session,
    ref: object,
    *,
    coop: object = None,
    name: object = None,
    new_nik: object = None,
    since: object = None,
    role: object = None,
    new_since: object = None,
    new_until: object = None,
    new_role: object = None,
    position: object = None,
    confirm: bool = False,
    reveal: bool = False,
) -> dict:
    """Correct a person (name, NIK: sex and birth date follow the NIK) and/or one of their
    engagements with `coop` (start, end, role, position). One audit entry, old and new. An age
    that becomes improbable (rules.check_age) is refused unless `confirm`."""
    coop_row = resolve_coop(session, coop) if coop not in (None, "") else None
    person = resolve_person(session, coop_row, ref)
    person_before = audit.snapshot(person)
    changes: list[dict[str, Any]] = []
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}

    if name is not None:
        person.name = validate.clean_name(name, "name")  # type: ignore[assignment]
    if new_nik is not None:
        info = validate.parse_nik(new_nik, "new-nik")
        other = find_person(session, info.nik)
        if other is not None and other.id != person.id:
            raise Duplicate(
                _("new-nik {nik}: another person ({name!r}) has this NIK").format(
                    nik=validate.mask_nik(info.nik), name=other.name
                ),
                hint=_("check the digits; two records of one person cannot be merged by a correction"),
            )
        first = session.exec(
            select(col(Engagement.since)).where(Engagement.person_id == person.id).order_by(col(Engagement.since))
        ).first()
        if first is not None and info.birth_date > first:
            raise Conflict(
                _(
                    "new-nik {nik}: born on {birth} (from the NIK), after the person's first engagement ({first})"
                ).format(nik=validate.mask_nik(info.nik), birth=i18n.date(info.birth_date), first=i18n.date(first)),
                hint=_("check the NIK's digits 7-12 (date of birth)"),
            )
        person.nik, person.gender, person.birth_date = info.nik, info.gender, info.birth_date
    o, n = _diff(person_before, audit.snapshot(person))
    if n:
        person.updated_at = utcnow()
        session.add(person)
        session.flush()
        changes.append(audit.updated(person, person_before))
        old.update(o)
        new.update(n)

    engagement = None
    period_asked = any(v is not None for v in (new_since, new_until, new_role, position))
    if period_asked:
        if coop_row is None:
            raise KoptrackError(
                _("an engagement is corrected within its cooperative: give --coop"),
                hint=_("koptrack worker edit --coop COOP --nik NIK --since DAY --new-until DAY"),
            )
        stmt = select(Engagement).where(Engagement.person_id == person.id, Engagement.coop_id == coop_row.id)
        if role not in (None, ""):
            stmt = stmt.where(Engagement.role == validate.parse_role(role))
        who = said(
            N_("nik {nik} with cooperative {id} {name!r}"),
            nik=validate.mask_nik(person.nik),
            id=coop_row.id,
            name=coop_row.name,
        )
        engagement = _pick(
            list(session.exec(stmt).all()),
            ENGAGEMENT,
            since,
            who,
            f"`koptrack worker list --coop {coop_row.id} --all`",
        )
        covered = _uncovered(session, coop_row.id)
        e_before = audit.snapshot(engagement)
        if new_since is not None:
            engagement.since = _date(new_since, "new-since")
        if new_until is not None:
            engagement.until = _end(new_until, "new-until")
        if new_role is not None:
            engagement.role = validate.parse_role(new_role)
        if position is not None:
            engagement.position = validate.clean_text(position, "position")
        if new_since is not None and engagement.since < person.birth_date:
            raise Conflict(
                _("new-since {day}: nik {nik} was born on {birth} (from the NIK)").format(
                    day=i18n.date(engagement.since),
                    nik=validate.mask_nik(person.nik),
                    birth=i18n.date(person.birth_date),
                ),
                hint=_("check the date and the NIK"),
            )
        _check_period(session, ENGAGEMENT, engagement, who)
        o, n = _diff(e_before, audit.snapshot(engagement))
        if n:
            session.add(engagement)
            _still_covered(
                session,
                coop_row.id,
                covered,
                said(N_("the engagement of {who} {span}"), who=who, span=_span(engagement, ENGAGEMENT)),
            )
            changes.append(audit.updated(engagement, e_before))
            old.update(o)
            new.update(n)
    if new_nik is not None or new_since is not None or new_role is not None:
        _check_ages(session, person, confirm)
    if not (name is not None or new_nik is not None or period_asked):
        raise KoptrackError(
            _("nothing to change"),
            hint=_("give --name or --new-nik (the person), or --new-since, --new-until, --new-role"),
        )
    if not changes:
        raise KoptrackError(_("nothing to change: {who} already has these values").format(who=_who(person)))
    entity = "engagement" if engagement is not None and len(changes) == 1 and "nik" not in new else "person"
    row_id = engagement.id if entity == "engagement" and engagement is not None else person.id
    change_id = audit.record(
        session,
        entity,
        row_id,
        coop_id=coop_row.id if coop_row else None,
        action="edit",
        nik=validate.mask_nik(person.nik),
        before=_shown(old),
        after=_shown(new),
        undo=changes,
    )
    s_old, s_new = _shown(old, reveal), _shown(new, reveal)
    assert s_old is not None and s_new is not None
    return _result(
        change_id,
        "edit",
        entity,
        row_id,
        coop=coop_row,
        person=person,
        old=old,
        new=new,
        reveal=reveal,
        message=said(
            N_("change {id}: {entity} {row} of {who}: {changes}"),
            id=change_id,
            entity=_word(LABELS[entity]),
            row=row_id,
            who=_who(person, reveal),
            changes=_words(s_old, s_new),
        ),
    )


def _check_ages(session: Session, person: Person, confirm: bool) -> None:
    """Every engagement of the person starts after their birth, at an age that is probable for
    the role (or the office confirms it)."""
    from koptrack.domain import rules

    who = nik_subject(person.nik)
    for e in session.exec(select(Engagement).where(Engagement.person_id == person.id)).all():
        improbable = rules.check_age(person.birth_date, e.since, e.role, who=who).improbable
        if improbable and not confirm:
            raise rules.NeedsConfirmation(improbable)


def remove_engagement(
    session: Session, coop: object, ref: object, *, since: object = None, role: object = None, reveal: bool = False
) -> dict:
    """Remove an engagement entered in error: only when no enrollment lies within it. A person
    left with no engagement and no enrollment anywhere is removed too."""
    coop_row = resolve_coop(session, coop)
    person = resolve_person(session, coop_row, ref)
    who = said(
        N_("nik {nik} with cooperative {id} {name!r}"),
        nik=validate.mask_nik(person.nik),
        id=coop_row.id,
        name=coop_row.name,
    )
    stmt = select(Engagement).where(Engagement.person_id == person.id, Engagement.coop_id == coop_row.id)
    if role not in (None, ""):
        stmt = stmt.where(Engagement.role == validate.parse_role(role))
    engagement = _pick(
        list(session.exec(stmt).all()), ENGAGEMENT, since, who, f"`koptrack worker list --coop {coop_row.id} --all`"
    )
    covered = _uncovered(session, coop_row.id)
    changes = [audit.deleted(engagement)]
    old = audit.snapshot(engagement)
    session.delete(engagement)
    _still_covered(
        session,
        coop_row.id,
        covered,
        said(N_("removing the engagement of {who} {span}"), who=who, span=_span(engagement, ENGAGEMENT)),
    )
    person_removed = False
    others = session.exec(select(Engagement.id).where(Engagement.person_id == person.id)).first()
    enrolled = session.exec(select(Enrollment.id).where(Enrollment.person_id == person.id)).first()
    if others is None and enrolled is None:
        changes.append(audit.deleted(person))
        session.delete(person)
        session.flush()
        person_removed = True
    change_id = audit.record(
        session,
        "engagement",
        old["id"],
        coop_id=coop_row.id,
        action="remove",
        nik=validate.mask_nik(person.nik),
        before=_shown(old),
        after=None,
        person_removed=person_removed,
        undo=changes,
    )
    removed = (
        N_(
            "change {id}: removed the {role} engagement of {who} with {coop} {span}; the person had no other "
            "record and was removed too"
        )
        if person_removed
        else N_("change {id}: removed the {role} engagement of {who} with {coop} {span}")
    )
    return _result(
        change_id,
        "remove",
        "engagement",
        old["id"],
        coop=coop_row,
        person=person,
        old=old,
        new=None,
        reveal=reveal,
        message=said(
            removed,
            id=change_id,
            role=old["role"],
            who=_who(person, reveal),
            coop=coop_row.name,
            span=_span(engagement, ENGAGEMENT),
        ),
        person_removed=person_removed,
    )


# --- BPJS: enrollments and registrations -----------------------------------------------------------


def _enrollment(session: Session, coop: Cooperative, person: Person, since: object) -> Enrollment:
    rows = list(
        session.exec(select(Enrollment).where(Enrollment.person_id == person.id, Enrollment.coop_id == coop.id)).all()
    )
    who = said(
        N_("nik {nik} through cooperative {id} {name!r}"), nik=validate.mask_nik(person.nik), id=coop.id, name=coop.name
    )
    return _pick(rows, ENROLLMENT, since, who, f"`koptrack coop show {coop.id}`")


def _registration(session: Session, coop: Cooperative, since: object) -> BpjsRegistration:
    rows = list(session.exec(select(BpjsRegistration).where(BpjsRegistration.coop_id == coop.id)).all())
    return _pick(rows, REGISTRATION, since, coop_subject(coop), f"`koptrack coop show {coop.id}`")


def _edit_period(
    session: Session,
    kind: Kind,
    row: Any,
    values: dict[str, Any],
    *,
    coop: Cooperative,
    person: Person | None,
    subject: Said,
    summary: dict[str, Any],
    reveal: bool,
) -> dict:
    """Set `values` (already parsed) on a period row, check it, record old and new."""
    covered = _uncovered(session, coop.id)
    before = audit.snapshot(row)
    for k, v in values.items():
        setattr(row, k, v)
    _check_period(session, kind, row, subject)
    old, new = _diff(before, audit.snapshot(row))
    if not new:
        raise KoptrackError(
            _("nothing to change: the {label} of {subject} already has these values").format(
                label=_(kind.label), subject=subject
            )
        )
    session.add(row)
    _still_covered(
        session,
        coop.id,
        covered,
        said(N_("the {label} of {subject} {span}"), label=_word(kind.label), subject=subject, span=_span(row, kind)),
    )
    entity = str(kind.model.__tablename__)
    change_id = audit.record(
        session,
        entity,
        row.id,
        coop_id=coop.id,
        action="edit",
        **summary,
        before=_shown(old),
        after=_shown(new),
        undo=audit.updated(row, before),
    )
    s_old, s_new = _shown(old, reveal), _shown(new, reveal)
    assert s_old is not None and s_new is not None
    return _result(
        change_id,
        "edit",
        entity,
        row.id,
        coop=coop,
        person=person,
        old=old,
        new=new,
        reveal=reveal,
        message=said(
            N_("change {id}: {label} {row} of {subject}: {changes}"),
            id=change_id,
            label=_word(kind.label),
            row=row.id,
            subject=subject,
            changes=_words(s_old, s_new),
        ),
    )


def _remove_period(
    session: Session,
    kind: Kind,
    row: Any,
    *,
    coop: Cooperative,
    person: Person | None,
    subject: Said,
    summary: dict[str, Any],
    reveal: bool,
) -> dict:
    covered = _uncovered(session, coop.id)
    old = audit.snapshot(row)
    change = audit.deleted(row)
    session.delete(row)
    _still_covered(
        session,
        coop.id,
        covered,
        said(
            N_("removing the {label} of {subject} {span}"),
            label=_word(kind.label),
            subject=subject,
            span=_span(row, kind),
        ),
    )
    entity = str(kind.model.__tablename__)
    change_id = audit.record(
        session,
        entity,
        old["id"],
        coop_id=coop.id,
        action="remove",
        **summary,
        before=_shown(old),
        after=None,
        undo=change,
    )
    return _result(
        change_id,
        "remove",
        entity,
        old["id"],
        coop=coop,
        person=person,
        old=old,
        new=None,
        reveal=reveal,
        message=said(
            N_("change {id}: removed the {label} of {subject} {span}"),
            id=change_id,
            label=_word(kind.label),
            subject=subject,
            span=_span(row, kind),
        ),
    )


def edit_bpjs(
    session: Session,
    coop: object,
    ref: object = None,
    *,
    since: object = None,
    kpj: object = None,
    category: object = None,
    programmes: object = None,
    npp: object = None,
    branch: object = None,
    new_since: object = None,
    new_until: object = None,
    reveal: bool = False,
) -> dict:
    """Correct an enrollment (a person given: KPJ, category, programmes, dates) or, without a
    person, the cooperative's registration (NPP, branch, dates)."""
    from koptrack.core.bpjs import minimum_programmes

    coop_row = resolve_coop(session, coop)
    values: dict[str, Any] = {}
    if ref in (None, ""):
        if any(v is not None for v in (kpj, category, programmes)):
            raise KoptrackError(
                _("--kpj, --category and --programs belong to a person's enrollment: give --nik too"),
                hint=_("without --nik, `bpjs edit` corrects the cooperative's registration (--npp, --branch, dates)"),
            )
        reg = _registration(session, coop_row, since)
        if npp is not None:
            values["npp"] = validate.parse_npp(npp)
        if branch is not None:
            values["branch"] = validate.clean_text(branch, "branch")
        if new_since is not None:
            values["registered_on"] = _date(new_since, "new-since")
        if new_until is not None:
            values["deregistered_on"] = _end(new_until, "new-until")
        if not values:
            raise KoptrackError(_("nothing to change"), hint=_("give --npp, --branch, --new-since or --new-until"))
        return _edit_period(
            session,
            REGISTRATION,
            reg,
            values,
            coop=coop_row,
            person=None,
            subject=coop_subject(coop_row),
            summary={},
            reveal=reveal,
        )
    if npp is not None or branch is not None:
        raise KoptrackError(
            _("--npp and --branch belong to the cooperative's registration: leave out --nik"),
            hint=f"koptrack bpjs edit --coop {coop_row.id} --npp ...",
        )
    person = resolve_person(session, coop_row, ref)
    enr = _enrollment(session, coop_row, person, since)
    if kpj is not None:
        from koptrack.core.bpjs import ensure_kpj_free

        values["kpj"] = validate.parse_kpj(kpj)
        ensure_kpj_free(session, values["kpj"], person)  # a KPJ is one person's
    if category not in (None, ""):
        values["category"] = validate.parse_category(category)
    if programmes not in (None, ""):
        values["programmes"] = validate.format_programmes(validate.parse_programmes(programmes))
    if new_since is not None:
        values["start_on"] = _date(new_since, "new-since")
    if new_until is not None:
        values["end_on"] = _end(new_until, "new-until")
    if not values:
        raise KoptrackError(
            _("nothing to change"), hint=_("give --kpj, --category, --programs, --new-since or --new-until")
        )
    if {"category", "programmes", "start_on"} & values.keys():
        from koptrack.domain import rules

        cat = values.get("category", enr.category)
        progs = validate.parse_programmes(values.get("programmes", enr.programmes))
        rules.check_programmes(cat, progs)
        day = values.get("start_on", enr.start_on)
        required = minimum_programmes(session, cat, coop_row.employer_size, day)
        values["missing_programmes"] = validate.format_programmes(p for p in required if p not in progs)
    masked = validate.mask_nik(person.nik)
    return _edit_period(
        session,
        ENROLLMENT,
        enr,
        values,
        coop=coop_row,
        person=person,
        subject=said(N_("{who} through {coop}"), who=_who(person, reveal), coop=coop_row.name),
        summary={"nik": masked},
        reveal=reveal,
    )


def remove_enrollment(
    session: Session, coop: object, ref: object, *, since: object = None, reveal: bool = False
) -> dict:
    """Remove an enrollment entered in error (nothing depends on an enrollment)."""
    coop_row = resolve_coop(session, coop)
    person = resolve_person(session, coop_row, ref)
    enr = _enrollment(session, coop_row, person, since)
    return _remove_period(
        session,
        ENROLLMENT,
        enr,
        coop=coop_row,
        person=person,
        subject=said(N_("{who} through {coop}"), who=_who(person, reveal), coop=coop_row.name),
        summary={"nik": validate.mask_nik(person.nik)},
        reveal=reveal,
    )


def remove_registration(session: Session, coop: object, *, since: object = None) -> dict:
    """Remove a BPJS registration entered in error: only when no enrollment lies within it."""
    coop_row = resolve_coop(session, coop)
    reg = _registration(session, coop_row, since)
    return _remove_period(
        session,
        REGISTRATION,
        reg,
        coop=coop_row,
        person=None,
        subject=coop_subject(coop_row),
        summary={},
        reveal=False,
    )


# --- PKS-PKB -------------------------------------------------------------------------------------


def _membership(session: Session, coop: Cooperative, since: object) -> PkspkbMembership:
    rows = list(session.exec(select(PkspkbMembership).where(PkspkbMembership.coop_id == coop.id)).all())
    return _pick(rows, MEMBERSHIP, since, coop_subject(coop), f"`koptrack coop show {coop.id}`")


def edit_membership(
    session: Session,
    coop: object,
    *,
    since: object = None,
    agreement: object = None,
    new_since: object = None,
    new_until: object = None,
) -> dict:
    """Correct a PKS-PKB membership: its agreement number and dates."""
    coop_row = resolve_coop(session, coop)
    m = _membership(session, coop_row, since)
    values: dict[str, Any] = {}
    if agreement is not None:
        values["agreement_no"] = validate.clean_text(agreement, "agreement", max_len=200)
    if new_since is not None:
        values["joined_on"] = _date(new_since, "new-since")
    if new_until is not None:
        values["left_on"] = _end(new_until, "new-until")
    if not values:
        raise KoptrackError(_("nothing to change"), hint=_("give --agreement, --new-since or --new-until"))
    return _edit_period(
        session,
        MEMBERSHIP,
        m,
        values,
        coop=coop_row,
        person=None,
        subject=coop_subject(coop_row),
        summary={},
        reveal=False,
    )


def remove_membership(session: Session, coop: object, *, since: object = None) -> dict:
    """Remove a PKS-PKB membership entered in error (nothing depends on one)."""
    coop_row = resolve_coop(session, coop)
    m = _membership(session, coop_row, since)
    return _remove_period(
        session,
        MEMBERSHIP,
        m,
        coop=coop_row,
        person=None,
        subject=coop_subject(coop_row),
        summary={},
        reveal=False,
    )


# --- undo ----------------------------------------------------------------------------------------


def _payload(entry: AuditEntry) -> dict[str, Any] | None:
    return json.loads(entry.undo) if entry.undo else None


def _undone_by(session: Session) -> dict[int, list[int]]:
    """change id -> the undo entries that reversed it (an undo may itself be undone)."""
    out: dict[int, list[int]] = {}
    rows = session.exec(select(AuditEntry.id, AuditEntry.undo).where(col(AuditEntry.undo).like('%"undoes"%'))).all()
    for entry_id, undo in rows:
        target = json.loads(undo or "{}").get("undoes")
        if target is not None:
            out.setdefault(int(target), []).append(int(entry_id))  # type: ignore[arg-type]
    return out


def _is_undone(change_id: int, undone_by: dict[int, list[int]]) -> int | None:
    """The undo entry in force that reversed `change_id`, or None (its effect stands)."""
    for u in undone_by.get(change_id, []):
        if _is_undone(u, undone_by) is None:
            return u
    return None


def _name(entry: AuditEntry) -> Said:
    return said(N_("change {id} ({command})"), id=entry.id, command=entry.command)


def _strip(values: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {k: v for k, v in values.items() if k not in audit.BOOKKEEPING}


def _references() -> dict[str, list[tuple[str, str]]]:
    """table -> the (table, column) pairs that refer to its rows by id."""
    out: dict[str, list[tuple[str, str]]] = {}
    for table in SQLModel.metadata.tables.values():
        for fk in table.foreign_keys:
            out.setdefault(fk.column.table.name, []).append((table.name, fk.parent.name))
    return out


def _refers_to(change: dict[str, Any], touched: set[tuple[str, int]]) -> tuple[str, int] | None:
    """The touched row that a row of `change` refers to (by a foreign key), if any."""
    table = SQLModel.metadata.tables.get(change["table"])
    if table is None:
        return None
    for values in (change.get("after"), change.get("before")):
        if not values:
            continue
        for fk in table.foreign_keys:
            v = values.get(fk.parent.name)
            if v is not None and (fk.column.table.name, v) in touched:
                return (fk.column.table.name, v)
    return None


def _label(table: str, row_id: object) -> Said:
    label = LABELS.get(table, table)
    return Said(f"{label} {row_id}", f"{_(label)} {row_id}")


def _coop_of(table: str, values: dict[str, Any] | None) -> int | None:
    if not values:
        return None
    return values.get("id") if table == "cooperative" else values.get("coop_id")


def undo(session: Session, ref: object = None) -> dict:
    """Reverse one change (default: the current OS user's last change not yet undone) when
    nothing later depends on it; record the reversal as a change of its own."""
    undone_by = _undone_by(session)
    me = audit.os_user()
    if ref in (None, ""):
        # the user's latest change that is in force and is not itself an undo
        undone = [i for i in undone_by if _is_undone(i, undone_by) is not None]
        stmt = select(AuditEntry).where(
            AuditEntry.os_user == me,
            AuditEntry.entity != audit.REVEAL,  # a record that personal data was shown changes nothing
            or_(col(AuditEntry.undo).is_(None), ~col(AuditEntry.undo).like('%"undoes"%')),
        )
        if undone:
            stmt = stmt.where(col(AuditEntry.id).not_in(undone))
        entry = session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(1)).first()
        if entry is None:
            raise NotFound(
                _("user {user!r} has no change to undo").format(user=me),
                hint=_("see `koptrack log`; undo a change by its id"),
            )
    else:
        s = str(ref).strip()
        if not s.isdigit():
            raise KoptrackError(
                _("change {ref!r}: give the number of a change").format(ref=s), hint=_("see `koptrack log`")
            )
        # a number beyond any id the database holds (PostgreSQL's integer) is no change
        found = session.get(AuditEntry, int(s)) if len(s) <= 10 and int(s) <= validate.MAX_COUNT else None
        if found is None:
            raise NotFound(_("change {id}: no change has this number").format(id=s), hint=_("see `koptrack log`"))
        entry = found
    assert entry.id is not None
    payload = _payload(entry)
    if payload is None:
        raise KoptrackError(
            _("{change} cannot be undone: restore a backup").format(change=_name(entry)),
            hint=_("`koptrack db restore FILE` (a backup from before it), or correct the records one by one"),
        )
    by = _is_undone(entry.id, undone_by)
    if by is not None:
        raise Conflict(
            _("{change} was already undone by change {by}").format(change=_name(entry), by=by),
            hint=_("`koptrack undo {by}` redoes it").format(by=by),
        )
    changes: list[dict[str, Any]] = payload["changes"]
    touched = {(c["table"], c["id"]) for c in changes}
    named = _name(entry)  # the session expires its rows if a write below is refused

    # 1. The rows are as the change left them.
    for c in changes:
        model = MODELS.get(c["table"])
        if model is None:
            raise KoptrackError(
                _("{change} cannot be undone: it changed table {table!r}").format(change=_name(entry), table=c["table"])
            )
        current = session.get(model, c["id"])
        now = _strip(audit.snapshot(current)) if current is not None else None
        if now != _strip(c["after"]):
            later = _later_toucher(session, entry.id, {(c["table"], c["id"])}, undone_by)
            what = _label(c["table"], c["id"])
            if now is None:
                gone = N_("{change} cannot be undone: {what} no longer exists since ({later})")
                message = gone if later else N_("{change} cannot be undone: {what} no longer exists since")
            elif c["after"] is None:
                back = N_("{change} cannot be undone: {what} exists again since ({later})")
                message = back if later else N_("{change} cannot be undone: {what} exists again since")
            else:
                changed = N_("{change} cannot be undone: {what} has changed since ({later})")
                message = changed if later else N_("{change} cannot be undone: {what} has changed since")
            raise Conflict(
                _(message).format(change=_name(entry), what=what, later=_name(later) if later else ""),
                hint=_("undo change {id} first").format(id=later.id) if later else _("correct the records instead"),
            )
    # 2. No later change (in force) touched them, or rows that refer to them.
    later = _later_toucher(session, entry.id, touched, undone_by)
    if later is not None:
        raise Conflict(
            _(
                "{change} cannot be undone: {later} depends on it (it changed the same records, or records that "
                "refer to them)"
            ).format(change=_name(entry), later=_name(later)),
            hint=_("undo change {id} first").format(id=later.id),
        )
    # 3. Reverse, newest row change first.
    coops = {cid for c in changes for cid in (_coop_of(c["table"], c["before"]), _coop_of(c["table"], c["after"]))}
    coops.discard(None)
    covered = {cid: _uncovered(session, cid) for cid in coops if session.get(Cooperative, cid) is not None}
    references = _references()
    inverse: list[dict[str, Any]] = []
    done: list[Said] = []
    try:
        for c in reversed(changes):
            model = MODELS[c["table"]]
            row = session.get(model, c["id"])
            what = _label(c["table"], c["id"])
            if c["before"] is None:  # inserted: remove it
                assert row is not None
                for child, column in references.get(c["table"], []):
                    child_table = SQLModel.metadata.tables[child]
                    hit = (
                        session.connection()
                        .execute(select(child_table.c.id).where(child_table.c[column] == c["id"]).limit(1))
                        .first()
                    )
                    if hit is not None:
                        raise Conflict(
                            _("{change} cannot be undone: {other} refers to {what}").format(
                                change=_name(entry), other=_label(child, hit[0]), what=what
                            ),
                            hint=_("remove or undo that record first"),
                        )
                inverse.append(audit.deleted(row))
                session.delete(row)
                session.flush()
                done.append(said(N_("removed {what}"), what=what))
            elif c["after"] is None:  # deleted: put it back
                if row is not None:
                    raise Conflict(
                        _("{change} cannot be undone: {what} exists again").format(change=_name(entry), what=what)
                    )
                row = model(**audit.from_plain(model, c["before"]))
                session.add(row)
                session.flush()
                inverse.append(audit.inserted(row))
                done.append(said(N_("restored {what}"), what=what))
            else:  # updated: set the old values back
                assert row is not None
                before_now = audit.snapshot(row)
                for k, v in audit.from_plain(model, c["before"]).items():
                    if k not in ("id", "created_at"):
                        setattr(row, k, v)
                if "updated_at" in before_now:
                    setattr(row, "updated_at", utcnow())  # noqa: B010  (not every table has it)
                session.add(row)
                session.flush()
                inverse.append(audit.updated(row, before_now))
                old, new = _diff(before_now, audit.snapshot(row))
                shown_old, shown_new = _shown(old), _shown(new)
                assert shown_old is not None and shown_new is not None
                done.append(
                    said("{what}: {changes}", what=what, changes=_words(shown_old, shown_new))
                    if new
                    else said(N_("{what} unchanged"), what=what)
                )
            kind = KINDS.get(c["table"])
            if kind is not None and c["before"] is not None:  # a period put back: it must fit among the others
                _check_period(
                    session, kind, row, said(N_("{change} cannot be undone: {what}"), change=_name(entry), what=what)
                )
    except IntegrityError as exc:  # a later record holds what it would put back (a NIK, an open period)
        reason = str(exc.orig).strip().splitlines()[0]
        raise Conflict(
            _("{change} cannot be undone: what it would put back conflicts with a later record ({reason})").format(
                change=named, reason=reason
            ),
            hint=_("see `koptrack log` for the later change, and undo or correct it first"),
        ) from None
    for cid, before in covered.items():
        _still_covered(session, cid, before, said(N_("{change} cannot be undone"), change=_name(entry)))
    summary = json.loads(entry.summary) if entry.summary else {}
    undone_summary: dict[str, Any] = {"action": "undo", "undoes": entry.id, "of": entry.command}
    if "before" in summary or "after" in summary:
        undone_summary["before"] = summary.get("after")
        undone_summary["after"] = summary.get("before")
    if summary.get("nik"):
        undone_summary["nik"] = summary["nik"]
    change_id = audit.record(
        session,
        entry.entity,
        entry.entity_id,
        coop_id=entry.coop_id,
        undo={"undoes": entry.id, "changes": inverse},
        **undone_summary,
    )
    return {
        "change_id": change_id,
        "undid": entry.id,
        "command": entry.command,
        "user": entry.os_user,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "done": done,
        "message": said(
            N_("change {id}: undid {change}: {done}"),
            id=change_id,
            change=_name(entry),
            done=Said("; ".join(d.english for d in done), "; ".join(d.shown for d in done)),
        ),
    }


def _later_toucher(
    session: Session, after_id: int, touched: set[tuple[str, int]], undone_by: dict[int, list[int]]
) -> AuditEntry | None:
    """The latest change after `after_id`, in force and not an undo, that touched `touched` rows
    or rows referring to them."""
    later = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.id) > after_id, col(AuditEntry.undo).is_not(None))
        .order_by(col(AuditEntry.id).desc())
    ).all()
    for e in later:
        payload = _payload(e)
        if payload is None or "undoes" in payload or _is_undone(e.id, undone_by) is not None:  # type: ignore[arg-type]
            continue
        for c in payload["changes"]:
            if (c["table"], c["id"]) in touched or _refers_to(c, touched) is not None:
                return e
    return None
