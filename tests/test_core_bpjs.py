"""core/bpjs.py called on a session: a cooperative's registration, and its people's
enrollments (category from the role, programmes from the seeded rules, the gap recorded, only
people engaged that day, one open enrollment, half-open periods)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from koptrack import store
from koptrack.core import bpjs, coops, coverage, people
from koptrack.errors import Conflict, Duplicate, KoptrackError, NotFound, ValidationError
from koptrack.store.models import BpjsRegistration, Enrollment, ProgrammeRule

D = dt.date


def nik(serial: int, *, day: int = 12, month: int = 3, yy: int = 90, female: bool = False, kec: str = "321505") -> str:
    """A valid NIK: kecamatan code digits, DDMMYY birth date (+40 to the day for women), serial."""
    return f"{kec}{day + 40 if female else day:02d}{month:02d}{yy:02d}{serial:04d}"


SITI = nik(1, female=True)  # 3215055203900001, as in the CLI tests
BUDI = nik(2, yy=85)
ANDI = nik(3, day=1, month=1, yy=80)
DEWI = nik(4, day=5, month=7, yy=92, female=True, kec="321510")


@pytest.fixture
def db(seeded):
    """A write session on the seeded office (30 kecamatan, the programme rules)."""
    with store.session_scope(seeded, write=True) as s:
        yield s


@pytest.fixture
def ksp(db):
    """A KSP (no employer size) with Siti and Budi as karyawan and Andi as anggota since 2021-01-04."""
    coop = coops.add_coop(db, "KSP Sejahtera", kind="ksp", base="masyarakat", kecamatan="Klari")
    for who, name, role in ((SITI, "Siti Aminah", "karyawan"), (BUDI, "Budi", "karyawan"), (ANDI, "Andi", "anggota")):
        people.add_worker(db, coop["id"], nik=who, name=name, role=role, since="2021-01-04")
    return coop["id"]


@pytest.fixture
def registered(db, ksp):
    """The KSP registered with BPJS from the day its people started (2021-01-04)."""
    bpjs.register(db, ksp, on="2021-01-04")
    return ksp


def enrollments(db) -> list[Enrollment]:
    return list(db.exec(select(Enrollment).order_by(Enrollment.id)).all())


def test_nik_helper_builds_what_the_validator_reads():
    from koptrack.domain import validate

    assert SITI == "3215055203900001"
    info = validate.parse_nik(DEWI)
    assert (info.birth_date, info.gender, info.kecamatan) == (D(1992, 7, 5), "P", "32.15.10")


# --- registration -------------------------------------------------------------------------------


def test_register_then_deregister(db, ksp):
    reg = bpjs.register(db, ksp, on="2021-03-01", npp="12345678", branch="Karawang")
    assert (reg["coop_id"], reg["registered_on"], reg["deregistered_on"], reg["npp"]) == (
        ksp,
        D(2021, 3, 1),
        None,
        "12345678",
    )
    with pytest.raises(Duplicate):
        bpjs.register(db, ksp, on="2021-04-01")
    with pytest.raises(Conflict):
        bpjs.deregister(db, ksp, on="2021-02-28")  # before it began
    out = bpjs.deregister(db, ksp, on="2021-09-01")
    assert out["registration_id"] == reg["registration_id"] and out["deregistered_on"] == D(2021, 9, 1)
    row = db.get(BpjsRegistration, reg["registration_id"])
    assert (row.registered_on, row.deregistered_on) == (D(2021, 3, 1), D(2021, 9, 1))


def test_a_new_registration_may_start_on_the_day_the_last_one_ended_not_before(db, ksp):
    bpjs.register(db, ksp, on="2021-03-01")
    bpjs.deregister(db, ksp, on="2021-09-01")
    with pytest.raises(Conflict):
        bpjs.register(db, ksp, on="2021-08-31")
    again = bpjs.register(db, ksp, on="2021-09-01")
    assert again["registered_on"] == D(2021, 9, 1)
    rows = db.exec(select(BpjsRegistration).where(BpjsRegistration.coop_id == ksp)).all()
    assert sorted((r.registered_on, r.deregistered_on) for r in rows) == [
        (D(2021, 3, 1), D(2021, 9, 1)),
        (D(2021, 9, 1), None),
    ]


def test_deregister_without_a_registration(db, ksp):
    with pytest.raises(NotFound):
        bpjs.deregister(db, ksp, on="2021-09-01")


# --- enrollment: category and programmes ------------------------------------------------------------


def test_default_category_follows_the_role():
    assert bpjs.default_category("karyawan") == "pu"
    assert bpjs.default_category("anggota") == "bpu"


def test_a_karyawan_is_enrolled_pu_and_an_anggota_bpu(db, ksp, registered):
    siti = bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01")
    andi = bpjs.enroll(db, ksp, nik=ANDI, on="2021-03-01")
    assert (siti["category"], andi["category"]) == ("pu", "bpu")
    assert [(e.person_id, e.category) for e in enrollments(db)] == [
        (people.find_person(db, SITI).id, "pu"),
        (people.find_person(db, ANDI).id, "bpu"),
    ]


def test_someone_engaged_both_ways_defaults_to_pu_and_a_given_category_wins(db, ksp, registered):
    people.add_worker(db, ksp, nik=ANDI, name="Andi", role="karyawan", since="2021-02-01")
    assert bpjs.enroll(db, ksp, nik=ANDI, on="2021-02-01")["category"] == "pu"
    assert bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", category="bukan penerima upah")["category"] == "bpu"


def test_programmes_default_to_the_seeded_minimum_for_the_category_and_size(db, ksp, registered):
    medium = coops.add_coop(db, "Kopkar Besar", kind="konsumen", kecamatan="Cikampek", employer_size="medium")["id"]
    small = coops.add_coop(db, "Kopkar Kecil", kind="konsumen", kecamatan="Pedes", employer_size="small")["id"]
    people.add_worker(db, medium, nik=DEWI, name="Dewi", role="karyawan", since="2021-01-04")
    people.add_worker(db, small, nik=BUDI, name="Budi", role="karyawan", since="2021-01-04")
    bpjs.register(db, medium, on="2021-01-04")
    bpjs.register(db, small, on="2021-01-04")

    any_size = bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01")  # no size: the `any` rule
    of_medium = bpjs.enroll(db, medium, nik=DEWI, on="2021-03-01")
    of_small = bpjs.enroll(db, small, nik=BUDI, on="2021-03-01")
    anggota = bpjs.enroll(db, ksp, nik=ANDI, on="2021-03-01")  # bpu: one rule for every size

    assert any_size["programmes"] == ["jkk", "jkm"]
    assert of_small["programmes"] == ["jkk", "jkm", "jht"]
    assert of_medium["programmes"] == ["jkk", "jkm", "jht", "jp"]
    assert anggota["programmes"] == ["jkk", "jkm"]
    for enrolled in (any_size, of_medium, of_small, anggota):
        assert enrolled["missing_programmes"] == []
    stored = {e.id: (e.programmes, e.missing_programmes) for e in enrollments(db)}
    assert stored[of_medium["enrollment_id"]] == ("jkk,jkm,jht,jp", "")
    assert stored[of_small["enrollment_id"]] == ("jkk,jkm,jht", "")


def test_the_minimum_is_read_from_the_rules_table_not_built_in(db, ksp, registered):
    rule = db.exec(
        select(ProgrammeRule).where(ProgrammeRule.category == "pu", ProgrammeRule.employer_size == "any")
    ).one()
    assert rule.programmes == "jkk,jkm"  # as seeded
    rule.programmes = "jkk,jkm,jht"
    db.add(rule)
    db.flush()
    enrolled = bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01")
    assert enrolled["programmes"] == ["jkk", "jkm", "jht"]
    lacking = bpjs.enroll(db, ksp, nik=BUDI, on="2021-03-01", programmes="jkk,jkm")
    assert lacking["missing_programmes"] == ["jht"]


def test_a_lacking_mandatory_programme_is_recorded(db, ksp, registered):
    medium = coops.add_coop(db, "Kopkar Besar", kind="konsumen", kecamatan="Cikampek", employer_size="medium")["id"]
    people.add_worker(db, medium, nik=DEWI, name="Dewi", role="karyawan", since="2021-01-04")
    bpjs.register(db, medium, on="2021-01-04")
    pu = bpjs.enroll(db, medium, nik=DEWI, on="2021-03-01", programmes="JKM jkk jkp")
    assert pu["programmes"] == ["jkk", "jkm", "jkp"]  # as given, in canonical order
    assert pu["missing_programmes"] == ["jht", "jp"]
    bpu = bpjs.enroll(db, ksp, nik=ANDI, on="2021-03-01", programmes=["jkk"])
    assert bpu["missing_programmes"] == ["jkm"]
    full = bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", programmes="jkk,jkm,jht")
    assert full["missing_programmes"] == []  # more than the minimum lacks nothing
    assert [(e.programmes, e.missing_programmes) for e in enrollments(db)] == [
        ("jkk,jkm,jkp", "jht,jp"),
        ("jkk", "jkm"),
        ("jkk,jkm,jht", ""),
    ]


# --- enrollment: who and when ----------------------------------------------------------------------


def test_enrolling_someone_not_engaged_on_that_date_is_refused(db, ksp, registered):
    other = coops.add_coop(db, "Kop Jasa", kind="jasa", kecamatan="Klari")["id"]
    people.add_worker(db, other, nik=DEWI, name="Dewi", role="karyawan", since="2021-01-04")
    with pytest.raises(KoptrackError, match="is not engaged with cooperative"):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-01-03")  # the day before she started
    with pytest.raises(KoptrackError, match="is not engaged with cooperative"):
        bpjs.enroll(db, ksp, nik=DEWI, on="2021-03-01")  # engaged, but with another cooperative
    with pytest.raises(NotFound, match="no person with this NIK"):
        bpjs.enroll(db, ksp, nik=nik(9), on="2021-03-01")
    assert enrollments(db) == []
    assert bpjs.enroll(db, ksp, nik=SITI, on="2021-01-04")["start_on"] == D(2021, 1, 4)  # her first day


def test_no_enrollment_on_or_after_the_day_someone_left(db, ksp, registered):
    people.leave(db, ksp, nik=BUDI, on="2021-06-01")
    with pytest.raises(KoptrackError, match="is not engaged"):
        bpjs.enroll(db, ksp, nik=BUDI, on="2021-06-01")
    assert bpjs.enroll(db, ksp, nik=BUDI, on="2021-05-31")["start_on"] == D(2021, 5, 31)


def test_a_second_open_enrollment_is_refused(db, ksp, registered):
    first = bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", kpj="12345678901")
    with pytest.raises(Duplicate):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-04-01")
    with pytest.raises(Duplicate):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", category="bpu")
    assert [e.id for e in enrollments(db)] == [first["enrollment_id"]]


def test_end_then_enroll_again_from_the_end_day_on(db, ksp, registered):
    first = bpjs.enroll(db, ksp, nik=SITI, on="2021-02-01")
    with pytest.raises(Conflict):
        bpjs.end(db, ksp, nik=SITI, on="2021-01-31")  # before it began
    ended = bpjs.end(db, ksp, nik=SITI, on="2021-07-01")
    assert (ended["enrollment_id"], ended["start_on"], ended["end_on"]) == (
        first["enrollment_id"],
        D(2021, 2, 1),
        D(2021, 7, 1),
    )
    with pytest.raises(NotFound):
        bpjs.end(db, ksp, nik=SITI, on="2021-08-01")  # nothing open any more
    with pytest.raises(Conflict):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-06-30")  # would overlap the ended one
    again = bpjs.enroll(db, ksp, nik=SITI, on="2021-07-01")
    assert [(e.start_on, e.end_on) for e in enrollments(db)] == [(D(2021, 2, 1), D(2021, 7, 1)), (D(2021, 7, 1), None)]
    assert again["enrollment_id"] != first["enrollment_id"]


def test_end_for_someone_never_enrolled_or_unknown(db, ksp):
    with pytest.raises(NotFound, match="is not enrolled through cooperative"):
        bpjs.end(db, ksp, nik=BUDI, on="2021-03-01")
    with pytest.raises(NotFound):
        bpjs.end(db, ksp, nik=nik(9), on="2021-03-01")


def test_an_enrollment_holds_its_start_day_and_not_its_end_day(db, ksp, registered):
    bpjs.enroll(db, ksp, nik=SITI, on="2021-02-01")
    bpjs.end(db, ksp, nik=SITI, on="2021-07-01")
    counted = {day: coverage.enrolled_people(db, day) for day in (D(2021, 1, 31), D(2021, 2, 1), D(2021, 6, 30))}
    counted[D(2021, 7, 1)] = coverage.enrolled_people(db, D(2021, 7, 1))
    assert counted == {D(2021, 1, 31): 0, D(2021, 2, 1): 1, D(2021, 6, 30): 1, D(2021, 7, 1): 0}


def test_leaving_ends_the_enrollment_the_same_day(db, ksp, registered):
    bpjs.enroll(db, ksp, nik=BUDI, on="2021-03-01")
    assert people.leave(db, ksp, nik=BUDI, on="2021-06-01")["enrollments_ended"] == 1
    assert [(e.start_on, e.end_on) for e in enrollments(db)] == [(D(2021, 3, 1), D(2021, 6, 1))]


def test_refusals_of_bad_input(db, ksp):
    with pytest.raises(ValidationError):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", programmes="jkk,xyz")
    with pytest.raises(ValidationError):
        bpjs.enroll(db, ksp, nik=SITI, on="2021-03-01", kpj="123")
    with pytest.raises(ValidationError):
        bpjs.enroll(db, ksp, nik=SITI, on=dt.date.today() + dt.timedelta(days=2))  # not in the future
    assert enrollments(db) == []


def test_an_enrollment_recorded_after_someone_left_does_not_outlast_their_engagement(db, ksp, registered):
    people.leave(db, ksp, nik=BUDI, on="2021-06-01")
    try:
        bpjs.enroll(db, ksp, nik=BUDI, on="2021-03-01")  # recorded late: he was engaged that day
    except KoptrackError:
        pass  # refusing it would do too; it is recorded, ending on the day he left
    assert coverage.enrolled_people(db, D(2021, 6, 1)) == 0  # he left that day
    assert coverage.enrolled_people(db, D(2021, 12, 31)) == 0
