"""The tables under one name each, for SQLAlchemy Core queries, and the SQL conditions every
report shares. Every module means the same table by the same name:

COOP (cooperative), KEC (kecamatan), PERSON, ENGAGEMENT, REGISTRATION (bpjs_registration),
ENROLLMENT, MEMBERSHIP (pkspkb_membership), TARGET, REPORTED (reported_count), AUDIT (audit_log),
INACTIVE (coop_inactive).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, not_, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from koptrack.store.models import SQLModel

_T = SQLModel.metadata.tables

COOP: Table = _T["cooperative"]
KEC: Table = _T["kecamatan"]
REGENCY: Table = _T["regency"]
PERSON: Table = _T["person"]
ENGAGEMENT: Table = _T["engagement"]
REGISTRATION: Table = _T["bpjs_registration"]
ENROLLMENT: Table = _T["enrollment"]
MEMBERSHIP: Table = _T["pkspkb_membership"]
TARGET: Table = _T["target"]
REPORTED: Table = _T["reported_count"]
AUDIT: Table = _T["audit_log"]
INACTIVE: Table = _T["coop_inactive"]


class unindexed(FunctionElement[Any]):
    """A column whose conditions no index should serve: SQLite's unary `+` (the value unchanged,
    https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_), the
    column itself elsewhere. For a query driven from a small table (the memberships) that finds
    each cooperative by its id: without the planner's statistics, SQLite would otherwise take a
    condition such as the regency's kecamatan range on the cooperatives' index for a selective
    one and read every cooperative of the regency (all of them in a district's database)."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.clauses, **kw))


def active_on(start: Any, end: Any, day: dt.date) -> ColumnElement[bool]:
    """The half-open period [start, end) contains `day`; a NULL end is still running. The one
    definition of "on the date" for engagements, registrations, enrollments and memberships."""
    return and_(start <= day, or_(end.is_(None), end > day))


def in_regency(kecamatan_code: Any, regency: str) -> ColumnElement[bool]:
    """Kecamatan codes of one regency (`32.15.01` .. `32.15.99`), as a range an index serves."""
    return and_(kecamatan_code >= regency + ".", kecamatan_code < regency + "/")


def coop_where(
    *,
    kind: str | None = None,
    base: str | None = None,
    regency: str | None = None,
    kecamatan_code: str | None = None,
    coop_id: int | None = None,
    active_on_day: dt.date | None = None,
    by_id: bool = False,
) -> list[ColumnElement[bool]]:
    """The conditions on COOP for a segment: kind, base, regency, kecamatan, one cooperative;
    None or `any` means every one; with `active_on_day`, only cooperatives active that day (no
    period of inactivity holds it). The one region and segment filter of every report. With
    `by_id`, for a query that reaches each cooperative by its id from a smaller table: no index
    of COOP serves the conditions (`unindexed`), so the planner starts from that table."""
    from koptrack.domain.vocab import ANY

    def c(column: Any) -> Any:
        return unindexed(column) if by_id else column

    where: list[ColumnElement[bool]] = []
    if regency and regency != ANY:
        where.append(in_regency(c(COOP.c.kecamatan_code), regency))
    if kind and kind != ANY:
        where.append(c(COOP.c.kind) == kind)
    if base and base != ANY:
        where.append(c(COOP.c.base) == base)
    if kecamatan_code:
        where.append(c(COOP.c.kecamatan_code) == kecamatan_code)
    if coop_id is not None:
        where.append(COOP.c.id == coop_id)
    if active_on_day is not None:
        where.append(
            not_(
                exists().where(
                    INACTIVE.c.coop_id == COOP.c.id, active_on(INACTIVE.c.since, INACTIVE.c.until, active_on_day)
                )
            )
        )
    return where
