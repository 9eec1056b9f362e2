"""Programmes and targets end to end through the CLI's --json, at the edges of time."""

from __future__ import annotations

import pytest

from conftest import table_dump

# Valid NIKs (Klari, 32.15.05): a woman born 12-03-1990, a man born 12-03-1985, a man born 01-01-1980.
SITI = "3215055203900001"
BUDI = "3215051203850002"
ANDI = "3215050101800003"


@pytest.fixture
def office(cli):
    """A seeded office with a KSP (id 2, registered 2021-03-01), a producer coop (3) and a
    kopkar consumer coop (4)."""
    cli("seed")
    assert (
        cli.json("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--base", "masyarakat", "--kecamatan", "Klari")["id"]
        == 2
    )
    assert (
        cli.json(
            "coop", "add", "Kop Produsen Tani", "--kind", "produsen", "--base", "masyarakat", "--kecamatan", "Cikampek"
        )["id"]
        == 3
    )
    assert (
        cli.json(
            "coop",
            "add",
            "Kopkar Industri",
            "--kind",
            "konsumen",
            "--base",
            "karyawan",
            "--kecamatan",
            "Telukjambe Timur",
        )["id"]
        == 4
    )
    cli("bpjs", "register", "--coop", "2", "--on", "2021-03-01")
    return cli


def status_row(cli, coop, as_of):
    rows = cli.json("bpjs", "status", "--coop", coop, "--as-of", as_of)
    assert len(rows) == 1
    return rows[0]


def target(cli, year, metric, segment, *extra):
    rows = cli.json("targets", str(year), *extra)
    found = [r for r in rows if r["metric"] == metric and r["segment"] == segment]
    assert len(found) == 1, rows
    return found[0]


def test_seeded_targets_2021(cli):
    cli("seed")
    rows = cli.json("targets", "2021")
    got = {(r["metric"], r["segment"]): (r["actual"], r["target"]) for r in rows}
    assert got == {
        ("bpjs.registered_coops", "ksp"): (1, 98),
        ("bpjs.registered_coops", "produsen"): (0, 8),
        ("pkspkb.joined", "masyarakat"): (0, 8),
        ("pkspkb.joined", "karyawan"): (0, 2),
        ("pkspkb.members", "all"): (11, 21),
    }
    members = [r for r in rows if r["metric"] == "pkspkb.members"][0]
    assert members["source"] == "reported" and members["as_of"] == "2021-12-31"
    assert members["percent"] == pytest.approx(52.4) and members["remaining"] == 10
    for r in rows:
        assert {"programme", "metric", "segment", "target", "actual", "percent", "as_of"} <= set(r)


def test_targets_without_year_lists_years_and_set_adds_one(cli):
    cli("seed")
    assert cli.json("targets") == [{"year": 2021, "targets": 5}]
    cli("targets", "set", "2022", "bpjs.registered_coops", "120", "--kind", "ksp")
    assert cli.json("targets") == [{"year": 2021, "targets": 5}, {"year": 2022, "targets": 1}]
    changed = cli.json("targets", "set", "2022", "bpjs.registered_coops", "130", "--kind", "simpan-pinjam")
    assert changed["previous"] == 120 and changed["value"] == 130
    assert target(cli, 2022, "bpjs.registered_coops", "ksp", "--as-of", "2022-06-30")["target"] == 130


def test_enrolled_on_the_as_of_date_counts_a_day_after_does_not(office):
    cli = office
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-06-01")
    assert status_row(cli, "2", "2021-06-01")["enrolled"] == 1
    before = status_row(cli, "2", "2021-05-31")
    assert before["enrolled"] == 0 and before["in_scope"] == 1 and before["state"] == "partial"
    assert status_row(cli, "2", "2021-06-01")["state"] == "fully covered"


