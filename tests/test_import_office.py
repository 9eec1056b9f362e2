"""`koptrack import` of files as offices make them (issue 13 items 7, 8, 10, 12, 13, 14; issue 16
items 5 and 11): every reason of a refused row, a file with no data rows, job titles and the
office's words for kinds, title rows, dates as written, departures, NIKs as written, the
refused-rows file in the input's delimiter and never over another file, duplicate headers, and
the round trip of `export people --show-nik`."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest

from conftest import table_dump

SITI, BUDI, ANDI = "3215055203900001", "3215051203850002", "3215050101800003"


@pytest.fixture
def office(cli):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    return cli


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def read_csv(path, delimiter=","):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f, delimiter=delimiter))


def periods(cli, db=None):
    """Every engagement as `export people --show-nik` writes it, by NIK and start."""
    out = cli.tmp / f"periods-{cli.n}.csv"
    cli.n += 1
    cli(*(["--db", db] if db else []), "export", "people", "--show-nik", "-o", str(out))
    with open(out, newline="", encoding="utf-8-sig") as f:
        return sorted(
            (r["nik"], r["name"], r["role"], r["position"], r["since"], r["until"], r["coop"])
            for r in csv.DictReader(f)
        )


@pytest.fixture
def exported(office, tmp_path):
    office.tmp, office.n = tmp_path, 0
    return office


# --- item 7: every reason of a row ----------------------------------------------------------


def test_the_refused_rows_file_and_table_give_every_reason_of_a_row(office, tmp_path, engine):
    before = table_dump(engine)
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["NIK", "Nama", "Peran", "Tanggal Masuk"],
            [SITI[:15], "", "tamu", "31/02/2021"],  # four faults
            [BUDI, "Budi Santoso", "anggota", "2021-02-01"],
        ],
    )
    errors = tmp_path / "ditolak.csv"
    result = office("import", "people", str(path), "--coop", "2", "--errors", str(errors), "--json", ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    import json

    shown = json.loads(result.stdout)
    assert shown["invalid"] == 1
    assert [(e["line"], e["column"]) for e in shown["errors"]] == [(2, "nik"), (2, "name"), (2, "role"), (2, "since")]
    rows = read_csv(errors)
    assert rows[0] == ["NIK", "Nama", "Peran", "Tanggal Masuk", "error"]
    assert len(rows) == 2
    reasons = rows[1][-1].split(" | ")
    assert [r.split(":")[0] for r in reasons] == ["nik", "name", "role", "since"]
    assert "must have 16 digits" in reasons[0] and "is required" in reasons[1]


def test_a_corrected_refused_rows_file_imports_and_its_error_column_is_not_copied(office, tmp_path):
    path = write_csv(
        tmp_path / "roster.csv",
        [["NIK", "Nama", "Peran", "Tanggal Masuk"], [SITI, "Siti Aminah", "tamu", "2021-01-04"]],
    )
    office("import", "people", str(path), "--coop", "2", "--errors", str(tmp_path / "e1.csv"), ok=False)
    rows = read_csv(tmp_path / "e1.csv")
    rows[1][2] = "tamu lagi"  # still wrong: refused again, one error column only
    write_csv(tmp_path / "fixed.csv", rows)
    office(
        "import", "people", str(tmp_path / "fixed.csv"), "--coop", "2", "--errors", str(tmp_path / "e2.csv"), ok=False
    )
    again = read_csv(tmp_path / "e2.csv")
    assert again[0] == ["NIK", "Nama", "Peran", "Tanggal Masuk", "error"]
    assert again[1][:4] == [SITI, "Siti Aminah", "tamu lagi", "2021-01-04"] and len(again[1]) == 5
    rows[1][2] = "karyawan"
    write_csv(tmp_path / "fixed.csv", rows)
    summary = office.json("import", "people", str(tmp_path / "fixed.csv"), "--coop", "2")
    assert summary["created"]["engagements"] == 1


def test_every_reason_of_a_cooperative_row(office, tmp_path, engine):
    before = table_dump(engine)
    path = write_csv(
        tmp_path / "koperasi.csv",
        [["Nama Koperasi", "Jenis", "Kecamatan", "Skala"], ["KSP Baru", "bank", "Atlantis", "raksasa"]],
        delimiter=";",
    )
    result = office("import", "coops", str(path), "--errors", str(tmp_path / "e.csv"), ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    rows = read_csv(tmp_path / "e.csv", delimiter=";")
    assert [r.split(":")[0] for r in rows[1][-1].split(" | ")] == ["kind", "size", "kecamatan"]


# --- item 8: no data rows -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["people", "coops"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_header_only_file_is_an_error(office, tmp_path, engine, kind, suffix):
    header = ["NIK", "Nama", "Peran", "Tanggal Masuk"] if kind == "people" else ["Nama", "Jenis", "Kecamatan"]
    path = tmp_path / f"kosong.{suffix}"
    if suffix == "csv":
        write_csv(path, [header, [], ["", "", ""]])
    else:
        wb = openpyxl.Workbook()
        wb.active.append(header)
        wb.save(path)
    before = table_dump(engine)
    extra = ["--coop", "2"] if kind == "people" else []
    result = office("import", kind, str(path), *extra, "--errors", str(tmp_path / "e.csv"), ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    assert result.stderr.splitlines()[0] == f"error: kosong.{suffix} has no data rows"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "e.csv").exists()


# --- item 10: job titles and the office's words for kinds ------------------------------------


def test_job_titles_in_the_jabatan_column_mean_employees_and_are_kept_as_positions(exported, tmp_path):
    path = write_csv(
        tmp_path / "pengurus.csv",
        [
            ["NIK", "Nama", "Jabatan", "Tgl Masuk"],
            [SITI, "Siti Aminah", "Ketua", "2021-01-04"],
            [BUDI, "Budi Santoso", "Karyawan Tetap", "2021-01-04"],
            [ANDI, "Andi Wijaya", "anggota", "2021-01-04"],
        ],
    )
    summary = exported.json("import", "people", str(path), "--coop", "2")
    assert summary["created"] == {"people": 3, "engagements": 3, "enrollments": 0}
    assert {(p[2], p[3]) for p in periods(exported)} == {
        ("karyawan", "Ketua"),
        ("karyawan", "Karyawan Tetap"),
        ("anggota", ""),
    }


def test_a_peran_column_and_a_jabatan_column_give_role_and_position(exported, tmp_path):
    path = write_csv(
        tmp_path / "roster.csv",
        [["NIK", "Nama", "Peran", "Jabatan", "Tgl Masuk"], [SITI, "Siti Aminah", "karyawan", "Kasir", "2021-01-04"]],
    )
    exported("import", "people", str(path), "--coop", "2")
    assert [(p[2], p[3]) for p in periods(exported)] == [("karyawan", "Kasir")]


def test_an_unknown_word_in_the_role_column_is_refused(office, tmp_path):
    path = write_csv(
        tmp_path / "r.csv", [["NIK", "Nama", "Jabatan", "Tgl Masuk"], [SITI, "Siti", "Tamu", "2021-01-04"]]
    )
    result = office("import", "people", str(path), "--coop", "2", "--json", ok=False)
    assert result.exit_code == 1
    assert "job title" in result.stdout


def test_kinds_as_the_office_writes_them_and_labels(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "koperasi.csv",
        [
            ["Nama Koperasi", "Jenis", "Label", "Kecamatan"],
            ["Koperasi Produsen Tani Subur", "produksi", "", "Klari"],
            ["KSPPS Amanah Umat", "KSPPS", "", "Klari"],
            ["Koperasi Serba Usaha Sumber Rejeki", "pemasaran", "KSU", "Klari"],
            ["Koperasi Konsumen Sehati", "Konsumsi", "", "Klari"],
        ],
    )
    summary = office.json("import", "coops", str(path))
    assert summary["created"] == {"cooperatives": 4}
    office("export", "coops", "-o", str(tmp_path / "c.csv"))
    with open(tmp_path / "c.csv", newline="", encoding="utf-8-sig") as f:
        got = {r["name"]: (r["kind"], r["label"]) for r in csv.DictReader(f)}
    assert got["Koperasi Produsen Tani Subur"] == ("produsen", "")
    assert got["KSPPS Amanah Umat"] == ("ksp", "KSPPS")
    assert got["Koperasi Serba Usaha Sumber Rejeki"] == ("pemasaran", "KSU")
    assert got["Koperasi Konsumen Sehati"] == ("konsumen", "")


def test_a_label_where_the_kind_belongs_is_refused_asking_for_the_kind(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "koperasi.csv",
        [["Nama Koperasi", "Jenis Koperasi", "Kecamatan"], ["KUD Sumber Makmur", "KUD", "Klari"]],
    )
    before = table_dump(engine)
    result = office("import", "coops", str(path), "--json", ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    assert "is a label, not a kind" in result.stdout
    assert "in a Jenis column and the label in a Label column, where it is kept" in result.stdout


# --- item 12: spreadsheets as offices make them ----------------------------------------------


def test_title_rows_dates_as_written_and_niks_as_written(exported, tmp_path):
    path = write_csv(
        tmp_path / "daftar.csv",
        [
            ["DAFTAR KARYAWAN KOPERASI KSP MAJU BERSAMA", "", "", "", ""],
            ["Per 31 Desember 2021", "", "", "", ""],
            [],
            ["No.", "NIK", "Nama", "Jabatan", "Tanggal Masuk"],
            ["1", "'" + SITI, "Siti Aminah", "Kasir", "1 Maret 2020"],
            ["2", "3215 0512 0385 0002", "Budi Santoso", "Staf", "16.03.2021"],
            ["3", "3215-0501-0180-0003", "Andi Wijaya", "anggota", "44271"],  # an Excel serial: 2021-03-16
        ],
        delimiter=";",
    )
    summary = exported.json("import", "people", str(path), "--coop", "2")
    assert summary["created"]["people"] == 3 and summary["invalid"] == 0
    got = {p[0]: (p[4], p[3]) for p in periods(exported)}
    assert got == {SITI: ("2020-03-01", "Kasir"), BUDI: ("2021-03-16", "Staf"), ANDI: ("2021-03-16", "")}


def test_xlsx_with_title_rows_and_date_serials(exported, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DAFTAR ANGGOTA KOPERASI PRODUSEN TANI SUBUR"])
    ws.append([])
    ws.append(["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar"])
    ws.append([SITI, "Siti Aminah", "anggota", 44271, None])  # a date cell that lost its format
    ws.append([BUDI, "Budi Santoso", "anggota", dt.datetime(2020, 1, 2), "5 Agustus 2021"])
    wb.save(tmp_path / "anggota.xlsx")
    exported("import", "people", str(tmp_path / "anggota.xlsx"), "--coop", "2")
    got = {p[0]: (p[4], p[5]) for p in periods(exported)}
    assert got == {SITI: ("2021-03-16", ""), BUDI: ("2020-01-02", "2021-08-05")}


def test_a_departure_column_closes_the_engagement_and_the_enrollment(exported, tmp_path):
    exported("bpjs", "register", "--coop", "2", "--on", "2020-01-02")
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["NIK", "Nama", "Peran", "Tgl Masuk", "Tanggal BPJS", "Tgl Keluar"],
            [SITI, "Siti Aminah", "karyawan", "2020-01-02", "2020-02-01", "30/06/2022"],
            [BUDI, "Budi Santoso", "karyawan", "2020-01-02", "", ""],
        ],
    )
    exported("import", "people", str(path), "--coop", "2")
    current = {p["name"] for p in exported.json("worker", "list", "--coop", "2", "--as-of", "2023-01-01")}
    assert current == {"Budi Santoso"}  # Siti left: not a current employee
    before = {p["name"] for p in exported.json("worker", "list", "--coop", "2", "--as-of", "2022-01-01")}
    assert before == {"Siti Aminah", "Budi Santoso"}
    exported("export", "enrollments", "--show-nik", "-o", str(tmp_path / "e.csv"))
    with open(tmp_path / "e.csv", newline="", encoding="utf-8-sig") as f:
        assert [(r["nik"], r["start_on"], r["end_on"]) for r in csv.DictReader(f)] == [
            (SITI, "2020-02-01", "2022-06-30")
        ]


def test_a_departure_in_a_later_roster_ends_the_open_period(exported, tmp_path):
    exported("bpjs", "register", "--coop", "2", "--on", "2020-01-02")
    header = ["NIK", "Nama", "Peran", "Tgl Masuk", "Tanggal BPJS", "Tgl Keluar"]
    first = write_csv(
        tmp_path / "2021.csv", [header, [SITI, "Siti Aminah", "karyawan", "2020-01-02", "2020-02-01", ""]]
    )
    exported("import", "people", str(first), "--coop", "2")
    later = write_csv(
        tmp_path / "2022.csv", [header, [SITI, "Siti Aminah", "karyawan", "2020-01-02", "2020-02-01", "2022-06-30"]]
    )
    summary = exported.json("import", "people", str(later), "--coop", "2")
    assert summary["ended"] == 1 and summary["created"] == {"people": 0, "engagements": 0, "enrollments": 0}
    assert [p[4:6] for p in periods(exported)] == [("2020-01-02", "2022-06-30")]
    exported("export", "enrollments", "--show-nik", "-o", str(tmp_path / "e.csv"))
    with open(tmp_path / "e.csv", newline="", encoding="utf-8-sig") as f:
        assert [r["end_on"] for r in csv.DictReader(f)] == ["2022-06-30"]
    again = exported.json("import", "people", str(later), "--coop", "2")  # nothing more to do
    assert again["ended"] == 0 and again["unchanged"] == 1


@pytest.mark.parametrize("until, reason", [("2020-01-02", "must be after"), ("2019-12-31", "must be after")])
def test_a_departure_not_after_the_start_is_refused(office, tmp_path, engine, until, reason):
    path = write_csv(
        tmp_path / "r.csv",
        [["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar"], [SITI, "Siti", "karyawan", "2020-01-02", until]],
    )
    before = table_dump(engine)
    result = office("import", "people", str(path), "--coop", "2", "--json", ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    assert reason in result.stdout


def test_niks_as_written_are_accepted_by_worker_add_too(office):
    office(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        "3215.0552.0390.0001",
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    office(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        "'3215-0512-0385-0002",
        "--name",
        "Budi Santoso",
        "--role",
        "anggota",
        "--since",
        "2021-01-04",
    )
    niks = {p["nik"] for p in office.json("worker", "list", "--coop", "2", "--show-nik")}
    assert niks == {SITI, BUDI}


# --- item 13 and the --errors file's rules ----------------------------------------------------


def test_the_refused_rows_file_has_the_inputs_delimiter(office, tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        [["NIK", "Nama", "Peran", "Tgl Masuk"], [SITI, "Siti, Aminah", "tamu", "2021-01-04"]],
        delimiter=";",
    )
    office("import", "people", str(path), "--coop", "2", "--errors", str(tmp_path / "e.csv"), ok=False)
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "NIK;Nama;Peran;Tgl Masuk;error"
    assert read_csv(tmp_path / "e.csv", delimiter=";")[1][:4] == [SITI, "Siti, Aminah", "tamu", "2021-01-04"]


def test_the_refused_rows_file_never_replaces_a_file_without_force_nor_the_input(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "asli.csv", [["NIK", "Nama", "Peran", "Tgl Masuk"], [SITI, "Siti", "tamu", "2021-01-04"]]
    )
    original = path.read_bytes()
    keep = tmp_path / "lain.csv"
    keep.write_text("data kantor\n")
    before = table_dump(engine)
    for target, extra in ((keep, []), (path, []), (path, ["--force"])):
        result = office("import", "people", str(path), "--coop", "2", "--errors", str(target), *extra, ok=False)
        assert result.exit_code == 1 and table_dump(engine) == before
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert keep.read_text() == "data kantor\n" and path.read_bytes() == original
    office("import", "people", str(path), "--coop", "2", "--errors", str(keep), "--force", ok=False)
    assert read_csv(keep)[1][-1].startswith("role: ")


# --- issue 16 item 11: duplicate headers -----------------------------------------------------


@pytest.mark.parametrize(
    "header, message",
    [
        (["NIK", "Nama", "Nama", "Peran", "Tgl Masuk"], "columns 2 'Nama' and 3 'Nama' are both the name column"),
        (["NIK", "Nama", "Nik", "Peran", "Tgl Masuk"], "columns 1 'NIK' and 3 'Nik' are both the nik column"),
        (["NIK", "Nama", "Peran", "Status", "Tgl Masuk"], "columns 3 'Peran' and 4 'Status' are both the role column"),
    ],
)
def test_duplicate_headers_are_refused_naming_both(office, tmp_path, engine, header, message):
    path = write_csv(tmp_path / "d.csv", [header, [SITI, "Siti", SITI, "karyawan", "2021-01-04"]])
    before = table_dump(engine)
    result = office("import", "people", str(path), "--coop", "2", ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    assert result.stderr.splitlines()[0] == f"error: {message}"


# --- item 14 and issue 16 item 5: the export's round trip -------------------------------------

NAMES = {SITI: "=Siti Aminah", BUDI: "+Budi Santoso", ANDI: "-Andi Wijaya", "3215054408920004": "@Dewi Lestari"}


def _history(cli, tmp_path):
    """People with current and past periods, positions and names a spreadsheet would run."""
    rows = [["NIK", "Nama", "Jabatan", "Tgl Masuk", "Tgl Keluar", "Koperasi"]]
    rows += [
        [SITI, NAMES[SITI], "Kasir", "2020-01-02", "2021-06-30", "2"],
        [SITI, NAMES[SITI], "Kasir", "2021-09-01", "", "2"],  # came back
        [BUDI, NAMES[BUDI], "anggota", "2020-03-01", "", "2"],
        [ANDI, NAMES[ANDI], "Manajer", "2019-05-01", "", "3"],
        ["3215054408920004", NAMES["3215054408920004"], "anggota", "2021-01-04", "2022-01-04", "3"],
    ]
    cli("import", "people", str(write_csv(tmp_path / "history.csv", rows)))


@pytest.fixture
def history(exported, tmp_path):
    exported("coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari")  # id 3
    _history(exported, tmp_path)
    return exported


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_imported_into_the_same_database_changes_nothing(history, tmp_path, engine, suffix):
    out = tmp_path / f"orang.{suffix}"
    history("export", "people", "--show-nik", "-o", str(out))
    before = table_dump(engine)
    summary = history.json("import", "people", str(out))
    assert summary["invalid"] == 0 and summary["unchanged"] == summary["rows"] == 5
    assert summary["created"] == {"people": 0, "engagements": 0, "enrollments": 0} and summary["ended"] == 0
    assert table_dump(engine) == before


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_export_imported_into_a_new_database_gives_the_same_people_and_periods(history, tmp_path, empty_db, suffix):
    out = tmp_path / f"orang.{suffix}"
    history("export", "people", "--show-nik", "-o", str(out))
    history("--db", empty_db, "seed")
    history("--db", empty_db, "coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cikampek")
    history(
        "--db", empty_db, "coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari"
    )
    history("--db", empty_db, "import", "people", str(out))
    original = periods(history)
    assert periods(history, empty_db) == original
    assert "2021-06-30" in {p[5] for p in original}
    # the export kept the names from running as formulas; the import took the apostrophe off again
    assert {p[1] for p in original} == {"'" + n for n in NAMES.values()}
    for db in (None, empty_db):
        for coop in ("2", "3"):
            listed = history.json(
                *(["--db", db] if db else []), "worker", "list", "--coop", coop, "--as-of", "2021-12-31"
            )
            assert {p["name"] for p in listed} <= set(NAMES.values())


def test_an_export_into_a_database_whose_ids_name_other_cooperatives_is_refused(history, tmp_path, empty_db):
    out = tmp_path / "orang.csv"
    history("export", "people", "--show-nik", "-o", str(out))
    history("--db", empty_db, "seed")
    history(
        "--db", empty_db, "coop", "add", "Koperasi Produsen Tani Subur", "--kind", "produsen", "--kecamatan", "Klari"
    )
    history("--db", empty_db, "coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Cikampek")
    result = history("--db", empty_db, "import", "people", str(out), "--json", ok=False)
    assert result.exit_code == 1
    assert "is 'Koperasi Produsen Tani Subur' in this database, not 'KSP Maju Bersama'" in result.stdout


def test_an_overlapping_different_period_is_still_a_conflict(history, tmp_path, engine):
    before = table_dump(engine)
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar", "Koperasi"],
            [SITI, NAMES[SITI], "karyawan", "2020-01-02", "2021-03-31", "2"],
        ],
    )
    result = history("import", "people", str(path), "--json", ok=False)
    assert result.exit_code == 1 and table_dump(engine) == before
    assert "overlaps this person's earlier period" in result.stdout


def test_a_file_without_a_header_row_shows_its_columns_with_niks_masked(office, tmp_path):
    path = write_csv(tmp_path / "tanpa-judul.csv", [[SITI, "Siti Aminah", "karyawan", "2021-01-04"]] * 2)
    result = office("import", "people", str(path), "--coop", "2", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: the header row has no column for nik")
    assert SITI not in result.stderr and "321505******0001" in result.stderr
