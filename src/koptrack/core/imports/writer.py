"""Writing the checked rows of a roster: what to insert, batch by batch, inside the caller's
transaction. A person is found by NIK (a NIK already registered under another name is a bad
row), an engagement or enrollment already recorded counts as unchanged, one that would overlap
a recorded period is a bad row; the rest is inserted in bulk (store.bulk)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from koptrack.core import bpjs
from koptrack.core.imports.checks import PersonRow
from koptrack.core.imports.result import ErrorSink, ImportResult
from koptrack.domain import validate
from koptrack.store.bulk import Storage, bulk_insert
from koptrack.store.models import utcnow
from koptrack.store.tables import COOP, ENGAGEMENT, ENROLLMENT, PERSON

BATCH = 5000  # rows checked, then written, at a time (people and cooperatives)
IMPORT_CACHE_KIB = 64 * 1024


class PeopleWriter:
    """Writes checked rows batch by batch: persons, engagements, enrollments."""

    PERSON_COLUMNS = ("nik", "name", "gender", "birth_date", "created_at", "updated_at")
    ENGAGEMENT_COLUMNS = ("person_id", "coop_id", "role", "since", "created_at")
    ENROLLMENT_COLUMNS = (
        "person_id",
        "coop_id",
        "kpj",
        "category",
        "programmes",
        "missing_programmes",
        "start_on",
        "created_at",
    )

    def __init__(self, session: Session, result: ImportResult, sink: ErrorSink):
        self.session, self.result, self.sink = session, result, sink
        self.conn = session.connection()
        self.rules: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self.sizes: dict[int, str | None] = {}
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
        return {nik: pid for nik, (pid, _) in self._ids([row[0] for row in rows]).items()}

    def write(self, batch: list[PersonRow]) -> None:
        if not batch:
            return
        E, N, conn, st = ENGAGEMENT, ENROLLMENT, self.conn, self.store
        now = st.stamp(utcnow())
        d = st.date if not st.text else st.cached
        known = self._ids(list({r.nik for r in batch}))
        new: dict[str, tuple] = {}
        rows: list[PersonRow] = []
        for r in batch:
            if r.nik in known:
                if known[r.nik][1].casefold() != r.name.casefold():
                    self.sink.add(
                        r.line, "nik", r.nik, f"is already registered under another name ({known[r.nik][1]!r})", r.raw
                    )
                    continue
            elif r.nik in new:
                if new[r.nik][1].casefold() != r.name.casefold():
                    self.sink.add(
                        r.line,
                        "nik",
                        r.nik,
                        f"appears earlier in the file with another name ({new[r.nik][1]!r})",
                        r.raw,
                    )
                    continue
            else:
                new[r.nik] = (r.nik, r.name, r.gender, d(r.birth), now, now)
            rows.append(r)
        ids = {nik: pid for nik, (pid, _) in known.items()}
        self._load_sizes({r.coop_id for r in rows if r.bpjs_on is not None})
        if new:
            ordered = sorted(new.values())  # NIK order: index locality
            ids.update(self._insert_persons(ordered))
            self.result.created["people"] += len(new)
        # periods already recorded for persons known before this batch
        known_ids = [ids[n] for n in known]
        engaged: dict[tuple[int, int, str], list[tuple[dt.date, dt.date | None]]] = {}
        enrolled: dict[tuple[int, int], list[tuple[dt.date, dt.date | None]]] = {}
        if known_ids:
            for pid, cid, role, since, until in conn.execute(
                select(E.c.person_id, E.c.coop_id, E.c.role, E.c.since, E.c.until).where(E.c.person_id.in_(known_ids))
            ):
                engaged.setdefault((pid, cid, role), []).append((since, until))
            for pid, cid, start, end in conn.execute(
                select(N.c.person_id, N.c.coop_id, N.c.start_on, N.c.end_on).where(N.c.person_id.in_(known_ids))
            ):
                enrolled.setdefault((pid, cid), []).append((start, end))
        new_engagements: list[tuple[Any, ...]] = []
        new_enrollments: list[tuple[Any, ...]] = []
        for r in rows:
            pid = ids[r.nik]
            key = (pid, r.coop_id, r.role)
            periods_ = engaged.get(key)
            if periods_ is None:  # the common case: nothing recorded for this person here yet
                periods_ = engaged[key] = []
                verdict = "new"
            else:
                verdict = fits(periods_, r.since)
            if verdict == "conflict":
                self.sink.add(
                    r.line,
                    "since",
                    r.since.isoformat(),
                    f"overlaps this person's earlier period as {r.role} of cooperative {r.coop_id}",
                    r.raw,
                )
                continue
            changed = False
            if verdict == "new":
                new_engagements.append((pid, r.coop_id, r.role, d(r.since), now))
                periods_.append((r.since, None))
                changed = True
            if r.bpjs_on is not None:
                eperiods = enrolled.setdefault((pid, r.coop_id), [])
                everdict = fits(eperiods, r.bpjs_on)
                if everdict == "conflict":
                    self.sink.add(
                        r.line,
                        "bpjs_on",
                        r.bpjs_on.isoformat(),
                        f"overlaps an enrollment through cooperative {r.coop_id}",
                        r.raw,
                    )
                    if verdict == "new":  # keep the row whole: no engagement without its enrollment
                        new_engagements.pop()
                        periods_.pop()
                    continue
                if everdict == "new":
                    category = r.category or bpjs.default_category(r.role)
                    required = self._minimum(category, r.coop_id)
                    progs = r.programmes or required
                    new_enrollments.append(
                        (
                            pid,
                            r.coop_id,
                            r.kpj,
                            category,
                            validate.format_programmes(progs),
                            validate.format_programmes(p for p in required if p not in progs),
                            d(r.bpjs_on),
                            now,
                        )
                    )
                    eperiods.append((r.bpjs_on, None))
                    changed = True
            if not changed:
                self.result.unchanged += 1
        bulk_insert(conn, E, self.ENGAGEMENT_COLUMNS, new_engagements)
        self.result.created["engagements"] += len(new_engagements)
        bulk_insert(conn, N, self.ENROLLMENT_COLUMNS, new_enrollments)
        self.result.created["enrollments"] += len(new_enrollments)


def fits(periods: list[tuple[dt.date, dt.date | None]], start: dt.date) -> str:
    """'same' if an open period starts on `start` (nothing to do), 'new' if a period may start
    then, 'conflict' otherwise (another open period, or an overlap with a closed one)."""
    verdict = "new"
    for since, until in periods:
        if until is None:
            return "same" if since == start else "conflict"
        if start < until:
            verdict = "conflict"
    return verdict
