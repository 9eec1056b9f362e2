"""The files koptrack writes, in either language (issue 14, item 3): an export takes the
language's headers and sheet names, and `koptrack import` reads it back in either language with
the same result; the refused-rows file (--errors) gives its reasons in the language in force and
comes back in the other one."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

from koptrack import i18n
from koptrack.core import exports
from koptrack.i18n import _

SITI, BUDI, ANDI = "3215055203900001", "3215051203850002", "3215050101800003"


@pytest.fixture
def office(cli, tmp_path):
    cli("seed")
    cli("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")  # id 2
    cli(
        "coop",
        "add",
        "Koperasi Tani Makmur",
        "--kind",
        "produsen",
        "--kecamatan",
        "Klari",
        "--base",
        "masyarakat",
        "--desa",
        "Duren",
        "--legal-no",
        "123/BH/XII/2019",
        "--nik-koperasi",
        "3215030000000042",
        "--size",
        "micro",
        "--label",
        "KUD",
        "--address",
        "Jl. Raya Klari 5",
        "--note",
        "kelompok tani",
    )  # id 3
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "nik,name,role,position,since,until,coop\n"
        f"{SITI},Siti Aminah,karyawan,Kasir,2021-01-04,,2\n"
        f"{BUDI},Budi Santoso,anggota,,2021-02-01,2021-09-30,2\n"
        f"{ANDI},Andi Wijaya,anggota,,2020-05-01,,3\n",
        encoding="utf-8",
    )
    cli("import", "people", str(roster))
    return cli


def in_language(lang: str, text: str) -> str:
    """`text` (an English message or header) as the catalog of `lang` says it."""
    i18n.activate(lang)
    try:
        return _(text)
    finally:
        i18n.activate("en")


def header_row(path) -> list[str]:
    if path.suffix == ".xlsx":
        return [c.value for c in openpyxl.load_workbook(path).active[1]]
    with open(path, newline="", encoding="utf-8-sig") as f:
        return next(csv.reader(f))


def export_json(cli, db: str, what: str, out) -> list[dict]:
    """What a database holds, as koptrack's own JSON export says it (without the timestamps)."""
    cli("--db", db, "export", what, *(["--show-nik"] if what == "people" else []), "-o", str(out))
    rows = json.loads(out.read_text(encoding="utf-8"))
    return [{k: v for k, v in row.items() if k not in ("created_at", "updated_at")} for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("written, read", [("id", "id"), ("id", "en"), ("en", "id"), ("en", "en")])
def test_an_export_in_either_language_imports_back_in_either(
    office, tmp_path, empty_db, db_path, monkeypatch, written, read, fmt
):
    monkeypatch.setenv("KOPTRACK_LANG", written)
    coops, people = tmp_path / f"koperasi.{fmt}", tmp_path / f"orang.{fmt}"
    office("export", "coops", "-o", str(coops))
    office("export", "people", "--show-nik", "-o", str(people))

    # the headers (and the sheet's name) are the language's: in English the xlsx's headers and
    # the CSV's column keys, as always; in Indonesian the translated headers in both
    for path, columns, title in (
        (coops, exports.COOP_COLUMNS, "Cooperatives"),
        (people, exports.PEOPLE_COLUMNS, "People"),
    ):
        if written == "en":
            expected = [c.header if fmt == "xlsx" else c.key for c in columns]
        else:
            expected = [in_language("id", c.header) for c in columns]
            assert "Nama" in expected and expected != [c.header for c in columns]
        assert header_row(path) == expected
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(path).sheetnames
            assert sheet == [in_language(written, title)]
            assert written == "en" or sheet != [title]

    # a fresh database, the files imported in the other (or the same) language
    monkeypatch.setenv("KOPTRACK_LANG", read)
    office("--db", empty_db, "seed")
    made_coops = office.json("--db", empty_db, "import", "coops", str(coops))
    made_people = office.json("--db", empty_db, "import", "people", str(people))
    assert made_coops["invalid"] == 0 and made_coops["created"] == {"cooperatives": 2}
    assert made_people["invalid"] == 0
    assert made_people["created"] == {"people": 3, "engagements": 3, "enrollments": 0}

    # the same cooperatives and the same people, periods, positions and departures
    monkeypatch.setenv("KOPTRACK_LANG", "en")
    for what in ("coops", "people"):
        there = export_json(office, empty_db, what, tmp_path / f"there-{what}.json")
        here = export_json(office, str(db_path), what, tmp_path / f"here-{what}.json")
        assert there == here, what


def test_refused_rows_file_speaks_indonesian_and_comes_back_in_english(office, tmp_path, monkeypatch):
    roster = tmp_path / "karyawan.csv"
    roster.write_text(
        "NIK;Nama;Peran;Tgl Masuk;Tgl Keluar;Koperasi\n"
        "3215055505950004;Dewi Lestari;karyawan;2021-03-01;2021-02-01;2\n"  # leaves before joining
        "3215054404940005;;anggota;2021-03-01;;2\n"  # no name
        "3215056606960006;Rina Marlina;anggota;;;2\n",  # no date joined
        encoding="utf-8",
    )
    errors = tmp_path / "ditolak.csv"
    monkeypatch.setenv("KOPTRACK_LANG", "id")
    refused = office("import", "people", str(roster), "--errors", str(errors), ok=False)
    whole = in_language("id", "{file}: {invalid} of {rows} rows are invalid; nothing was imported")
    assert refused.exit_code == 1 and whole.format(file=roster.name, invalid=3, rows=3) in refused.stderr

    with open(errors, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=";"))  # the input's delimiter
    i18n.activate("id")
    try:
        column = i18n.pgettext("refused-rows column", "error")
        label = {f: i18n.pgettext("import column", f) for f in ("name", "since", "until")}
        reasons = [
            f"{label['until']}: " + _("must be after the day the person joined ({day})").format(day="01/03/2021"),
            f"{label['name']}: " + _("is required"),
            f"{label['since']}: " + _("is required (a date like 2021-03-16)"),
        ]
    finally:
        i18n.activate("en")
    assert column != "error" and label["since"] != "since"
    assert reasons[0] != "until: must be after the day the person joined (2021-03-01)"
    assert rows[0] == ["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar", "Koperasi", column]
    assert [r[-1] for r in rows[1:]] == reasons
    assert "is required" not in errors.read_text(encoding="utf-8-sig")

    # corrected, and imported by someone working in English: the reasons column is left out
    # (in either language), and the new refused-rows file has its English `error` column
    rows[1][4], rows[2][1], rows[3][3] = "", "Sri Wahyuni", "2021-04-01"
    rows[3][1] = ""  # still one row wrong
    with open(errors, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f, delimiter=";").writerows(rows)
    monkeypatch.setenv("KOPTRACK_LANG", "en")
    again = tmp_path / "refused-again.csv"
    office("import", "people", str(errors), "--errors", str(again), "--skip-invalid")
    with open(again, newline="", encoding="utf-8-sig") as f:
        left = list(csv.reader(f, delimiter=";"))
    assert left == [
        ["NIK", "Nama", "Peran", "Tgl Masuk", "Tgl Keluar", "Koperasi", "error"],
        ["3215056606960006", "", "anggota", "2021-04-01", "", "2", "name: is required"],
    ]
    names = {p["name"] for p in office.json("worker", "list", "--coop", "2", "--as-of", "2022-01-01")}
    assert {"Dewi Lestari", "Sri Wahyuni"} <= names


def test_indonesian_names_of_csv_delimiters(office, tmp_path, monkeypatch):
    monkeypatch.setenv("KOPTRACK_LANG", "id")
    out = tmp_path / "koperasi.csv"
    office("export", "coops", "-o", str(out), "--delimiter", "titik koma")
    first = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.split(";")[:2] == ["ID", in_language("id", "Name")]
