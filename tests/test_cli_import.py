"""`koptrack import`: formats, aliases, all-or-nothing, the --errors round trip, idempotence,
and hostile files refused with nothing written."""

from __future__ import annotations

import csv
import os
import zipfile

import pytest

from conftest import table_dump

SITI, BUDI, ANDI = "3215055203900001", "3215051203850002", "3215050101800003"


@pytest.fixture
def office(cli):
    cli("seed")
    cli("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    return cli


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def people(cli, coop="2"):
    return {(p["name"], p["role"]) for p in cli.json("worker", "list", "--coop", coop, "--as-of", "2022-01-01")}


def test_indonesian_headers_semicolons_and_bom(office, tmp_path):
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["No.", "NIK", "Nama Lengkap", "Jabatan", "Tgl Masuk", "Nama Koperasi"],
            ["1", SITI, "Siti Aminah", "Pengelola", "04/01/2021", "KSP Sejahtera"],
            ["2", BUDI, "Budi Santoso", "anggota", "2021-02-01", "2"],
        ],
        delimiter=";",
        encoding="utf-8-sig",
    )
    summary = office.json("import", "people", str(path))
    assert summary["created"] == {"people": 2, "engagements": 2, "enrollments": 0} and summary["invalid"] == 0
    assert people(office) == {("Siti Aminah", "karyawan"), ("Budi Santoso", "anggota")}


def test_windows_1252_file_keeps_its_accents(office, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"NIK,Nama,Peran,Tanggal Masuk\r\n" + f"{SITI},Ren\u00e9 Hal\u00e9,karyawan,04/01/2021\r\n".encode("cp1252")
    )
    office("import", "people", str(path), "--coop", "2")
    assert people(office) == {("Ren\u00e9 Hal\u00e9", "karyawan")}


def test_xlsx_written_by_openpyxl_with_bpjs_columns(office, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    office("bpjs", "register", "--coop", "2", "--on", "2021-01-04")
    ws.append(["NIK", "Nama", "Peran", "Tanggal Masuk", "No KPJ", "Tanggal BPJS", "Program"])
    ws.append(
        [SITI, "Siti Aminah", "karyawan", dt.datetime(2021, 1, 4), "12345678901", dt.date(2021, 4, 1), "jkk,jkm,jht"]
    )
    ws.append([BUDI, "Budi Santoso", "karyawan", "04/01/2021", None, "01/04/2021", None])
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    summary = office.json("import", "people", str(path), "--coop", "KSP Sejahtera")
    assert summary["created"] == {"people": 2, "engagements": 2, "enrollments": 2}
    shown = office.json("coop", "show", "2", "--as-of", "2021-12-31", "--show-nik")
    by_nik = {p["nik"]: p for p in shown["people"]}
    assert by_nik[SITI]["programmes"] == "jkk,jkm,jht" and by_nik[SITI]["kpj"] == "12345678901"
    assert by_nik[BUDI]["programmes"] == "jkk,jkm" and by_nik[BUDI]["category"] == "pu"


def test_nik_stored_as_a_number_in_excel_is_refused(office, tmp_path, engine):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["NIK", "Nama", "Peran", "Tanggal Masuk"])
    wb.active.append([int(SITI), "Siti Aminah", "karyawan", "2021-01-04"])
    path = tmp_path / "numbers.xlsx"
    wb.save(path)
    before = table_dump(engine)
    result = office("import", "people", str(path), "--coop", "2", ok=False)
    assert result.exit_code == 1 and "format the NIK column as Text" in result.stderr
    assert table_dump(engine) == before


def test_one_bad_row_among_many_writes_nothing_and_errors_round_trip(office, tmp_path, engine):
    rows = [["nik", "name", "role", "since", "coop"]]
    for i in range(1, 301):
        rows.append([f"32150512038{i % 10}{i:04d}"[:12] + f"{i:04d}", f"Orang {i}", "anggota", "2021-01-04", "2"])
    rows[150][0] = "3215051399850150"  # month 99
    path = write_csv(tmp_path / "many.csv", rows)
    errors = tmp_path / "ditolak.csv"
    before = table_dump(engine)
    result = office("import", "people", str(path), "--errors", str(errors), ok=False)
    assert result.exit_code == 1 and "1 of 300 rows are invalid; nothing was imported" in result.stderr
    assert table_dump(engine) == before
    assert oct(os.stat(errors).st_mode & 0o777) == "0o600"
    with open(errors, encoding="utf-8-sig") as f:
        bad = list(csv.reader(f))
    assert bad[0] == ["nik", "name", "role", "since", "coop", "error"] and len(bad) == 2
    assert bad[1][0] == "3215051399850150" and "month" in bad[1][-1]
    # the office fixes the row and imports the corrected file: everything is in
    fixed = write_csv(tmp_path / "fixed.csv", [bad[0][:-1], ["3215051203850150", *bad[1][1:-1]]])
    office("import", "people", str(path), "--skip-invalid")
    office("import", "people", str(fixed))
    assert len(office.json("worker", "list", "--coop", "2", "--as-of", "2022-01-01")) == 300