def test_left_before_as_of_is_out_of_scope_and_leaving_ends_enrollment(office):
    cli = office
    cli(
        "worker",
        "add",
        "--coop",
        "2",
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
        "2",
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01")
    cli("worker", "leave", "--coop", "2", "--nik", SITI, "--on", "2021-09-01")
    on_last_day = status_row(cli, "2", "2021-08-31")
    assert (on_last_day["in_scope"], on_last_day["enrolled"]) == (2, 1)
    on_leaving_day = status_row(cli, "2", "2021-09-01")  # half-open: gone from the day of leaving
    assert (on_leaving_day["in_scope"], on_leaving_day["enrolled"]) == (1, 0)
    assert target(cli, 2021, "bpjs.registered_coops", "ksp", "--as-of", "2021-09-01")["actual"] == 2
    cli("targets", "set", "2021", "bpjs.enrolled_people", "10")
    assert target(cli, 2021, "bpjs.enrolled_people", "all", "--as-of", "2021-08-31")["actual"] == 1
    assert target(cli, 2021, "bpjs.enrolled_people", "all", "--as-of", "2021-09-01")["actual"] == 0


def test_pkspkb_joined_on_31_december_versus_1_january(office):
    cli = office
    cli("pkspkb", "join", "--coop", "4", "--on", "2021-12-31")
    cli("pkspkb", "join", "--coop", "2", "--on", "2022-01-01")
    assert target(cli, 2021, "pkspkb.joined", "karyawan")["actual"] == 1
    assert target(cli, 2021, "pkspkb.joined", "masyarakat")["actual"] == 0
    assert target(cli, 2021, "pkspkb.members", "all")["actual"] == 12  # 11 reported + 1 named
    cli("targets", "set", "2022", "pkspkb.joined", "3", "--base", "masyarakat")
    assert target(cli, 2022, "pkspkb.joined", "masyarakat", "--as-of", "2022-01-01")["actual"] == 1
    assert target(cli, 2022, "pkspkb.joined", "masyarakat", "--as-of", "2021-12-31")["actual"] == 0


def test_deactivated_cooperative_is_not_counted_from_that_day(office):
    cli = office
    assert target(cli, 2021, "bpjs.registered_coops", "ksp")["actual"] == 2
    cli("coop", "deactivate", "2", "--on", "2021-12-01")
    assert target(cli, 2021, "bpjs.registered_coops", "ksp")["actual"] == 1
    assert target(cli, 2021, "bpjs.registered_coops", "ksp", "--as-of", "2021-11-30")["actual"] == 2
    assert sorted(r["id"] for r in cli.json("bpjs", "status", "--as-of", "2021-12-31")) == [1, 3, 4]


def test_deregistered_cooperative(office):
    cli = office
    cli("bpjs", "deregister", "--coop", "2", "--on", "2021-10-01")
    assert status_row(cli, "2", "2021-09-30")["registered"] is True
    after = status_row(cli, "2", "2021-10-01")
    assert after["registered"] is False and after["state"] == "not registered"
    assert target(cli, 2021, "bpjs.registered_coops", "ksp", "--as-of", "2021-09-30")["actual"] == 2
    assert target(cli, 2021, "bpjs.registered_coops", "ksp")["actual"] == 1
    # registering again: only from the day the last registration ended
    assert cli("bpjs", "register", "--coop", "2", "--on", "2021-09-15", ok=False).exit_code == 1
    cli("bpjs", "register", "--coop", "2", "--on", "2021-11-01")
    assert target(cli, 2021, "bpjs.registered_coops", "ksp")["actual"] == 2


def test_person_in_two_cooperatives(office):
    cli = office
    cli("bpjs", "register", "--coop", "4", "--on", "2021-01-01")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli(
        "worker",
        "add",
        "--coop",
        "4",
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-02-01",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-03-01")
    cli("bpjs", "enroll", "--coop", "4", "--nik", BUDI, "--on", "2021-03-01")
    assert status_row(cli, "2", "2021-12-31")["enrolled"] == 1
    assert status_row(cli, "4", "2021-12-31")["enrolled"] == 1
    cli("targets", "set", "2021", "bpjs.enrolled_people", "5")
    assert target(cli, 2021, "bpjs.enrolled_people", "all")["actual"] == 1  # one person, counted once


def test_producer_cooperative_scope_is_its_members_and_its_employees(office):
    cli = office
    cli("bpjs", "register", "--coop", "3", "--on", "2021-02-01")
    cli("worker", "add", "--coop", "3", "--nik", ANDI, "--name", "Andi", "--role", "anggota", "--since", "2020-05-05")
    cli(
        "worker",
        "add",
        "--coop",
        "3",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2020-05-05",
    )
    row = status_row(cli, "3", "2021-12-31")
    assert row["in_scope"] == 2 and row["state"] == "partial"  # its member and its own employee
    enrolled = cli.json("bpjs", "enroll", "--coop", "3", "--nik", ANDI, "--on", "2021-03-01")
    assert enrolled["category"] == "bpu" and enrolled["programmes"] == ["jkk", "jkm"]
    assert enrolled["missing_programmes"] == []
    assert status_row(cli, "3", "2021-12-31")["state"] == "partial"
    employee = cli.json("bpjs", "enroll", "--coop", "3", "--nik", SITI, "--on", "2021-03-01")
    assert employee["category"] == "pu"
    assert status_row(cli, "3", "2021-12-31")["state"] == "fully covered"
    assert target(cli, 2021, "bpjs.registered_coops", "produsen")["actual"] == 1


def test_missing_mandatory_programme_is_flagged_and_keeps_coop_partial(office):
    cli = office
    cli("coop", "edit", "2", "--size", "medium")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    default = cli.json("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01")
    assert default["category"] == "pu" and default["programmes"] == ["jkk", "jkm", "jht", "jp"]
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        BUDI,
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    lacking = cli.json("bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-04-01", "--programs", "jkk,jkm")
    assert lacking["missing_programmes"] == ["jht", "jp"]
    row = status_row(cli, "2", "2021-12-31")
    assert (row["enrolled"], row["in_scope"], row["missing_programmes"], row["state"]) == (2, 2, 1, "partial")
    assert row["coverage"] == 100.0


def test_states_and_only_behind(office):
    cli = office
    states = {r["id"]: r["state"] for r in cli.json("bpjs", "status", "--as-of", "2021-12-31")}
    assert states == {
        1: "registered, roster missing",
        2: "registered, roster missing",
        3: "not registered",
        4: "not registered",
    }
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01")
    behind = [r["id"] for r in cli.json("bpjs", "status", "--as-of", "2021-12-31", "--only-behind")]
    assert 2 not in behind and sorted(behind) == [1, 3, 4]
    ksp = cli.json("bpjs", "status", "--kind", "ksp", "--as-of", "2021-12-31")
    assert {r["id"] for r in ksp} == {1, 2}
    by_kec = {r["kecamatan"]: r for r in cli.json("bpjs", "status", "--by", "kecamatan", "--as-of", "2021-12-31")}
    assert by_kec["Klari"]["coops"] == 2 and by_kec["Klari"]["fully_covered"] == 1
    assert by_kec["Klari"]["roster_missing"] == 1 and by_kec["Cikampek"]["not_registered"] == 1


def test_reported_counts_replaced_by_records_with_a_warning(office):
    cli = office
    # One named 2020 kopkar join: records now count for 2020/karyawan (1), not the report (10).
    cli("pkspkb", "join", "--coop", "4", "--on", "2020-07-01")
    members = target(cli, 2021, "pkspkb.members", "all")
    assert members["actual"] == 2  # 1 named + 1 reported masyarakat still standing in
    assert members["source"] == "records + reported"
    assert any("records give 1" in w and "said 10" in w for w in members["warnings"])
    status = cli.json("pkspkb", "status", "--year", "2021")
    y2020 = [y for y in status["years"] if y["year"] == 2020][0]
    assert (y2020["joined_karyawan"], y2020["joined_masyarakat"], y2020["members"]) == (1, 1, 2)
    assert [m["id"] for m in status["members"]] == [4]


def test_verdict_mid_year(office):
    cli = office
    cli("targets", "set", "2021", "pkspkb.joined", "2", "--kind", "konsumen")
    row = target(cli, 2021, "pkspkb.joined", "konsumen", "--as-of", "2021-06-30")
    assert (row["actual"], row["verdict"]) == (0, "behind")
    cli("pkspkb", "join", "--coop", "4", "--on", "2021-03-01")
    assert target(cli, 2021, "pkspkb.joined", "konsumen", "--as-of", "2021-06-30")["verdict"] == "on-track"
    assert target(cli, 2021, "pkspkb.joined", "konsumen", "--as-of", "2021-02-01")["verdict"] == "behind"
    assert target(cli, 2021, "pkspkb.joined", "konsumen")["verdict"] == "missed"


@pytest.mark.parametrize(
    "args",
    [
        ["bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01"],  # not engaged
        ["bpjs", "enroll", "--coop", "2", "--nik", "3215051399850002", "--on", "2021-04-01"],  # bad NIK
        ["bpjs", "register", "--coop", "2", "--on", "2021-05-01"],  # already registered
        ["bpjs", "register", "--coop", "3", "--on", "2999-01-01"],  # future
        ["bpjs", "register", "--coop", "3", "--on", "2021-01-01", "--npp", "bad"],
        ["bpjs", "deregister", "--coop", "3", "--on", "2021-05-01"],  # never registered
        ["pkspkb", "leave", "--coop", "2", "--on", "2021-05-01"],  # not a member
        ["pkspkb", "join", "--coop", "Nope", "--on", "2021-05-01"],  # missing coop
        ["targets", "set", "2021", "bpjs.nothing", "5"],
        ["targets", "set", "2021", "pkspkb.joined", "0"],
        ["targets", "2021", "--as-of", "2021-02-30"],
        ["bpjs", "status", "--kecamatan", "Klarii"],
    ],
)
def test_bad_input_is_refused_cleanly_and_writes_nothing(office, engine, args):
    cli = office
    before = table_dump(engine)
    result = cli(*args, ok=False)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    assert all(line.startswith(("error:", "hint:")) for line in lines)
    assert SITI not in result.stderr
    assert table_dump(engine) == before


def test_coop_show_has_status_and_masked_enrollments(office):
    cli = office
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01", "--kpj", "12345678901")
    cli("pkspkb", "join", "--coop", "2", "--on", "2021-05-01")
    shown = cli.json("coop", "show", "2", "--as-of", "2021-12-31")
    assert shown["bpjs"]["state"] == "fully covered" and shown["pkspkb"]["member"] is True
    assert shown["people"][0]["nik"] == "321505******0001" and shown["people"][0]["kpj"] == "12******901"
    revealed = cli.json("coop", "show", "2", "--as-of", "2021-12-31", "--show-nik")
    assert revealed["people"][0]["nik"] == SITI
    table = cli("coop", "show", "2", "--as-of", "2021-12-31").stdout
    assert "fully covered" in table and SITI not in table and "321505******0001" in table


def test_tables_say_in_words_what_json_keeps_as_values(office):
    """Issue 14: a KSP whose employee is not enrolled yet is `partial` at 0 % in --json and
    `none enrolled` in the table; a kopkar target's segment reads as the cooperatives' base,
    not as employees, and the table names each measure's segment (two rows may differ by it
    alone); the warning of a reported count is in English in --json."""
    cli = office
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    assert status_row(cli, "2", "2021-12-31")["state"] == "partial"
    table = cli("bpjs", "status", "--coop", "2", "--as-of", "2021-12-31").stdout
    assert "none enrolled" in table and "partial" not in table
    assert cli.json("coop", "show", "2", "--as-of", "2021-12-31")["bpjs"]["state"] == "partial"
    assert "none enrolled" in cli("coop", "show", "2", "--as-of", "2021-12-31").stdout
    kopkar = target(cli, 2021, "pkspkb.joined", "karyawan")
    assert kopkar["metric_label"] == "coops joined in year" and kopkar["base"] == "karyawan"
    words = cli("targets", "2021").stdout.replace("│", " ").split()
    assert "kopkar" in words and "karyawan)" in words and "produsen" in words
    cli("pkspkb", "join", "--coop", "4", "--on", "2020-07-01")
    warnings = target(cli, 2021, "pkspkb.members", "all")["warnings"]
    assert warnings == ["2020 pkspkb.joined karyawan (32.15): records give 1, the office report said 10"]
    assert "kopkar (base karyawan) (32.15): records give 1" in cli("targets", "2021").stderr
