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


# --- issue 18, item 3: exports at the floor ----------------------------------------------------

RISKY = ["=1+1", " =HYPERLINK(1)", "\u00a0@SUM(A1)", "-5", "+62 81", "\tx", "#N/A", "x\x00=y"]


@pytest.fixture
def risky_office(office, tmp_path):
    """The office with texts a spreadsheet would run, in several columns of every export."""
    office("pkspkb", "join", "--coop", "2", "--on", "2021-05-01", "--agreement", "=PKS/1")
    for i, name in enumerate(RISKY[:5]):  # a control character is refused
        office("coop", "add", "--kind", "jasa", "--kecamatan", "Klari", "--address", f"@Jl {i}", "--", name)
    office("bpjs", "register", "--coop", "3", "--on", "2021-01-04")
    roster = tmp_path / "risky.csv"
    roster.write_text(
        "nik,name,role,position,since,coop,kpj,bpjs on\n"
        "3215050101800003,=Andi,karyawan,+Ketua,2021-03-01,3,12345678902,2021-04-01\n"
        "3215050201800004,Dewi,anggota,,2021-03-01,4,,\n",
        encoding="utf-8",
    )
    office("import", "people", str(roster))
    return office


@pytest.mark.parametrize("what", ["people", "enrollments", "coops", "pkspkb"])
@pytest.mark.parametrize("reveal", [False, True])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_csv_in_batches_is_the_row_by_row_file(risky_office, engine, tmp_path, what, reveal, lang):
    """The fast path (plain tuples from the driver, column by column) writes the very bytes the
    row-by-row path writes from SQLAlchemy's dicts: masked or not, dates in ISO, every formula-like
    text with its apostrophe, headers in the language."""
    from koptrack import i18n, store
    from koptrack.core import exports
    from koptrack.io import writers
    from koptrack.report import Section

    i18n.activate(lang)
    with store.session_scope(engine) as s:
        section = exports.sections(s, what)[0]
        assert hasattr(section.rows, "batches")
        by_rows = Section(section.title, section.columns, list(section.rows))
        writers.write(tmp_path / "batches.csv", [section], "csv", reveal=reveal, delimiter=";")
        writers.write(tmp_path / "rows.csv", [by_rows], "csv", reveal=reveal, delimiter=";")
    assert len(list(by_rows.rows)) == {"people": 4, "enrollments": 2, "coops": 7, "pkspkb": 1}[what]
    assert (tmp_path / "batches.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()


def test_csv_export_neutralises_and_masks_in_every_column(risky_office, tmp_path):
    risky_office("export", "people", "-o", str(tmp_path / "p.csv"))
    rows = {r["name"]: r for r in read_csv(tmp_path / "p.csv")}
    assert rows["'=Andi"]["position"] == "'+Ketua" and rows["'=Andi"]["nik"] == "321505******0003"
    assert rows["Siti Aminah"]["nik"] == "321505******0001"
    risky_office("export", "coops", "-o", str(tmp_path / "c.csv"))
    coops = read_csv(tmp_path / "c.csv")
    assert [c["name"] for c in coops[2:]] == ["'=1+1", "'=HYPERLINK(1)", "'@SUM(A1)", "'-5", "'+62 81"]
    assert {c["address"] for c in coops[2:]} == {f"'@Jl {i}" for i in range(5)}
    assert {c["regency"] for c in coops} == {"32.15"}
    assert risky_office.json("coop", "show", "2")["name"] == "KSP Sejahtera"


def test_csv_column_checks_exactly_what_neutralise_changes():
    from koptrack.io import writers

    column = writers._csv_column
    plain = ["Siti", None, "", "Budi-Santoso", "a=b"]
    assert column(plain, None) is plain  # nothing to change: the column as it came
    assert column(RISKY, None) == [writers.neutralise(v) for v in RISKY]
    assert column([-5, 3, None, 2.5], None) == [-5, 3, None, 2.5]  # numbers are never a formula
    assert column(["ok", 7, "=x"], None) == ["ok", 7, "'=x"]  # a column of mixed types
    assert column(["3215055203900001", None, ""], writers._maskers()[0][1]) == ["321505******0001", None, ""]
    import datetime as dt

    day, stamp = dt.date(2021, 3, 16), dt.datetime(2021, 3, 16, 9, 30)
    assert column([day, stamp, ["jkk", "jkm"], True], None) == ["2021-03-16", "2021-03-16T09:30:00", "jkk,jkm", True]


def test_filtered_export_in_batches(risky_office, tmp_path):
    risky_office("export", "people", "--coop", "2", "--show-nik", "-o", str(tmp_path / "p.csv"))
    assert {(r["nik"], r["coop"]) for r in read_csv(tmp_path / "p.csv")} == {(SITI, "2"), (BUDI, "2")}
    risky_office("export", "coops", "--regency", "32.15", "-o", str(tmp_path / "c.csv"))
    assert len(read_csv(tmp_path / "c.csv")) == 7
    risky_office("export", "coops", "--regency", "32.16", "-o", str(tmp_path / "none.csv"))
    assert read_csv(tmp_path / "none.csv") == []
    assert (tmp_path / "none.csv").read_bytes().startswith(b"\xef\xbb\xbfid,name,")  # the BOM, once


def _libraries():
    import importlib.util

    return ["openpyxl", *(["xlsxwriter"] if importlib.util.find_spec("xlsxwriter") else [])]


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: (
            ws.freeze_panes,
            [[(c.value, c.number_format, c.data_type, bool(c.font.b)) for c in r if c.value is not None] for r in ws],
        )
        for ws in wb.worksheets
    }


