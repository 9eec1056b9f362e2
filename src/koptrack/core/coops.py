"""Cooperatives: register, find, list, show, edit, deactivate."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from koptrack import i18n
from koptrack.core import audit
from koptrack.core.periods import INACTIVE, close_period, open_period
from koptrack.core.regions import resolve_kecamatan
from koptrack.domain import validate
from koptrack.domain.vocab import COOP_KINDS
from koptrack.errors import Duplicate, KoptrackError, NotFound, ValidationError
from koptrack.i18n import N_, _, pgettext
from koptrack.store.models import Cooperative, CoopInactive, Kecamatan, utcnow
from koptrack.store.tables import COOP, KEC, active_on, coop_where


class Said(str):
    """A sentence for people that a command also returns in its --json (a `message`, a
    warning): the string itself is the English text, so --json is the same in every language;
    str() gives it in the language in force, as the terminal prints it (`said`)."""

    shown: str

    def __new__(cls, english: str, shown: str | None = None) -> Said:
        self = super().__new__(cls, english)
        self.shown = english if shown is None else shown
        return self

    def __str__(self) -> str:
        return self.shown

    @property
    def english(self) -> str:
        return str.__str__(self)


def said(message: str, /, **values: object) -> Said:
    """`message` (a text marked with N_()) with `values` put in, in English and in the language
    in force. A value that is a Said or a date goes in as each language writes it."""

    def english(v: object) -> object:
        return v.english if isinstance(v, Said) else v.isoformat() if isinstance(v, dt.date) else v

    def shown(v: object) -> object:
        return v.shown if isinstance(v, Said) else i18n.date(v) if isinstance(v, dt.date) else v

    return Said(
        message.format(**{k: english(v) for k, v in values.items()}),
        _(message).format(**{k: shown(v) for k, v in values.items()}),
    )


def coop_subject(coop: Cooperative) -> Said:
    """`cooperative 3 'KSP Maju Bersama'`, as messages name a cooperative."""
    return said(N_("cooperative {id} {name!r}"), id=coop.id, name=coop.name)


def nik_subject(nik: str) -> Said:
    """`nik 321505******0001`, as messages name a person by their (masked) NIK."""
    return said(N_("nik {nik}"), nik=validate.mask_nik(nik))


# Fields a user may set on a cooperative, with their parser.
COOP_FIELD_PARSERS = {
    "name": lambda v: validate.clean_name(v, "name"),
    "kind": validate.parse_kind,
    "base": validate.parse_base,
    "desa": lambda v: validate.clean_text(v, "desa"),
    "legal_no": lambda v: validate.clean_text(v, "legal-no", max_len=100),
    "nik_koperasi": validate.parse_nik_koperasi,
    "address": lambda v: validate.clean_text(v, "address", max_len=500),
    "employer_size": lambda v: validate.parse_employer_size(v, "size"),
    "status": validate.parse_status,
    "label": lambda v: validate.clean_text(v, "label", max_len=50),
    "note": lambda v: validate.clean_text(v, "note", max_len=2000),
}


def coop_dict(coop: Cooperative, kecamatan_name: str | None = None) -> dict:
    return {
        "id": coop.id,
        "name": coop.name,
        "kind": coop.kind,
        "base": coop.base,
        "kecamatan": kecamatan_name,
        "kecamatan_code": coop.kecamatan_code,
        "regency": coop.kecamatan_code[:5],
        "desa": coop.desa,
        "legal_no": coop.legal_no,
        "nik_koperasi": coop.nik_koperasi,
        "address": coop.address,
        "employer_size": coop.employer_size,
        "label": coop.label,
        "status": coop.status,
        "note": coop.note,
        "created_at": coop.created_at,
        "updated_at": coop.updated_at,
    }


def _kecamatan_name(session: Session, code: str) -> str | None:
    return session.exec(select(Kecamatan.name).where(Kecamatan.code == code)).first()


def resolve_coop(session: Session, ref: object, field: str = "coop") -> Cooperative:
    """A cooperative by id, NIK koperasi (16 digits), or name (exact, else a unique part of it)."""
    s = validate.normalise_name(ref)  # as names are stored: NFKC, invisible characters removed
    if not s:
        raise KoptrackError(_("{field}: a cooperative id or name is required").format(field=field))
    if s.isdigit() and len(s) == 16:
        coop = session.exec(select(Cooperative).where(Cooperative.nik_koperasi == s)).first()
        if coop:
            return coop
    if s.isdigit() and len(s) < 16:
        # an id beyond any the database holds (PostgreSQL's integer) is no cooperative, not a database error
        coop = session.get(Cooperative, int(s)) if int(s) <= validate.MAX_COUNT else None
        if coop is None:
            raise NotFound(
                _("{field} {id}: no cooperative has this id").format(field=field, id=s),
                hint=_("see `koptrack coop list`"),
            )
        return coop
    lowered = s.lower()
    exact = session.exec(select(Cooperative).where(func.lower(Cooperative.name) == lowered)).all()
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        ids = ", ".join(f"{c.id} ({c.kecamatan_code})" for c in exact)
        raise KoptrackError(
            _("{field} {name!r} is ambiguous: cooperatives {ids}").format(field=field, name=s, ids=ids),
            hint=_("give the id instead"),
        )
    pattern = "%" + lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    partial = session.exec(
        select(Cooperative).where(func.lower(Cooperative.name).like(pattern, escape="\\")).limit(6)
    ).all()
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = "; ".join(f"{c.id} {c.name}" for c in partial[:5])
        raise KoptrackError(
            _("{field} {name!r} matches several cooperatives: {names}").format(field=field, name=s, names=names),
            hint=_("give the id or the full name"),
        )
    known = list(session.exec(select(Cooperative.name).limit(5000)).all())
    close = difflib.get_close_matches(s, known, n=3, cutoff=0.6)
    if close:
        alternatives = (" " + pgettext("did you mean A or B", "or") + " ").join(repr(n) for n in close)
        hint = _("did you mean {names}?").format(names=alternatives)
    else:
        hint = _("see `koptrack coop list`")
    raise NotFound(_("{field} {name!r}: no cooperative has this name").format(field=field, name=s), hint=hint)


def _check_unique(session: Session, values: dict, exclude_id: int | None = None) -> None:
    checks = [
        ("legal_no", Cooperative.legal_no, "legal-no"),
        ("nik_koperasi", Cooperative.nik_koperasi, "nik-koperasi"),
    ]
    for key, column, label in checks:
        if values.get(key):
            stmt = select(Cooperative.id).where(column == values[key])
            if exclude_id is not None:
                stmt = stmt.where(Cooperative.id != exclude_id)
            other = session.exec(stmt).first()
            if other is not None:
                raise Duplicate(
                    _("{field} {value!r} already belongs to cooperative {id}").format(
                        field=label, value=values[key], id=other
                    )
                )
    if "name" in values and "kecamatan_code" in values:
        stmt = select(Cooperative.id).where(
            func.lower(Cooperative.name) == values["name"].lower(),
            Cooperative.kecamatan_code == values["kecamatan_code"],
        )
        if exclude_id is not None:
            stmt = stmt.where(Cooperative.id != exclude_id)
        other = session.exec(stmt).first()
        if other is not None:
            raise Duplicate(
                _("name {name!r}: cooperative {id} in kecamatan {kecamatan} already has this name").format(
                    name=values["name"], id=other, kecamatan=values["kecamatan_code"]
                ),
                hint=_("see `koptrack coop show {id}`").format(id=other),
            )


def add_coop(
    session: Session,
    name: str,
    *,
    kind: str,
    kecamatan: str,
    base: str | None = None,
    desa: str | None = None,
    legal_no: str | None = None,
    nik_koperasi: str | None = None,
    address: str | None = None,
    employer_size: str | None = None,
    label: str | None = None,
    note: str | None = None,
    source_key: str | None = None,
) -> dict:
    raw = dict(
        name=name,
        kind=kind,
        base=base,
        desa=desa,
        legal_no=legal_no,
        nik_koperasi=nik_koperasi,
        address=address,
        employer_size=employer_size,
        label=label,
        note=note,
    )
    # `--kind KSPPS` is a KSP whose label is KSPPS; `--kind KUD` names no kind (refused, asking for it).
    kind_v, implied_label = validate.split_kind_label(kind)
    if kind_v is None and implied_label:
        raise ValidationError(
            "kind",
            implied_label,
            _("is a label, not a kind: give the kind ({kinds})").format(kinds=", ".join(COOP_KINDS)),
            hint=_("for example --kind pemasaran --label {label}: the label is kept beside the kind").format(
                label=implied_label
            ),
        )
    if raw["label"] in (None, "") and implied_label:
        raw["label"] = implied_label
    values: dict[str, Any] = {k: COOP_FIELD_PARSERS[k](v) for k, v in raw.items()}
    values["kecamatan_code"] = resolve_kecamatan(session, kecamatan)
    _check_unique(session, values)
    coop = Cooperative(**values, status="active", source_key=source_key)
    session.add(coop)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent writer got there first
        raise Duplicate(
            _("cooperative {name!r} conflicts with an existing record: {reason}").format(
                name=values["name"], reason=exc.orig
            )
        ) from None
    audit.record(
        session,
        "cooperative",
        coop.id,
        coop_id=coop.id,
        action="add",
        name=coop.name,
        kind=coop.kind,
        undo=audit.inserted(coop),
    )
    return coop_dict(coop, _kecamatan_name(session, coop.kecamatan_code)) | name_warnings(coop.name)


def name_warnings(name: str | None) -> dict[str, list[str]]:
    """`{"warnings": [...]}` for a name that mixes the letters of several scripts (a Cyrillic `а`
    among Latin letters), for the command to say on stderr; `{}` for any other name, so that the
    record keeps its keys."""
    warning = validate.mixed_scripts(name) if name else None
    return {"warnings": [warning]} if warning else {}


def edit_coop(session: Session, ref: object, **changes: object) -> dict:
    """Change the given fields (None means leave as is); returns the cooperative after the edit."""
    coop = resolve_coop(session, ref)
    wanted = changes.pop("status", None)
    if wanted is not None:  # a status is a dated period: from today, as `coop deactivate`/`activate`
        wanted = validate.parse_status(wanted)
        if not any(v is not None for v in changes.values()) and wanted == coop.status:
            already = (
                N_("cooperative {id} {name!r} is already inactive")
                if wanted == "inactive"
                else N_("cooperative {id} {name!r} is already active")
            )
            raise KoptrackError(_(already).format(id=coop.id, name=coop.name))
    values: dict = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "kecamatan":
            values["kecamatan_code"] = resolve_kecamatan(session, value)
        elif key in COOP_FIELD_PARSERS:
            values[key] = COOP_FIELD_PARSERS[key](value)
        else:
            raise KoptrackError(_("cannot edit field {field!r}").format(field=key))
    if not values and wanted is None:
        raise KoptrackError(_("nothing to change"), hint=_("give at least one option, e.g. --base karyawan"))
    if not values:
        return _change_status(session, coop, str(wanted))
    check = dict(values)
    if "name" in check or "kecamatan_code" in check:
        check.setdefault("name", coop.name)
        check.setdefault("kecamatan_code", coop.kecamatan_code)
    _check_unique(session, check, exclude_id=coop.id)
    before = {k: getattr(coop, k) for k in values}
    for k, v in values.items():
        setattr(coop, k, v)
    coop.updated_at = utcnow()
    session.add(coop)
    session.flush()
    audit.record(
        session,
        "cooperative",
        coop.id,
        coop_id=coop.id,
        action="edit",
        before=before,
        after=values,
        undo=audit.updated(coop, **before),
    )
    warnings = name_warnings(values.get("name"))
    if wanted is not None:
        return _change_status(session, coop, wanted) | warnings
    return coop_dict(coop, _kecamatan_name(session, coop.kecamatan_code)) | warnings


def _change_status(session: Session, coop: Cooperative, wanted: str) -> dict:
    if wanted == coop.status:
        return coop_dict(coop, _kecamatan_name(session, coop.kecamatan_code))
    change = deactivate_coop if wanted == "inactive" else activate_coop
    return change(session, coop.id)


def inactive_on(session: Session, coop_id: int | None, day: dt.date) -> CoopInactive | None:
    """The period of inactivity of the cooperative that holds `day`, if any."""
    return session.exec(
        select(CoopInactive).where(
            CoopInactive.coop_id == coop_id, active_on(CoopInactive.since, CoopInactive.until, day)
        )
    ).first()


def ensure_active(session: Session, coop: Cooperative, day: dt.date, doing: str) -> None:
    """Refuse to record `doing` on `day` for a cooperative that was inactive that day. `doing`
    is a text marked with N_() ("enroll people through it"), translated here."""
    period = inactive_on(session, coop.id, day)
    if period is not None:
        message = (
            _("cooperative {id} {name!r} was inactive on {day} (from {since} until {until}): cannot {doing}")
            if period.until
            else _("cooperative {id} {name!r} was inactive on {day} (from {since}): cannot {doing}")
        )
        raise KoptrackError(
            message.format(
                id=coop.id,
                name=coop.name,
                day=i18n.date(day),
                since=i18n.date(period.since),
                until=i18n.date(period.until),
                doing=_(doing),
            ),
            hint=_("check the date, or reactivate it with `koptrack coop activate --on DATE`"),
        )


def _set_status(coop: Cooperative, today: dt.date, session: Session) -> None:
    coop.status = "inactive" if inactive_on(session, coop.id, today) else "active"
    coop.updated_at = utcnow()
    session.add(coop)
    session.flush()


def deactivate_coop(session: Session, ref: object, *, on: object = None) -> dict:
    """The cooperative is inactive from `on` (default today): reports for that day and later
    leave it out; reports for earlier days count it as the active cooperative it was."""
    return _mark_inactive(session, ref, on, inactive=True)


def activate_coop(session: Session, ref: object, *, on: object = None) -> dict:
    """The cooperative is active again from `on` (default today)."""
    return _mark_inactive(session, ref, on, inactive=False)


def _mark_inactive(session: Session, ref: object, on: object, *, inactive: bool) -> dict:
    """Open (`inactive`) or close a period of inactivity from `on`, keep the status of today in
    step, and record it with what undo needs."""
    coop = resolve_coop(session, ref)
    day = validate.parse_date(on, "on", allow_future=False) if on not in (None, "") else dt.date.today()
    change = open_period if inactive else close_period
    period = change(session, INACTIVE, {"coop_id": coop.id}, day, subject=coop_subject(coop), state=_("inactive"))
    status = coop.status
    _set_status(coop, dt.date.today(), session)
    audit.record(
        session,
        "cooperative",
        coop.id,
        coop_id=coop.id,
        action="deactivate" if inactive else "activate",
        on=day,
        period=period.id,
        undo=[
            audit.inserted(period) if inactive else audit.updated(period, until=None),
            audit.updated(coop, status=status),
        ],
    )
    since = "inactive_since" if inactive else "active_since"
    return coop_dict(coop, _kecamatan_name(session, coop.kecamatan_code)) | {since: day}


def get_coop(session: Session, ref: object) -> dict:
    coop = resolve_coop(session, ref)
    return coop_dict(coop, _kecamatan_name(session, coop.kecamatan_code))


def list_coops(
    session: Session,
    *,
    kind: str | None = None,
    base: str | None = None,
    kecamatan: str | None = None,
    status: str | None = None,
    search: str | None = None,
    regency: str | None = None,
) -> Iterator[dict]:
    """Cooperatives matching every filter given, by id; streamed, one dict a row."""
    C, K = COOP, KEC
    stmt = (
        sa_select(C.c.id, C.c.name, C.c.kind, C.c.base, K.c.name, C.c.kecamatan_code, C.c.desa, C.c.status)
        .select_from(C.join(K, K.c.code == C.c.kecamatan_code))
        .where(
            *coop_where(
                kind=validate.parse_kind(kind) if kind else None,
                base=validate.parse_base(base) if base else None,
                kecamatan_code=resolve_kecamatan(session, kecamatan) if kecamatan else None,
                regency=validate.parse_regency(regency),
            )
        )
        .order_by(C.c.id)
    )
    if status:
        stmt = stmt.where(C.c.status == validate.parse_status(status))
    if search:
        like = "%" + search.strip().lower() + "%"
        stmt = stmt.where(
            or_(
                func.lower(C.c.name).like(like),
                func.lower(func.coalesce(C.c.desa, "")).like(like),
                func.lower(func.coalesce(C.c.legal_no, "")).like(like),
            )
        )
    # Filters are checked above, before the first row is asked for: a refused filter must
    # fail before any output (a `[` or a CSV header) has been written.
    result = session.connection().execute(stmt.execution_options(yield_per=2000))
    return (
        {
            "id": row[0],
            "name": row[1],
            "kind": row[2],
            "base": row[3],
            "kecamatan": row[4],
            "kecamatan_code": row[5],
            "regency": row[5][:5],
            "desa": row[6],
            "status": row[7],
        }
        for row in result
    )
