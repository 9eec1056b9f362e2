"""Shell completion (issue 14 item 6): commands, options, the fixed lists and names from the
database, through Typer's own mechanism, as bash asks for them."""

from __future__ import annotations

from koptrack.cli import app


def complete(cli, words: str) -> list[str]:
    parts = words.split(" ")
    env = {"_KOPTRACK_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    result = cli.runner.invoke(app, [], env=env, prog_name="koptrack")
    assert result.exit_code == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_commands_options_and_fixed_lists(cli):
    assert "status" in complete(cli, "koptrack bpjs st")
    assert {"coop", "config"} <= set(complete(cli, "koptrack co"))
    assert "--only-behind" in complete(cli, "koptrack bpjs status --only")
    assert complete(cli, "koptrack coop list --kind p") == ["produsen", "pemasaran"]
    assert complete(cli, "koptrack worker list --coop 1 --role a") == ["anggota"]
    assert complete(cli, "koptrack --lang i") == ["id"]


def test_names_from_the_database(cli):
    cli("seed")
    cli("coop", "add", "KSP Contoh Makmur", "--kind", "ksp", "--kecamatan", "Cikampek")
    assert complete(cli, "koptrack coop list --kecamatan Kl") == ["Klari"]
    assert complete(cli, "koptrack coop add X --kind ksp --kecamatan Cil") == [
        "Cilamaya Kulon",
        "Cilamaya Wetan",
        "Cilebar",
    ]
    assert complete(cli, "koptrack bpjs status --coop KSP") == ["KSP Contoh Makmur"]
    assert complete(cli, "koptrack bpjs status --coop Zzz") == []


def test_no_database_completes_nothing_and_prints_no_error(cli, tmp_path):
    env = {
        "_KOPTRACK_COMPLETE": "complete_bash",
        "COMP_WORDS": "koptrack bpjs status --coop K",
        "COMP_CWORD": "4",
        "KOPTRACK_DB": str(tmp_path / "none.db"),
    }
    result = cli.runner.invoke(app, [], env=env, prog_name="koptrack")
    assert result.exit_code == 0 and result.stdout.strip() == "" and result.stderr == ""
    assert not (tmp_path / "none.db").exists()
