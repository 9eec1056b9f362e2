"""Open and close half-open periods: engagements, BPJS registrations and enrollments, PKS-PKB
membership. One subject has at most one open period, and a new one may start only on or after
the day the previous one ended (the database's partial unique indexes back the first rule).
A period [start, end) holds `start` and every day before `end`; a None end is still running.
These are the pure rules; core/periods.py applies them to the tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar

from koptrack import i18n
from koptrack.errors import Conflict, Duplicate, NotFound
from koptrack.i18n import _

P = TypeVar("P")


def contains(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    """The half-open period [start, end) contains `day` (store/tables.active_on in SQL)."""
    return start <= day and (end is None or end > day)


def ensure_can_open(periods: Iterable[Any], *, start: str, end: str, on: dt.date, subject: str, state: str) -> None:
    """Refuse a period starting `on` if `subject` is already `state` (an open period) or was
    until after `on` (a closed period that would overlap). `subject` (`cooperative 3 'KSP Maju'`)
    and `state` (`registered with BPJS`) come translated from the caller."""
    for p in periods:
        ended = getattr(p, end)
        if ended is None:
            raise Duplicate(
                _("{subject} is already {state} since {start}").format(
                    subject=subject, state=state, start=i18n.date(getattr(p, start))
                )
            )
        if on < ended:
            raise Conflict(
                _("on {on}: {subject} was {state} until {end}; a new period must start on or after that day").format(
                    on=i18n.date(on), subject=subject, state=state, end=i18n.date(ended)
                )
            )


def close(period: P | None, *, start: str, end: str, on: dt.date, subject: str, state: str) -> P:
    """End the open `period` on `on`, after the day it started (a half-open period of no days
    is refused); `period` None means there is none."""
    if period is None:
        raise NotFound(_("{subject} is not {state}").format(subject=subject, state=state))
    began = getattr(period, start)
    if on < began:
        raise Conflict(
            _("on {on}: is before {subject} was {state} ({start})").format(
                on=i18n.date(on), subject=subject, state=state, start=i18n.date(began)
            )
        )
    if on == began:
        raise Conflict(
            _("on {on}: {subject} became {state} that same day; a period must end after the day it starts").format(
                on=i18n.date(on), subject=subject, state=state
            ),
            hint=_("if it was entered in error, remove it instead (see `koptrack log` and `koptrack undo`)"),
        )
    setattr(period, end, on)
    return period
