"""Issue 13's domain rules, through the CLI as an office uses it: what is wrong is refused (one
`error:` line, exit 1, the database as it was), what is improbable needs --confirm, what is
doubtful is recorded with a warning on stderr (never in --json's stdout)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from conftest import refused, snapshot

KSP_NAME = "KSP Maju Bersama"
PRODUSEN_NAME = "Koperasi Produsen Tani Subur"
SITI = "3215055203900001"  # born 12-03-1990, woman
BUDI = "3215051203850002"  # born 12-03-1985
AFTER_BIRTH = "3215050106220003"  # born 01-06-2022
CHILD = "3215050101160004"  # born 01-01-2016 (or 1916)
TEEN = "3215050101070005"  # born 01-01-2007


@pytest.fixture
def office(cli):
    cli("seed")
    ksp = cli.json("coop", "add", KSP_NAME, "--kind", "ksp", "--kecamatan", "Klari")["id"]
    prod = cli.json("coop", "add", PRODUSEN_NAME, "--kind", "produsen", "--kecamatan", "Cikampek")["id"]
    for coop, who, name, role in (
        (ksp, SITI, "Siti Aminah", "karyawan"),
        (ksp, BUDI, "Budi Santoso", "anggota"),
        (prod, BUDI, "Budi Santoso", "anggota"),
    ):
        cli("worker", "add", "--coop", str(coop), "--nik", who, "--name", name, "--role", role, "--since", "2021-01-04")
    cli.ksp, cli.prod = str(ksp), str(prod)
    return cli


def enroll(cli, coop: str, nik: str, on: str, *extra: str, ok: bool = True):
    return cli("bpjs", "enroll", "--coop", coop, "--nik", nik, "--on", on, *extra, ok=ok)


# 1. an enrollment lies within a registration of its cooperative


def test_enrolling_through_an_unregistered_cooperative_is_refused(office, engine):
    before = snapshot(engine)
    err = refused(enroll(office, office.ksp, SITI, "2021-03-01", ok=False))
    assert "not registered with BPJS Ketenagakerjaan on 2021-03-01" in err
    assert "koptrack bpjs register --coop" in err
    assert snapshot(engine) == before
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-03-01")
    refused(enroll(office, office.ksp, SITI, "2021-02-28", ok=False))  # the day before it
    assert enroll(office, office.ksp, SITI, "2021-03-01").exit_code == 0


def test_enrollment_status_never_shows_full_coverage_without_a_registration(office, engine):
    enroll(office, office.ksp, SITI, "2021-03-01", ok=False)
    rows = office.json("bpjs", "status", "--as-of", "2021-06-30", "--coop", office.ksp)
    assert (rows[0]["enrolled"], rows[0]["state"]) == (0, "not registered")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM enrollment")).scalar() == 0


def test_deregistering_ends_the_enrollments_with_it(office):
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-03-01")
    enroll(office, office.ksp, SITI, "2021-03-01")
    out = office.json("bpjs", "deregister", "--coop", office.ksp, "--on", "2021-09-01", "--json")
    assert out["enrollments_ended"] == 1
    on = {
        d: office.json("bpjs", "status", "--as-of", d, "--coop", office.ksp)[0]["enrolled"]
        for d in ("2021-08-31", "2021-09-01")
    }
    assert on == {"2021-08-31": 1, "2021-09-01": 0}


def test_an_enrollment_recorded_after_the_person_left_ends_when_they_left(office):
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-01-04")
    office("worker", "leave", "--coop", office.ksp, "--nik", SITI, "--on", "2021-06-01")
    r = enroll(office, office.ksp, SITI, "2021-03-01", "--json")
    assert json.loads(r.stdout)["end_on"] == "2021-06-01"
    assert "ends on 2021-06-01" in r.stderr and r.stderr.startswith("warning: ")
    status = office.json("bpjs", "status", "--as-of", "2021-12-31", "--coop", office.ksp)
    assert status[0]["enrolled"] == 0


# 2. half-open periods: an end after the start


@pytest.mark.parametrize("command", ["worker leave", "bpjs end"])
def test_ending_a_period_on_its_own_first_day_is_refused(office, engine, command):
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-01-04")
    enroll(office, office.ksp, SITI, "2021-01-04")
    before = snapshot(engine)
    err = refused(office(*command.split(), "--coop", office.ksp, "--nik", SITI, "--on", "2021-01-04", ok=False))
    assert "must end after the day it starts" in err
    assert snapshot(engine) == before


def test_leaving_on_the_day_an_enrollment_began_is_refused(office, engine):
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-01-04")
    enroll(office, office.ksp, SITI, "2021-05-01")
    before = snapshot(engine)
    err = refused(office("worker", "leave", "--coop", office.ksp, "--nik", SITI, "--on", "2021-05-01", ok=False))
    assert "would hold no day" in err
    assert snapshot(engine) == before


# 3. ages from the NIK


def add(cli, nik: str, role: str, since: str, *extra: str, ok: bool = True):
    return cli(
        "worker", "add", "--coop", cli.ksp, "--nik", nik, "--name", "Orang Baru", "--role", role, "--since", since,
        *extra, ok=ok,
    )  # fmt: skip


def test_engaged_before_birth_is_refused_even_with_confirm(office, engine):
    before = snapshot(engine)
    err = refused(add(office, AFTER_BIRTH, "karyawan", "2021-01-04", "--confirm", ok=False))
    assert "born on 2022-06-01" in err and "before birth" in err
    assert "3215050106220003" not in err  # masked
    assert snapshot(engine) == before


@pytest.mark.parametrize(("nik", "role", "age"), [(CHILD, "karyawan", 5), (TEEN, "anggota", 14)])
def test_an_improbable_age_needs_confirm_and_then_is_recorded_with_a_warning(office, engine, nik, role, age):
    before = snapshot(engine)
    err = refused(add(office, nik, role, "2021-01-04", ok=False))
    assert f"would be {age} years old on 2021-01-04" in err and "--confirm" in err
    assert snapshot(engine) == before
    r = add(office, nik, role, "2021-01-04", "--confirm", "--json")
    assert json.loads(r.stdout)["role"] == role  # stdout is the JSON record alone
    assert r.stderr.startswith("warning: ") and "recorded as confirmed" in r.stderr


def test_a_member_of_seventeen_needs_no_confirmation(office):
    r = add(office, TEEN, "anggota", "2024-01-02", "--json")
    assert r.stderr == "" and json.loads(r.stdout)["role"] == "anggota"


# 4. programmes and categories


def test_a_bpu_enrollment_with_jp_or_jkp_is_refused(office, engine):
    office("bpjs", "register", "--coop", office.prod, "--on", "2021-01-04")
    before = snapshot(engine)
    err = refused(enroll(office, office.prod, BUDI, "2021-03-01", "--programs", "jkk,jkm,jp", ok=False))
    assert "JP is for wage earners (PU) only" in err
    err = refused(
        enroll(office, office.prod, BUDI, "2021-03-01", "--category", "bpu", "--programs", "jkk,jkm,jkp", ok=False)
    )
    assert "JKP is for wage earners (PU) only" in err
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("coop", "nik", "category", "says"), [("prod", BUDI, "pu", "anggota"), ("ksp", SITI, "bpu", "karyawan")]
)
def test_a_category_contradicting_the_role_is_recorded_with_a_warning(office, coop, nik, category, says):
    office("bpjs", "register", "--coop", getattr(office, coop), "--on", "2021-01-04")
    r = enroll(office, getattr(office, coop), nik, "2021-03-01", "--category", category, "--json")
    assert json.loads(r.stdout)["category"] == category
    assert r.stderr.startswith("warning: ") and says in r.stderr and category.upper() in r.stderr


# 9. a cooperative's status is dated


def test_deactivating_today_does_not_change_last_years_figures(office):
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-01-04")
    before = office.json("targets", "2021", "--as-of", "2021-12-31")
    status_2021 = office.json("bpjs", "status", "--as-of", "2021-12-31")
    office("coop", "deactivate", office.ksp)
    assert office.json("targets", "2021", "--as-of", "2021-12-31") == before
    assert office.json("bpjs", "status", "--as-of", "2021-12-31") == status_2021
    assert office.ksp not in {str(r["id"]) for r in office.json("bpjs", "status")}  # today: gone
    assert office.json("coop", "show", office.ksp)["status"] == "inactive"


def test_deactivate_and_activate_on_dates(office):
    office("coop", "deactivate", office.ksp, "--on", "2022-01-01")
    ids = lambda day: {str(r["id"]) for r in office.json("bpjs", "status", "--as-of", day)}  # noqa: E731
    assert office.ksp in ids("2021-12-31") and office.ksp not in ids("2022-01-01")
    office("coop", "activate", office.ksp, "--on", "2023-01-01")
    assert office.ksp not in ids("2022-12-31") and office.ksp in ids("2023-01-01")
    assert office.json("coop", "show", office.ksp)["status"] == "active"
    # while inactive nothing can be recorded for it on those days
    err = refused(add(office, "3215050505900006", "karyawan", "2022-06-01", ok=False))
    assert "was inactive on 2022-06-01" in err


def test_an_inactive_cooperative_cannot_register_or_join_on_those_days(office, engine):
    office("coop", "deactivate", office.ksp, "--on", "2022-01-01")
    before = snapshot(engine)
    refused(office("bpjs", "register", "--coop", office.ksp, "--on", "2022-02-01", ok=False))
    refused(office("pkspkb", "join", "--coop", office.ksp, "--on", "2022-02-01", ok=False))
    assert snapshot(engine) == before
    office("pkspkb", "join", "--coop", office.ksp, "--on", "2021-02-01")  # before: fine


# 17. a producer cooperative's employees are in scope with its members


def test_a_producer_cooperatives_own_employees_are_in_scope(office):
    office("worker", "add", "--coop", office.prod, "--nik", SITI, "--name", "Siti Aminah", "--role", "karyawan",
           "--since", "2021-01-04")  # fmt: skip
    row = office.json("bpjs", "status", "--as-of", "2021-06-30", "--coop", office.prod)[0]
    assert row["in_scope"] == 2  # Budi (anggota) and Siti (karyawan)


# 19. help texts invent nothing about the real cooperative of the seed


def test_help_examples_use_made_up_cooperatives(cli):
    import re

    import typer.main

    from koptrack.cli import app

    root = typer.main.get_command(app)
    seen, stack = [], [(root, ())]
    while stack:
        cmd, path = stack.pop()
        seen.append(path)
        if hasattr(cmd, "list_commands"):  # a group (Typer's own Click)
            ctx = cmd.context_class(cmd)
            for name in cmd.list_commands(ctx):
                stack.append((cmd.get_command(ctx, name), (*path, name)))
    assert ("coop", "add") in seen and ("bpjs", "enroll") in seen  # every command, lazy groups too
    for path in seen:
        out = cli(*path, "--help").stdout
        for line in out.splitlines():
            if "koptrack " in line and re.search(r"Makmur|--coop 1\b", line):
                # naming the real cooperative only to look at it is fine; recording facts is not
                assert re.search(r"koptrack (coop show|log|export coops|worker list)", line), (path, line)


# 10. the office's words for kinds, and labels kept beside the kind


@pytest.mark.parametrize(
    ("kind", "label", "stored"),
    [
        ("produksi", None, ("produsen", None)),
        ("konsumsi", None, ("konsumen", None)),
        ("KSPPS", None, ("ksp", "KSPPS")),
        ("pemasaran", "KUD", ("pemasaran", "KUD")),
        ("konsumen", "Kopwan", ("konsumen", "Kopwan")),
    ],
)
def test_coop_add_takes_the_offices_words_and_keeps_the_label(cli, kind, label, stored):
    cli("seed")
    extra = ["--label", label] if label else []
    rec = cli.json("coop", "add", "Koperasi Contoh Usaha", "--kind", kind, "--kecamatan", "Klari", *extra)
    assert (rec["kind"], rec["label"]) == stored


def test_a_label_given_as_the_kind_is_refused_asking_for_the_kind(cli, engine):
    cli("seed")
    before = snapshot(engine)
    err = refused(cli("coop", "add", "KUD Contoh", "--kind", "KUD", "--kecamatan", "Klari", ok=False))
    assert "is a label, not a kind" in err
    assert snapshot(engine) == before


# 18. rules and rates carry the day they hold from


def test_the_jkp_rate_in_force_depends_on_the_date(cli):
    cli("seed")
    rate = lambda day: {p["code"]: p for p in cli.json("bpjs", "programmes", "--as-of", day)["programmes"]}["jkp"]  # noqa: E731
    before, after = rate("2025-01-31"), rate("2025-02-01")
    assert (before["pu_rate"], before["legal_basis"]) == ("0.46%", "PP 37/2021")
    assert (after["pu_rate"], after["legal_basis"]) == ("0.36%", "PP 6/2025")
    minimum = cli.json("bpjs", "programmes", "--as-of", "2021-12-31")["minimum"]
    checked = {(m["category"], m["employer_size"]): m["verified"] for m in minimum}
    assert checked[("pu", "small")] and checked[("pu", "medium")] and not checked[("pu", "any")]


def test_an_enrollment_is_checked_against_the_rule_in_force_on_its_day(seeded):
    import datetime as dt

    from koptrack import store
    from koptrack.core import bpjs, coops, people
    from koptrack.store.models import ProgrammeRule

    with store.session_scope(seeded, write=True) as s:
        cid = coops.add_coop(s, "Kopkar Contoh", kind="konsumen", kecamatan="Klari", employer_size="small")["id"]
        s.add(
            ProgrammeRule(
                category="pu", employer_size="small", programmes="jkk,jkm,jht,jp", valid_from=dt.date(2023, 1, 1)
            )
        )
        bpjs.register(s, cid, on="2021-01-04")
        for nik in (SITI, BUDI):
            people.add_worker(s, cid, nik=nik, name="Orang Contoh", role="karyawan", since="2021-01-04")
        early = bpjs.enroll(s, cid, nik=SITI, on="2022-12-31", programmes="jkk,jkm,jht")
        late = bpjs.enroll(s, cid, nik=BUDI, on="2023-01-01", programmes="jkk,jkm,jht")
    assert early["missing_programmes"] == [] and late["missing_programmes"] == ["jp"]


# 1, 3, 4 on the import path: the rules of the single commands hold for every row


def roster(tmp_path, rows, name="roster.csv"):
    import csv

    path = tmp_path / name
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["NIK", "Nama", "Peran", "Tanggal Masuk", "Tanggal BPJS", "Program"], *rows])
    return str(path)


def test_an_import_refuses_an_enrollment_outside_a_registration(office, engine, tmp_path):
    before = snapshot(engine)
    path = roster(tmp_path, [["3215050505900006", "Dewi Lestari", "karyawan", "2021-01-04", "2021-03-01", ""]])
    r = office("import", "people", path, "--coop", office.ksp, "--json", ok=False)
    assert r.exit_code == 1 and snapshot(engine) == before
    errors = json.loads(r.stdout)["errors"]
    assert [(e["column"], "not registered with BPJS" in e["reason"]) for e in errors] == [("bpjs_on", True)]
    office("bpjs", "register", "--coop", office.ksp, "--on", "2021-02-01")
    office("bpjs", "deregister", "--coop", office.ksp, "--on", "2021-09-01")
    office("import", "people", path, "--coop", office.ksp)
    assert office.json("bpjs", "status", "--as-of", "2021-08-31", "--coop", office.ksp)[0]["enrolled"] == 1
    assert office.json("bpjs", "status", "--as-of", "2021-09-01", "--coop", office.ksp)[0]["enrolled"] == 0


@pytest.mark.parametrize(
    ("nik", "role", "column", "says"),
    [
        (AFTER_BIRTH, "karyawan", "since", "before birth"),
        (CHILD, "karyawan", "nik", "under 15 is improbable"),
        (TEEN, "anggota", "nik", "under 17 is improbable"),
    ],
)
def test_an_import_checks_ages_as_worker_add_does(office, engine, tmp_path, nik, role, column, says):
    before = snapshot(engine)
    path = roster(tmp_path, [[nik, "Orang Baru", role, "2021-01-04", "", ""]])
    r = office("import", "people", path, "--coop", office.ksp, "--json", ok=False)
    assert r.exit_code == 1 and snapshot(engine) == before
    (error,) = json.loads(r.stdout)["errors"]
    assert error["column"] == column and says in error["reason"] and nik not in r.stdout
    confirmed = office("import", "people", path, "--coop", office.ksp, "--confirm", ok=False)
    assert confirmed.exit_code == (1 if column == "since" else 0)  # before birth stays refused


def test_an_import_refuses_jp_for_a_bpu_enrollment(office, engine, tmp_path):
    office("bpjs", "register", "--coop", office.prod, "--on", "2021-01-04")
    before = snapshot(engine)
    path = roster(tmp_path, [["3215050505900006", "Dewi Lestari", "anggota", "2021-01-04", "2021-03-01", "jkk,jkm,jp"]])
    r = office("import", "people", path, "--coop", office.prod, "--json", ok=False)
    assert r.exit_code == 1 and snapshot(engine) == before
    (error,) = json.loads(r.stdout)["errors"]
    assert error["column"] == "programmes" and "wage earners (PU) only" in error["reason"]


# 11. an import of cooperatives reads the kecamatan's other spellings too


def test_import_coops_reads_kecamatan_aliases(cli, tmp_path):
    cli("seed")
    path = tmp_path / "koperasi.csv"
    path.write_text("Nama;Jenis;Kecamatan\nKSP Contoh Satu;ksp;Talagasari\nKSP Contoh Dua;ksp;Telaga Sari\n")
    cli("import", "coops", str(path))
    rows = {r["name"]: r["kecamatan_code"] for r in cli.json("coop", "list")}
    assert rows["KSP Contoh Satu"] == rows["KSP Contoh Dua"] == "32.15.17"


# issue 16 item 4: a file saved partly as UTF-8 and partly as Windows-1252 is refused, not garbled


def test_a_file_mixing_utf8_and_cp1252_is_refused_with_both_lines(office, engine, tmp_path):
    path = tmp_path / "campur.csv"
    path.write_bytes(
        b"NIK;Nama;Peran;Tanggal Masuk\n"
        + "3215050505900006;Budi Sëntoso;karyawan;2021-01-04\n".encode()
        + "3215050606900007;Dewi Anggräini;karyawan;2021-01-04\n".encode("cp1252")
    )
    before = snapshot(engine)
    err = refused(office("import", "people", str(path), "--coop", office.ksp, ok=False))
    assert "line 2 is written in UTF-8 and line 3 in another encoding" in err and "--encoding" in err
    assert snapshot(engine) == before
    path.write_bytes(path.read_bytes().replace("Sëntoso".encode(), "Sëntoso".encode("cp1252")))
    office("import", "people", str(path), "--coop", office.ksp)  # one encoding throughout: read
    names = {p["name"] for p in office.json("worker", "list", "--coop", office.ksp)}
    assert {"Budi Sëntoso", "Dewi Anggräini"} <= names
