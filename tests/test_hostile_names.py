"""Names with control characters are refused; right-to-left overrides are kept as data but can
never reorder a table (they are shown escaped)."""

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
    cli("seed")
    name = f"Kop {RLO}inamraK"
    cli("coop", "add", name, "--kind", "ksp", "--kecamatan", "Klari")
    table = cli("coop", "list").stdout
    assert RLO not in table and "\\u202e" in table
    assert [r["name"] for r in cli.json("coop", "list")][-1] == name
    csv_out = cli("coop", "list", "--csv").stdout
    assert name in csv_out


def test_rich_markup_in_a_name_is_shown_literally(cli):
    cli("seed")
    cli("coop", "add", "Kop [bold]Tebal[/bold]", "--kind", "jasa", "--kecamatan", "Klari")
    assert "Kop [bold]Tebal[/bold]" in cli("coop", "list").stdout
