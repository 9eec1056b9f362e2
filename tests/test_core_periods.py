"""domain/periods.py on small stand-in objects: one open period per subject, a new one only on
or after the day the last one ended, closing never before the start, and [start, end) days."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from koptrack.domain import periods
from koptrack.errors import Conflict, Duplicate, KoptrackError, NotFound

D = dt.date
KW = {"start": "since", "end": "until", "subject": "nik 321505******0001", "state": "karyawan of cooperative 2"}


def period(since: dt.date, until: dt.date | None = None) -> SimpleNamespace:
    return SimpleNamespace(since=since, until=until)


def test_nothing_before_means_any_day_may_open():
    periods.ensure_can_open([], on=D(2021, 1, 4), **KW)  # no exception


def test_an_open_period_refuses_a_second_one_whatever_its_day():
    running = [period(D(2021, 1, 4))]
    for on in (D(2020, 12, 1), D(2021, 1, 4), D(2021, 6, 1)):
        with pytest.raises(Duplicate) as exc:
            periods.ensure_can_open(running, on=on, **KW)
        assert str(exc.value) == "nik 321505******0001 is already karyawan of cooperative 2 since 2021-01-04"


@pytest.mark.parametrize("on", [D(2020, 12, 1), D(2021, 1, 4), D(2021, 3, 1), D(2021, 5, 31)])
def test_a_start_inside_or_before_a_closed_period_is_refused(on):
    closed = [period(D(2021, 1, 4), D(2021, 6, 1))]
    with pytest.raises(Conflict) as exc:
        periods.ensure_can_open(closed, on=on, **KW)
    assert str(exc.value) == (
        f"on {on}: nik 321505******0001 was karyawan of cooperative 2 until 2021-06-01; "
        "a new period must start on or after that day"
    )
    assert not isinstance(exc.value, Duplicate)


@pytest.mark.parametrize("on", [D(2021, 6, 1), D(2021, 6, 2), D(2030, 1, 1)])
def test_a_start_on_or_after_the_day_the_last_one_ended_is_allowed(on):
    periods.ensure_can_open([period(D(2020, 1, 1), D(2020, 3, 1)), period(D(2021, 1, 4), D(2021, 6, 1))], on=on, **KW)


def test_every_earlier_period_is_checked_not_only_the_first():
    history = [period(D(2019, 1, 1), D(2019, 2, 1)), period(D(2021, 1, 4), D(2021, 6, 1))]
    with pytest.raises(Conflict):
        periods.ensure_can_open(history, on=D(2021, 5, 1), **KW)
    with pytest.raises(Duplicate):
        periods.ensure_can_open([*history, period(D(2021, 6, 1))], on=D(2022, 1, 1), **KW)


def test_the_column_names_given_are_the_ones_read():
    memberships = [SimpleNamespace(joined_on=D(2020, 5, 1), left_on=D(2021, 2, 1), since=None, until=None)]
    kw = {**KW, "start": "joined_on", "end": "left_on", "state": "in PKS-PKB"}
    with pytest.raises(Conflict, match="until 2021-02-01"):
        periods.ensure_can_open(memberships, on=D(2021, 1, 31), **kw)
    periods.ensure_can_open(memberships, on=D(2021, 2, 1), **kw)


def test_close_sets_the_end_and_returns_the_same_object():
    p = period(D(2021, 1, 4))
    closed = periods.close(p, on=D(2021, 6, 1), **KW)
    assert closed is p and p.until == D(2021, 6, 1) and p.since == D(2021, 1, 4)


def test_close_on_the_start_day_is_refused_a_period_of_no_day():
    p = period(D(2021, 1, 4))
    with pytest.raises(Conflict, match="must end after the day it starts"):
        periods.close(p, on=D(2021, 1, 4), **KW)
    assert p.until is None
    p = periods.close(p, on=D(2021, 1, 5), **KW)  # one day: 4 January
    assert periods.contains(p.since, p.until, D(2021, 1, 4)) and not periods.contains(p.since, p.until, D(2021, 1, 5))


def test_close_before_the_start_is_refused_and_changes_nothing():
    p = period(D(2021, 1, 4))
    with pytest.raises(Conflict) as exc:
        periods.close(p, on=D(2021, 1, 3), **KW)
    assert str(exc.value) == "on 2021-01-03: is before nik 321505******0001 was karyawan of cooperative 2 (2021-01-04)"
    assert p.until is None


def test_close_with_no_open_period():
    with pytest.raises(NotFound) as exc:
        periods.close(None, on=D(2021, 6, 1), **KW)
    assert str(exc.value) == "nik 321505******0001 is not karyawan of cooperative 2"
    assert isinstance(exc.value, KoptrackError)  # the CLI's one-line error, not a crash


def test_contains_is_half_open():
    start, end = D(2021, 1, 4), D(2021, 6, 1)
    assert not periods.contains(start, end, D(2021, 1, 3))
    assert periods.contains(start, end, start)  # engaged on the start date
    assert periods.contains(start, end, D(2021, 5, 31))
    assert not periods.contains(start, end, end)  # not on the end date
    assert periods.contains(start, None, D(2099, 12, 31))  # still running
    assert not periods.contains(start, None, D(2021, 1, 3))
