"""Names with control characters are refused; right-to-left overrides are kept as data but can
never reorder a table (they are shown escaped). Names are compared and stored as NFKC with their
invisible characters removed (issue 16, item 9): a zero-width space, a full-width letter or a
direction mark cannot make a second cooperative or person that looks like the first; a name of
invisible characters only is refused; a name mixing scripts (a Cyrillic `а` among Latin letters)
is recorded with a warning."""

from __future__ import annotations

import pytest

from conftest import table_dump

RLO = "\u202e"


@pytest.mark.parametrize("name", ["Kop\x00Nul", "Kop\x1b[31mRed", "Kop\nNewline", "Kop\x7fDel"])
def test_control_characters_in_a_name_are_refused(cli, engine, name):
    cli("seed")
    before = table_dump(engine)
    result = cli("coop", "add", name, "--kind", "ksp", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: name") and "control characters" in result.stderr
    assert "\x1b[31m" not in result.stderr and "\x00" not in result.stderr
    assert table_dump(engine) == before


def test_right_to_left_override_is_escaped_in_tables_and_kept_in_json(cli):
    # kept in text fields other than names (names lose every invisible character: below)
    cli("seed")
    desa = f"Desa {RLO}inamraK"
    cli("coop", "add", "Kop Arah", "--kind", "ksp", "--kecamatan", "Klari", "--desa", desa)
    table = cli("coop", "list").stdout
    assert RLO not in table and "\\u202e" in table
    assert [r["desa"] for r in cli.json("coop", "list")][-1] == desa
    csv_out = cli("coop", "list", "--csv").stdout
    assert desa in csv_out


def test_rich_markup_in_a_name_is_shown_literally(cli):
    cli("seed")
    cli("coop", "add", "Kop [bold]Tebal[/bold]", "--kind", "jasa", "--kecamatan", "Klari")
    assert "Kop [bold]Tebal[/bold]" in cli("coop", "list").stdout


ZWSP, ZWJ, WJ, BOM = "\u200b", "\u200d", "\u2060", "\ufeff"
SITI = "3215055203900001"


@pytest.mark.parametrize(
    "lookalike",
    [
        f"KSP Maju{ZWSP} Bersama",  # a zero-width space
        f"KSP{WJ} Maju Bersama{BOM}",  # a word joiner, a byte order mark
        "ＫＳＰ Maju Bersama",  # full-width letters (NFKC)
        f"KSP Maju{RLO} Bersama",  # a direction override
        "KSP Maju\u00a0Bersama",  # a no-break space
    ],
)
def test_a_name_with_invisible_characters_is_the_same_cooperative(cli, engine, lookalike):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    before = table_dump(engine)
    result = cli("coop", "add", lookalike, "--kind", "ksp", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: name 'KSP Maju Bersama'")
    assert "already has this name" in result.stderr
    assert table_dump(engine) == before
    # and it finds the cooperative by that name
    assert cli.json("coop", "show", lookalike)["id"] == 2


def test_names_are_stored_without_invisible_characters(cli):
    cli("seed")
    cli("coop", "add", f"Kop{ZWJ} Sinar {ZWSP}Jaya", "--kind", "jasa", "--kecamatan", "Klari")
    assert [c["name"] for c in cli.json("coop", "list")][-1] == "Kop Sinar Jaya"


@pytest.mark.parametrize("name", [ZWSP, f"{ZWSP}{ZWJ}{WJ}", f" {BOM} ", RLO, "\u3164"])
def test_a_name_of_invisible_characters_only_is_refused(cli, engine, name):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    before = table_dump(engine)
    result = cli("coop", "add", name, "--kind", "ksp", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: name")
    assert "has no visible characters" in result.stderr
    args = (
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        name,
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    result = cli(*args, ok=False)
    assert result.exit_code == 1 and "has no visible characters" in result.stderr
    assert table_dump(engine) == before


def test_a_person_s_name_with_invisible_characters_is_the_same_name(cli):
    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    cli("coop", "add", "Kopkar Sinar Jaya", "--kind", "konsumen", "--kecamatan", "Klari")
    common = ("--nik", SITI, "--role", "karyawan", "--since", "2021-01-04")
    cli("worker", "add", "--coop", "2", "--name", "Siti Aminah", *common)
    # the same person through another cooperative: the name agrees once normalised
    cli("worker", "add", "--coop", "3", "--name", f"Siti{ZWSP} Aminah{BOM}", *common)
    assert [p["name"] for p in cli.json("worker", "list", "--coop", "3")] == ["Siti Aminah"]
    assert cli.json("worker", "list", "--coop", "2")[0]["name"] == "Siti Aminah"


def test_a_name_mixing_scripts_is_recorded_with_a_warning(cli, tmp_path):
    cli("seed")
    lookalike = "KSP M\u0430ju Bersama"  # a Cyrillic a
    record = cli.json("coop", "add", lookalike, "--kind", "ksp", "--kecamatan", "Klari")
    assert record["name"] == lookalike
    assert any("mixes Latin and Cyrillic letters" in w and "CYRILLIC SMALL LETTER A" in w for w in record["warnings"])
    assert "warnings" not in cli.json("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    result = cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        SITI,
        "--name",
        "Siti \u0410mina",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    assert "mixes Latin and Cyrillic letters" in result.stderr and "Siti" in result.stderr
    # the imports say it too, naming the line
    path = tmp_path / "coops.csv"
    path.write_text("Nama,Jenis,Kecamatan\nKop T\u0435ladan,jasa,Klari\n")
    summary = cli.json("import", "coops", str(path))
    assert summary["created"] == {"cooperatives": 1}
    assert summary["warnings"] and summary["warnings"][0].startswith("line 2: name 'Kop T\u0435ladan' mixes")
    # letters of one script other than Latin, or Latin letters with accents, are no mix
    assert "warnings" not in cli.json("coop", "add", "Ren\u00e9 Hal\u00e9", "--kind", "jasa", "--kecamatan", "Klari")


def test_a_name_stored_with_invisible_characters_before_still_matches(cli, engine, tmp_path):
    # a database from before names were normalised may hold `Siti<ZWSP> Aminah`: the same person
    from sqlalchemy import text

    cli("seed")
    cli("coop", "add", "KSP Maju Bersama", "--kind", "ksp", "--kecamatan", "Klari")
    cli("coop", "add", "Kopkar Sinar Jaya", "--kind", "konsumen", "--kecamatan", "Klari")
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
    with engine.begin() as conn:
        conn.execute(text("UPDATE person SET name = :n WHERE nik = :k"), {"n": f"Siti{ZWSP} Aminah", "k": SITI})
    path = tmp_path / "roster.csv"
    path.write_text(f"NIK,Nama,Peran,Tanggal Masuk\n{SITI},Siti Aminah,anggota,2021-02-01\n")
    assert cli.json("import", "people", str(path), "--coop", "3")["created"]["engagements"] == 1
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
        "2021-03-01",
    )
