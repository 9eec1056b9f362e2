"""core/coverage.py on a session: people in scope by the cooperative's kind, enrolled, percent,
the four states on an as-of date, half-open boundaries, inactive cooperatives left out, and the
metrics the targets count."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from koptrack import store
from koptrack.core import bpjs, coops, coverage, people, pkspkb

D = dt.date
MID = D(2021, 6, 30)


def nik(serial: int, *, day: int = 12, month: int = 3, yy: int = 90, female: bool = False, kec: str = "321505") -> str:
    """A valid NIK: kecamatan code digits, DDMMYY birth date (+40 to the day for women), serial."""
    return f"{kec}{day + 40 if female else day:02d}{month:02d}{yy:02d}{serial:04d}"


SITI, BUDI, ANDI = nik(1, female=True), nik(2, yy=85), nik(3, day=1, month=1, yy=80)
DEWI, EKO, FAJAR = nik(4, female=True, kec="321510"), nik(5, kec="321510"), nik(6, kec="321510")
GITA, HADI = nik(7, female=True, day=20), nik(8, day=20)
KAR, ANG = "karyawan", "anggota"


def status(db, day: dt.date, **filters) -> dict[int, dict]:
    """`coverage.bpjs_status` rows on `day`, by cooperative id. The one call of it in this file:
    filters are what a user types (coop, kind, base, kecamatan, regency)."""
    f = coverage.CoverageFilter.parse(db, as_of=day, **filters)
    return {row["id"]: row for row in coverage.bpjs_status(db, f)}


@pytest.fixture
def db(seeded):
    """A write session on the seeded office: cooperative 1 (Koperasi Makmur Mandiri, a KSP in
    Klari, registered 2021-03-16, nobody recorded) and the 30 kecamatan."""
    with store.session_scope(seeded, write=True) as s:
        yield s


@pytest.fixture
def office(db):
    """Three more cooperatives, everyone engaged since 2021-01-04:
    - ksp (Klari, masyarakat), registered 2021-03-01: karyawan Siti and Budi, anggota Andi;
    - produsen (Cikampek, masyarakat), registered 2021-02-01: anggota Dewi and Eko, karyawan Fajar;
    - konsumen (Telukjambe Timur, karyawan), not registered: karyawan Gita."""

    def coop(name: str, kind: str, base: str, kecamatan: str, staff) -> int:
        cid = coops.add_coop(db, name, kind=kind, base=base, kecamatan=kecamatan)["id"]
        for who, role in staff:
            people.add_worker(db, cid, nik=who, name=f"Orang {who[-4:]}", role=role, since="2021-01-04")
        return cid

    o = SimpleNamespace(makmur=1)
    o.ksp = coop("KSP Sejahtera", "ksp", "masyarakat", "Klari", [(SITI, KAR), (BUDI, KAR), (ANDI, ANG)])
    o.produsen = coop(
        "Kop Produsen Tani", "produsen", "masyarakat", "Cikampek", [(DEWI, ANG), (EKO, ANG), (FAJAR, KAR)]
    )
    o.konsumen = coop("Kopkar Industri", "konsumen", "karyawan", "Telukjambe Timur", [(GITA, KAR)])
    bpjs.register(db, o.ksp, on="2021-03-01")
    bpjs.register(db, o.produsen, on="2021-02-01")
    return o


def figures(row: dict) -> tuple:
    return row["in_scope"], row["enrolled"], row["coverage"], row["missing_programmes"], row["state"]


def test_people_in_scope_are_every_coops_karyawan_and_a_producer_coops_anggota(db, office):
    rows = status(db, MID)
    assert {cid: r["in_scope"] for cid, r in rows.items()} == {
        office.makmur: 0,
        office.ksp: 2,  # Siti and Budi; Andi is a member of a KSP
        office.produsen: 3,  # Dewi and Eko, members, and Fajar, its employee (DOMAIN.md: both)
        office.konsumen: 1,
    }
    assert (rows[office.ksp]["name"], rows[office.ksp]["kecamatan"], rows[office.ksp]["as_of"]) == (
        "KSP Sejahtera",
        "Klari",
        MID,
    )


def test_a_person_in_scope_in_two_roles_counts_once(db, office):
    people.add_worker(db, office.produsen, nik=FAJAR, name="Orang 0006", role="anggota", since="2021-01-04")
    bpjs.enroll(db, office.produsen, nik=FAJAR, on="2021-03-01")
    assert figures(status(db, MID)[office.produsen]) == (3, 1, 33.3, 0, "partial")


def test_only_enrollments_of_people_in_scope_count(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.ksp, nik=ANDI, on="2021-03-01")  # an anggota of a KSP: not in scope
    rows = status(db, MID)
    assert figures(rows[office.ksp]) == (2, 1, 50.0, 0, "partial")
    assert figures(rows[office.produsen]) == (3, 0, 0.0, 0, "partial")
    people.add_worker(db, office.produsen, nik=HADI, name="Hadi", role="anggota", since="2021-01-04")
    bpjs.enroll(db, office.produsen, nik=DEWI, on="2021-03-01")
    bpjs.enroll(db, office.produsen, nik=FAJAR, on="2021-03-01")  # a producer's own employee: in scope
    assert figures(status(db, MID)[office.produsen]) == (4, 2, 50.0, 0, "partial")


def test_the_four_states(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.ksp, nik=BUDI, on="2021-03-01")
    bpjs.enroll(db, office.produsen, nik=DEWI, on="2021-03-01")
    rows = status(db, MID)
    assert figures(rows[office.makmur]) == (0, 0, None, 0, "registered, roster missing")
    assert figures(rows[office.ksp]) == (2, 2, 100.0, 0, "fully covered")
    assert figures(rows[office.produsen]) == (3, 1, 33.3, 0, "partial")
    # the cooperative itself is not registered (so nobody can be enrolled through it)
    assert figures(rows[office.konsumen]) == (1, 0, 0.0, 0, "not registered")
    assert (rows[office.konsumen]["registered"], rows[office.konsumen]["registered_on"]) == (False, None)
    assert (rows[office.ksp]["registered"], rows[office.ksp]["registered_on"]) == (True, D(2021, 3, 1))
    assert {r["state"] for r in rows.values()} == set(coverage.STATES)


def test_an_enrollment_lacking_a_mandatory_programme_keeps_a_cooperative_partial(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.ksp, nik=BUDI, on="2021-03-01", programmes="jkk")  # jkm lacking
    assert figures(status(db, MID)[office.ksp]) == (2, 2, 100.0, 1, "partial")


def test_only_behind_leaves_out_the_fully_covered(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.ksp, nik=BUDI, on="2021-03-01")
    f = coverage.CoverageFilter.parse(db, as_of=MID)
    behind = [r["id"] for r in coverage.bpjs_status(db, f, only_behind=True)]
    assert sorted(behind) == sorted([office.makmur, office.produsen, office.konsumen])


def test_registration_is_counted_from_its_first_day_to_the_day_before_it_ends(db, office):
    assert status(db, D(2021, 3, 15))[office.makmur]["state"] == "not registered"
    on_the_day = status(db, D(2021, 3, 16))[office.makmur]
    assert (on_the_day["registered"], on_the_day["registered_on"]) == (True, D(2021, 3, 16))
    bpjs.deregister(db, office.ksp, on="2021-10-01")
    assert status(db, D(2021, 9, 30))[office.ksp]["registered"] is True
    assert status(db, D(2021, 10, 1))[office.ksp]["state"] == "not registered"


def test_people_are_in_scope_on_their_first_day_and_not_on_the_day_they_leave(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.ksp, nik=BUDI, on="2021-03-01")
    people.leave(db, office.ksp, nik=BUDI, on="2021-09-01")  # his enrollment ends the same day
    assert status(db, D(2021, 1, 3))[office.ksp]["in_scope"] == 0
    assert status(db, D(2021, 1, 4))[office.ksp]["in_scope"] == 2
    assert figures(status(db, D(2021, 8, 31))[office.ksp]) == (2, 2, 100.0, 0, "fully covered")
    assert figures(status(db, D(2021, 9, 1))[office.ksp]) == (1, 1, 100.0, 0, "fully covered")
    bpjs.end(db, office.ksp, nik=SITI, on="2021-10-01")
    assert figures(status(db, D(2021, 9, 30))[office.ksp]) == (1, 1, 100.0, 0, "fully covered")
    assert figures(status(db, D(2021, 10, 1))[office.ksp]) == (1, 0, 0.0, 0, "partial")


def test_inactive_cooperatives_are_not_counted(db, office):
    bpjs.register(db, office.konsumen, on="2021-03-01")
    bpjs.enroll(db, office.konsumen, nik=GITA, on="2021-03-01")
    pkspkb.join(db, office.konsumen, on="2021-04-01")
    before = (
        coverage.registered_coops(db, MID),
        coverage.enrolled_people(db, MID),
        coverage.pkspkb_members(db, MID),
        coverage.pkspkb_joined(db, D(2021, 1, 1), D(2021, 12, 31)),
    )
    assert before == (4, 1, 1, 1)
    klari_before = coverage.bpjs_status_by_kecamatan(db, coverage.CoverageFilter.parse(db, as_of=MID))
    assert sum(k["coops"] for k in klari_before) == 4
    coops.deactivate_coop(db, office.konsumen, on="2021-05-01")
    assert office.konsumen in status(db, D(2021, 4, 30))  # as it was on the day: still active
    assert office.konsumen not in status(db, MID)
    assert sorted(status(db, MID)) == sorted([office.makmur, office.ksp, office.produsen])
    after = (
        coverage.registered_coops(db, MID),
        coverage.enrolled_people(db, MID),
        coverage.pkspkb_members(db, MID),
        coverage.pkspkb_joined(db, D(2021, 1, 1), D(2021, 12, 31)),
    )
    assert after == (3, 0, 0, 0)
    assert coverage.registered_coops(db, D(2021, 4, 30)) == 4
    by_kec = coverage.bpjs_status_by_kecamatan(db, coverage.CoverageFilter.parse(db, as_of=MID))
    assert sum(k["coops"] for k in by_kec) == 3
    assert "Telukjambe Timur" not in {k["kecamatan"] for k in by_kec}


def test_filters_narrow_the_rows_and_the_figures(db, office):
    assert list(status(db, MID, kind="produsen")) == [office.produsen]
    assert list(status(db, MID, coop="KSP Sejahtera")) == [office.ksp]
    assert sorted(status(db, MID, kecamatan="Klari")) == [office.makmur, office.ksp]
    assert sorted(status(db, MID, base="masyarakat")) == [office.ksp, office.produsen]
    assert status(db, MID, regency="32.16") == {}


def test_per_kecamatan_sums_the_same_figures(db, office):
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    rows = coverage.bpjs_status_by_kecamatan(db, coverage.CoverageFilter.parse(db, as_of=MID))
    klari = next(r for r in rows if r["kecamatan"] == "Klari")
    assert {k: klari[k] for k in ("coops", "registered", "in_scope", "enrolled", "coverage")} == {
        "coops": 2,
        "registered": 2,
        "in_scope": 2,
        "enrolled": 1,
        "coverage": 50.0,
    }
    assert (klari["not_registered"], klari["roster_missing"], klari["partial"], klari["fully_covered"]) == (0, 1, 1, 0)
    assert sorted(r["kecamatan"] for r in rows) == ["Cikampek", "Klari", "Telukjambe Timur"]


# --- the metrics of the targets ----------------------------------------------------------------------


def test_registered_coops_by_day_and_segment(db, office):
    reg = coverage.registered_coops
    assert reg(db, D(2021, 1, 31)) == 0
    assert (reg(db, D(2021, 2, 1)), reg(db, D(2021, 2, 1), kind="ksp")) == (1, 0)  # the producer, from its first day
    assert reg(db, D(2021, 3, 15)) == 2
    assert reg(db, D(2021, 3, 16)) == 3  # cooperative 1 too
    assert reg(db, D(2021, 3, 16), kind="ksp") == 2
    assert reg(db, D(2021, 3, 16), base="masyarakat") == 2  # cooperative 1's base is unknown
    assert reg(db, D(2021, 3, 16), kind="ksp", base="masyarakat") == 1
    assert (reg(db, MID, regency="32.15"), reg(db, MID, regency="32.16")) == (3, 0)
    bpjs.deregister(db, office.ksp, on="2021-10-01")
    assert (reg(db, D(2021, 9, 30)), reg(db, D(2021, 10, 1))) == (3, 2)


def test_enrolled_people_counts_each_person_once(db, office):
    people.add_worker(db, office.konsumen, nik=SITI, name="Orang 0001", role="karyawan", since="2021-01-04")
    bpjs.register(db, office.konsumen, on="2021-04-01")
    bpjs.enroll(db, office.ksp, nik=SITI, on="2021-03-01")
    bpjs.enroll(db, office.konsumen, nik=SITI, on="2021-04-01")  # through a second cooperative
    bpjs.enroll(db, office.produsen, nik=FAJAR, on="2021-03-01")  # out of scope, but enrolled
    n = coverage.enrolled_people
    assert (n(db, D(2021, 2, 28)), n(db, D(2021, 3, 1)), n(db, MID)) == (0, 2, 2)
    assert (n(db, MID, kind="ksp"), n(db, MID, kind="konsumen"), n(db, MID, kind="produsen")) == (1, 1, 1)
    assert (n(db, MID, base="karyawan"), n(db, MID, base="masyarakat")) == (1, 2)
    bpjs.end(db, office.ksp, nik=SITI, on="2021-06-30")
    assert (n(db, MID), n(db, MID, kind="ksp")) == (2, 0)  # still enrolled through the konsumen coop


def test_pkspkb_joined_between_two_days_inclusive_and_members_on_a_day(db, office):
    pkspkb.join(db, office.ksp, on="2020-05-01")
    pkspkb.leave(db, office.ksp, on="2021-06-01")
    pkspkb.join(db, office.produsen, on="2021-06-01")
    pkspkb.join(db, office.konsumen, on="2021-12-31")
    joined = coverage.pkspkb_joined
    assert joined(db, D(2021, 1, 1), D(2021, 12, 31)) == 2
    assert joined(db, D(2021, 1, 1), D(2021, 12, 30)) == 1
    assert joined(db, D(2021, 6, 1), D(2021, 6, 1)) == 1
    assert joined(db, D(2021, 6, 2), D(2021, 12, 30)) == 0
    assert joined(db, D(2020, 1, 1), D(2020, 12, 31)) == 1
    assert joined(db, D(2021, 1, 1), D(2021, 12, 31), base="karyawan") == 1  # the konsumen kopkar
    assert joined(db, D(2021, 1, 1), D(2021, 12, 31), kind="ksp") == 0  # the KSP joined in 2020
    members = coverage.pkspkb_members
    assert members(db, D(2020, 4, 30)) == 0
    assert members(db, D(2020, 5, 1)) == 1
    assert members(db, D(2021, 5, 31)) == 1  # the KSP, the day before it left
    assert members(db, D(2021, 6, 1), kind="ksp") == 0  # not on the day it left
    assert members(db, D(2021, 6, 1)) == 1  # the producer, from the day it joined
    assert (members(db, D(2021, 12, 30)), members(db, D(2021, 12, 31))) == (1, 2)
    assert members(db, D(2021, 12, 31), base="masyarakat") == 1
