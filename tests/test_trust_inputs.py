"""Issue 16, items 8, 10 and 12: every bad input is one clean line (exit 1, or 2 for a usage
error), no traceback, the database byte for byte as it was; an xlsx is bounded by what it
really holds, whatever it claims; a KPJ belongs to one person."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ON_POSTGRES, table_dump

SITI, BUDI = "3215055203900001", "3215051203850002"
HUGE = "99999999999999999999999"  # beyond 64 bits


@pytest.fixture
def office(cli):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")  # id 2
    return cli


def one_error(result, code: int = 1) -> str:
    """The refusal's text: exit `code`, one `error:` line (and at most a `hint:`), no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert all(line.startswith("hint: ") for line in lines[1:]), result.stderr
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr
    return result.stderr


def db_bytes(db_path) -> bytes | None:
    return None if ON_POSTGRES else Path(db_path).read_bytes()


# --- item 8: arguments ----------------------------------------------------------------------


def test_an_argument_that_is_not_utf8_is_one_error(office, engine, db_path, monkeypatch):
    before, raw = table_dump(engine), db_bytes(db_path)
    # Python hands the bytes of an argument that is not UTF-8 over as lone surrogates
    for args in (
        ("coop", "add", "KSP \udcff Maju", "--kind", "ksp", "--kecamatan", "Klari"),
        ("coop", "list", "--search", "\udcff"),
        (
            "worker",
            "add",
            "--coop",
            "2",
            "--nik",
            SITI,
            "--name",
            "Siti \udce9",
            "--role",
            "karyawan",
            "--since",
            "2021-01-04",
        ),
    ):
        err = one_error(office(*args, ok=False))
        assert "is not UTF-8 text" in err and "\\xff" in err or "\\xe9" in err
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.\udcff")
    assert "KOPTRACK_REGENCY" in one_error(office("coop", "list", ok=False))
    assert table_dump(engine) == before and db_bytes(db_path) == raw


def test_integers_beyond_64_bits_are_one_error(office, engine, db_path, tmp_path):
    before, raw = table_dump(engine), db_bytes(db_path)
    err = one_error(office("targets", "set", "2022", "pkspkb.joined", HUGE, ok=False))
    assert "value" in err and "must be at most 2,147,483,647" in err
    assert "must be a year" in one_error(office("targets", "set", HUGE, "pkspkb.joined", "5", ok=False))
    assert "limit" in one_error(office("log", "--limit", HUGE, ok=False))
    seed = tmp_path / "seed.yaml"
    seed.write_text(f"targets:\n  - year: 2022\n    metric: pkspkb.joined\n    value: {HUGE}\n")
    assert "targets[0].value" in one_error(office("seed", str(seed), ok=False))
    seed.write_text(f"reported_counts:\n  - year: 2020\n    metric: pkspkb.joined\n    value: {'9' * 5000}\n")
    one_error(office("seed", str(seed), ok=False))  # beyond what Python converts (4300 digits)
    assert table_dump(engine) == before and db_bytes(db_path) == raw


def test_an_id_beyond_the_database_s_integers_is_not_found(office, engine):
    # PostgreSQL's integer ends at 2,147,483,647: a larger id was a DataError (a traceback) there
    before = table_dump(engine)
    assert "no cooperative has this id" in one_error(office("coop", "show", "99999999999", ok=False))
    assert "no change has this number" in one_error(office("undo", "99999999999", ok=False))
    assert "no change has this number" in one_error(office("undo", HUGE, ok=False))
    assert table_dump(engine) == before


