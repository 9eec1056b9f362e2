"""The top-level help lists the command groups without loading them; what it says of each
must be what the group says of itself, and every group must load."""

from __future__ import annotations

import subprocess
import sys

from koptrack.cli import COMMANDS, load_command

# `koptrack report`'s libraries (the extra koptrack[report]) and its own package: loaded by that
# command alone, when it runs
REPORT_LIBRARIES = ("koptrack.report_doc", "jinja2", "markupsafe", "pygal", "weasyprint", "pydyf", "tinycss2")


def test_listed_short_help_matches_each_group():
    for name, (_, _, short) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert command.get_short_help_str(limit=len(short)) == short, name


def test_top_level_help_loads_no_command_group_and_no_database_code():
    code = (
        "import sys\n"
        "from koptrack.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "watched = ('koptrack.cli.', 'sqlalchemy', 'sqlmodel', 'openpyxl') + REPORT_LIBRARIES\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(watched))\n"
        "print(','.join(loaded), file=sys.stderr)\n"
    )
    code = code.replace("REPORT_LIBRARIES", repr(REPORT_LIBRARIES))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "seed" in result.stdout and "export" in result.stdout
    assert result.stderr.strip() == "koptrack.cli.clicktext,koptrack.cli.common,koptrack.cli.complete"


def test_group_help_is_plain_with_examples(cli):
    for args in (["targets", "--help"], ["bpjs", "status", "--help"], ["kecamatan", "--help"]):
        out = cli(*args).stdout
        assert "╭" not in out and out.startswith("Usage: koptrack "), args
    assert "koptrack targets 2021 --xlsx" in cli("targets", "--help").stdout


def test_a_real_run_turns_the_collector_back_on_once_the_database_is_open(tmp_path, monkeypatch, capsys):
    """main() keeps the garbage collector off during the imports only (0.2 s a command): a
    command that runs for minutes, such as an import, must collect again."""
    import gc
    import sys

    from koptrack import store
    from koptrack.cli import main

    store.open_engine(str(tmp_path / "k.db")).dispose()  # a read-only command needs a database
    monkeypatch.setattr(sys, "argv", ["koptrack", "--db", str(tmp_path / "k.db"), "coop", "list", "--json"])
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    finally:
        enabled = gc.isenabled()
        gc.enable()
    assert enabled
    assert capsys.readouterr().out.strip().startswith("[")


def test_no_other_command_loads_the_report_s_libraries(tmp_path):
    """Templates, charts and the PDF engine cost a second at start-up: the commands that print
    reports (and the report command's own --help) run without them."""
    from koptrack import store
    from koptrack.core import seed

    db = tmp_path / "k.db"
    engine = store.open_engine(str(db))
    with store.session_scope(engine, write=True) as s:
        seed.load_seed(s)
    engine.dispose()
    runs = [
        ["targets", "2021", "--json"],
        ["targets", "2021", "--xlsx", str(tmp_path / "t.xlsx")],
        ["bpjs", "status", "--by", "kecamatan", "--as-of", "2021-12-31"],
        ["pkspkb", "status", "--year", "2021"],
        ["coop", "list"],
    ]
    if "trend" in COMMANDS:
        runs.append(["trend", "--json"])
    if "report" in COMMANDS:
        runs.append(["report", "--help"])
    code = (
        "import sys\n"
        "from koptrack.cli import app\n"
        f"for args in {runs!r}:\n"
        f"    try:\n        app(['--db', {str(db)!r}, *args])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code in (0, None), (args, exc.code)\n"
        f"print('loaded:', sorted(m for m in sys.modules if m.startswith({REPORT_LIBRARIES!r})), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == "loaded: []", result.stderr[-500:]
