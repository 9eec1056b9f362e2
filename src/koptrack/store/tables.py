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
) -> list[ColumnElement[bool]]:
    """The conditions on COOP for a segment: kind, base, regency, kecamatan, one cooperative;
    None or `any` means every one; with `active_on_day`, only cooperatives active that day (no
    period of inactivity holds it). The one region and segment filter of every report."""
    from koptrack.domain.vocab import ANY

    where: list[ColumnElement[bool]] = []
    if regency and regency != ANY:
        where.append(in_regency(COOP.c.kecamatan_code, regency))
    if kind and kind != ANY:
        where.append(COOP.c.kind == kind)
    if base and base != ANY:
        where.append(COOP.c.base == base)
    if kecamatan_code:
        where.append(COOP.c.kecamatan_code == kecamatan_code)
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
