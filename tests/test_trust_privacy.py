"""Personal data never shown unmasked (issue 16 items 13, 14, 15, and item 8's terminal that is
not UTF-8): anything that looks like a NIK or a KPJ in any message, hint, error or table is
masked unless --show-nik; a --show-nik export or report is itself recorded in the audit log;
CSV on the terminal and the refused-rows file neutralise spreadsheet formulas; a terminal or
pipe in another encoding gets escapes, never a UnicodeEncodeError."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from koptrack.io.writers import FORMULA_STARTS, neutralise
from koptrack.report import scrub

SITI, BUDI = "3215055203900001", "3215051203850002"
NIKS = (SITI, BUDI)
# a NIK as offices write it: spaced, dotted, dashed
WRITTEN = ("3215 0552 0390 0001", "3215.05.520390.0001", "3215-0552-0390-0001")
SEPARATORS = re.compile(r"[ .\-\u00a0\u2009\u202f]")


def digits_of(out: str) -> str:
    return SEPARATORS.sub("", out)


def no_full_id(out: str, *ids: str) -> None:
    """None of `ids` (or the two NIKs) in `out`, however its digits are grouped."""
    flat = digits_of(out)
    for value in ids or NIKS:
        assert digits_of(value) not in flat, out


def out_of(result) -> str:
    return result.stdout + result.stderr


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


def audit_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log")).scalar()


# --- item 13: anything that looks like a NIK or KPJ is masked -------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=12),
    sep=st.sampled_from(["", " ", ".", "-"]),
    n=st.sampled_from([11, 12, 15, 16, 17]),
    digits=st.data(),
    after=st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=12),
)
def test_scrub_masks_every_nik_or_kpj_shaped_number_wherever_it_stands(before, sep, n, digits, after):
    number = digits.draw(st.text(alphabet="0123456789", min_size=n, max_size=n))
    grouped = sep.join(number[i : i + 4] for i in range(0, n, 4))
    out = scrub(before + grouped + after)
    assert number not in digits_of(out)
    assert out.startswith(before) and out.endswith(after)  # the text around it is kept
    kept = 6 + 4 if n >= 12 else 2 + 3  # a NIK keeps digits 1-6 and the last 4, a KPJ 1-2 and the last 3
    assert sum(ch.isdigit() for ch in out) - sum(ch.isdigit() for ch in before + after) == kept


@pytest.mark.parametrize(
    "text",
    ["2021-03-16", "2021-03-16 14:05:09", "2021-03-16T14:05:09.123456", "coverage 33.3%", "518/BH/XII/2004", "id 123"],
)
def test_scrub_keeps_dates_times_and_small_numbers(text):
    assert scrub(text) == text


def test_a_nik_typed_where_a_cooperative_or_a_date_was_expected_is_masked(office, tmp_path):
    for typed in (SITI, *WRITTEN):
        for args in (
            ("worker", "list", "--coop", typed),
            ("bpjs", "status", "--coop", typed),
            ("log", "--coop", typed),
            ("coop", "show", typed),
            ("export", "people", "--coop", typed, "-o", str(tmp_path / "x.csv")),
            ("worker", "list", "--coop", "2", "--as-of", typed),
            ("bpjs", "enroll", "--coop", "2", "--nik", "Siti Aminah", "--on", typed),
            ("worker", "leave", "--coop", "2", "--nik", "Siti Aminah", "--on", "2022-01-01", "--role", typed),
        ):
            result = office(*args, ok=False)
            assert result.exit_code == 1, (args, out_of(result))
            assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
            no_full_id(out_of(result), SITI)
    line = office("worker", "list", "--coop", SITI, ok=False).stderr.splitlines()[0]
    assert line == "error: coop '321505******0001': no cooperative has this name"


def test_a_nik_or_kpj_in_the_wrong_column_of_the_refused_rows_is_masked(office, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "nik,name,role,since,coop,kpj,bpjs on\n"
        f"3215055203900011,Ani,{WRITTEN[0]},2021-01-04,2,123456789012,2021-04-01\n"
        f"3215055203900012,{WRITTEN[1]},karyawan,{BUDI},2,,\n"
        f"3215055203900013,Dedi,karyawan,2021-01-04,{WRITTEN[2]},,\n"
    )
    for json_out in ((), ("--json",)):
        result = office("import", "people", str(bad), *json_out, ok=False)
        assert result.exit_code == 1 and "Traceback" not in result.stderr
        out = out_of(result)
        no_full_id(out, SITI, BUDI, "123456789012", "3215055203900011", "3215055203900012", "3215055203900013")
        assert "12*******012" in out  # a KPJ of 12 digits: masked
    rows = json.loads(office("import", "people", str(bad), "--json", ok=False).stdout)["errors"]
    assert {(r["column"], r["value"]) for r in rows} >= {("role", "321505******0001"), ("since", "321505******0002")}


def test_the_found_columns_hint_of_a_file_without_a_header_row_is_masked(office, tmp_path):
    headless = tmp_path / "headless.csv"
    headless.write_text(f"{SITI},Siti Aminah,karyawan,2021-01-04\n{WRITTEN[0]},Budi,anggota,12345678901\n")
    for json_out in ((), ("--json",)):
        result = office("import", "people", str(headless), "--coop", "2", *json_out, ok=False)
        assert result.exit_code == 1 and result.stdout == ""
        assert "hint: found columns: 321505******0001" in result.stderr
        no_full_id(out_of(result), SITI)
    headless.write_text(f"{WRITTEN[1]};12345678901;x\n{BUDI};y;z\n")
    result = office("import", "people", str(headless), "--coop", "2", ok=False)
    assert "found columns" in result.stderr
    no_full_id(out_of(result), SITI, "12345678901")


def test_a_name_that_is_a_nik_is_masked_in_every_format_unless_show_nik(office, tmp_path):
    roster = tmp_path / "odd.csv"
    roster.write_text(f"nik,name,role,since,coop\n3215055203900021,{WRITTEN[1]},karyawan,2021-01-04,2\n")
    office("import", "people", str(roster))
    for fmt in ((), ("--json",), ("--csv",)):
        out = office("worker", "list", "--coop", "2", "--as-of", "2021-06-30", *fmt).stdout
        no_full_id(out, SITI, "3215055203900021")
        assert "321505******0001" in out
        shown = office("worker", "list", "--coop", "2", "--as-of", "2021-06-30", "--show-nik", *fmt).stdout
        assert SITI in digits_of(shown) and "3215055203900021" in shown
    # a cooperative named with a NIK: masked in lists, messages and the log (no --show-nik there)
    added = office("coop", "add", f"KSP {SITI}", "--kind", "jasa", "--kecamatan", "Klari")
    for result in (added, office("coop", "list"), office("coop", "list", "--json"), office("log")):
        no_full_id(out_of(result), SITI)
        assert "KSP 321505******0001" in out_of(result)


def test_a_nik_koperasi_is_an_organisation_s_number_and_shown(office):
    rec = office.json("coop", "add", "KSP Nomor", "--kind", "ksp", "--kecamatan", "Klari", "--nik-koperasi", SITI)
    assert rec["nik_koperasi"] == SITI
    assert SITI in office("coop", "show", str(rec["id"])).stdout
    dup = office("coop", "add", "KSP Lain", "--kind", "ksp", "--kecamatan", "Klari", "--nik-koperasi", SITI, ok=False)
    assert dup.stderr.startswith(f"error: nik-koperasi '{SITI}' already belongs to cooperative {rec['id']}")


# --- item 14: revealing personal data is recorded ---------------------------------------------


def reveals(cli, *args: str) -> list[dict]:
    return [e for e in cli.json("log", *args) if e["entity"] == "personal data"]


def test_an_export_with_show_nik_is_recorded_with_who_when_what_and_how_many(office, tmp_path, engine):
    office("export", "people", "-o", str(tmp_path / "masked.csv"))
    office("export", "enrollments", "-o", str(tmp_path / "masked.xlsx"))
    assert reveals(office) == []  # masked: nothing revealed, nothing recorded
    out = tmp_path / "full.csv"
    office("export", "people", "--show-nik", "-o", str(out))
    (entry,) = reveals(office)
    assert entry["command"] == "export people" and entry["user"] and entry["at"]
    assert entry["summary"] == {"shown": "NIK and KPJ in full", "people": 2, "rows": 2, "to": str(out)}
    office("export", "enrollments", "--show-nik", "--coop", "2", "-o", str(tmp_path / "e.json"))
    latest = reveals(office)[0]
    assert (latest["command"], latest["coop_id"], latest["summary"]["people"]) == ("export enrollments", 2, 1)
    shown = office("log").stdout
    assert "export people" in shown and "personal data" in shown and "people=2" in shown


def test_a_report_with_show_nik_is_recorded_and_listed_for_its_cooperative(office):
    office("worker", "list", "--coop", "2", "--as-of", "2021-06-30")
    office("coop", "show", "2", "--as-of", "2021-06-30", "--json")
    assert reveals(office) == []
    office("worker", "list", "--coop", "KSP Sejahtera", "--as-of", "2021-06-30", "--show-nik", "--json")
    office("coop", "show", "2", "--as-of", "2021-06-30", "--show-nik")
    coop_show, worker_list = reveals(office, "--coop", "2")
    assert (worker_list["command"], worker_list["summary"]) == (
        "worker list",
        {"shown": "NIK in full", "people": 2, "rows": 2, "to": "terminal"},
    )
    assert coop_show["command"] == "coop show" and coop_show["summary"]["people"] == 2
    assert reveals(office, "--coop", "1") == []


def test_a_bpjs_list_reconciled_with_show_nik_is_recorded_also_with_apply(office, tmp_path):
    listed = tmp_path / "peserta.csv"
    listed.write_text(
        "No. KPJ;NIK;Nama Tenaga Kerja;TMT Kepesertaan;Status Kepesertaan;Program;Kategori\n"
        f"12345678901;{SITI};SITI AMINAH;01/04/2021;Aktif;JKK, JKM;PU\n"
        f"22222222222;{BUDI};BUDI SANTOSO;01/03/2021;Aktif;JKK, JKM;BPU\n"
    )
    office("bpjs", "reconcile", str(listed), "--coop", "2", "--as-of", "2021-12-31", "--json")
    assert reveals(office) == []
    office("bpjs", "reconcile", str(listed), "--coop", "2", "--as-of", "2021-12-31", "--show-nik", "--json")
    (entry,) = reveals(office, "--coop", "2")
    assert entry["command"] == "bpjs reconcile" and entry["summary"]["people"] == 2
    office("bpjs", "reconcile", str(listed), "--coop", "2", "--as-of", "2021-12-31", "--show-nik", "--apply")
    assert len(reveals(office, "--coop", "2")) == 2  # in --apply's own transaction: no second writer waiting


def test_a_reveal_that_cannot_be_recorded_shows_and_writes_nothing(office, tmp_path, engine, monkeypatch):
    from koptrack.core import audit
    from koptrack.errors import KoptrackError

    def refused(*args, **kwargs):
        raise KoptrackError("the database refused this change: permission denied for table audit_log")

    monkeypatch.setattr(audit, "record_reveal", refused)
    before = audit_count(engine)
    out = tmp_path / "full.csv"
    result = office("export", "people", "--show-nik", "-o", str(out), ok=False)
    assert result.exit_code == 1 and "permission denied" in result.stderr
    assert not out.exists() and list(tmp_path.glob(".koptrack-*")) == []
    result = office("worker", "list", "--coop", "2", "--show-nik", ok=False)
    assert result.exit_code == 1 and result.stdout == "" and SITI not in result.stderr
    assert audit_count(engine) == before


# --- item 15: CSV on the terminal and the refused-rows file neutralise formulas ----------------

FORMULAS = ['=HYPERLINK("http://x","klik")', "+cmd", "-2+3", "@SUM(A1)"]


def test_neutralise_also_sees_a_formula_behind_blanks():
    assert neutralise("  =1+1") == "'=1+1"
    assert neutralise("\t@SUM(A1)") == "'@SUM(A1)"
    assert neutralise(" \t +cmd") == "'+cmd"
    assert neutralise("\tplain") == "'\tplain"
    assert neutralise("  plain ") == "  plain "
    assert neutralise("") == "" and neutralise(None) is None and neutralise(-3) == -3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_no_neutralised_text_starts_a_formula(value):
    out = neutralise(value)
    assert not out.startswith(FORMULA_STARTS)
    stripped = out.lstrip(" \t\r\n\u00a0")
    assert not stripped.startswith(FORMULA_STARTS[:4])
    if out != value:  # the importer takes the apostrophe off: the value as koptrack reads it
        assert out[:1] == "'" and out[1:].strip() == value.strip()


def test_csv_on_the_terminal_neutralises_formulas(office):
    for name in FORMULAS:
        coop = office("coop", "add", "--kind", "ksp", "--kecamatan", "Klari", "--", name).stdout.strip()
        office("bpjs", "register", "--coop", coop, "--on", "2021-01-04")
    for args in (("coop", "list", "--csv"), ("bpjs", "status", "--csv")):
        rows = list(csv.DictReader(office(*args).stdout.splitlines()))
        names = sorted(r["name"] for r in rows if r["name"].lstrip("'") in FORMULAS)
        assert names == sorted("'" + f for f in FORMULAS), (args, names)


def test_worker_list_csv_neutralises_formulas(office, tmp_path):
    roster = tmp_path / "f.csv"
    lines = [f"32150552039000{31 + i},{n.replace(',', ';')},karyawan,2021-01-04,2" for i, n in enumerate(FORMULAS)]
    roster.write_text("nik,name,role,since,coop\n" + "\n".join(lines) + "\n")
    office("import", "people", str(roster))
    rows = list(csv.DictReader(office("worker", "list", "--coop", "2", "--csv").stdout.splitlines()))
    formulas = sorted(r["name"] for r in rows if r["name"] not in ("Siti Aminah", "Budi Santoso"))
    assert all(n.startswith("'") for n in formulas) and len(formulas) == len(FORMULAS)


def test_the_refused_rows_file_neutralises_formulas_and_imports_back(office, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "nik,name,role,since,coop,=cmd|' /C calc'!A0\n"
        '3215055203900041,=HYPERLINK("http://x"),karyawan,2021-13-45,2,@SUM(A1)\n'
        "3215055203900042,  +Budi,karyawan,2021-13-45,2,  -x\n"
        "3215055203900043,\t@Ani,karyawan,2021-13-45,2,\n"
    )
    errors = tmp_path / "ditolak.csv"
    office("import", "people", str(bad), "--errors", str(errors), ok=False)
    with open(errors, newline="", encoding="utf-8-sig") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert all(not c.lstrip(" \t\r\n").startswith(FORMULA_STARTS[:4]) for c in cells), cells
    assert "'=cmd|' /C calc'!A0" in cells and '\'=HYPERLINK("http://x")' in cells and "'+Budi" in cells
    # corrected and imported again: the names as they were typed, without the apostrophe
    errors.write_text(errors.read_text(encoding="utf-8-sig").replace("2021-13-45", "2021-01-04"), encoding="utf-8")
    office("import", "people", str(errors), "--force")
    names = {r["name"] for r in office.json("worker", "list", "--coop", "2")}
    assert {'=HYPERLINK("http://x")', "+Budi", "@Ani"} <= names


# --- item 8: a terminal or pipe that is not UTF-8 ----------------------------------------------


def run(*args: str, encoding: str, db) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "KOPTRACK_DB": str(db), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "koptrack", *args], capture_output=True, env=env, timeout=120, check=False
    )


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_terminal_that_is_not_utf8_gets_escapes_never_a_traceback(cli, db_path, encoding):
    cli("seed")
    name = "Koperasi Sëjahtera Жена \U0001f600"
    coop = cli.json("coop", "add", name, "--kind", "jasa", "--kecamatan", "Klari")["id"]
    for args in (("coop", "list"), ("coop", "list", "--csv"), ("coop", "show", str(coop)), ("log",)):
        result = run(*args, encoding=encoding, db=db_path)
        assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
        shown = result.stdout.decode(encoding)  # encodable: it decodes
        assert "Koperasi S" in shown and ("\\u0416" in shown or "\\xd0" in shown or "\\u0436" in shown)
    result = run("coop", "list", "--json", encoding=encoding, db=db_path)
    assert result.returncode == 0
    assert [c["name"] for c in json.loads(result.stdout.decode(encoding))][-1] == name  # the same document
    result = run("coop", "show", name + " x", encoding=encoding, db=db_path)
    assert result.returncode == 1 and result.stderr.decode(encoding).startswith("error: coop 'Koperasi S")
    assert b"Traceback" not in result.stderr
    result = run("coop", "add", name, "--kind", "jasa", "--kecamatan", "Klari", encoding=encoding, db=db_path)
    assert result.returncode == 1 and b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("coop", "list", "3215055203900001"),  # an extra argument
        ("3215055203900001",),  # as a command
        ("worker", "3215055203900001"),  # as a subcommand
    ],
)
def test_a_usage_error_masks_a_nik_it_echoes(cli, args):
    result = cli(*args, ok=False)
    assert result.exit_code == 2
    assert "3215055203900001" not in result.stdout + result.stderr
    assert "321505******0001" in result.stderr
