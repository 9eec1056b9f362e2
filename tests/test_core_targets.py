"""core/targets.py: the one-word verdict against a target, and the actual figure with reported
counts standing in until named records exist for their year and segment."""

from __future__ import annotations

import datetime as dt

import pytest

from koptrack import store
from koptrack.core import bpjs, coops, people, pkspkb, targets
from koptrack.store.models import ReportedCount

D = dt.date
YEAR_END = D(2021, 12, 31)


# --- verdict ------------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", [D(2020, 6, 1), D(2021, 1, 1), D(2021, 6, 30), D(2021, 12, 31), D(2023, 1, 1)])
def test_met_whenever_the_value_reaches_the_target(as_of):
    assert targets.verdict(98, 98, 0, 2021, as_of) == "met"
    assert targets.verdict(120, 98, 0, 2021, as_of) == "met"


@pytest.mark.parametrize("as_of", [D(2021, 12, 31), D(2022, 1, 1), D(2025, 6, 1)])
def test_missed_once_the_year_is_over(as_of):
    assert targets.verdict(97, 98, 0, 2021, as_of) == "missed"


def test_the_day_before_the_year_ends_is_not_yet_missed():
    # 30 December is day 364 of 365: a target of 365 expects 364 by then
    assert targets.verdict(364, 365, 0, 2021, D(2021, 12, 30)) == "on-track"
    assert targets.verdict(363, 365, 0, 2021, D(2021, 12, 30)) == "behind"


@pytest.mark.parametrize("as_of", [D(2020, 12, 31), D(2019, 1, 1)])
def test_pending_before_the_year_begins(as_of):
    assert targets.verdict(0, 98, 0, 2021, as_of) == "pending"


def test_on_track_or_behind_by_the_share_of_the_year_gone():
    # 2021-07-01 is day 182 of 365: from 0, a target of 100 expects 49.86 by then
    assert targets.verdict(50, 100, 0, 2021, D(2021, 7, 1)) == "on-track"
    assert targets.verdict(49, 100, 0, 2021, D(2021, 7, 1)) == "behind"
    # from a baseline of 40 (last year's level) it expects 40 + 60 * 182/365 = 69.9
    assert targets.verdict(70, 100, 40, 2021, D(2021, 7, 1)) == "on-track"
    assert targets.verdict(69, 100, 40, 2021, D(2021, 7, 1)) == "behind"


def test_the_first_day_counts_as_gone_and_a_leap_year_has_366_days():
    # 1 January: 1/365 of the year gone, so a target of 365 expects 1
    assert targets.verdict(1, 365, 0, 2021, D(2021, 1, 1)) == "on-track"
    assert targets.verdict(0, 365, 0, 2021, D(2021, 1, 1)) == "behind"
    # 2024-07-01 is day 183 of 366: exactly half, so 50 of 100 is on track and 49 is not
    assert targets.verdict(50, 100, 0, 2024, D(2024, 7, 1)) == "on-track"
    assert targets.verdict(49, 100, 0, 2024, D(2024, 7, 1)) == "behind"


# --- actual, with reported counts standing in ------------------------------------------------------


@pytest.fixture
def db(seeded):
    """A write session on the seeded office: cooperative 1 (a KSP in Klari, registered
    2021-03-16), and the reported PKS-PKB joins of 2020 (10 koperasi karyawan, 1 masyarakat)."""
    with store.session_scope(seeded, write=True) as s:
        yield s


def report(db, year: int, metric: str, value: int, *, kind: str = "any", base: str = "any", regency: str = "32.15"):
    db.add(ReportedCount(year=year, metric=metric, kind=kind, base=base, regency=regency, value=value))
    db.flush()


def figure(a: targets.Actual) -> tuple:
    return a.value, a.records, a.reported, a.source, a.warnings


def test_records_alone(db):
    a = targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="ksp")
    assert figure(a) == (1, 1, 0, "records", [])  # cooperative 1
    assert targets.actual(db, "bpjs.registered_coops", 2021, D(2021, 3, 15), kind="ksp").value == 0


def test_a_reported_count_stands_in_until_records_exist_then_a_disagreement_warns(db):
    report(db, 2021, "bpjs.registered_coops", 5, kind="produsen")
    assert figure(targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="produsen")) == (
        5,
        0,
        5,
        "reported",
        [],
    )
    tani = coops.add_coop(db, "Kop Produsen Tani", kind="produsen", base="masyarakat", kecamatan="Cikampek")["id"]
    bpjs.register(db, tani, on="2021-05-01")
    a = targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="produsen")
    assert figure(a) == (
        1,
        1,
        0,
        "records",
        ["2021 bpjs.registered_coops produsen (32.15): records give 1, the office report said 5"],
    )
    # on a day before the registration there are no records yet: the report stands in again
    assert targets.actual(db, "bpjs.registered_coops", 2021, D(2021, 4, 30), kind="produsen").value == 5


