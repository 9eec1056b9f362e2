"""Bahasa Indonesia and English (issue 14): choosing the language, the catalog being complete,
Click's own texts, `--json` the same in both languages, and `koptrack config`."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from koptrack import i18n, settings

ROOT = Path(__file__).resolve().parent.parent


def _catalog_tool():
    spec = importlib.util.spec_from_file_location("catalog", ROOT / "scripts" / "catalog.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["catalog"] = module
    spec.loader.exec_module(module)
    return module


def id_env(**extra: str) -> dict[str, str]:
    return {"KOPTRACK_LANG": "id", **extra}


# --- choosing the language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code",
    [
        ("id", "id"),
        ("id_ID.UTF-8", "id"),
        ("id_ID", "id"),
        ("in_ID", "id"),
        ("Indonesia", "id"),
        ("en", "en"),
        ("en_US", "en"),
        ("English", "en"),
        ("fr", None),
        ("", None),
        ("xx", None),
    ],
)
def test_language_names(value, code):
    assert i18n.code_of(value) == code


@pytest.mark.parametrize(
    "environ, code",
    [
        ({"LANG": "id_ID.UTF-8"}, "id"),
        ({"LC_ALL": "id_ID.UTF-8", "LANG": "en_US.UTF-8"}, "id"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "id_ID.UTF-8"}, "en"),
        ({"LC_MESSAGES": "id_ID", "LANG": "C"}, "id"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANGUAGE": "id:en"}, "id"),
    ],
)
def test_the_locale_decides_when_nothing_else_does(environ, code):
    assert i18n.from_locale(environ) == code


def test_order_option_environment_config_locale(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("KOPTRACK_LANG")
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    assert settings.language() == settings.Setting("language", "id", "locale")
    settings.save("language", "en")
    assert settings.language() == settings.Setting("language", "en", "config")
    monkeypatch.setenv("KOPTRACK_LANG", "id")
    assert settings.language() == settings.Setting("language", "id", "environment")
    assert settings.language("en") == settings.Setting("language", "en", "option")
    monkeypatch.setenv("KOPTRACK_LANG", "klingon")  # a wrong value: the next source decides
    assert settings.language() == settings.Setting("language", "en", "config")


def test_lang_anywhere_and_a_wrong_one_refused(cli):
    out = cli("--lang", "id", "config", "--json").stdout
    assert json.loads(out)["settings"][0] == {"key": "language", "value": "id", "source": "option"}
    out = cli("config", "--json", "--lang", "id").stdout
    assert json.loads(out)["settings"][0]["source"] == "option"
    result = cli("coop", "list", "--lang", "fr", ok=False)
    assert result.exit_code == 1 and "language 'fr' is not one koptrack speaks" in result.stderr


def test_config_set_show_unset(cli, monkeypatch):
    monkeypatch.delenv("KOPTRACK_LANG")
    cli("config", "set", "language", "id")
    shown = cli.json("config")
    assert shown["settings"][0] == {"key": "language", "value": "id", "source": "config"}
    assert Path(shown["file"]).read_text(encoding="utf-8") == "language: id\n"
    assert (Path(shown["file"]).stat().st_mode & 0o077) == 0  # private to the user
    # the config file's language is spoken from now on: Indonesian help
    assert "Cara pakai:" in cli("coop", "--help").stdout
    cli("config", "set", "regency", "32.15")
    monkeypatch.delenv("KOPTRACK_REGENCY", raising=False)
    assert cli.json("config")["settings"][2] == {"key": "regency", "value": "32.15", "source": "config"}
    cli("config", "unset", "language")
    assert cli.json("config")["settings"][0]["source"] != "config"
    refused = cli("config", "set", "language", "fr", ok=False)
    assert refused.exit_code == 1 and "'fr'" in refused.stderr
    refused = cli("config", "set", "colour", "blue", ok=False)
    assert refused.exit_code == 1 and "colour" in refused.stderr
    assert "colour" not in Path(shown["file"]).read_text(encoding="utf-8")


def test_config_set_db_is_used(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("KOPTRACK_DB")
    target = tmp_path / "kantor.db"
    cli("config", "set", "db", str(target))
    cli("seed")
    assert target.exists()
    assert cli.json("config")["settings"][1] == {"key": "db", "value": str(target), "source": "config"}


def test_a_broken_config_file_is_one_error_line(cli, monkeypatch):
    Path(settings.config_path()).write_text("language: [id\n", encoding="utf-8")
    monkeypatch.delenv("KOPTRACK_DB")
    result = cli("coop", "list", ok=False)
    assert result.exit_code == 1 and "cannot read the settings file" in result.stderr
    assert "Traceback" not in result.stderr


# --- the catalog -------------------------------------------------------------------------------


def test_every_text_has_an_indonesian_translation_none_fuzzy_none_stale():
    problems = _catalog_tool().problems("id")
    assert problems == [], "\n".join(problems[:40]) + f"\n... {len(problems)} in all (python scripts/catalog.py)"


def test_the_shipped_mo_file_is_compiled_from_the_po_file():
    tool = _catalog_tool()
    assert tool.mo_path("id").read_bytes() == tool.compiled("id"), "run: python scripts/catalog.py compile"


def test_placeholders_are_kept_in_every_translation():
    import re

    from babel.messages.pofile import read_po

    tool = _catalog_tool()
    with tool.po_path("id").open("rb") as f:
        catalog = read_po(f, locale="id")
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        want = set(re.findall(r"\{[^{}]*\}", ids[-1]))
        for s in strings:
            if set(re.findall(r"\{[^{}]*\}", s)) != want:
                wrong.append(f"{ids[0]!r} -> {s!r}")
        if ("\\b" in ids[0]) != ("\\b" in strings[0]):
            wrong.append(f"\\b marker lost: {ids[0][:60]!r}")
    assert wrong == []


# --- Click's own texts, numbers, dates ---------------------------------------------------------


def test_click_speaks_indonesian(cli):
    runner_env = id_env()
    r = cli.runner.invoke(cli_app(), ["coop", "lst"], env=runner_env)
    assert r.exit_code == 2
    assert "Cara pakai: koptrack coop [OPSI] PERINTAH [ARGUMEN]..." in r.stderr
    assert "Kesalahan: Perintah 'lst' tidak ada. Maksud Anda 'list'?" in r.stderr
    r = cli.runner.invoke(cli_app(), ["--help"], env=runner_env)
    assert "Cara pakai:" in r.stdout and "Opsi:" in r.stdout and "Perintah:" in r.stdout
    assert "Tampilkan bantuan ini lalu keluar." in r.stdout
    assert "Show this message" not in r.stdout and "Usage:" not in r.stdout
    r = cli.runner.invoke(cli_app(), ["coop", "add"], env=runner_env)
    assert "belum diisi" in r.stderr and "Missing" not in r.stderr
    r = cli.runner.invoke(cli_app(), ["--bogus"], env=runner_env)
    assert "Kesalahan: Opsi --bogus tidak ada" in r.stderr
    # English stays as Click writes it
    r = cli.runner.invoke(cli_app(), ["coop", "lst"], env={"KOPTRACK_LANG": "en"})
    assert "Error: No such command 'lst'. Did you mean 'list'?" in r.stderr


def cli_app():
    from koptrack.cli import app

    return app


def test_numbers_and_dates_in_both_languages():
    import datetime as dt

    try:
        i18n.activate("id")
        assert i18n.number(1234567) == "1.234.567"
        assert i18n.percent(52.4) == "52,4\u00a0%"
        assert i18n.money(16800) == "Rp16.800"
        assert i18n.date(dt.date(2021, 3, 16)) == "16/03/2021"
        assert i18n.date_title(dt.date(2021, 3, 16)) == "16 Mar 2021"
        i18n.activate("en")
        assert i18n.number(1234567) == "1234567"
        assert i18n.percent(52.4) == "52.4%"
        assert i18n.money(16800) == "Rp16,800"
        assert i18n.date(dt.date(2021, 3, 16)) == "2021-03-16"
    finally:
        i18n.activate("en")


# --- the same --json in both languages ---------------------------------------------------------

JSON_COMMANDS = [
    ["targets", "2021"],
    ["targets", "2021", "--as-of", "2021-06-30"],
    ["targets"],
    ["bpjs", "status", "--as-of", "2021-12-31"],
    ["bpjs", "status", "--by", "kecamatan", "--as-of", "2021-12-31"],
    ["pkspkb", "status", "--year", "2021"],
    ["coop", "list"],
    ["coop", "show", "1"],
    ["worker", "list", "--coop", "2"],
    ["kecamatan", "list"],
    ["log", "--limit", "5"],
    ["config"],
]


def office(cli) -> None:
    """The seed, a cooperative with a long name, people, a BPJS registration and enrollments."""
    cli("seed")
    cli(
        "coop",
        "add",
        "Koperasi Simpan Pinjam Karyawan Sejahtera Bersama Mandiri Jaya",
        "--kind",
        "ksp",
        "--base",
        "karyawan",
        "--kecamatan",
        "Cikampek",
    )
    cli("coop", "add", "KSP Contoh Makmur", "--kind", "ksp", "--kecamatan", "Klari")
    cli("bpjs", "register", "--coop", "2", "--on", "2021-02-01")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        "3215055203900001",
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        "3215051204850002",
        "--name",
        "Budi Santoso",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    cli("bpjs", "enroll", "--coop", "2", "--nik", "3215055203900001", "--on", "2021-04-01", "--kpj", "12345678901")


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=lambda a: " ".join(a))
def test_json_is_the_same_in_both_languages(cli, args, monkeypatch):
    office(cli)
    english = cli.runner.invoke(cli_app(), [*args, "--json"], env={"KOPTRACK_LANG": "en"})
    indonesian = cli.runner.invoke(cli_app(), [*args, "--json"], env={"KOPTRACK_LANG": "id"})
    assert english.exit_code == 0, english.stderr
    if args == ["config"]:
        e, i = json.loads(english.stdout), json.loads(indonesian.stdout)
        e["settings"][0] = i["settings"][0] = None  # the language setting itself differs, by design
        assert e == i
        return
    assert english.stdout == indonesian.stdout
