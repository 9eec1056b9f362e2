"""Corrections (issue 13, items 15 and 16): a person, an engagement, an enrollment, a BPJS
registration and a PKS-PKB membership entered in error are edited or removed; each correction is
one audit entry with the old and new values (identifiers masked); a removal is refused while
something depends on the row. Commands that need a person take a NIK or a name unique within
the cooperative."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from conftest import refused, snapshot

SITI = "3215055203900001"  # born 1990-03-12, female
SITI_FIXED = "3215051203900001"  # the same digits without the +40: male, born 1990-03-12
BUDI = "3215051208850002"
COOP = "KSP Maju Bersama"


def masked(nik: str) -> str:
    return nik[:6] + "******" + nik[-4:]


def last_entry(cli) -> dict:
    return cli.json("log", "--limit", "1")[0]


@pytest.fixture
def office(cli):
    """A KSP registered with BPJS from 2021-01-04; Siti (karyawan) and Budi (anggota) since then;
    Siti enrolled from 2021-04-01."""
    cli("seed")
    coop = cli.json("coop", "add", COOP, "--kind", "ksp", "--kecamatan", "Klari")["id"]
    cli(
        "worker",
        "add",
        "--coop",
        coop,
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli(
        "worker",
        "add",
        "--coop",
        coop,
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "register", "--coop", coop, "--on", "2021-01-04", "--npp", "AB123456")
    cli("bpjs", "enroll", "--coop", coop, "--nik", SITI, "--on", "2021-04-01", "--kpj", "12345678901")
    return coop


def person(engine, nik: str):
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM person WHERE nik = :n"), {"n": nik}).mappings().first()


def rows(engine, table: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")).mappings()]


# --- a person ------------------------------------------------------------------------------------


def test_a_misspelt_name_is_corrected_and_logged_with_old_and_new(cli, engine, office):
    out = cli.json("worker", "edit", "--nik", SITI, "--name", "Siti Aminah Putri")
    assert out["before"] == {"name": "Siti Aminah"} and out["after"] == {"name": "Siti Aminah Putri"}
    assert out["nik"] == masked(SITI)
    assert person(engine, SITI)["name"] == "Siti Aminah Putri"
    entry = last_entry(cli)
    assert (entry["command"], entry["entity"]) == ("worker edit", "person")
    assert entry["summary"]["before"] == {"name": "Siti Aminah"}
    assert entry["summary"]["after"] == {"name": "Siti Aminah Putri"}
    table = cli("log", "--limit", "1").stdout
    assert "name: Siti Aminah -> Siti Aminah Putri" in " ".join(table.split())


def test_a_mistyped_nik_is_corrected_and_sex_and_birth_date_follow_it(cli, engine, office):
    out = cli.json("worker", "edit", "--nik", SITI, "--new-nik", SITI_FIXED)
    assert out["before"]["gender"] == "P" and out["after"]["gender"] == "L"
    assert out["before"]["nik"] == masked(SITI) and out["after"]["nik"] == masked(SITI_FIXED)
    assert person(engine, SITI) is None
    fixed = person(engine, SITI_FIXED)
    assert (fixed["gender"], str(fixed["birth_date"])) == ("L", "1990-03-12")
    # the engagement and the enrollment stay with the person
    assert len(cli.json("worker", "list", "--coop", office, "--role", "karyawan")) == 1
    shown = cli.json("worker", "edit", "--nik", SITI_FIXED, "--name", "Siti A.", "--show-nik")
    assert shown["nik"] == SITI_FIXED
    # the log's summary holds masked identifiers only, in JSON and in the table
    entries = json.dumps(cli.json("log", "--limit", "0"))
    assert SITI not in entries and SITI_FIXED not in entries
    with engine.connect() as conn:
        summaries = " ".join(str(s) for (s,) in conn.execute(text("SELECT summary FROM audit_log")))
    assert SITI not in summaries and SITI_FIXED not in summaries


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--new-nik", BUDI], "another person"),
        (["--new-nik", "3215051203210001"], "after the person's first engagement"),  # born 2021-03-12
        (["--new-nik", "12345"], "16 digits"),
        (["--name", "Siti Aminah"], "nothing to change"),
        ([], "nothing to change"),
        (["--new-until", "2021-01-04"], "give --coop"),
    ],
)
def test_a_wrong_person_correction_is_refused_and_changes_nothing(cli, engine, office, args, says):
    before = snapshot(engine)
    err = refused(cli("worker", "edit", "--nik", SITI, *args, ok=False))
    assert says in err
    assert snapshot(engine) == before
    assert SITI not in err


def test_a_new_nik_that_makes_an_improbable_age_needs_confirming(cli, engine, office):
    child = "3215051203110001"  # born 2011-03-12: nine years old when engaged as karyawan
    before = snapshot(engine)
    err = refused(cli("worker", "edit", "--nik", SITI, "--new-nik", child, ok=False))
    assert "improbable" in err and "--confirm" in err
    assert snapshot(engine) == before
    out = cli.json("worker", "edit", "--nik", SITI, "--new-nik", child, "--confirm")
    assert out["after"]["birth_date"] == "2011-03-12"


# --- engagements -----------------------------------------------------------------------------------


def test_an_engagement_start_is_corrected_within_its_enrollments(cli, engine, office):
    out = cli.json(
        "worker", "edit", "--coop", office, "--nik", SITI, "--since", "2021-01-04", "--new-since", "2021-02-01"
    )
    assert (out["entity"], out["before"], out["after"]) == (
        "engagement",
        {"since": "2021-01-04"},
        {"since": "2021-02-01"},
    )
    assert last_entry(cli)["summary"]["after"] == {"since": "2021-02-01"}
    # later than her enrollment's start: the enrollment would lie outside it
    before = snapshot(engine)
    err = refused(cli("worker", "edit", "--coop", office, "--nik", SITI, "--new-since", "2021-05-01", ok=False))
    assert "would lie outside an engagement" in err and "bpjs edit" in err
    # an end on its own start day: a period of no days
    err = refused(cli("worker", "edit", "--coop", office, "--nik", BUDI, "--new-until", "2021-01-04", ok=False))
    assert "must end after the day it starts" in err
    assert snapshot(engine) == before


def test_an_engagement_end_is_corrected_and_reopened(cli, engine, office):
    cli("worker", "leave", "--coop", office, "--nik", BUDI, "--on", "2021-06-30")
    out = cli.json("worker", "edit", "--coop", office, "--nik", BUDI, "--new-until", "2021-07-31")
    assert (out["before"], out["after"]) == ({"until": "2021-06-30"}, {"until": "2021-07-31"})
    cli("worker", "edit", "--coop", office, "--nik", BUDI, "--new-until", "open", "--new-role", "karyawan")
    budi = [w for w in cli.json("worker", "list", "--coop", office) if w["name"] == "Budi Santoso"]
    assert [(w["role"], w["until"]) for w in budi] == [("karyawan", None)]


def test_an_engagement_is_removed_only_when_no_enrollment_lies_within_it(cli, engine, office):
    before = snapshot(engine)
    err = refused(cli("worker", "remove", "--coop", office, "--nik", SITI, "--since", "2021-01-04", ok=False))
    assert "enrollment" in err and "bpjs edit|remove" in err
    assert snapshot(engine) == before
    out = cli.json("bpjs", "remove", "--coop", office, "--nik", SITI)
    assert out["before"]["kpj"] == "12******901" and out["after"] is None
    assert rows(engine, "enrollment") == []
    out = cli.json("worker", "remove", "--coop", office, "--nik", SITI, "--since", "2021-01-04")
    assert out["person_removed"] is True
    assert person(engine, SITI) is None
    entry = last_entry(cli)
    assert entry["summary"]["action"] == "remove" and entry["summary"]["before"]["since"] == "2021-01-04"
    shown = " ".join(cli("log", "--limit", "1").stdout.split())
    assert "removed: role=karyawan, since=2021-01-04" in shown.replace(" │ ", " ")


def test_removing_one_of_two_engagements_keeps_the_person(cli, engine, office):
    other = cli.json("coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari")["id"]
    cli(
        "worker",
        "add",
        "--coop",
        other,
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-02-01",
    )
    out = cli.json("worker", "remove", "--coop", other, "--nik", "Budi Santoso")
    assert out["person_removed"] is False
    assert person(engine, BUDI) is not None
    assert [e["coop_id"] for e in rows(engine, "engagement") if e["person_id"] == person(engine, BUDI)["id"]] == [
        int(office)
    ]


# --- BPJS -----------------------------------------------------------------------------------------


def test_an_enrollment_is_corrected_kpj_masked_in_the_log(cli, engine, office):
    out = cli.json("bpjs", "edit", "--coop", office, "--nik", SITI, "--kpj", "12345678910", "--programs", "jkk,jkm,jht")
    assert out["before"]["kpj"] == "12******901" and out["after"]["kpj"] == "12******910"
    enr = rows(engine, "enrollment")[0]
    assert (enr["kpj"], enr["programmes"]) == ("12345678910", "jkk,jkm,jht")
    entry = last_entry(cli)
    assert (entry["command"], entry["entity"]) == ("bpjs edit", "enrollment")
    assert entry["summary"]["before"]["kpj"] == "12******901"
    assert "12345678910" not in json.dumps(cli.json("log", "--limit", "0"))
    shown = cli.json("bpjs", "edit", "--coop", office, "--nik", SITI, "--kpj", "12345678911", "--show-nik")
    assert shown["after"]["kpj"] == "12345678911"


def test_a_wrong_enrollment_correction_is_refused(cli, engine, office):
    before = snapshot(engine)
    for args, says in [
        (["--nik", SITI, "--new-since", "2020-12-01"], "outside"),  # before she was engaged
        (["--nik", SITI, "--since", "2021-05-01", "--kpj", "12345678910"], "no enrollment that began"),
        (["--nik", BUDI, "--kpj", "12345678910"], "has no enrollment"),
        (["--nik", SITI, "--npp", "AB123457"], "registration"),
        (["--kpj", "12345678910"], "give --nik"),
    ]:
        assert says in refused(cli("bpjs", "edit", "--coop", office, *args, ok=False)), args
    assert snapshot(engine) == before


def test_a_registration_is_corrected_and_removed_only_without_enrollments(cli, engine, office):
    out = cli.json("bpjs", "edit", "--coop", office, "--npp", "AB123465", "--new-since", "2021-01-05")
    assert (out["entity"], out["before"], out["after"]) == (
        "bpjs_registration",
        {"registered_on": "2021-01-04", "npp": "AB123456"},
        {"registered_on": "2021-01-05", "npp": "AB123465"},
    )
    before = snapshot(engine)
    err = refused(cli("bpjs", "edit", "--coop", office, "--new-since", "2021-05-01", ok=False))
    assert "would lie outside a BPJS registration" in err
    assert "enrollment" in refused(cli("bpjs", "unregister", "--coop", office, ok=False))
    assert snapshot(engine) == before
    cli("bpjs", "remove", "--coop", office, "--nik", "Siti Aminah")
    out = cli.json("bpjs", "unregister", "--coop", office)
    assert out["action"] == "remove"
    assert [r for r in rows(engine, "bpjs_registration") if r["coop_id"] == office] == []
    assert last_entry(cli)["summary"]["before"]["npp"] == "AB123465"


# --- PKS-PKB and cooperatives ------------------------------------------------------------------------


def test_a_pkspkb_membership_is_corrected_and_removed(cli, engine, office):
    cli("pkspkb", "join", "--coop", office, "--on", "2021-05-10", "--agreement", "PKS/123/2021")
    out = cli.json("pkspkb", "edit", "--coop", office, "--agreement", "PKS/124/2021", "--new-since", "2021-05-12")
    assert out["before"] == {"joined_on": "2021-05-10", "agreement_no": "PKS/123/2021"}
    assert out["after"] == {"joined_on": "2021-05-12", "agreement_no": "PKS/124/2021"}
    before = snapshot(engine)
    err = refused(cli("pkspkb", "edit", "--coop", office, "--since", "2021-05-10", "--agreement", "X", ok=False))
    assert "no PKS-PKB membership that began" in err
    assert snapshot(engine) == before
    cli("pkspkb", "remove", "--coop", office)
    assert [r for r in rows(engine, "pkspkb_membership") if r["coop_id"] == office] == []
    assert last_entry(cli)["summary"]["before"]["agreement_no"] == "PKS/124/2021"


def test_a_renamed_cooperative_is_logged_with_old_and_new_name(cli, office):
    cli("coop", "edit", office, "--name", "KSP Maju Bersama Sejahtera")
    entry = last_entry(cli)
    assert entry["summary"]["before"] == {"name": COOP}
    assert entry["summary"]["after"] == {"name": "KSP Maju Bersama Sejahtera"}
    assert f"name: {COOP} -> KSP Maju Bersama Sejahtera" in " ".join(cli("log", "--limit", "1").stdout.split())


# --- a person as the user sees them (item 16) -----------------------------------------------------


def test_worker_leave_takes_a_name_case_insensitive(cli, engine, office):
    out = cli.json("worker", "leave", "--coop", office, "--nik", "budi  SANTOSO", "--on", "2021-06-30")
    assert out["name"] == "Budi Santoso" and out["until"] == "2021-06-30"


def test_bpjs_enroll_and_end_take_a_name(cli, engine, office):
    out = cli.json("bpjs", "enroll", "--coop", office, "--nik", "Budi Santoso", "--on", "2021-04-01")
    assert out["nik"] == masked(BUDI)
    out = cli.json("bpjs", "end", "--coop", office, "--nik", "budi santoso", "--on", "2021-09-01")
    assert out["end_on"] == "2021-09-01"


def test_a_nik_written_with_spaces_dots_or_an_apostrophe_is_a_nik(cli, office):
    out = cli.json("worker", "leave", "--coop", office, "--nik", "'3215 0512.0885 0002", "--on", "2021-06-30")
    assert out["name"] == "Budi Santoso"


def test_an_ambiguous_name_is_refused_with_how_many_and_where_to_look(cli, engine, office):
    twin = "3215051509880003"
    cli(
        "worker",
        "add",
        "--coop",
        office,
        "--nik",
        twin,
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    before = snapshot(engine)
    err = refused(cli("worker", "leave", "--coop", office, "--nik", "Budi Santoso", "--on", "2021-06-30", ok=False))
    assert "2 people" in err and f"koptrack worker list --coop {office}" in err and "--show-nik" in err
    assert snapshot(engine) == before
    refused(cli("bpjs", "enroll", "--coop", office, "--nik", "budi santoso", "--on", "2021-04-01", ok=False))
    assert snapshot(engine) == before
    # the NIK still says which one
    cli("worker", "leave", "--coop", office, "--nik", twin, "--on", "2021-06-30")


def test_an_unknown_name_or_one_from_another_cooperative_is_refused(cli, engine, office):
    other = cli.json("coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari")["id"]
    before = snapshot(engine)
    err = refused(cli("worker", "leave", "--coop", other, "--nik", "Siti Aminah", "--on", "2021-06-30", ok=False))
    assert "no person of cooperative" in err and "must contain only digits" not in err
    err = refused(cli("worker", "edit", "--nik", "Siti Aminah", "--name", "Siti", ok=False))
    assert "--coop" in err
    assert snapshot(engine) == before


def test_a_name_works_for_the_corrections_too(cli, engine, office):
    out = cli.json("worker", "edit", "--coop", office, "--nik", "siti aminah", "--name", "Siti Aminah Putri")
    assert out["after"] == {"name": "Siti Aminah Putri"}
    out = cli.json("bpjs", "edit", "--coop", office, "--nik", "Siti Aminah Putri", "--kpj", "")
    assert out["after"] == {"kpj": None}
