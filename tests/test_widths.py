"""Every report readable at 80 columns (and 120), in Bahasa Indonesia and English (issue 14,
item 5): no value cut with `…`, no line wider than the window, every cooperative's and person's
name there in full (it may wrap, word by word), and a dim line on stderr naming the columns
left out at that width."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from test_i18n import cli_app, office

REPORTS = [
    ["targets", "2021"],
    ["targets", "2021", "--verified"],
    ["targets"],
    ["bpjs", "status", "--as-of", "2021-12-31"],
    ["bpjs", "status", "--as-of", "2021-12-31", "--verified"],
    ["bpjs", "status", "--by", "kecamatan", "--as-of", "2021-12-31"],
    ["pkspkb", "status", "--year", "2021"],
    ["coop", "list"],
    ["coop", "show", "2"],
    ["worker", "list", "--coop", "2"],
    ["kecamatan", "list"],
    ["log", "--limit", "8"],
    ["config"],
]


def _names(args, cli) -> list[str]:
    """The names a report's rows carry (from its --json): they must be shown whole."""
    doc = json.loads(cli.runner.invoke(cli_app(), [*args, "--json"], env={"KOPTRACK_LANG": "en"}).stdout)
    rows = doc if isinstance(doc, list) else doc.get("cooperatives") or doc.get("rows") or []
    if isinstance(doc, dict) and "name" in doc:
        rows = [doc]
    return [r["name"] for r in rows if isinstance(r, dict) and isinstance(r.get("name"), str)]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("width", [80, 120])
def test_every_report_fits_the_window(cli, lang, width):
    office(cli)
    problems = []
    for args in REPORTS:
        result = cli.runner.invoke(cli_app(), args, env={"KOPTRACK_LANG": lang, "COLUMNS": str(width)})
        where = f"{' '.join(args)} ({lang}, {width})"
        if result.exit_code != 0:
            problems.append(f"{where}: exit {result.exit_code} {result.stderr}")
            continue
        out = result.stdout
        if "…" in out or "..." in out:
            problems.append(f"{where}: a value cut with …\n{out}")
        wide = [line for line in out.splitlines() if cell_len(line) > width]
        if wide:
            problems.append(f"{where}: {len(wide)} lines wider than {width}\n{out}")
        words = set(out.replace("│", " ").replace("┃", " ").split())
        for name in _names(args, cli):
            missing = [w for w in name.split() if w not in words]
            if missing:
                problems.append(f"{where}: name {name!r} not in full (missing {missing})\n{out}")
    assert not problems, "\n\n".join(problems)


def test_the_long_name_is_whole_and_hidden_columns_are_named(cli):
    office(cli)
    result = cli.runner.invoke(
        cli_app(),
        ["bpjs", "status", "--as-of", "2021-12-31", "--verified"],
        env={"KOPTRACK_LANG": "en", "COLUMNS": "80"},
    )
    assert result.exit_code == 0
    for word in "Koperasi Simpan Pinjam Karyawan Sejahtera Bersama Mandiri Jaya".split():
        assert word in result.stdout
    assert "not shown at this width:" in result.stderr and "--wide" in result.stderr
    wide = cli.runner.invoke(
        cli_app(),
        ["bpjs", "status", "--as-of", "2021-12-31", "--verified", "--wide"],
        env={"KOPTRACK_LANG": "en", "COLUMNS": "80"},
    )
    assert "not shown at this width" not in wide.stderr
    # with --wide every column is there (the table is wider than the window)
    assert max(cell_len(line) for line in wide.stdout.splitlines()) > 80


def test_indonesian_numbers_in_tables(cli):
    office(cli)
    result = cli.runner.invoke(cli_app(), ["targets", "2021"], env={"KOPTRACK_LANG": "id", "COLUMNS": "120"})
    assert "52,4\u00a0%" in result.stdout or "52,4 %" in result.stdout  # PKS-PKB 11 of 21
    assert "52.4%" not in result.stdout
    assert "31 Des 2021" in result.stdout or "31/12/2021" in result.stdout


@pytest.mark.parametrize("lang", ["id", "en"])
def test_messages_on_stderr_do_not_break_mid_phrase(cli, lang):
    """stderr that is not a terminal (a log, a pipe) gets each message on one line, however long,
    so a phrase is never cut in two at column 80."""
    cli("seed")
    result = cli.runner.invoke(
        cli_app(),
        ["coop", "add", "KUD Contoh Tani", "--kind", "KUD", "--kecamatan", "Telagasari"],
        env={"KOPTRACK_LANG": lang, "COLUMNS": "80"},
    )
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) == 2  # the error and its hint, one line each
    assert max(cell_len(line) for line in lines) > 80
