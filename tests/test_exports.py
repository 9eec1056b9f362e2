"""`koptrack export` and `--xlsx`: each format, masking, formula neutralisation, private files,
nothing half-written, and a people export that imports back."""

from __future__ import annotations

import csv
import json
import os
import stat

import openpyxl
import pytest

SITI, BUDI = "3215055203900001", "3215051203850002"


@pytest.fixture
def office(cli, tmp_path):
    cli("seed")
    cli("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    cli("bpjs", "register", "--coop", "2", "--on", "2021-01-04")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        f"nik,name,role,since,coop,kpj,bpjs on\n{SITI},Siti Aminah,karyawan,2021-01-04,2,12345678901,2021-04-01\n"
        f"{BUDI},Budi Santoso,anggota,2021-02-01,2,,\n"
    )
    cli("import", "people", str(roster))
    return cli


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_targets_workbook_for_the_head_of_office(office, tmp_path):
    out = tmp_path / "target-2021.xlsx"
    office("export", "targets", "--year", "2021", "-o", str(out))
    expected = office.json("targets", "2021")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Targets 2021", "BPJS by kecamatan", "KSP behind", "PKS-PKB by year"]
    ws = wb["Targets 2021"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Programme", "Measure", "Segment", "Target", "Actual", "%"]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    assert "Progress" not in header  # a table-only bar is not data
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[4]) for r in rows] == [(t["target"], t["actual"]) for t in expected]
    pct_col = header.index("%")
    for cells, t in zip(ws.iter_rows(min_row=2), expected, strict=True):
        assert cells[pct_col].number_format == "0.0%"
        assert cells[pct_col].value == pytest.approx(t["percent"] / 100)
    for i, h in enumerate(header, start=1):  # every column at least as wide as its header
        assert ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width >= len(h)
    behind = [r[1] for r in wb["KSP behind"].iter_rows(min_row=2, values_only=True)]
    assert behind == ["Koperasi Makmur Mandiri"]  # registered, nobody on its roster: behind
    assert "KSP Sejahtera" not in behind  # registered, its one employee enrolled: covered