@pytest.mark.parametrize("lang", ["en", "id"])
def test_xlsx_libraries_write_the_same_cells(risky_office, tmp_path, monkeypatch, lang):
    """XlsxWriter (when installed) and openpyxl's write-only mode: the same sheets, values, formats
    (dates as dates, dd/mm/yyyy in Indonesian; percentages), text cells never formulas, a bold
    frozen header."""
    from koptrack.io import writers

    got = {}
    for library in _libraries():
        monkeypatch.setattr(writers, "_xlsx_writer", lambda library=library: library)
        out = tmp_path / f"{library}.xlsx"
        risky_office("--lang", lang, "export", "people", "-o", str(out))
        people = _cells(out)
        risky_office("--lang", lang, "export", "targets", "--year", "2021", "-o", str(tmp_path / f"t-{library}.xlsx"))
        got[library] = (people, _cells(tmp_path / f"t-{library}.xlsx"))
    people, targets = got["openpyxl"]
    ((sheet, (frozen, rows)),) = people.items()
    assert sheet == ("People" if lang == "en" else "Orang") and frozen == "A2"
    assert all(bold for *_, bold in rows[0]) and not any(bold for r in rows[1:] for *_, bold in r)
    andi = next(r for r in rows if r[1][0] == "'=Andi")
    assert andi[0][0] == "321505******0003" and all(t == "s" for _, _, t, _ in andi[:3])
    since = next(c for c in andi if c[2] == "d")
    assert since[1] == ("yyyy-mm-dd" if lang == "en" else "dd/mm/yyyy")
    assert any(c[1] == "0.0%" for r in next(iter(targets.values()))[1] for c in r)
    for library, same in got.items():
        assert same == got["openpyxl"], library


@pytest.mark.parametrize("library", _libraries())
def test_xlsx_longer_than_a_sheet_goes_on_over_more_sheets(risky_office, tmp_path, monkeypatch, library):
    from koptrack.io import writers

    monkeypatch.setattr(writers, "_xlsx_writer", lambda: library)
    monkeypatch.setattr(writers, "EXCEL_MAX_ROWS", 3)  # a header and two rows a sheet
    out = tmp_path / "p.xlsx"
    shown = risky_office("export", "people", "--show-nik", "-o", str(out))
    assert "People: 4 rows" in shown.stderr + shown.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["People", "People (2)"]  # full: no empty sheet after the last
    header = [c.value for c in wb["People"][1]]
    rows = []
    for ws in wb.worksheets:
        assert [c.value for c in ws[1]] == header and ws.freeze_panes == "A2"
        rows += list(ws.iter_rows(min_row=2, values_only=True))
    assert [len(list(ws.iter_rows(min_row=2))) for ws in wb.worksheets] == [2, 2]
    risky_office("export", "people", "--show-nik", "-o", str(tmp_path / "all.csv"))
    assert [r[0] for r in rows] == [r["nik"] for r in read_csv(tmp_path / "all.csv")]


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("library", _libraries())
def test_xlsx_failing_half_way_leaves_nothing(tmp_path, monkeypatch, library):
    """Rows that fail while the workbook is written: no file, no temporary file, and no
    workbook that writes itself later (XlsxWriter's closes itself when collected)."""
    import gc

    from koptrack.errors import KoptrackError
    from koptrack.io import writers
    from koptrack.report import Col, Section

    monkeypatch.setattr(writers, "_xlsx_writer", lambda: library)

    def rows():
        for i in range(600):
            yield {"name": f"Koperasi {i}"}
        raise KoptrackError("the database went away")

    out = tmp_path / "x.xlsx"
    with pytest.raises(KoptrackError, match="went away"):
        writers.write(out, [Section("Cooperatives", [Col("name", "Name")], rows())], "xlsx")
    gc.collect()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sqlite_only
def test_export_bench_runs_at_the_tiny_tier(tmp_path):
    """bench/export_bench.py end to end (seconds): every export beside its floor, checked row by
    row against the shell's CSV; its timings are not checked here."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "rows.md"
    cmd = [sys.executable, str(root / "bench" / "export_bench.py"), "--tier", "tiny", "--workdir", str(tmp_path / "w")]
    result = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for what in ("people", "enrollments", "coops"):
        row = next(line for line in text.splitlines() if line.startswith(f"| export {what} → CSV (tiny) |"))
        assert re.search(r"\| \d+\.\d\d× \|", row) and re.search(r"\| \d+ MB \|", row), row
        assert f"| export {what} → xlsx, openpyxl (tiny) |" in text