def test_importing_twice_changes_nothing(office, tmp_path, engine):
    path = write_csv(
        tmp_path / "r.csv",
        [
            ["nik", "nama", "peran", "tanggal masuk", "koperasi"],
            [SITI, "Siti Aminah", "karyawan", "2021-01-04", "2"],
            [SITI, "Siti Aminah", "anggota", "2021-01-04", "1"],
        ],
    )
    first = office.json("import", "people", str(path))
    assert first["created"] == {"people": 1, "engagements": 2, "enrollments": 0}
    before = table_dump(engine)
    again = office.json("import", "people", str(path))
    assert again["created"] == {"people": 0, "engagements": 0, "enrollments": 0} and again["unchanged"] == 2
    assert table_dump(engine) == before
    log = office.json("log", "--limit", "2")
    assert [e["command"] for e in log] == ["import people", "import people"]
    assert log[0]["summary"]["rows"] == 2


@pytest.mark.parametrize(
    "row, column",
    [
        ([SITI, "Siti", "karyawan", "2021-01-04", "99"], "coop"),
        ([SITI, "Siti", "tamu", "2021-01-04", "2"], "role"),
        ([SITI, "Siti", "karyawan", "31/02/2021", "2"], "since"),
        ([SITI, "Siti", "karyawan", "2999-01-01", "2"], "since"),
        ([SITI[:15], "Siti", "karyawan", "2021-01-04", "2"], "nik"),
        ([SITI, "", "karyawan", "2021-01-04", "2"], "name"),
    ],
)
def test_each_bad_field_is_named(office, tmp_path, row, column):
    path = write_csv(tmp_path / "bad.csv", [["nik", "name", "role", "since", "coop"], row])
    summary = office("import", "people", str(path), "--json", ok=False)
    assert summary.exit_code == 1
    import json

    errors = json.loads(summary.stdout)["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, column)]
    assert SITI not in summary.stdout + summary.stderr


def test_same_nik_under_another_name_is_refused(office, tmp_path):
    office(
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
    path = write_csv(
        tmp_path / "r.csv", [["nik", "name", "role", "since"], [SITI, "Someone Else", "anggota", "2021-01-04"]]
    )
    result = office("import", "people", str(path), "--coop", "2", ok=False)
    assert result.exit_code == 1 and "another name" in result.stderr


def test_import_coops_with_aliases(office, tmp_path):
    path = write_csv(
        tmp_path / "koperasi.csv",
        [
            ["Nama Koperasi", "Jenis", "Kecamatan", "Basis", "No Badan Hukum"],
            ["Kopkar Pabrik Satu", "konsumen", "Kec. Klari", "kopkar", "518/BH/XII/2004"],
            ["KSP Dua", "simpan pinjam", "32.15.13", "masyarakat", ""],
            ["Koperasi Makmur Mandiri", "ksp", "Klari", "", ""],  # already registered: unchanged
        ],
    )
    summary = office.json("import", "coops", str(path))
    assert summary["created"] == {"cooperatives": 2} and summary["unchanged"] == 1
    listed = {c["name"]: (c["kind"], c["base"], c["kecamatan"]) for c in office.json("coop", "list")}
    assert listed["Kopkar Pabrik Satu"] == ("konsumen", "karyawan", "Klari")
    assert listed["KSP Dua"] == ("ksp", "masyarakat", "Cikampek")


def test_import_coops_unknown_kecamatan_suggests(office, tmp_path, engine):
    path = write_csv(tmp_path / "k.csv", [["nama", "jenis", "kecamatan"], ["Kop A", "jasa", "Klarri"]])
    before = table_dump(engine)
    result = office("import", "coops", str(path), ok=False)
    assert result.exit_code == 1 and "Klari" in result.stderr
    assert table_dump(engine) == before


# --- hostile files (issue: trust) --------------------------------------------------------------


def _refused(cli, engine, path, *extra):
    before = table_dump(engine)
    result = cli("import", "people", str(path), "--coop", "2", *extra, ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert table_dump(engine) == before
    return result.stderr


def test_empty_file(office, tmp_path, engine):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "is empty" in _refused(office, engine, path)


def test_ten_megabyte_single_line(office, tmp_path, engine):
    path = tmp_path / "line.csv"
    path.write_bytes(b"nik,name,role,since\n" + b"x" * 10_000_000)
    assert "not readable as CSV" in _refused(office, engine, path)


def test_ten_thousand_columns(office, tmp_path, engine):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(10_000)) + "\n")
    assert "10,000 columns" in _refused(office, engine, path)


def test_not_a_zip_and_zip_bomb(office, tmp_path, engine):
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a workbook")
    assert "not an Excel workbook" in _refused(office, engine, fake)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    assert "zip bomb" in _refused(office, engine, bomb)


def test_binary_garbage_csv(office, tmp_path, engine):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 100)
    assert "error:" in _refused(office, engine, path)


