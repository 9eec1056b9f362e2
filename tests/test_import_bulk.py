"""Bulk paths for the office's other lists (issue 18 item 4): `import registrations`, `import
pkspkb`, `import targets`, and departures through `import people`. Each reads files as the people
import does, is all or nothing with every bad row listed, changes nothing the second time, writes
one audit entry, and refuses what the single command (`bpjs register`, `pkspkb join`/`leave`,
`targets set`, `worker leave`) refuses, with the same words."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from conftest import snapshot, table_dump

SITI, BUDI, ANDI = "3215055203900001", "3215051203850002", "3215050101800003"


@pytest.fixture
def office(cli):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    cli(
        "coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek", "--nik-koperasi", "3215010101010001"
    )
    cli("coop", "add", "Koperasi Tani Subur", "--kind", "produsen", "--kecamatan", "Klari", "--base", "masyarakat")
    return cli


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def read_csv(path, delimiter=","):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f, delimiter=delimiter))


def rows_of(engine, table):
    return table_dump(engine)[table]


def reason_of(result):
    """The refusal of a single command, without `error: `."""
    return result.stderr.strip().splitlines()[0].removeprefix("error: ")


# --- registrations ------------------------------------------------------------------------------


def test_registrations_as_an_office_writes_them(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "pendaftaran.csv",
        [
            ["DAFTAR KOPERASI TERDAFTAR BPJS KETENAGAKERJAAN", "", "", "", ""],
            ["Per 31 Desember 2022", "", "", "", ""],
            ["No.", "Nama Koperasi", "Tgl Daftar", "No. NPP", "Kantor Cabang"],
            ["1", "ksp maju bersama", "16/03/2021", "ab123456", "Karawang"],
            ["2", "3215010101010001", "1 Maret 2022", "", ""],  # by NIK koperasi
            ["3", "4", "16.03.2021", "12345678", "Karawang Kota"],  # by id
        ],
        delimiter=";",
        encoding="utf-8-sig",
    )
    summary = office.json("import", "registrations", str(path))
    assert summary["created"] == {"registrations": 3} and summary["invalid"] == 0 and summary["unchanged"] == 0
    got = sorted(
        (r["coop_id"], str(r["registered_on"]), r["npp"], r["branch"]) for r in rows_of(engine, "bpjs_registration")
    )
    assert got[1:] == [
        (2, "2021-03-16", "AB123456", "Karawang"),
        (3, "2022-03-01", None, None),
        (4, "2021-03-16", "12345678", "Karawang Kota"),
    ]
    before = snapshot(engine)[0]
    again = office.json("import", "registrations", str(path))  # nothing to change, and it says so
    assert again["created"] == {"registrations": 0} and again["unchanged"] == 3
    assert table_dump(engine) == before
    text = office("import", "registrations", str(path)).stderr
    assert "created 0 registrations; 3 unchanged" in text
    log = office.json("log", "--limit", "3")
    assert [e["command"] for e in log] == ["import registrations"] * 3
    assert log[-1]["summary"]["created"] == {"registrations": 3} and log[-1]["summary"]["rows"] == 3


def test_registrations_from_an_xlsx_with_date_cells(office, tmp_path, engine):
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Koperasi", "Tanggal Pendaftaran", "NPP", "Cabang"])
    ws.append(["KSP Maju Bersama", dt.datetime(2021, 3, 16), 12345678, "Karawang"])
    ws.append(["KSP Sejahtera", 44271, None, None])  # a date cell that lost its format
    wb.save(tmp_path / "npp.xlsx")
    office("import", "registrations", str(tmp_path / "npp.xlsx"))
    got = sorted((r["coop_id"], str(r["registered_on"]), r["npp"]) for r in rows_of(engine, "bpjs_registration"))
    assert got[1:] == [(2, "2021-03-16", "12345678"), (3, "2021-03-16", None)]


def test_a_bad_registrations_file_is_refused_whole_with_every_reason(office, tmp_path, engine):
    office("bpjs", "register", "--coop", "2", "--on", "2021-01-04", "--npp", "AB123456")
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "npp.csv",
        [
            ["Nama Koperasi", "Tanggal Daftar", "NPP", "Kantor Cabang"],
            ["KSP Sejahtera", "2021-05-01", "CD123456", "Karawang"],  # good
            ["Koperasi Entah", "31/02/2021", "12", ""],  # three faults
            ["KSP Maju Bersama", "2022-01-01", "", ""],  # already registered
            ["Koperasi Tani Subur", "2999-01-01", "", "x\tY"],  # future date, control character
            ["", "", "", ""],  # a blank line: skipped
            ["KSP Maju Bersama", "2021-01-04", "ZZ999999", ""],  # the record's NPP differs
        ],
        delimiter=";",
    )
    errors = tmp_path / "ditolak.csv"
    result = office("import", "registrations", str(path), "--errors", str(errors), "--json", ok=False)
    assert result.exit_code == 1 and snapshot(engine) == before
    shown = json.loads(result.stdout)
    assert shown["rows"] == 5 and shown["invalid"] == 4
    assert [(e["line"], e["column"]) for e in shown["errors"]] == [
        (3, "coop"),
        (3, "registered_on"),
        (3, "npp"),
        (4, "registered_on"),
        (5, "registered_on"),
        (5, "branch"),
        (7, "npp"),
    ]
    reasons = {(e["line"], e["column"]): e["reason"] for e in shown["errors"]}
    assert "no cooperative has this name" in reasons[(3, "coop")]
    assert reasons[(3, "registered_on")] == "is not a date that exists"
    assert reasons[(3, "npp")] == "must be 8 letters or digits"
    assert "is in the future" in reasons[(5, "registered_on")]
    assert "correct it with `koptrack bpjs edit --coop 2 --since 2021-01-04`" in reasons[(7, "npp")]
    # the single command refuses the same row in the same words
    single = office("bpjs", "register", "--coop", "KSP Maju Bersama", "--on", "2022-01-01", ok=False)
    assert reasons[(4, "registered_on")] == reason_of(single)
    written = read_csv(errors, delimiter=";")
    assert written[0] == ["Nama Koperasi", "Tanggal Daftar", "NPP", "Kantor Cabang", "error"]
    assert [r[0] for r in written[1:]] == [
        "Koperasi Entah",
        "KSP Maju Bersama",
        "Koperasi Tani Subur",
        "KSP Maju Bersama",
    ]
    assert written[1][-1].count(" | ") == 2
    kept = office.json("import", "registrations", str(path), "--skip-invalid")
    assert kept["created"] == {"registrations": 1} and kept["invalid"] == 4


def test_a_registration_on_a_day_the_cooperative_was_inactive_is_refused_as_bpjs_register_does(office, tmp_path):
    office("coop", "deactivate", "3", "--on", "2021-06-01")
    path = write_csv(tmp_path / "r.csv", [["Koperasi", "Tgl Daftar"], ["3", "2021-07-01"]])
    result = office("import", "registrations", str(path), "--json", ok=False)
    reason = json.loads(result.stdout)["errors"][0]["reason"]
    single = office("bpjs", "register", "--coop", "3", "--on", "2021-07-01", ok=False)
    assert reason == reason_of(single) and "was inactive on" in reason
    # on a day it was active, it registers, though it is inactive today
    write_csv(tmp_path / "r.csv", [["Koperasi", "Tgl Daftar"], ["3", "2021-05-01"]])
    assert office.json("import", "registrations", str(tmp_path / "r.csv"))["created"] == {"registrations": 1}


def test_a_registration_after_a_deregistration_and_twice_in_one_file(office, tmp_path, engine):
    office("bpjs", "register", "--coop", "2", "--on", "2020-01-06")
    office("bpjs", "deregister", "--coop", "2", "--on", "2021-01-01")
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["Koperasi", "Tgl Daftar", "NPP"],
            ["2", "2020-06-01", ""],  # within the closed period
            ["2", "2022-01-03", "AB123456"],  # a new registration after it
            ["2", "2022-01-03", "CD123456"],  # the same one again, another NPP
            ["3", "2022-01-03", ""],
            ["3", "2022-02-01", ""],  # a second open one
        ],
    )
    result = office("import", "registrations", str(path), "--json", ok=False)
    errors = {e["line"]: e for e in json.loads(result.stdout)["errors"]}
    assert sorted(errors) == [2, 4, 6]
    assert "a new period must start on or after that day" in errors[2]["reason"]
    assert errors[4]["column"] == "npp" and errors[4]["reason"] == "line 3 gives 'AB123456' for the same period"
    assert "is already registered with BPJS since 2022-01-03" in errors[6]["reason"]


def test_registrations_beyond_one_batch(office, tmp_path, engine):
    """More rows than one batch (5,000): every one written, in one transaction, then unchanged."""
    n = 5_003
    write_csv(
        tmp_path / "koperasi.csv",
        [["Nama Koperasi", "Jenis", "Kecamatan"], *[[f"Koperasi Bulk {i}", "jasa", "Cikampek"] for i in range(n)]],
    )
    office("import", "coops", str(tmp_path / "koperasi.csv"))
    path = write_csv(
        tmp_path / "npp.csv",
        [["Nama Koperasi", "Tgl Daftar", "NPP"], *[[f"Koperasi Bulk {i}", "2022-01-03", f"{i:08d}"] for i in range(n)]],
    )
    assert office.json("import", "registrations", str(path))["created"] == {"registrations": n}
    again = office.json("import", "registrations", str(path))
    assert again["unchanged"] == n and again["created"] == {"registrations": 0}
    npps = {r["npp"] for r in rows_of(engine, "bpjs_registration")}
    assert len(npps - {None}) == n


# --- PKS-PKB ------------------------------------------------------------------------------------


def memberships(engine):
    return sorted(
        (r["coop_id"], str(r["joined_on"]), r["left_on"] and str(r["left_on"]), r["agreement_no"])
        for r in rows_of(engine, "pkspkb_membership")
    )


def test_pkspkb_joins_and_leaves(office, tmp_path, engine):
    seeded = memberships(engine)
    path = write_csv(
        tmp_path / "pks.csv",
        [
            ["Nama Koperasi", "Tgl Bergabung", "Tgl Keluar", "No. Perjanjian"],
            ["KSP Maju Bersama", "01/02/2021", "", "PKS/01/2021"],
            ["KSP Sejahtera", "2020-01-06", "2021-01-04", ""],
            ["KSP Sejahtera", "2022-01-03", "", ""],
        ],
    )
    assert office.json("import", "pkspkb", str(path))["created"] == {"memberships": 3}
    assert [m for m in memberships(engine) if m not in seeded] == [
        (2, "2021-02-01", None, "PKS/01/2021"),
        (3, "2020-01-06", "2021-01-04", None),
        (3, "2022-01-03", None, None),
    ]
    before = table_dump(engine)
    assert office.json("import", "pkspkb", str(path))["unchanged"] == 3 and table_dump(engine) == before
    # a later list gives the day KSP Maju Bersama left: the membership ends (`pkspkb leave`)
    later = write_csv(
        tmp_path / "pks-2023.csv",
        [["Koperasi", "Tanggal Bergabung", "Tanggal Keluar"], ["2", "2021-02-01", "2023-05-02"]],
    )
    summary = office.json("import", "pkspkb", str(later))
    assert summary["ended"] == 1 and summary["created"] == {"memberships": 0}
    assert (2, "2021-02-01", "2023-05-02", "PKS/01/2021") in memberships(engine)
    assert office.json("import", "pkspkb", str(later))["unchanged"] == 1


def test_pkspkb_refuses_what_join_and_leave_refuse(office, tmp_path, engine):
    office("pkspkb", "join", "--coop", "2", "--on", "2021-02-01")
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "pks.csv",
        [
            ["Koperasi", "Tgl Bergabung", "Tgl Keluar"],
            ["2", "2022-01-03", ""],  # a member already
            ["3", "2022-01-03", "2022-01-03"],  # leaves the day it joins
            ["3", "2022-01-03", "2021-01-04"],  # leaves before it joins
            ["4", "", "2022-01-03"],  # no joining day
        ],
    )
    result = office("import", "pkspkb", str(path), "--json", ok=False)
    assert snapshot(engine) == before
    errors = {(e["line"], e["column"]): e["reason"] for e in json.loads(result.stdout)["errors"]}
    assert errors[(2, "joined_on")] == reason_of(
        office("pkspkb", "join", "--coop", "2", "--on", "2022-01-03", ok=False)
    )
    assert "a period must end after the day it starts" in errors[(3, "left_on")]
    assert "is before cooperative 3 'KSP Sejahtera' was in PKS-PKB" in errors[(4, "left_on")]
    assert errors[(5, "joined_on")] == "is required (a date like 2021-03-16)"


def test_pkspkb_export_reads_back_unchanged_and_names_checked(office, tmp_path, engine):
    office("pkspkb", "join", "--coop", "2", "--on", "2021-02-01", "--agreement", "PKS/01/2021")
    office("pkspkb", "join", "--coop", "3", "--on", "2020-01-06")
    office("pkspkb", "leave", "--coop", "3", "--on", "2021-01-04")
    out = tmp_path / "pks.csv"
    office("export", "pkspkb", "-o", str(out))
    before = table_dump(engine)
    summary = office.json("import", "pkspkb", str(out))
    assert summary["invalid"] == 0 and summary["created"] == {"memberships": 0}
    assert summary["unchanged"] == len(read_csv(out)) - 1 and table_dump(engine) == before
    # the export's name beside the id is checked: in another database id 2 may be another one
    rows = read_csv(out)
    k = rows[0].index("coop_name")
    rows[1][k] = "Koperasi Lain"
    write_csv(tmp_path / "renamed.csv", rows)
    result = office("import", "pkspkb", str(tmp_path / "renamed.csv"), "--json", ok=False)
    assert "not 'Koperasi Lain' as the file says" in json.loads(result.stdout)["errors"][0]["reason"]


# --- targets ------------------------------------------------------------------------------------


def targets(engine):
    return sorted(
        (r["year"], r["metric"], r["kind"], r["base"], r["regency"], r["value"], r["note"])
        for r in rows_of(engine, "target")
    )


def test_targets_from_a_sheet_as_targets_set_stores_them(office, tmp_path, engine, cli):
    seeded = targets(engine)
    path = write_csv(
        tmp_path / "target.csv",
        [
            ["TARGET 2023", "", "", "", "", "", ""],
            ["Tahun", "Indikator", "Jenis", "Basis", "Kabupaten", "Target", "Keterangan"],
            ["2023", "bpjs.registered_coops", "ksp", "", "", "120", "Renstra 2023"],
            ["2023", "PKSPKB.JOINED", "semua", "masyarakat", "3215", "5", ""],
        ],
        delimiter=";",
    )
    summary = office.json("import", "targets", str(path))
    assert summary["created"] == {"targets": 2} and summary["updated"] == 0
    imported = [t for t in targets(engine) if t not in seeded]
    # the very rows `targets set` stores for the same values
    office("targets", "set", "2024", "bpjs.registered_coops", "120", "--kind", "ksp", "--note", "Renstra 2023")
    office(
        "targets", "set", "2024", "pkspkb.joined", "5", "--kind", "semua", "--base", "masyarakat", "--regency", "3215"
    )
    by_set = [t for t in targets(engine) if t[0] == 2024 and t not in seeded]
    assert [t[1:] for t in imported] == [t[1:] for t in by_set]
    before = table_dump(engine)
    again = office.json("import", "targets", str(path))
    assert again["unchanged"] == 2 and again["created"] == {"targets": 0} and table_dump(engine) == before
    # a changed value changes the target, as `targets set` does; the note stays when none is given
    rows = read_csv(path, delimiter=";")
    rows[2][5], rows[2][6] = "150", ""
    write_csv(path, rows, delimiter=";")
    changed = office.json("import", "targets", str(path))
    assert changed["updated"] == 1 and changed["unchanged"] == 1
    assert (2023, "bpjs.registered_coops", "ksp", "any", "any", 150, "Renstra 2023") in targets(engine)
    log = office.json("log", "--limit", "1")
    assert log[0]["command"] == "import targets" and log[0]["summary"]["updated"] == 1


def test_bad_targets_are_refused_whole(office, tmp_path, engine):
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "target.csv",
        [
            ["Tahun", "Indikator", "Jenis", "Basis", "Target"],
            ["2023", "bpjs.registered_coops", "", "", "100"],
            ["23", "bpjs.bogus", "bank", "", "0"],  # four faults
            ["2023", "bpjs.registered_coops", "semua", "", "90"],  # the same target, another value
        ],
    )
    result = office("import", "targets", str(path), "--json", "--errors", str(tmp_path / "e.csv"), ok=False)
    assert snapshot(engine) == before
    errors = [(e["line"], e["column"]) for e in json.loads(result.stdout)["errors"]]
    assert errors == [(3, "year"), (3, "metric"), (3, "kind"), (3, "value"), (4, "value")]
    single = office("targets", "set", "2023", "bpjs.bogus", "1", ok=False)
    assert "must be one of bpjs.registered_coops" in reason_of(single)
    assert [r[-1].split(":")[0] for r in read_csv(tmp_path / "e.csv")[1:]] == ["year", "value"]


def test_a_file_without_a_required_column_names_it(office, tmp_path, engine):
    path = write_csv(tmp_path / "t.csv", [["Tahun", "Target"], ["2023", "5"]])
    result = office("import", "targets", str(path), ok=False)
    assert "the header row has no column for metric (or indikator, metrik)" in result.stderr
    path = write_csv(tmp_path / "r.csv", [["NPP", "Kantor Cabang"], ["AB123456", "Karawang"]])
    result = office("import", "registrations", str(path), ok=False)
    assert "no column for coop" in result.stderr and "registered_on" in result.stderr


# --- departures through the people import --------------------------------------------------------


@pytest.fixture
def roster(office, tmp_path):
    office("bpjs", "register", "--coop", "2", "--on", "2021-01-04")
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["NIK", "Nama", "Jabatan", "Tgl Masuk", "Tanggal BPJS"],
            [SITI, "Siti Aminah", "Kasir", "2021-04-01", "2021-05-03"],
            [BUDI, "Budi Santoso", "Staf", "2021-04-01", ""],
            [ANDI, "Andi Wijaya", "anggota", "2021-04-01", ""],
        ],
    )
    office("import", "people", str(path), "--coop", "2")
    return office


def test_a_list_of_departures_ends_engagements_and_enrollments_in_bulk(roster, tmp_path, engine):
    path = write_csv(
        tmp_path / "keluar.csv",
        [
            ["DAFTAR KARYAWAN KELUAR", "", ""],
            ["NIK", "Nama", "Tgl Keluar"],
            [SITI, "Siti Aminah", "30/06/2022"],
            [BUDI, "Budi Santoso", "1 Mei 2022"],
        ],
        delimiter=";",
    )
    summary = roster.json("import", "people", str(path), "--coop", "KSP Maju Bersama")
    assert summary["ended"] == 2 and summary["created"] == {"people": 0, "engagements": 0, "enrollments": 0}
    ended = {p["name"]: p["until"] for p in roster.json("worker", "list", "--coop", "2", "--all")}
    assert ended == {"Siti Aminah": "2022-06-30", "Budi Santoso": "2022-05-01", "Andi Wijaya": None}
    assert [str(r["end_on"]) for r in rows_of(engine, "enrollment")] == ["2022-06-30"]  # as `worker leave`
    before = table_dump(engine)
    again = roster.json("import", "people", str(path), "--coop", "2")
    assert again["unchanged"] == 2 and again["ended"] == 0 and table_dump(engine) == before


def test_a_departure_is_refused_where_worker_leave_refuses(roster, tmp_path, engine):
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "keluar.csv",
        [
            ["NIK", "Nama", "Peran", "Tgl Keluar"],
            [SITI, "Siti Aminah", "", "2021-05-03"],  # her enrollment began that day
            [BUDI, "Budi Santoso", "", "2021-04-01"],  # the day he joined
            [ANDI, "Andi Lain", "", "2022-01-03"],  # another name for the NIK
            ["3215054107950004", "Dewi Lestari", "", "2022-01-03"],  # nobody with this NIK
            [ANDI, "Andi Wijaya", "karyawan", "2022-01-03"],  # he is a member, not an employee
        ],
    )
    result = roster("import", "people", str(path), "--coop", "2", "--json", ok=False)
    assert snapshot(engine) == before
    errors = {e["line"]: e for e in json.loads(result.stdout)["errors"]}
    assert sorted(errors) == [2, 3, 4, 5, 6]
    single = roster("worker", "leave", "--coop", "2", "--nik", SITI, "--on", "2021-05-03", ok=False)
    assert errors[2]["reason"] == reason_of(single)
    single = roster("worker", "leave", "--coop", "2", "--nik", BUDI, "--on", "2021-04-01", ok=False)
    assert errors[3]["reason"] == reason_of(single)
    assert "already registered under another name" in errors[4]["reason"]
    assert errors[5]["reason"].startswith("no person with this NIK is recorded")
    assert errors[6]["reason"] == "has no open engagement with cooperative 2"


def test_a_departure_date_on_the_full_row_is_refused_where_an_enrollment_began_that_day(roster, tmp_path, engine):
    """The roster's own Tgl Keluar column follows `worker leave` too (the enrollment through
    the cooperative would hold no day)."""
    before = snapshot(engine)
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["NIK", "Nama", "Jabatan", "Tgl Masuk", "Tgl Keluar"],
            [SITI, "Siti Aminah", "Kasir", "2021-04-01", "2021-05-03"],
        ],
    )
    result = roster("import", "people", str(path), "--coop", "2", "--json", ok=False)
    assert snapshot(engine) == before
    assert "the enrollment would hold no day" in json.loads(result.stdout)["errors"][0]["reason"]


def test_a_departure_of_a_period_begun_earlier_in_the_same_file(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar"],
            [SITI, "Siti Aminah", "karyawan", "2021-04-01", ""],
            [SITI, "Siti Aminah", "", "", "2022-01-03"],
        ],
    )
    result = office("import", "people", str(path), "--coop", "2", "--json", ok=False)
    reason = json.loads(result.stdout)["errors"][0]["reason"]
    assert "begins" in reason and "give the departure date on that row" in reason


# --- help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["registrations", "pkspkb", "targets"])
def test_help_has_examples(cli, kind):
    text = cli("import", kind, "--help").stdout
    assert f"koptrack import {kind} " in text and "--skip-invalid" in text and "--errors" in text


# --- the benchmark runs ---------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_bulk_bench_runs_at_a_tiny_size(tmp_path):
    """bench/bulk_bench.py end to end at 300 rows (its timings are not checked: machines are
    noisy; that it loads every row, on both sides, is)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    assert shutil.which("sqlite3"), "the sqlite3 shell is needed for the benchmark floor (apt install sqlite3)"
    bench = Path(__file__).resolve().parents[1] / "bench" / "bulk_bench.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--rows", "300", "--repeat", "1", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "import registrations:" in result.stdout and "import pkspkb:" in result.stdout
    assert "rows/CPU-s" in result.stdout


def test_many_names_matching_no_cooperative_are_not_each_searched_for(office, tmp_path):
    """Past 100 names that match no cooperative exactly, the rest are not looked for as parts
    of names (each such search reads every name): a file of a wrong column ends in seconds."""
    rows = [["Koperasi", "Tgl Daftar"], *[[f"Koperasi Tidak Ada {i}", "2022-01-03"] for i in range(105)]]
    result = office("import", "registrations", str(write_csv(tmp_path / "r.csv", rows)), "--json", ok=False)
    reasons = [e["reason"] for e in json.loads(result.stdout)["errors"]]
    assert len(reasons) == 105
    assert all("no cooperative has this name" in r for r in reasons[:100])
    assert all(r.startswith("no cooperative has exactly this name (after 100 such names") for r in reasons[100:])
    # a full name is still found after them
    rows.append(["KSP Sejahtera", "2022-01-03"])
    result = office("import", "registrations", str(write_csv(tmp_path / "r.csv", rows)), "--json", "--skip-invalid")
    assert json.loads(result.stdout)["created"] == {"registrations": 1}