def test_xlsx_option_on_reports(office, tmp_path):
    t, b = tmp_path / "t.xlsx", tmp_path / "b.xlsx"
    shown = office("targets", "2021", "--xlsx", str(t))
    assert "Targets 2021" in shown.stdout  # the table is still printed
    office("bpjs", "status", "--kind", "ksp", "--as-of", "2021-12-31", "--xlsx", str(b))
    wb = openpyxl.load_workbook(b)
    assert wb.sheetnames == ["Cooperatives", "By kecamatan"]
    names = [r[1] for r in wb["Cooperatives"].iter_rows(min_row=2, values_only=True)]
    assert names == [r["name"] for r in office.json("bpjs", "status", "--kind", "ksp", "--as-of", "2021-12-31")]
    assert openpyxl.load_workbook(t).sheetnames[0] == "Targets 2021"


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_people_masked_by_default_and_file_private(office, tmp_path, fmt):
    out = tmp_path / f"people.{fmt}"
    office("export", "people", "-o", str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    raw = out.read_bytes()
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(out)
        raw = json.dumps([list(r) for r in wb.active.iter_rows(values_only=True)], default=str).encode()
    assert SITI.encode() not in raw and BUDI.encode() not in raw
    assert b"321505******0001" in raw


def test_people_export_with_show_nik_imports_back(office, tmp_path, empty_db):
    out = tmp_path / "people.csv"
    office("export", "people", "--show-nik", "-o", str(out))
    rows = read_csv(out)
    assert {(r["nik"], r["role"], r["coop"]) for r in rows} == {(SITI, "karyawan", "2"), (BUDI, "anggota", "2")}
    office("--db", empty_db, "seed")
    office("--db", empty_db, "coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")
    office("--db", empty_db, "import", "people", str(out))
    again = office.json("--db", empty_db, "worker", "list", "--coop", "2", "--as-of", "2022-01-01", "--show-nik")
    assert {(p["nik"], p["role"]) for p in again} == {(SITI, "karyawan"), (BUDI, "anggota")}


def test_enrollments_and_coops_and_pkspkb(office, tmp_path):
    office("pkspkb", "join", "--coop", "2", "--on", "2021-05-01", "--agreement", "PKS/12/2021")
    office("export", "enrollments", "-o", str(tmp_path / "e.json"))
    enrollments = json.loads((tmp_path / "e.json").read_text())
    # imported without a programme column: the PU minimum from the seed's rules (jkk, jkm)
    assert [(e["name"], e["kpj"], e["category"], e["programmes"], e["start_on"]) for e in enrollments] == [
        ("Siti Aminah", "12******901", "pu", "jkk,jkm", "2021-04-01")
    ]
    assert "12345678901" not in (tmp_path / "e.json").read_text()
    office("export", "coops", "-o", str(tmp_path / "c.csv"))
    assert [r["name"] for r in read_csv(tmp_path / "c.csv")] == [c["name"] for c in office.json("coop", "list")]
    office("export", "pkspkb", "--format", "csv", "-o", str(tmp_path / "k.out"))
    assert [(r["coop"], r["joined_on"], r["agreement_no"]) for r in read_csv(tmp_path / "k.out")] == [
        ("2", "2021-05-01", "PKS/12/2021")
    ]


def test_formulas_are_neutralised(cli, tmp_path):
    cli("seed")
    for name in ['=HYPERLINK("http://x","klik")', "+62 Koperasi", "-Koperasi Minus", "@SUM(A1)"]:
        cli("coop", "add", "--kind", "jasa", "--kecamatan", "Klari", "--", name)
    cli("export", "coops", "-o", str(tmp_path / "c.csv"))
    names = [r["name"] for r in read_csv(tmp_path / "c.csv")][1:]
    assert names == ['\'=HYPERLINK("http://x","klik")', "'+62 Koperasi", "'-Koperasi Minus", "'@SUM(A1)"]
    cli("export", "coops", "-o", str(tmp_path / "c.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    cells = [row[1] for row in ws.iter_rows(min_row=3)]
    assert [c.value for c in cells] == names
    assert all(c.data_type == "s" for c in cells)  # text, never a formula


def test_refusals_leave_no_file(office, tmp_path):
    out = tmp_path / "t.xlsx"
    r = office("export", "targets", "--year", "2030", "-o", str(out), ok=False)
    assert r.exit_code == 1 and "no targets for 2030" in r.stderr and not out.exists()
    assert list(tmp_path.glob(".koptrack-*")) == []  # no temporary file left behind
    r = office("export", "coops", "-o", str(tmp_path / "c.txt"), ok=False)
    assert r.exit_code == 1 and "format" in r.stderr
    out.write_text("keep me")
    r = office("export", "coops", "-o", str(out), ok=False)
    assert r.exit_code == 1 and "--force" in r.stderr and out.read_text() == "keep me"
    office("export", "coops", "-o", str(out), "--force")
    assert openpyxl.load_workbook(out).active.cell(1, 1).value == "ID"
    r = office("export", "coops", "-o", str(tmp_path / "no" / "such" / "dir.csv"), ok=False)
    assert r.exit_code == 1 and "does not exist" in r.stderr


def test_targets_without_xlsx_reads_no_people(office):
    # the workbook's extra sections (coverage by kecamatan, KSPs behind) scan every engagement:
    # a plain `targets YEAR` must not pay for them
    from sqlalchemy import Engine, event

    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", grab)
    try:
        office("targets", "2021", "--json")
    finally:
        event.remove(Engine, "before_cursor_execute", grab)
    assert seen and not [s for s in seen if "FROM engagement" in s or "JOIN engagement" in s]