def test_koperasi_column_names_many_cooperatives(office, tmp_path, engine):
    """The Koperasi column is resolved from one read of the cooperatives' names: the same rules
    as `--coop NAME` (case-insensitive exact name, else a unique part; ambiguous, inactive and
    unknown names refused), and each cooperative's own employer size sets the minimum programmes."""
    office("coop", "add", "KSP Besar", "--kind", "ksp", "--kecamatan", "Klari", "--size", "large")  # 3
    office("coop", "add", "KSP Kembar", "--kind", "ksp", "--kecamatan", "Klari")  # 4
    office("coop", "add", "KSP Kembar", "--kind", "ksp", "--kecamatan", "Cikampek")  # 5
    office("coop", "add", "KSP Tutup", "--kind", "ksp", "--kecamatan", "Klari")  # 6
    office("coop", "deactivate", "6")
    for coop in ("2", "3"):
        office("bpjs", "register", "--coop", coop, "--on", "2021-01-04")
    header = ["NIK", "Nama", "Peran", "Tanggal Masuk", "Koperasi", "Tanggal BPJS"]
    good = write_csv(
        tmp_path / "good.csv",
        [
            header,
            [SITI, "Siti Aminah", "karyawan", "2021-01-04", "ksp sejahtera", "2021-02-01"],
            [BUDI, "Budi Santoso", "karyawan", "2021-01-04", "KSP BESAR", "2021-02-01"],
            [ANDI, "Andi Wijaya", "karyawan", "2021-01-04", "Besar", "2021-02-01"],  # a unique part of a name
        ],
    )
    summary = office.json("import", "people", str(good))
    assert summary["created"] == {"people": 3, "engagements": 3, "enrollments": 3}
    assert people(office, "2") == {("Siti Aminah", "karyawan")}
    assert people(office, "3") == {("Budi Santoso", "karyawan"), ("Andi Wijaya", "karyawan")}
    by_coop = {
        c: {p["name"]: p["programmes"] for p in office.json("coop", "show", c, "--as-of", "2021-12-31")["people"]}
        for c in ("2", "3")
    }
    assert by_coop["2"]["Siti Aminah"] == "jkk,jkm"  # no size: the `any` rule
    assert by_coop["3"]["Budi Santoso"] == by_coop["3"]["Andi Wijaya"] == "jkk,jkm,jht,jp"  # large

    other = "3215054408920004"
    for ref, expected in (("KSP Kembar", "ambiguous"), ("KSP Tutup", "inactive"), ("KSP Hilang", "no cooperative")):
        before = table_dump(engine)
        bad = write_csv(tmp_path / "bad.csv", [header, [other, "Dewi Lestari", "karyawan", "2021-01-04", ref, ""]])
        result = office("import", "people", str(bad), "--errors", str(tmp_path / "refused.csv"), "--force", ok=False)
        assert result.exit_code == 1 and table_dump(engine) == before
        assert expected in (tmp_path / "refused.csv").read_text(encoding="utf-8-sig"), ref


def test_a_large_import_leaves_the_planner_statistics_fresh_on_postgresql(office, tmp_path, engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL statistics (the PostgreSQL pass)")
    from koptrack.core.imports import people as people_import

    def reltuples():
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'person'").scalar()

    assert reltuples() in (-1, 0)  # never analyzed (autovacuum waits for 50 changed rows)
    monkeypatch.setattr(people_import, "ANALYZE_AFTER", 3)  # a 10,000-row file in miniature
    path = write_csv(
        tmp_path / "roster.csv",
        [
            ["NIK", "Nama", "Peran", "Tanggal Masuk"],
            [SITI, "Siti Aminah", "karyawan", "2021-01-04"],
            [BUDI, "Budi Santoso", "karyawan", "2021-01-04"],
        ],
    )
    office("import", "people", str(path), "--coop", "2")
    assert reltuples() == 2
