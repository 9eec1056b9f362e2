"""Writing the checked rows of a roster: what to insert, batch by batch, inside the caller's
transaction. A person is found by NIK (a NIK already registered under another name is a bad
row), an engagement or enrollment already recorded (the same start and end) counts as unchanged,
an open one that the file ends (a departure date) is ended, one that would overlap a recorded
period is a bad row; the rest is inserted in bulk (store.bulk)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from koptrack import i18n
from koptrack.core import bpjs
from koptrack.core.coops import nik_subject
from koptrack.core.imports.checks import PersonRow
from koptrack.core.imports.result import ErrorSink, ImportResult
from koptrack.domain import periods, validate
from koptrack.domain.vocab import ROLES
from koptrack.errors import KoptrackError
from koptrack.i18n import _
from koptrack.store.bulk import Storage, bulk_insert
from koptrack.store.models import utcnow
from koptrack.store.tables import COOP, ENGAGEMENT, ENROLLMENT, PERSON, REGISTRATION

BATCH = 5000  # rows checked, then written, at a time (people and cooperatives)
IMPORT_CACHE_KIB = 64 * 1024


class PeopleWriter:
    """Writes checked rows batch by batch: persons, engagements, enrollments."""

    PERSON_COLUMNS = ("nik", "name", "gender", "birth_date", "created_at", "updated_at")
    ENGAGEMENT_COLUMNS = ("person_id", "coop_id", "role", "since", "created_at")
    # a position or a departure: the rarer rows, inserted apart so the common ones bind fewer values
    ENGAGEMENT_FULL = ("person_id", "coop_id", "role", "since", "created_at", "position", "until")
    ENROLLMENT_COLUMNS = (
        "person_id",
        "coop_id",
        "kpj",
        "category",
        "programmes",
        "missing_programmes",
        "start_on",
        "end_on",
        "created_at",
    )

    def __init__(self, session: Session, result: ImportResult, sink: ErrorSink):
        self.session, self.result, self.sink = session, result, sink
        self.conn = session.connection()
        self.rules: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self.sizes: dict[int, str | None] = {}
        self.registrations: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
        self.kpj_owners: dict[str, str] = {}  # KPJ -> the NIK it belongs to (the database's, this file's)
        self.store = Storage(self.conn.dialect.name)
        if self.conn.dialect.name == "sqlite":
            # Index pages of a large roster stay in memory (bounded: 64 MiB, whatever the file).
            self.conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")

    def _load_sizes(self, coop_ids: set[int]) -> None:
        """Employer sizes of these cooperatives, in one query per 500 of them."""
        todo = sorted(coop_ids - self.sizes.keys())
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            self.sizes.update(
                self.conn.execute(select(COOP.c.id, COOP.c.employer_size).where(COOP.c.id.in_(chunk))).all()
            )

    def _load_registrations(self, coop_ids: set[int]) -> None:
        """The BPJS registrations of these cooperatives (an enrollment lies within one)."""
        todo = sorted(coop_ids - self.registrations.keys())
        R = REGISTRATION
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            for cid in chunk:
                self.registrations[cid] = []
            for cid, start, end in self.conn.execute(
                select(R.c.coop_id, R.c.registered_on, R.c.deregistered_on).where(R.c.coop_id.in_(chunk))
            ):
                self.registrations[cid].append((start, end))

    def _load_kpj_owners(self, kpjs: set[str]) -> None:
        """The NIK of the person each of these KPJs is recorded for, in one query per 500."""
        todo = sorted(kpjs - self.kpj_owners.keys())
        for i in range(0, len(todo), 500):
            chunk = todo[i : i + 500]
            self.kpj_owners.update(
                self.conn.execute(
                    select(ENROLLMENT.c.kpj, PERSON.c.nik)
                    .join(PERSON, PERSON.c.id == ENROLLMENT.c.person_id)
                    .where(ENROLLMENT.c.kpj.in_(chunk))
                ).all()
            )

    def _registration(self, coop_id: int, day: dt.date) -> tuple[dt.date, dt.date | None] | None:
        return next((p for p in self.registrations[coop_id] if periods.contains(p[0], p[1], day)), None)

    def _minimum(self, category: str, coop_id: int) -> tuple[str, ...]:
        # The rules depend on category and employer size only; write() loaded the batch's sizes.
        key = (category, self.sizes[coop_id])
        if key not in self.rules:
            self.rules[key] = bpjs.minimum_programmes(self.session, *key)
        return self.rules[key]

    def _ids(self, niks: list[str]) -> dict[str, tuple[int, str]]:
        """id and name of the persons with these NIKs (a driver-level query: building an
        SQLAlchemy IN list of thousands of parameters costs more than the lookup itself)."""
        if not niks:
            return {}
        if self.conn.dialect.name == "postgresql":
            rows = self.conn.exec_driver_sql("SELECT id, nik, name FROM person WHERE nik = ANY(%s)", (niks,)).all()
        else:
            mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
            rows = self.conn.exec_driver_sql(
                f"SELECT id, nik, name FROM person WHERE nik IN ({','.join([mark] * len(niks))})", tuple(niks)
            ).all()
        return {nik: (pid, name) for pid, nik, name in rows}

    def _insert_persons(self, rows: list[tuple]) -> dict[str, int]:
        """Insert new persons; their ids by NIK. On SQLite, inside our write lock, rows without
        an id get max(id)+1, +2, ... in order: checked by max(id) afterwards, else looked up."""
        conn = self.conn
        if conn.dialect.name == "sqlite":
            before = conn.exec_driver_sql("SELECT max(id) FROM person").scalar() or 0
            bulk_insert(conn, PERSON, self.PERSON_COLUMNS, rows)
            after = conn.exec_driver_sql("SELECT max(id) FROM person").scalar()
            if after == before + len(rows):
                return {row[0]: before + 1 + j for j, row in enumerate(rows)}
        else:
            bulk_insert(conn, PERSON, self.PERSON_COLUMNS, rows)
        return {nik: pid for nik, (pid, _name) in self._ids([row[0] for row in rows]).items()}

    def write(self, batch: list[PersonRow]) -> None:
        if not batch:
            return
        E, N, conn, st = ENGAGEMENT, ENROLLMENT, self.conn, self.store
        now = st.stamp(utcnow())
        d = st.date if not st.text else st.cached
        known = self._ids(list({r.nik for r in batch}))
        self._load_kpj_owners({r.kpj for r in batch if r.kpj is not None})
        new: dict[str, tuple] = {}
        rows: list[PersonRow] = []
        for r in batch:
            if r.kpj is not None:  # a KPJ is one person's card number
                owner = self.kpj_owners.setdefault(r.kpj, r.nik)
                if owner != r.nik:
                    self.sink.add(
                        r.line,
                        "kpj",
                        r.kpj,
                        _("already belongs to another person (nik {nik})").format(nik=validate.mask_nik(owner)),
                        r.raw,
                    )
                    continue
            if r.nik in known:
                # a name stored before names were normalised may still hold invisible characters
                if validate.normalise_name(known[r.nik][1]).casefold() != r.name.casefold():
                    self.sink.add(
                        r.line,
                        "nik",
                        r.nik,
                        _("is already registered under another name ({name})").format(name=repr(known[r.nik][1])),
                        r.raw,
                    )
                    continue
            elif r.nik in new:
                if new[r.nik][1].casefold() != r.name.casefold():
                    self.sink.add(
                        r.line,
                        "nik",
                        r.nik,
                        _("appears earlier in the file with another name ({name})").format(name=repr(new[r.nik][1])),
                        r.raw,
                    )
                    continue
            elif r.since is None:  # a departure ends what is recorded
                self.sink.add(
                    r.line,
                    "nik",
                    r.nik,
                    _("no person with this NIK is recorded: a row with a departure date only ends a recorded one"),
                    r.raw,
                )
                continue
            else:
                new[r.nik] = (r.nik, r.name, r.gender, d(r.birth), now, now)
            rows.append(r)
        ids = {nik: pid for nik, (pid, _name) in known.items()}
        self._load_sizes({r.coop_id for r in rows if r.bpjs_on is not None})
        self._load_registrations({r.coop_id for r in rows if r.bpjs_on is not None})
        if new:
            ordered = sorted(new.values())  # NIK order: index locality
            ids.update(self._insert_persons(ordered))
            self.result.created["people"] += len(new)
        # periods already recorded for persons known before this batch: [start, end, id]
        known_ids = [ids[n] for n in known]
        engaged: dict[tuple[int, int, str], list[list[Any]]] = {}
        enrolled: dict[tuple[int, int], list[list[Any]]] = {}
        if known_ids:
            for eid, pid, cid, role, since, until in conn.execute(
                select(E.c.id, E.c.person_id, E.c.coop_id, E.c.role, E.c.since, E.c.until).where(
                    E.c.person_id.in_(known_ids)
                )
            ):
                engaged.setdefault((pid, cid, role), []).append([since, until, eid, role])
            for nid, pid, cid, start, end in conn.execute(
                select(N.c.id, N.c.person_id, N.c.coop_id, N.c.start_on, N.c.end_on).where(N.c.person_id.in_(known_ids))
            ):
                enrolled.setdefault((pid, cid), []).append([start, end, nid])
        new_engagements: list[tuple[Any, ...]] = []
        full_engagements: list[tuple[Any, ...]] = []
        new_enrollments: list[tuple[Any, ...]] = []
        ended_engagements: list[dict[str, Any]] = []
        ended_enrollments: list[dict[str, Any]] = []
        for r in rows:
            pid = ids[r.nik]
            if r.since is None:
                self._depart(r, pid, engaged, enrolled, ended_engagements, ended_enrollments)
                continue
            assert r.role is not None  # a row with its since date has its role (checks.PersonChecker)
            key = (pid, r.coop_id, r.role)
            periods_ = engaged.get(key)
            if periods_ is None:  # the common case: nothing recorded for this person here yet
                periods_ = engaged[key] = []
                verdict, at = "new", -1
            else:
                verdict, at = fits(periods_, r.since, r.until)
            if verdict == "conflict":
                self.sink.add(
                    r.line,
                    "since",
                    r.since.isoformat(),
                    (
                        _("overlaps this person's earlier period as {role} of cooperative {id} ({period})")
                        if at >= 0
                        else _("overlaps this person's earlier period as {role} of cooperative {id}")
                    ).format(role=r.role, id=r.coop_id, period=_period(periods_[at]) if at >= 0 else ""),
                    r.raw,
                )
                continue
            eperiods: list[list[Any]] = []
            everdict, eat = "same", -1
            registration = self._registration(r.coop_id, r.bpjs_on) if r.bpjs_on is not None else None
            if r.bpjs_on is not None and registration is None:
                self.sink.add(
                    r.line,
                    "bpjs_on",
                    r.bpjs_on.isoformat(),
                    _(
                        "cooperative {id} is not registered with BPJS on that day; record its registration "
                        "first (koptrack bpjs register)"
                    ).format(id=r.coop_id),
                    r.raw,
                )
                continue
            if r.bpjs_on is not None:
                eperiods = enrolled.setdefault((pid, r.coop_id), [])
                everdict, eat = fits(eperiods, r.bpjs_on, r.until)
                if everdict == "conflict":  # the row is refused whole: no engagement without its enrollment
                    self.sink.add(
                        r.line,
                        "bpjs_on",
                        r.bpjs_on.isoformat(),
                        (
                            _("overlaps an enrollment through cooperative {id} ({period})")
                            if eat >= 0
                            else _("overlaps an enrollment through cooperative {id}")
                        ).format(id=r.coop_id, period=_period(eperiods[eat]) if eat >= 0 else ""),
                        r.raw,
                    )
                    continue
            changed = False
            if verdict == "new":
                if r.position is None and r.until is None:
                    new_engagements.append((pid, r.coop_id, r.role, d(r.since), now))
                else:
                    full_engagements.append(
                        (pid, r.coop_id, r.role, d(r.since), now, r.position, d(r.until) if r.until else None)
                    )
                periods_.append([r.since, r.until, None, r.role])
                changed = True
            elif verdict == "end":  # the person has left: the open period ends
                assert r.until is not None  # `fits` ends a period on the row's departure date only
                running = [] if r.bpjs_on is not None else self._running(r, pid, enrolled, r.until)
                if running is None:
                    continue
                ended_engagements.append({"eid": periods_[at][2], "day": r.until})
                periods_[at][1] = r.until
                changed = True
                for p in running:  # the enrollments through the cooperative end too (as `worker leave`)
                    ended_enrollments.append({"eid": p[2], "day": r.until})
                    p[1] = r.until
            if r.bpjs_on is not None:
                if everdict == "end":
                    ended_enrollments.append({"eid": eperiods[eat][2], "day": r.until})
                    eperiods[eat][1] = r.until
                    changed = True
                elif everdict == "new":
                    category = r.category or bpjs.default_category(r.role)
                    required = self._minimum(category, r.coop_id)
                    progs = r.programmes or required
                    end_on = r.until
                    if registration and registration[1] and (end_on is None or registration[1] < end_on):
                        end_on = registration[1]  # the enrollment ends with the registration
                    new_enrollments.append(
                        (
                            pid,
                            r.coop_id,
                            r.kpj,
                            category,
                            validate.format_programmes(progs),
                            validate.format_programmes(p for p in required if p not in progs),
                            d(r.bpjs_on),
                            d(end_on) if end_on else None,
                            now,
                        )
                    )
                    eperiods.append([r.bpjs_on, end_on, None])
                    changed = True
            if not changed:
                self.result.unchanged += 1
        bulk_insert(conn, E, self.ENGAGEMENT_COLUMNS, new_engagements)
        bulk_insert(conn, E, self.ENGAGEMENT_FULL, full_engagements)
        self.result.created["engagements"] += len(new_engagements) + len(full_engagements)
        bulk_insert(conn, N, self.ENROLLMENT_COLUMNS, new_enrollments)
        self.result.created["enrollments"] += len(new_enrollments)
        for table, end, ended in ((E, E.c.until, ended_engagements), (N, N.c.end_on, ended_enrollments)):
            if ended:
                conn.execute(update(table).where(table.c.id == bindparam("eid")).values({end: bindparam("day")}), ended)
        self.result.ended += len(ended_engagements)

    def _running(
        self, r: PersonRow, pid: int, enrolled: dict[tuple[int, int], list[list[Any]]], day: dt.date
    ) -> list[list[Any]] | None:
        """The recorded enrollments of the person through the row's cooperative still running,
        which end with the engagement on `day`; None after reporting one that began on or after
        `day` (it would hold no day: `worker leave` refuses it too)."""
        running = [p for p in enrolled.get((pid, r.coop_id), ()) if p[1] is None and p[2] is not None]
        late = next((p for p in running if p[0] >= day), None)
        if late is not None:
            self.sink.add(
                r.line,
                "until",
                day.isoformat(),
                _(
                    "on {day}: nik {nik} was enrolled through cooperative {id} from {start}, not before leaving; "
                    "the enrollment would hold no day"
                ).format(day=i18n.date(day), nik=validate.mask_nik(r.nik), id=r.coop_id, start=i18n.date(late[0])),
                r.raw,
            )
            return None
        return running

    def _depart(
        self,
        r: PersonRow,
        pid: int,
        engaged: dict[tuple[int, int, str], list[list[Any]]],
        enrolled: dict[tuple[int, int], list[list[Any]]],
        ended_engagements: list[dict[str, Any]],
        ended_enrollments: list[dict[str, Any]],
    ) -> None:
        """A row with a departure date only (`worker leave` in bulk): the person's open
        engagements with the cooperative (in the row's role, if it gives one) end on that day,
        and their enrollments through it with them. Already ended on that day: unchanged."""
        assert r.until is not None  # checks.PersonChecker: a departure row has its date
        day = r.until
        found = [p for role in ((r.role,) if r.role else ROLES) for p in engaged.get((pid, r.coop_id, role), ())]
        running = [p for p in found if p[1] is None]
        if not running:
            if any(p[1] == day for p in found):
                self.result.unchanged += 1
            else:
                self.sink.add(
                    r.line,
                    "nik",
                    r.nik,
                    _("has no open engagement with cooperative {id}").format(id=r.coop_id),
                    r.raw,
                )
            return
        if any(p[2] is None for p in running):
            self.sink.add(
                r.line,
                "until",
                day.isoformat(),
                _("ends an engagement that an earlier row of this file begins: give the departure date on that row"),
                r.raw,
            )
            return
        for p in running:
            try:  # the rule of `worker leave`: a period ends after the day it began
                periods.close(
                    _Open(p[0]),
                    start="since",
                    end="until",
                    on=day,
                    subject=nik_subject(r.nik),
                    state=_("{role} of cooperative {id}").format(role=p[3], id=r.coop_id),
                )
            except KoptrackError as exc:
                self.sink.add(r.line, "until", day.isoformat(), exc.message, r.raw)
                return
        enrollments = self._running(r, pid, enrolled, day)
        if enrollments is None:
            return
        for p in running:
            ended_engagements.append({"eid": p[2], "day": day})
            p[1] = day
        for p in enrollments:
            ended_enrollments.append({"eid": p[2], "day": day})
            p[1] = day


@dataclass(slots=True)
class _Open:
    """A recorded open engagement, as domain/periods.close checks a departure against it."""

    since: dt.date
    until: dt.date | None = None


def fits(periods: list[list[Any]], start: dt.date, end: dt.date | None = None) -> tuple[str, int]:
    """What a period [start, end) from the file means beside the recorded `periods` ([start,
    end, id, ...] each), and the index of the recorded period concerned (-1 if none):
    'same' if it is recorded already (nothing to do); 'end' if the recorded open period starting
    on `start` is the one the file ends (the person has left); 'new' if it overlaps none;
    'conflict' otherwise."""
    for i, p in enumerate(periods):
        if p[0] == start and p[1] == end:
            return "same", i
    verdict, at = "new", -1
    for i, p in enumerate(periods):
        since, until, pid = p[0], p[1], p[2]
        if until is None and end is not None and since == start and pid is not None:
            verdict, at = "end", i
        elif (until is None or start < until) and (end is None or since < end):
            return "conflict", i
    return verdict, at


def _period(p: list[Any]) -> str:
    if p[1] is not None:
        return _("{start} until {end}").format(start=i18n.date(p[0]), end=i18n.date(p[1]))
    return _("since {start}").format(start=i18n.date(p[0]))