def test_records_that_agree_with_the_report_give_no_warning(db):
    report(db, 2021, "bpjs.registered_coops", 1, kind="ksp")
    assert figure(targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="ksp")) == (1, 1, 0, "records", [])


def test_a_report_stands_in_only_for_its_own_year(db):
    report(db, 2022, "bpjs.registered_coops", 7, kind="produsen")
    assert targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="produsen").value == 0
    assert targets.actual(db, "bpjs.registered_coops", 2022, D(2022, 12, 31), kind="produsen").value == 7


def test_a_report_stands_in_only_for_its_own_segment(db):
    # records exist for KSP (cooperative 1) but not for producers: the producers' report counts
    report(db, 2021, "bpjs.registered_coops", 5, kind="produsen")
    report(db, 2021, "bpjs.registered_coops", 40, kind="ksp")
    everyone = targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END)
    assert figure(everyone) == (
        1 + 5,
        1,
        5,
        "records + reported",
        ["2021 bpjs.registered_coops ksp (32.15): records give 1, the office report said 40"],
    )
    # a segment outside the query's is not counted: jasa cooperatives see neither report
    assert figure(targets.actual(db, "bpjs.registered_coops", 2021, YEAR_END, kind="jasa")) == (0, 0, 0, "records", [])


def test_reported_enrolled_people_stand_in_too(db):
    report(db, 2021, "bpjs.enrolled_people", 30, kind="ksp")
    assert targets.actual(db, "bpjs.enrolled_people", 2021, YEAR_END, kind="ksp").value == 30
    people.add_worker(db, 1, nik="3215055203900001", name="Siti Aminah", role="karyawan", since="2021-01-04")
    bpjs.enroll(db, 1, nik="3215055203900001", on="2021-04-01")
    a = targets.actual(db, "bpjs.enrolled_people", 2021, YEAR_END, kind="ksp")
    assert (a.value, a.records, a.reported) == (1, 1, 0)
    assert a.warnings == ["2021 bpjs.enrolled_people ksp (32.15): records give 1, the office report said 30"]


def test_seeded_reported_joins_of_past_years_count_as_members(db):
    assert figure(targets.actual(db, "pkspkb.members", 2021, YEAR_END)) == (11, 0, 11, "reported", [])
    # joins are counted within their year: 2020's reports are not 2021's joins
    assert figure(targets.actual(db, "pkspkb.joined", 2021, YEAR_END)) == (0, 0, 0, "records", [])
    assert targets.actual(db, "pkspkb.joined", 2020, D(2020, 12, 31), base="karyawan").value == 10


def test_named_joins_replace_the_reported_joins_of_their_year_and_base(db):
    warga = coops.add_coop(db, "Kop Warga", kind="jasa", base="masyarakat", kecamatan="Klari")["id"]
    pkspkb.join(db, warga, on="2020-07-01")  # the one masyarakat join of 2020, now named
    a = targets.actual(db, "pkspkb.members", 2021, YEAR_END)
    assert figure(a) == (1 + 10, 1, 10, "records + reported", [])
    kopkar = coops.add_coop(db, "Kopkar Satu", kind="konsumen", base="karyawan", kecamatan="Klari")["id"]
    pkspkb.join(db, kopkar, on="2020-03-01")  # one of the ten karyawan joins: the records now disagree
    a = targets.actual(db, "pkspkb.members", 2021, YEAR_END)
    assert figure(a) == (
        2,
        2,
        0,
        "records",
        ["2020 pkspkb.joined karyawan (32.15): records give 1, the office report said 10"],
    )
    joined_2020 = targets.actual(db, "pkspkb.joined", 2020, D(2020, 12, 31), base="karyawan")
    assert (joined_2020.value, joined_2020.warnings) == (
        1,
        ["2020 pkspkb.joined karyawan (32.15): records give 1, the office report said 10"],
    )


def test_report_gives_the_verdict_from_the_actual(db):
    rows = {(r["metric"], r["segment"]): r for r in targets.report(db, 2021, as_of="2021-12-31")}
    ksp = rows[("bpjs.registered_coops", "ksp")]
    assert (ksp["target"], ksp["actual"], ksp["remaining"], ksp["verdict"]) == (98, 1, 97, "missed")
    assert ksp["percent"] == pytest.approx(round(100 / 98, 1))
    members = rows[("pkspkb.members", "all")]
    assert (members["actual"], members["source"], members["verdict"]) == (11, "reported", "missed")
    mid = {(r["metric"], r["segment"]): r for r in targets.report(db, 2021, as_of="2021-07-01")}
    # members is a state metric: from last year's level (11 reported joins of 2020) towards 21
    assert mid[("pkspkb.members", "all")]["verdict"] == "behind"  # 11 < 11 + 10 * 182/365


def test_a_reported_member_count_is_not_added_to_the_joins_it_already_includes(db):
    # the seed's note: "21 cooperatives in PKS-PKB in total by the end of 2021 (11 from 2020 + 10 new)"
    report(db, 2021, "pkspkb.members", 21)
    assert targets.actual(db, "pkspkb.members", 2021, YEAR_END).value == 21
