"""What each export holds: the columns and the streamed rows of cooperatives, people,
enrollments and PKS-PKB memberships. The files themselves are written by io/writers.py, with
the headers and sheet names in the language in force (marked here with `N_()`); koptrack's
import reads the headers of the cooperatives' and the people's exports in every language
(core/imports/columns.export_aliases).

The rows are a `Rows`: iterated, one dict a row (JSON, xlsx); its `batches(keys)` are lists of
plain tuples as the driver returns them, the way a CSV of millions of rows is written at the
speed of the `sqlite3` shell (docs/benchmarks.md, "Exports")."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import Session

from koptrack.domain import validate
from koptrack.i18n import N_
from koptrack.report import Col, Section
from koptrack.store.tables import COOP, ENGAGEMENT, ENROLLMENT, KEC, MEMBERSHIP, PERSON, coop_where

# --- what each export holds -------------------------------------------------------------------

COOP_COLUMNS = [
    Col("id", N_("ID")),
    Col("name", N_("Name")),
    Col("kind", N_("Kind")),
    Col("label", N_("Label")),
    Col("base", N_("Base")),
    Col("kecamatan", N_("Kecamatan")),
    Col("kecamatan_code", N_("Kecamatan code")),
    Col("regency", N_("Regency")),
    Col("desa", N_("Desa")),
    Col("legal_no", N_("Legal no")),
    Col("nik_koperasi", N_("NIK koperasi")),
    Col("address", N_("Address")),
    Col("employer_size", N_("Size")),
    Col("status", N_("Status")),
    Col("note", N_("Note")),
]
# Headers that `koptrack import people` reads back (with --show-nik, the export re-imports: the
# same people and periods, departures and positions included; Cooperative name is checked
# against the cooperative the Coop id names in the database it goes into).
PEOPLE_COLUMNS = [
    Col("nik", N_("NIK")),
    Col("name", N_("Name")),
    Col("gender", N_("Gender")),
    Col("birth_date", N_("Birth date")),
    Col("role", N_("Role")),
    Col("position", N_("Position")),
    Col("since", N_("Since")),
    Col("until", N_("Until")),
    Col("coop", N_("Coop")),
    Col("coop_name", N_("Cooperative name")),
]
ENROLLMENT_COLUMNS = [
    Col("nik", N_("NIK")),
    Col("name", N_("Name")),
    Col("coop", N_("Coop")),
    Col("coop_name", N_("Cooperative name")),
    Col("kpj", N_("KPJ")),
    Col("category", N_("Category")),
    Col("programmes", N_("Programmes")),
    Col("missing_programmes", N_("Lacking programmes")),
    Col("start_on", N_("Start")),
    Col("end_on", N_("End")),
]
PKSPKB_COLUMNS = [
    Col("coop", N_("Coop")),
    Col("coop_name", N_("Cooperative name")),
    Col("base", N_("Base")),
    Col("kecamatan", N_("Kecamatan")),
    Col("joined_on", N_("Joined")),
    Col("left_on", N_("Left")),
    Col("agreement_no", N_("Agreement")),
    Col("note", N_("Note")),
]


BATCH = 2_000  # rows fetched at a time: an export of millions of rows is never held in memory


def _stream(session: Session, stmt: Select[Any]) -> Iterator[dict]:
    """The rows of `stmt` as dicts, fetched BATCH at a time."""
    return (dict(r._mapping) for r in session.connection().execute(stmt.execution_options(yield_per=BATCH)))


class Rows:
    """The rows of one export's statement. Iterated: one dict a row, values as SQLAlchemy types
    them (dates as dates), each time a new query. `batches(keys)`: the same rows, only the
    columns `keys` in that order, as lists of plain tuples straight from the driver (values as
    stored: in SQLite a date is its ISO text); no dict and no result processing per row."""

    def __init__(self, session: Session, stmt: Select[Any]):
        self._session = session
        self._stmt = stmt

    def __iter__(self) -> Iterator[dict]:
        return _stream(self._session, self._stmt)

    def batches(self, keys: Sequence[str], size: int = BATCH) -> Iterator[Sequence[Sequence[Any]]]:
        by_key = {c.key: c for c in self._stmt.selected_columns}
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise KeyError(f"not in this export: {missing}")
        stmt = self._stmt.with_only_columns(*(by_key[k] for k in keys))
        conn = self._session.connection()
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params: Any = compiled.params
        if compiled.positiontup is not None:  # qmark (SQLite), format: the values in order
            params = tuple(params[name] for name in compiled.positiontup)
        # exec_driver_sql: the statement as text, so no type processes a value on the way out;
        # the rows are read from the driver's cursor (and the statement is still seen by the
        # engine's events, as every other statement is)
        result = conn.exec_driver_sql(str(compiled), params)
        cursor = result.cursor
        try:
            while batch := cursor.fetchmany(size):
                yield batch
        finally:
            result.close()


def _where(session: Session, coop: object = None, regency: object = None) -> list[ColumnElement[bool]]:
    """The conditions on COOP for one cooperative and/or one regency; checked now, so that a
    refused filter fails before any file is written."""
    from koptrack.core.coops import resolve_coop

    coop_id = resolve_coop(session, coop).id if coop else None
    return coop_where(coop_id=coop_id, regency=validate.parse_regency(regency))


def coop_rows(session: Session, regency: object = None) -> Rows:
    """Every cooperative (active and inactive) with every field, by id."""
    C, K = COOP, KEC
    stmt = (
        select(C, K.c.name.label("kecamatan"), func.substr(C.c.kecamatan_code, 1, 5).label("regency"))
        .select_from(C.join(K, K.c.code == C.c.kecamatan_code))
        .where(*_where(session, None, regency))
        .order_by(C.c.id)
    )
    return Rows(session, stmt)


def people_rows(session: Session, coop: object = None, regency: object = None) -> Rows:
    """Every engagement (current and past) with its person: one row per person and period."""
    C, E, P = COOP, ENGAGEMENT, PERSON
    stmt = (
        select(
            P.c.nik,
            P.c.name,
            P.c.gender,
            P.c.birth_date,
            E.c.role,
            E.c.position,
            E.c.since,
            E.c.until,
            C.c.id.label("coop"),
            C.c.name.label("coop_name"),
        )
        .select_from(E.join(P, P.c.id == E.c.person_id).join(C, C.c.id == E.c.coop_id))
        .where(*_where(session, coop, regency))
        .order_by(C.c.id, P.c.nik, E.c.since)
    )
    return Rows(session, stmt)


def enrollment_rows(session: Session, coop: object = None, regency: object = None) -> Rows:
    """Every BPJS enrollment with its person and cooperative."""
    C, N, P = COOP, ENROLLMENT, PERSON
    stmt = (
        select(
            P.c.nik,
            P.c.name,
            C.c.id.label("coop"),
            C.c.name.label("coop_name"),
            N.c.kpj,
            N.c.category,
            N.c.programmes,
            N.c.missing_programmes,
            N.c.start_on,
            N.c.end_on,
        )
        .select_from(N.join(P, P.c.id == N.c.person_id).join(C, C.c.id == N.c.coop_id))
        .where(*_where(session, coop, regency))
        .order_by(C.c.id, P.c.nik, N.c.start_on)
    )
    return Rows(session, stmt)


def pkspkb_rows(session: Session, regency: object = None) -> Rows:
    """Every PKS-PKB membership with its cooperative, by date joined."""
    C, K, M = COOP, KEC, MEMBERSHIP
    stmt = (
        select(
            C.c.id.label("coop"),
            C.c.name.label("coop_name"),
            C.c.base,
            K.c.name.label("kecamatan"),
            M.c.joined_on,
            M.c.left_on,
            M.c.agreement_no,
            M.c.note,
        )
        .select_from(M.join(C, C.c.id == M.c.coop_id).join(K, K.c.code == C.c.kecamatan_code))
        .where(*_where(session, None, regency))
        .order_by(M.c.joined_on, C.c.id)
    )
    return Rows(session, stmt)


EXPORTS = ("coops", "people", "enrollments", "pkspkb")


def people_in(session: Session, what: str, *, coop: object = None, regency: object = None) -> int:
    """How many different people the export `what` (people or enrollments) holds: one COUNT over
    the same rows, never the rows themselves."""
    from sqlalchemy import func

    C, P = COOP, PERSON
    T = ENGAGEMENT if what == "people" else ENROLLMENT
    stmt = (
        select(func.count(func.distinct(P.c.id)))
        .select_from(T.join(P, P.c.id == T.c.person_id).join(C, C.c.id == T.c.coop_id))
        .where(*_where(session, coop, regency))
    )
    return int(session.connection().execute(stmt).scalar() or 0)


def sections(session: Session, what: str, *, coop: object = None, regency: object = None) -> list[Section]:
    """The one section of `koptrack export WHAT` (coops, people, enrollments, pkspkb), streamed."""
    if what == "coops":
        return [Section(N_("Cooperatives"), COOP_COLUMNS, coop_rows(session, regency))]
    if what == "people":
        return [Section(N_("People"), PEOPLE_COLUMNS, people_rows(session, coop, regency))]
    if what == "enrollments":
        return [Section(N_("Enrollments"), ENROLLMENT_COLUMNS, enrollment_rows(session, coop, regency))]
    if what == "pkspkb":
        return [Section(N_("PKS-PKB"), PKSPKB_COLUMNS, pkspkb_rows(session, regency))]
    raise ValueError(f"no export named {what!r}")
