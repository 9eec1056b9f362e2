"""The one way a period opens and closes in the database: a person's engagement with a
cooperative, a cooperative's BPJS registration, an enrollment, a PKS-PKB membership, a
cooperative's inactivity. Each kind
names its table and its start and end columns; the rules are domain/periods.py's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session, SQLModel, select

from koptrack.domain import periods
from koptrack.store.models import BpjsRegistration, CoopInactive, Engagement, Enrollment, PkspkbMembership

M = TypeVar("M", bound=SQLModel)


@dataclass(frozen=True)
class PeriodKind(Generic[M]):
    model: type[M]
    start: str
    end: str


ENGAGED = PeriodKind(Engagement, "since", "until")
REGISTERED = PeriodKind(BpjsRegistration, "registered_on", "deregistered_on")
ENROLLED = PeriodKind(Enrollment, "start_on", "end_on")
MEMBER = PeriodKind(PkspkbMembership, "joined_on", "left_on")
INACTIVE = PeriodKind(CoopInactive, "since", "until")


def _where(kind: PeriodKind[M], key: dict[str, Any]) -> list[Any]:
    return [getattr(kind.model, column) == value for column, value in key.items()]


def open_period(
    session: Session,
    kind: PeriodKind[M],
    key: dict[str, Any],
    on: dt.date,
    *,
    subject: str,
    state: str,
    **values: Any,
) -> M:
    """A new period of `kind` for `key` (e.g. coop_id and person_id) from `on`, refused if one is
    open or a closed one ends after `on`; flushed, so it has its id."""
    earlier = session.exec(select(kind.model).where(*_where(kind, key))).all()
    periods.ensure_can_open(earlier, start=kind.start, end=kind.end, on=on, subject=subject, state=state)
    row = kind.model(**key, **{kind.start: on}, **values)
    session.add(row)
    session.flush()
    return row


def close_period(
    session: Session, kind: PeriodKind[M], key: dict[str, Any], on: dt.date, *, subject: str, state: str
) -> M:
    """End the open period of `kind` for `key` on `on`; refused if none is open or `on` is
    before it began."""
    end_column = getattr(kind.model, kind.end)
    row = session.exec(select(kind.model).where(*_where(kind, key), end_column.is_(None))).first()
    row = periods.close(row, start=kind.start, end=kind.end, on=on, subject=subject, state=state)
    session.add(row)
    session.flush()
    return row