def test_a_negative_number_is_one_error_line(office, engine):
    before = table_dump(engine)
    result = office("targets", "set", "2022", "pkspkb.joined", "-5", ok=False)
    assert result.stderr == "error: value '-5': must be a whole number above 0\n"
    assert result.exit_code == 1
    assert "must be a year" in one_error(office("targets", "set", "-2022", "pkspkb.joined", "5", ok=False))
    assert "must be a year" in one_error(office("targets", "-2021", ok=False))
    assert "limit -1" in one_error(office("log", "--limit", "-1", ok=False))
    # a negative number as an option's value is that option's (a note may read "-5")
    office("targets", "set", "2022", "pkspkb.joined", "5", "--note", "-5")
    assert [(t["target"], t["note"]) for t in office.json("targets", "2022")] == [(5, "-5")]
    assert table_dump(engine)["target"] != before["target"]


def test_an_unknown_encoding_is_one_error(office, engine, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(f"NIK,Nama,Peran,Tanggal Masuk\n{SITI},Siti Aminah,karyawan,2021-01-04\n")
    before = table_dump(engine)
    for name in ("bogus", "rot13", "base64", "hex"):
        err = one_error(office("import", "people", str(path), "--coop", "2", "--encoding", name, ok=False))
        assert "is not a text encoding" in err, name
    # a text encoding the file is not written in (UTF-16 without its byte order mark)
    assert "not utf-16 text" in one_error(
        office("import", "people", str(path), "--coop", "2", "--encoding", "utf-16", ok=False)
    )
    assert table_dump(engine) == before


def test_a_utf16_file_with_its_byte_order_mark_is_read(office, tmp_path):
    path = tmp_path / "unicode.txt"  # Excel's "Unicode Text": UTF-16 with a BOM, tab-separated
    path.write_bytes(
        f"NIK\tNama\tPeran\tTanggal Masuk\n{SITI}\tRen\u00e9 Hal\u00e9\tkaryawan\t2021-01-04\n".encode("utf-16")
    )
    office("import", "people", str(path), "--coop", "2")
    assert [p["name"] for p in office.json("worker", "list", "--coop", "2")] == ["Ren\u00e9 Hal\u00e9"]


# --- item 8: files written where they cannot be ---------------------------------------------


def test_writing_into_a_missing_folder_or_onto_a_folder_is_one_error(office, engine, tmp_path, db_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("NIK,Nama,Peran,Tanggal Masuk\n123,Siti,karyawan,2021-01-04\n")
    (tmp_path / "folder").mkdir()
    before = table_dump(engine)
    for target in (tmp_path / "missing" / "out.csv", tmp_path / "folder"):
        one_error(office("import", "people", str(bad), "--coop", "2", "--errors", str(target), ok=False))
        one_error(office("export", "people", "-o", str(target), ok=False))
        if not ON_POSTGRES:
            one_error(office("db", "backup", str(target), ok=False))
    assert not (tmp_path / "missing").exists() and list((tmp_path / "folder").iterdir()) == []
    assert table_dump(engine) == before


# --- item 8: an xlsx whose XML is not what Excel writes -------------------------------------


def workbook(path: Path, rows: list[list[object]], sheet_xml=None, extra: dict[str, bytes] | None = None) -> Path:
    """An xlsx written by openpyxl, its first sheet's XML passed through `sheet_xml` (bytes ->
    bytes), with `extra` parts added."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml" and sheet_xml is not None:
                data = sheet_xml(data)
            z.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


ROSTER = [["NIK", "Nama", "Peran", "Tanggal Masuk"], [SITI, "Siti Aminah", "karyawan", "2021-01-04"]]


def _with_entity(xml: bytes) -> bytes:
    xml = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY e "Siti Aminah">]>' + xml
    return xml.replace(b"Siti Aminah", b"&e;")


def _bad_tag(xml: bytes) -> bytes:
    return xml.replace(b"</row></sheetData>", b"</rowx></sheetData>")


def _entity_only(xml: bytes) -> bytes:
    return xml.replace(b"Siti Aminah", b"&undefined;")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_with_entity, "declares a DTD or an entity"),
        (_bad_tag, "could not be read"),
        (_entity_only, "could not be read"),
    ],
    ids=["dtd-and-entity", "bad-tag", "undefined-entity"],
)
def test_an_xlsx_whose_xml_has_a_dtd_an_entity_or_a_bad_tag_is_one_error(office, engine, tmp_path, change, says):
    path = workbook(tmp_path / "roster.xlsx", ROSTER, change)
    before = table_dump(engine)
    assert says in one_error(office("import", "people", str(path), "--coop", "2", ok=False))
    assert table_dump(engine) == before


def test_a_dtd_in_any_part_of_the_workbook_is_refused(office, tmp_path):
    path = workbook(tmp_path / "roster.xlsx", ROSTER)
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts["xl/styles.xml"] = b"<!DOCTYPE s SYSTEM 'file:///etc/passwd'>" + parts["xl/styles.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert "xl/styles.xml" in one_error(office("import", "people", str(path), "--coop", "2", ok=False))


# --- item 10: an xlsx bounded by what it holds ----------------------------------------------


def _padding(n: int = 200_000) -> dict[str, bytes]:
    """Bytes that do not compress, so that a workbook stays under the compression-ratio limit."""
    return {"docProps/thumbnail.jpeg": os.urandom(n)}


def test_a_huge_row_is_refused_from_its_bytes_before_it_is_parsed(office, engine, tmp_path, monkeypatch):
    # A header row of 50,000 cells in a file under the ratio limit: openpyxl builds a whole row
    # before the column count can be checked (1.5 million cells, 20 MB of XML, took over a
    # gigabyte). The scan refuses a row longer than XLSX_MAX_ROW bytes (16 MiB; 1 MiB here, to
    # keep the test small) from the bytes unpacked, before anything is parsed.
    from koptrack.io import readers

    monkeypatch.setattr(readers, "XLSX_MAX_ROW", 1 << 20)
    cells = b'<c t="inlineStr"><is><t>x</t></is></c>' * 50_000

    def wide(xml: bytes) -> bytes:
        return re.sub(rb'<row r="1"[^>]*>', lambda m: m.group() + cells, xml, count=1)

    path = workbook(tmp_path / "wide.xlsx", ROSTER, wide, _padding())
    before = table_dump(engine)
    err = one_error(office("import", "people", str(path), "--coop", "2", ok=False))
    assert "has a row of more than 1,048,576 bytes in xl/worksheets/sheet1.xml" in err
    assert table_dump(engine) == before


def test_elements_outside_rows_are_freed_and_claimed_dimensions_ignored(office, tmp_path):
    # 1,000,000 empty elements between the rows, and a dimension claiming Excel's whole sheet:
    # openpyxl keeps every element it does not know, and pads every row to the claimed width
    junk = b"<x/>" * 1_000_000

    def odd(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace(b"</row>", b"</row>" + junk, 1)

    path = workbook(tmp_path / "odd.xlsx", [*ROSTER, [BUDI, "Budi Santoso", "anggota", "2021-02-01"]], odd, _padding())
    tracemalloc.start()
    try:
        summary = office.json("import", "people", str(path), "--coop", "2")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary["created"]["people"] == 2
    assert peak < 40 << 20, f"{peak:,} bytes"  # openpyxl's own loop: 85 MB


def test_a_row_beyond_excel_s_last_is_refused(office, engine, tmp_path):
    def far(xml: bytes) -> bytes:
        return xml.replace(b'<row r="2"', b'<row r="4000000000"').replace(b'r="A2"', b'r="A4000000000"')

    path = workbook(tmp_path / "far.xlsx", ROSTER, far)
    assert "beyond Excel's last" in one_error(office("import", "people", str(path), "--coop", "2", ok=False))


def test_a_zip_that_claims_less_than_it_holds_is_refused(office, tmp_path):
    # the directory says each part is small; the bytes unpacked are counted instead
    path = workbook(tmp_path / "liar.xlsx", ROSTER)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    for info in infos:  # rewrite every claimed uncompressed size to 1 in both directories
        for offset in (m.start() for m in re.finditer(re.escape(info.filename.encode()), bytes(data))):
            local = offset - 30
            central = offset - 46
            if data[local : local + 4] == b"PK\x03\x04":
                data[local + 22 : local + 26] = (1).to_bytes(4, "little")
            elif data[central : central + 4] == b"PK\x01\x02":
                data[central + 24 : central + 28] = (1).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    one_error(office("import", "people", str(path), "--coop", "2", ok=False))


# --- item 12: a KPJ belongs to one person ---------------------------------------------------


@pytest.fixture
def enrolled(office):
    for nik, name in ((SITI, "Siti Aminah"), (BUDI, "Budi Santoso")):
        office(
            "worker", "add", "--coop", "2", "--nik", nik, "--name", name, "--role", "karyawan", "--since", "2021-01-04"
        )
    office("bpjs", "register", "--coop", "2", "--on", "2021-01-04", "--npp", "AB123456")
    office("bpjs", "enroll", "--coop", "2", "--nik", SITI, "--on", "2021-04-01", "--kpj", "12345678901")
    return office


def test_the_same_kpj_for_another_person_is_refused_by_bpjs_enroll(enrolled, engine):
    before = table_dump(engine)
    result = enrolled(
        "bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-04-01", "--kpj", "12345678901", ok=False
    )
    err = one_error(result)
    assert "kpj 12******901 already belongs to another person (nik 321505******0001)" in err
    assert "12345678901" not in err and SITI not in err
    assert table_dump(engine) == before
    enrolled("bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-04-01", "--kpj", "12345678902")


def test_the_same_kpj_for_the_same_person_through_another_cooperative_is_kept(enrolled):
    enrolled("coop", "add", "Kopkar Sinar Jaya", "--kind", "konsumen", "--kecamatan", "Klari")  # id 3
    enrolled(
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
        "2022-01-03",
    )
    enrolled("bpjs", "register", "--coop", "3", "--on", "2022-01-03", "--npp", "CD123456")
    enrolled("bpjs", "enroll", "--coop", "3", "--nik", SITI, "--on", "2022-02-01", "--kpj", "12345678901")


def test_the_same_kpj_for_another_person_is_refused_by_bpjs_edit(enrolled, engine):
    enrolled("bpjs", "enroll", "--coop", "2", "--nik", BUDI, "--on", "2021-04-01", "--kpj", "12345678902")
    before = table_dump(engine)
    result = enrolled("bpjs", "edit", "--coop", "2", "--nik", BUDI, "--kpj", "12345678901", ok=False)
    assert "already belongs to another person" in one_error(result)
    assert table_dump(engine) == before
    enrolled("bpjs", "edit", "--coop", "2", "--nik", SITI, "--kpj", "12345678901", "--programs", "jkk,jkm,jht")


def test_the_same_kpj_for_two_people_is_refused_by_the_import(enrolled, engine, tmp_path):
    third = "3215054107950003"
    path = tmp_path / "roster.csv"
    path.write_text(
        "NIK,Nama,Peran,Tanggal Masuk,No KPJ,Tanggal BPJS\n"
        f"{BUDI},Budi Santoso,karyawan,2021-01-04,12345678901,2021-05-01\n"  # Siti's, in the database
        f"{third},Dewi Lestari,karyawan,2021-01-04,12345678909,2021-05-01\n"
        "3215052504920004,Agus Salim,karyawan,2021-01-04,12345678909,2021-05-01\n"  # Dewi's, in this file
    )
    before = table_dump(engine)
    result = enrolled("import", "people", str(path), "--coop", "2", "--json", ok=False)
    assert result.exit_code == 1
    import json

    refused = {(e["line"], e["column"]): e for e in json.loads(result.stdout)["errors"]}
    assert set(refused) == {(2, "kpj"), (4, "kpj")}
    assert refused[(2, "kpj")]["reason"] == "already belongs to another person (nik 321505******0001)"
    assert refused[(4, "kpj")]["reason"] == "already belongs to another person (nik 321505******0003)"
    assert all("12345678901" not in e["value"] for e in refused.values())
    assert table_dump(engine) == before
