"""No text that came from a user or a file is ever read as Rich markup: not in a message, a
table, a title, an error or the refused-rows table. `Kop [/] x` once saved the cooperative and
then crashed with a MarkupError traceback (exit 1); `Kop [bold]Tebal[/bold]` printed in bold."""

from __future__ import annotations

import pytest

MARKUP = ["Kop [/] x", "Kop [bold]Tebal[/bold]", "Kop [red]Merah", "Kop [link=https://x.test]y[/link]"]


def _out(result) -> str:
    return result.stdout + result.stderr


def _literal(result, text: str) -> None:
    out = _out(result)
    assert "Traceback" not in out and "MarkupError" not in out, out
    assert text in out, out


@pytest.fixture
def seeded_cli(cli):
    cli("seed")
    return cli


@pytest.mark.parametrize("name", MARKUP)
def test_coop_add_list_show_and_edit_echo_the_name_as_typed(seeded_cli, name):
    cli = seeded_cli
    added = cli("coop", "add", name, "--kind", "jasa", "--kecamatan", "Klari")
    assert added.exit_code == 0
    coop_id = added.stdout.strip()
    _literal(added, f"added cooperative {coop_id}: {name} (jasa, Klari)")
    _literal(cli("coop", "list"), name)
    _literal(cli("coop", "show", coop_id), name)
    _literal(cli("coop", "edit", coop_id, "--note", name, "--desa", name), f"updated cooperative {coop_id}: {name}")
    shown = cli("coop", "show", coop_id).stdout
    assert shown.count(name) >= 3  # name, desa, note
    _literal(cli("coop", "deactivate", coop_id), f"cooperative {coop_id} {name} is inactive from")
    _literal(cli("log", "--coop", coop_id), "coop add")


@pytest.mark.parametrize("text", MARKUP)
def test_errors_echo_what_was_typed(seeded_cli, text):
    cli = seeded_cli
    result = cli("coop", "show", text, ok=False)
    assert result.exit_code == 1
    _literal(result, repr(text))
    result = cli("coop", "add", "Kop Biasa", "--kind", "jasa", "--kecamatan", text, ok=False)
    assert result.exit_code == 1
    _literal(result, repr(text))
    result = cli("coop", "list", "--kind", text, ok=False)
    assert result.exit_code == 1
    _literal(result, repr(text))


@pytest.mark.parametrize("text", MARKUP)
def test_people_bpjs_and_pkspkb_messages_and_tables(seeded_cli, text):
    cli = seeded_cli
    coop_id = cli("coop", "add", text, "--kind", "ksp", "--kecamatan", "Klari").stdout.strip()
    person = text.replace("Kop", "Siti")
    nik = "3215054512900001"
    _literal(
        cli(
            "worker",
            "add",
            "--coop",
            coop_id,
            "--nik",
            nik,
            "--name",
            person,
            "--role",
            "karyawan",
            "--since",
            "2021-01-04",
        ),
        f"{person} (321505******0001) is karyawan of {text} since 2021-01-04",
    )
    _literal(cli("worker", "list", "--coop", coop_id), person)
    _literal(
        cli("bpjs", "register", "--coop", coop_id, "--on", "2021-02-01", "--branch", text, "--note", text),
        f"{text} registered with BPJS Ketenagakerjaan from 2021-02-01",
    )
    enrolled = cli("bpjs", "enroll", "--coop", coop_id, "--nik", nik, "--on", "2021-03-01", "--programs", "jkk")
    _literal(enrolled, f"{person} (321505******0001) enrolled through {text}")
    _literal(enrolled, "warning: lacks mandatory programme(s)")
    _literal(cli("bpjs", "status", "--as-of", "2021-06-30"), text)
    _literal(cli("coop", "show", coop_id, "--as-of", "2021-06-30"), person)
    _literal(cli("bpjs", "end", "--coop", coop_id, "--nik", nik, "--on", "2021-05-01"), f"{person}: enrollment")
    _literal(cli("worker", "leave", "--coop", coop_id, "--nik", nik, "--on", "2021-06-01"), f"{person} left {text}")
    agreement = text.replace("Kop", "PKS")
    _literal(
        cli("pkspkb", "join", "--coop", coop_id, "--on", "2021-05-10", "--agreement", agreement),
        f"{text} joined PKS-PKB on 2021-05-10",
    )
    _literal(cli("pkspkb", "status", "--as-of", "2021-06-30"), agreement)
    _literal(cli("targets", "set", "2022", "pkspkb.joined", "5", "--note", text), "target 2022 pkspkb.joined")


@pytest.mark.parametrize("text", ["kop [bold]tebal", "kop [red]merah[dim]"])  # no '/' in a file name
def test_import_file_names_and_refused_values(seeded_cli, tmp_path, text):
    cli = seeded_cli
    good = tmp_path / f"{text}.csv"
    good.write_text(f"Nama Koperasi,Jenis,Kecamatan\n{text.title()} [/],jasa,Klari\n", encoding="utf-8")
    _literal(cli("import", "coops", str(good)), f"{good.name}: 1 rows read")
    bad = tmp_path / f"{text} salah.csv"
    bad.write_text(f"Nama Koperasi,Jenis,Kecamatan\nKop Lain,{text} [/],Klari\n", encoding="utf-8")
    result = cli("import", "coops", str(bad), ok=False)
    assert result.exit_code == 1
    _literal(result, f"Rows refused in {bad.name}")
    _literal(result, f"{text} [/]")
    _literal(cli("coop", "list"), f"{text.title()} [/]")


def test_a_markup_name_is_saved_once_and_the_command_succeeds(seeded_cli, engine):
    """The original bug: the row was committed, then the message crashed (exit 1)."""
    from sqlalchemy import text

    result = seeded_cli("coop", "add", "Kop [/] x", "--kind", "jasa", "--kecamatan", "Klari")
    assert result.exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cooperative WHERE name = 'Kop [/] x'")).scalar() == 1
