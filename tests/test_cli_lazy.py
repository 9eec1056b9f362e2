"""The top-level help lists the command groups without loading them; what it says of each
must be what the group says of itself, and every group must load."""

from __future__ import annotations

import subprocess
import sys

from koptrack.cli import COMMANDS, load_command


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
        "watched = ('koptrack.cli.', 'sqlalchemy', 'sqlmodel', 'openpyxl')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(watched))\n"
        "print(','.join(loaded), file=sys.stderr)\n"
    )
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
