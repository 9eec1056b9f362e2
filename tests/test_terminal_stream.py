"""Long tables stream (issue 18 item 1): past terminal.STREAM_AFTER rows a table is written as it
is read, in bounded memory, with every row whole and NIKs masked as in a short table; at a
terminal a long table goes through the user's pager, never when stdout is a file or a pipe."""

from __future__ import annotations

import datetime as dt
import shlex
import sys

from rich.cells import cell_len

from koptrack import i18n
from koptrack.io import terminal
from koptrack.report import Col, pct

COLUMNS = [
    Col("id", "ID", "right"),
    Col("nik", "NIK", no_wrap=True),
    Col("name", "Name", wrap=True),
    Col("since", "Since", drop=2),
    Col("enrolled", "Enrolled", "right"),
    Col("coverage", "Coverage", "right", fmt=pct, drop=1),
    Col("state", "State"),
]


def rows(n: int):
    for i in range(n):
        long = " Sejahtera Bersama Mandiri Jaya Abadi" if i % 250 == 0 else ""
        yield {
            "id": i + 1,
            "nik": f"32150552039{i:05d}",
            "name": f"Koperasi Contoh {i + 1}{long}",
            "since": dt.date(2021, 3, 16),
            "enrolled": 1234 * (i % 3),
            "coverage": 52.4,
            "state": "partial",
        }


def test_a_long_table_streams_whole_rows_masked_within_the_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    n = terminal.STREAM_AFTER * 3 + 7
    written = terminal.emit_rows(rows(n), COLUMNS, title="People", totals={"name": "Total", "enrolled": 99})
    out, err = capsys.readouterr()
    assert written == n
    lines = out.splitlines()
    assert max(cell_len(line) for line in lines) <= 80
    assert "…" not in out
    body = [line for line in lines if line.startswith("│")]
    ids = [cell.strip() for cell in (line.split("│")[1] for line in body) if cell.strip()]
    assert ids == [str(i) for i in range(1, n + 1)]  # every row once, in order (the footer has no id)
    assert "3215055203900001" not in out and "321505******0001" in out  # masked as in a short table
    assert all(word in out.split() for word in "Sejahtera Bersama Mandiri Jaya Abadi".split())
    assert "Total" in out and lines[-1].startswith("└")
    assert out.count("┏") == 1  # one header, not one per batch
    assert "not shown at this width" in err


def test_a_long_table_in_indonesian_and_revealed(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    i18n.activate("id")
    try:
        terminal.emit_rows(rows(terminal.STREAM_AFTER + 1), COLUMNS, reveal=True)
    finally:
        i18n.activate("en")
    out = capsys.readouterr().out
    assert "16/03/2021" in out and "2.468" in out and "52,4\u00a0%" in out
    assert "3215055203900001" in out  # --show-nik


def test_pager_at_a_terminal_only(capsys, monkeypatch, tmp_path):
    target = tmp_path / "paged.txt"
    script = f"import sys; open({str(target)!r}, 'w', encoding='utf-8').write(sys.stdin.read())"
    monkeypatch.setenv("KOPTRACK_PAGER", f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("LINES", "20")
    # not a terminal (a file, a pipe, the test's capture): no pager
    terminal.emit_rows(rows(50), COLUMNS, title="People")
    assert not target.exists() and "Koperasi Contoh 50" in capsys.readouterr().out
    # a terminal, and more rows than its height: the pager gets the table
    monkeypatch.setattr(terminal, "_is_terminal", lambda console: True)
    terminal.emit_rows(rows(50), COLUMNS, title="People")
    assert "Koperasi Contoh 50" in target.read_text(encoding="utf-8")
    assert "Koperasi Contoh" not in capsys.readouterr().out
    # a short table at a terminal: no pager
    target.unlink()
    terminal.emit_rows(rows(3), COLUMNS)
    assert not target.exists()


def test_a_missing_pager_prints_to_the_terminal(capsys, monkeypatch):
    monkeypatch.setenv("KOPTRACK_PAGER", "koptrack-no-such-pager-program")
    monkeypatch.setenv("LINES", "20")
    monkeypatch.setattr(terminal, "_is_terminal", lambda console: True)
    terminal.emit_rows(rows(50), COLUMNS)
    assert "Koperasi Contoh 50" in capsys.readouterr().out
