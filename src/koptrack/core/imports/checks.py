"""Checking the rows of an import, one at a time in plain Python, by the rules of the single
commands: `PersonChecker` for a roster, `CoopChecker` for a list of cooperatives. Each locates
its columns once; `check(line, values)` returns the checked row, or None after reporting every
problem of the row to the error sink. What already exists in the database is the writers' part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from koptrack import i18n
from koptrack.core.coops import COOP_FIELD_PARSERS, resolve_coop
from koptrack.core.imports.result import ErrorSink
from koptrack.core.regions import KecamatanNames
from koptrack.domain import rules, validate
from koptrack.domain.vocab import COOP_KINDS
from koptrack.errors import KoptrackError, ValidationError
from koptrack.i18n import _
from koptrack.io.readers import NumberCell
from koptrack.io.writers import FORMULA_STARTS
from koptrack.store.models import Cooperative
from koptrack.store.tables import COOP

# Module globals for the per-row checks: one name lookup a row instead of `validate.X`'s two.
_ROLES = validate.ROLE_ALIASES
_CONTROL = validate.CONTROL_CHARS

# --- shared: the cooperative a row names, its dates -------------------------------------------

# Names matching no cooperative exactly that are looked for as parts of names (resolve_coop's
# query and suggestions); past them, a file naming many unknown cooperatives would take minutes.
LOOKED_FOR = 100


class CoopLookup:
    """The cooperative a cell names, by the rules of `resolve_coop` (an id, a NIK koperasi, a
    name: exact, else a unique part of it), each distinct text once. `eager`: every cooperative
    read in one query first (a file naming thousands of them: registrations, memberships);
    otherwise the names are read on the first name (a roster names a few)."""

    def __init__(self, session: Session, *, eager: bool = False):
        self.session = session
        self.found: dict[str, tuple[int, str] | str] = {}
        self.names: dict[str, list[tuple[int, str]]] | None = None
        self.by_id: dict[int, tuple[str, str]] | None = None
        self.by_nik: dict[str, int] = {}
        self.looked_for = 0
        if eager:
            self.names, self.by_id = {}, {}
            # a driver-level query: SQLAlchemy's rows cost more than the reading, for 100,000 of them
            for cid, name, lowered, status, nik in (
                self.session.connection()
                .exec_driver_sql("SELECT id, name, lower(name), status, nik_koperasi FROM cooperative")
                .fetchall()
            ):
                self.names.setdefault(lowered, []).append((cid, status))
                self.by_id[cid] = (name, status)
                if nik:
                    self.by_nik[nik] = cid

    def _by_name(self) -> dict[str, list[tuple[int, str]]]:
        """Every cooperative by lower(name), read once: a roster naming thousands of
        cooperatives would otherwise cost one query each (resolve_coop's exact match, the
        same SQL lower() on the column and Python's on the reference)."""
        if self.names is None:
            self.names = {}
            for cid, lowered, status in self.session.connection().execute(
                select(COOP.c.id, func.lower(COOP.c.name), COOP.c.status)
            ):
                self.names.setdefault(lowered, []).append((cid, status))
        return self.names

    def _known(self, s: str) -> tuple[int, str] | None:
        """(id, status) when the text names a cooperative without resolve_coop's query."""
        if s.isdigit():
            if self.by_id is None:
                return None
            if len(s) == 16:
                cid = self.by_nik.get(s)
                return (cid, self.by_id[cid][1]) if cid is not None else None
            if len(s) < 16 and int(s) in self.by_id:
                return int(s), self.by_id[int(s)][1]
            return None
        exact = self._by_name().get(s.lower())
        return exact[0] if exact is not None and len(exact) == 1 else None

    def resolve(self, ref: str) -> tuple[int, str] | str:
        """(id, status) of the cooperative `ref` names, or the reason it names none."""
        found = self.found.get(ref)
        if found is None:
            s = validate.normalise_name(ref)
            hit = self._known(s)
            if hit is not None:
                if self.by_id is not None:
                    return hit  # found in memory again as fast: not kept (a file naming thousands)
                found = hit
            elif self.by_id is not None and self.looked_for >= LOOKED_FOR and not s.isdigit():
                found = _(
                    "no cooperative has exactly this name (after {n} such names, parts of names are not looked "
                    "for: give ids or full names)"
                ).format(n=LOOKED_FOR)
            else:
                self.looked_for += 1
                try:
                    c = resolve_coop(self.session, ref)
                    assert c.id is not None  # a stored cooperative
                    found = (c.id, c.status)
                except KoptrackError as exc:
                    found = exc.message
            self.found[ref] = found
        return found

    def name(self, coop_id: int) -> str:
        if self.by_id is not None and coop_id in self.by_id:
            return self.by_id[coop_id][0]
        name = self.session.connection().execute(select(COOP.c.name).where(COOP.c.id == coop_id)).scalar_one()
        if self.by_id is not None:
            self.by_id[coop_id] = (name, "active")
        return name

    def named_elsewhere(self, coop_id: int, named: str) -> str | None:
        """koptrack's export names the cooperative beside its id (in another database the same
        id may be another cooperative): the reason they disagree, or None."""
        if named[:1] == "'" and named[1:2] in FORMULA_STARTS:
            named = named[1:]
        if named and named.casefold() != self.name(coop_id).casefold():
            return _("is {stored} in this database, not {named} as the file says").format(
                stored=repr(self.name(coop_id)), named=repr(named)
            )
        return None


class Dates:
    """A date cell by `validate.parse_date` (never in the future), each distinct text once:
    the date, or the reason it is refused."""

    def __init__(self) -> None:
        self.today = dt.date.today()
        self.seen: dict[tuple[str, str], dt.date | str] = {}

    def __call__(self, text: str, label: str) -> dt.date | str:
        key = (text, label)
        d = self.seen.get(key)
        if d is None:
            try:
                d = validate.parse_date(text, label, allow_future=False, today=self.today)
            except ValidationError as exc:
                d = exc.reason
            self.seen[key] = d
        return d


# --- people ----------------------------------------------------------------------------------


@dataclass(slots=True)
class PersonRow:
    line: int
    raw: list[str]
    nik: str
    name: str
    gender: str
    birth: dt.date
    role: str | None  # None: a departure row naming no role (every open engagement ends)
    since: dt.date | None  # None: a departure row (an until date only)
    coop_id: int
    until: dt.date | None
    position: str | None
    bpjs_on: dt.date | None
    kpj: str | None
    category: str | None
    programmes: tuple[str, ...] | None


class PersonChecker:
    """Checks one row of a roster at a time: the rules of the single commands, with the
    columns located once and repeated values (dates, cooperatives) decoded once."""

    OPTIONAL = ("kpj", "bpjs_on", "category", "programmes")

    def __init__(
        self,
        session: Session,
        mapping: dict[str, int],
        fixed_coop: Cooperative | None,
        sink: ErrorSink,
        *,
        confirm: bool = False,
    ):
        self.session, self.sink, self.confirm = session, sink, confirm
        self.today = dt.date.today()
        self.optional = [(k, mapping[k]) for k in self.OPTIONAL if k in mapping]
        self.fixed_coop_id = fixed_coop.id if fixed_coop is not None else None
        self.coops: dict[str, int | str] = {}
        self.lookup = CoopLookup(session)
        self._date = Dates()
        self.roles: dict[str, tuple[str, str | None] | str] = {}
        self.k_nik, self.k_name = mapping["nik"], mapping["name"]
        # since and role are left out of a list of departures (map_headers: WAIVED)
        self.k_role, self.k_since, self.k_until, self.k_position, self.k_coop_name = (
            mapping.get(k, -1) for k in ("role", "since", "until", "position", "coop_name")
        )
        # without a fixed cooperative, import_people has made sure the file has the column
        self.k_coop = mapping["coop"] if fixed_coop is None else -1

    def _rules(
        self, nik: tuple[str, str, dt.date], role: str, since: dt.date, since_raw: str, extra: dict[str, Any]
    ) -> list[tuple[str, object, str]]:
        """The rules of `worker add` and `bpjs enroll` (domain/rules.py) on a row whose values
        are each good: an age possible on the start day, and probable unless --confirm; JP and
        JKP for wage earners only."""
        out: list[tuple[str, object, str]] = []
        birth = nik[2]
        # The common case in one comparison per row (a million rows: the messages are built only
        # for the rows that need them, by the same rules.check_age `worker add` uses).
        age = since.year - birth.year - ((since.month, since.day) < (birth.month, birth.day))
        if not rules.YOUNGEST.get(role, 15) <= age <= rules.OLDEST:
            who = _("nik {nik}").format(nik=validate.mask_nik(nik[0]))
            try:
                improbable = rules.check_age(birth, since, role, who=who).improbable
            except KoptrackError as exc:
                out.append(("since", since_raw, exc.message))
            else:
                if improbable and not self.confirm:
                    out.append(
                        (
                            "nik",
                            validate.mask_nik(nik[0]),
                            _("{reason}; check it, or import with --confirm").format(reason=improbable),
                        )
                    )
        programmes = extra.get("programmes")
        if programmes and ("jp" in programmes or "jkp" in programmes):
            category = extra.get("category") or ("pu" if role == "karyawan" else "bpu")
            try:
                rules.check_programmes(category, programmes)
            except KoptrackError as exc:
                out.append(("programmes", ",".join(programmes), exc.message.split(": ", 1)[-1]))
        return out

    def _role(self, text: str) -> tuple[str, str | None] | str:
        """(role, position) of a role cell, or the reason it is refused: each distinct text once."""
        found = self.roles.get(text)
        if found is None:
            try:
                found = validate.parse_role_or_title(text)
            except ValidationError as exc:
                found = exc.reason
            self.roles[text] = found
        return found

    def _coop(self, ref: str) -> int | str:
        found = self.coops.get(ref)
        if found is None:
            hit = self.lookup.resolve(ref)
            if isinstance(hit, str):
                found = hit
            else:
                cid, status = hit
                found = cid if status == "active" else _("cooperative {id} is inactive").format(id=cid)
            self.coops[ref] = found
        return found

    def check(self, line: int, values: list[str]) -> PersonRow | None:
        # nik, role, since and coop_id hold a value or, if it is refused, the reason (a str, or
        # None for the role): typed Any, as only an empty `errors` tells the values are good.
        n = len(values)
        errors: list[tuple[str, object, str]] = []

        k = self.k_nik
        nik_raw = values[k] if k < n else ""
        nik: Any = validate.nik_fast(nik_raw, self.today)
        if isinstance(nik_raw, NumberCell):
            errors.append(
                (
                    "nik",
                    nik_raw,
                    _("is stored as a number, which Excel rounds to 15 digits; format the NIK column as Text"),
                )
            )
        elif isinstance(nik, str):
            errors.append(("nik", nik_raw.strip(), nik))

        k = self.k_name
        name = values[k].strip() if k < n else ""
        if name[:1] == "'" and name[1:2] in FORMULA_STARTS:
            name = name[1:]  # koptrack's export kept a spreadsheet from reading it as a formula
        if not name:
            errors.append(("name", "", _("is required")))
        elif name.isascii():  # the common case, without a call
            if _CONTROL.search(name):
                errors.append(
                    ("name", name.encode("unicode_escape").decode("ascii")[:60], _("contains control characters"))
                )
            elif len(name) > 200:
                errors.append(("name", name[:40] + "...", _("is longer than 200 characters")))
            elif "  " in name:
                name = " ".join(name.split())
        else:  # NFKC, invisible characters removed, as every name is stored
            try:
                name = validate.clean_name(name, "name") or ""
            except ValidationError as exc:
                errors.append(("name", exc.value, exc.reason))
            else:
                mixed = validate.mixed_scripts(name)
                if mixed:
                    self.sink.warn(line, mixed)

        k = self.k_since
        since_raw = values[k].strip() if 0 <= k < n else ""
        k = self.k_until
        until_raw = values[k].strip() if 0 <= k < n else ""
        # a departure: the day the person left, without the day they joined (`worker leave`)
        departure = not since_raw and bool(until_raw)

        k = self.k_role
        role_raw = values[k].strip() if 0 <= k < n else ""
        position: str | None = None
        lowered = role_raw.lower()
        role: Any = _ROLES.get(lowered)
        if departure and not role_raw:
            pass  # every open engagement of the person with the cooperative ends
        elif role is None or lowered == "pengelola":  # a job title: kept as the position
            found = self._role(role_raw)
            if isinstance(found, str):
                errors.append(("role", role_raw, found))
            else:
                role, position = found
        k = self.k_position
        if 0 <= k < n and values[k].strip():
            try:
                position = validate.clean_text(values[k], "position", max_len=100)
            except ValidationError as exc:
                errors.append(("position", exc.value, exc.reason))
            if position and position[:1] == "'" and position[1:2] in FORMULA_STARTS:
                position = position[1:]

        since: Any = None
        if not departure:
            since = self._date(since_raw, "since") if since_raw else _("is required (a date like 2021-03-16)")
            if isinstance(since, str):
                errors.append(("since", since_raw, since))

        until: Any = None
        if until_raw:
            until = self._date(until_raw, "until")
            if isinstance(until, str):
                errors.append(("until", until_raw, until))
            elif isinstance(since, dt.date) and until <= since:
                errors.append(
                    (
                        "until",
                        until_raw,
                        _("must be after the day the person joined ({day})").format(day=i18n.date(since)),
                    )
                )

        coop_id: Any
        if self.fixed_coop_id is not None:
            coop_id = self.fixed_coop_id
        else:
            k = self.k_coop
            ref = values[k].strip() if k < n else ""
            coop_id = self._coop(ref) if ref else _("is required (or give --coop)")
            if isinstance(coop_id, str):
                errors.append(("coop", ref, coop_id))
            elif 0 <= self.k_coop_name < n:
                elsewhere = self.lookup.named_elsewhere(coop_id, values[self.k_coop_name].strip())
                if elsewhere:
                    errors.append(("coop", ref, elsewhere))

        extra: dict[str, Any] = {}
        for name_, k in self.optional:
            v = values[k].strip() if k < n else ""
            if not v:
                continue
            try:
                if name_ == "kpj":
                    extra[name_] = validate.parse_kpj(v)
                elif name_ == "bpjs_on":
                    d = self._date(v, "bpjs date")
                    if isinstance(d, str):
                        raise ValidationError("bpjs date", v, d)
                    extra[name_] = d
                elif name_ == "category":
                    extra[name_] = validate.parse_category(v)
                else:
                    extra[name_] = validate.parse_programmes(v) or None
            except ValidationError as exc:
                errors.append((name_, v, exc.reason))
        if not errors and extra and departure:
            errors.append(
                (
                    "since",
                    "",
                    _("is required to enroll: a row with a departure date only ends the person's engagement"),
                )
            )
        if not errors and extra and extra.get("bpjs_on") is None:
            errors.append(
                ("bpjs_on", "", _("a BPJS date is needed to enroll (kpj, programmes or category were given)"))
            )
        if not errors and extra.get("bpjs_on") and extra["bpjs_on"] < since:
            errors.append(
                (
                    "bpjs_on",
                    extra["bpjs_on"].isoformat(),
                    _("is before the person joined ({day})").format(day=i18n.date(since)),
                )
            )
        if not errors and until is not None and extra.get("bpjs_on") and extra["bpjs_on"] >= until:
            errors.append(
                (
                    "bpjs_on",
                    extra["bpjs_on"].isoformat(),
                    _("is not before the person left ({day})").format(day=i18n.date(until)),
                )
            )
        if not errors and not departure:
            errors.extend(self._rules(nik, role, since, since_raw, extra))
        if errors:
            for column, value, reason in errors:
                self.sink.add(line, column, value, reason, values)
            return None
        nik_s, gender, birth = nik
        return PersonRow(
            line,
            values,
            nik_s,
            name,
            gender,
            birth,
            role,
            since,
            coop_id,
            until,
            position,
            extra.get("bpjs_on"),
            extra.get("kpj"),
            extra.get("category"),
            extra.get("programmes"),
        )


# --- cooperatives ----------------------------------------------------------------------------

# The columns of a cooperative in the order their errors are reported: (column, field, parser).
_COOP_FIELDS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = tuple(
    (column, field, COOP_FIELD_PARSERS[field])
    for column, field in (
        ("name", "name"),
        ("kind", "kind"),
        ("base", "base"),
        ("desa", "desa"),
        ("legal_no", "legal_no"),
        ("nik_koperasi", "nik_koperasi"),
        ("address", "address"),
        ("size", "employer_size"),
        ("note", "note"),
    )
)


class CoopChecker:
    """Checks one row of a list of cooperatives at a time: each field by the rules of `coop
    add`, the kecamatan matched by its name, code or an alias (each distinct text once). The row is the
    cooperative's columns, with `kecamatan_code`."""

    def __init__(
        self,
        mapping: dict[str, int],
        names: KecamatanNames,
        prefer_regency: str | None,
        sink: ErrorSink,
    ):
        self.mapping, self.names, self.prefer, self.sink = mapping, names, prefer_regency, sink
        self.kecamatan: dict[str, str | ValidationError] = {}

    def check(self, line: int, values: list[str]) -> dict[str, Any] | None:
        mapping, sink = self.mapping, self.sink
        row: dict[str, Any] = {}
        bad = False
        for column, key, parse in _COOP_FIELDS:
            v = _cell(values, mapping, column)
            try:
                if column == "kind":
                    # the kind column, or the Jenis Koperasi column standing in for it (a label
                    # there asks for the kind); the office's word for a kind (KSPPS) is its label
                    row["kind"], row["label"] = validate.split_kind_label(v)
                    if row["kind"] is None and row["label"] is not None:
                        raise ValidationError(
                            "kind",
                            v,
                            _(
                                "is a label, not a kind: give the kind ({kinds}) in a Jenis column "
                                "and the label in a Label column, where it is kept"
                            ).format(kinds=", ".join(COOP_KINDS)),
                        )
                    if row["kind"] is None:
                        validate.parse_kind(v)  # refused: required
                else:
                    row[key] = parse(v if not (column == "base" and v is None) else "unknown")
            except ValidationError as exc:
                sink.add(line, column, v, exc.reason, values)
                bad = True
        lv = _cell(values, mapping, "label")
        if lv is not None:
            try:
                row["label"] = COOP_FIELD_PARSERS["label"](lv)
            except ValidationError as exc:
                sink.add(line, "label", lv, exc.reason, values)
                bad = True
        kv = _cell(values, mapping, "kecamatan")
        kkey = str(kv or "")
        if kkey not in self.kecamatan:
            try:
                self.kecamatan[kkey] = self.names.match(kv, prefer_regency=self.prefer)
            except ValidationError as exc:
                self.kecamatan[kkey] = exc
        found = self.kecamatan[kkey]
        if isinstance(found, ValidationError):
            sink.add(line, "kecamatan", kv, found.reason, values)
            bad = True
        if bad:
            return None
        mixed = validate.mixed_scripts(row["name"])
        if mixed:
            sink.warn(line, mixed)
        row["kecamatan_code"] = found
        return row


def _cell(values: list[str], mapping: dict[str, int], name: str) -> object:
    i = mapping.get(name)
    if i is None or i >= len(values):
        return None
    v = values[i]
    if isinstance(v, str):
        v = v.strip()
        if v[:1] == "'" and v[1:2] in FORMULA_STARTS:
            v = v[1:]  # koptrack's export kept a spreadsheet from reading it as a formula
        return v or None
    return v
