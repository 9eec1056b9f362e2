"""Open and close half-open periods: engagements, BPJS registrations and enrollments, PKS-PKB
membership. One subject has at most one open period, and a new one may start only on or after
the day the previous one ended (the database's partial unique indexes back the first rule).
A period [start, end) holds `start` and every day before `end`; a None end is still running.
These are the pure rules; core/periods.py applies them to the tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from koptrack.errors import Conflict, Duplicate, NotFound

P = TypeVar("P")


def contains(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """The half-open period [start, end) contains `day` (store/tables.active_on in SQL)."""
    return start <= day and (end is None or end > day)


def ensure_can_open(periods: Iterable[Any], *, start: str, end: str, on: dt.date, subject: str, state: str) -> None:
    """Refuse a period starting `on` if `subject` is already `state` (an open period) or was
    until after `on` (a closed period that would overlap)."""
    for p in periods:
        ended = getattr(p, end)
        if ended is None:
            raise Duplicate(f"{subject} is already {state} since {getattr(p, start)}")
        if on < ended:
            raise Conflict(
                f"on {on}: {subject} was {state} until {ended}; a new period must start on or after that day"
            )


def close(period: P | None, *, start: str, end: str, on: dt.date, subject: str, state: str) -> P:
    """End the open `period` on `on`, after the day it started (a half-open period of no days
    is refused); `period` None means there is none."""
    if period is None:
        raise NotFound(f"{subject} is not {state}")
    began = getattr(period, start)
    if on < began:
        raise Conflict(f"on {on}: is before {subject} was {state} ({began})")
    if on == began:
        raise Conflict(
            f"on {on}: {subject} became {state} that same day; a period must end after the day it starts",
            hint="if it was entered in error, remove it instead (see `koptrack log` and `koptrack undo`)",
        )
    setattr(period, end, on)
    return period
