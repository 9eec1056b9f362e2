"""The benchmark harness runs end to end at the tiny tier (seconds), so it cannot rot. Its
timings are not checked here (machines are noisy); that it measures every command is."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.sqlite_only
def test_bench_run_tiny_tier_writes_a_row_per_command(tmp_path):
    assert shutil.which("sqlite3"), "the sqlite3 shell is needed for the benchmark floor (apt install sqlite3)"
    out = tmp_path / "benchmarks.md"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--tier",
            "tiny",
            "--repeat",
            "1",
            "--workdir",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    expected = [
        "koptrack --help",
        "koptrack --version",
        "import 2,000 people",
        "targets 2021 (tiny)",
        "bpjs status --by kecamatan (tiny)",
        "bpjs status --kind ksp (tiny)",
        "coop list (tiny)",
    ]
    for what in expected:
        row = next((line for line in text.splitlines() if line.startswith(f"| {what} |")), None)
        assert row is not None, f"no row for {what!r} in:\n{text}"
        assert re.search(r"\| \d+\.\d\d× \|", row), row
        assert re.search(r"\| \d+ MB \|", row), row
    assert "Tier **tiny**: 30 cooperatives, 1,000 people" in text


def test_bench_engines_tiny_tier_same_output_on_sqlite_and_postgresql(tmp_path):
    """The PostgreSQL column of the benchmark (tiny tier): the same CSV files imported into SQLite
    and PostgreSQL give the very same JSON for every report."""
    from conftest import ON_POSTGRES, PG_URL

    if not ON_POSTGRES:
        pytest.skip("needs a PostgreSQL server (the PostgreSQL pass)")
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench_run

    rows = bench_run.bench_engines(PG_URL, "tiny", 1, tmp_path)
    reports = [r for r in rows if not r["what"].startswith("import")]
    assert {r["what"] for r in reports} == {f"{name} (tiny)" for name in bench_run.report_calls()}
    assert all(r["same"] is True for r in reports), reports
    assert all(r["sqlite_s"] > 0 and r["pg_s"] > 0 for r in rows), rows
    text = bench_run.render("tiny", 1, [], {}, "python bench/run.py --tier tiny", rows)
    assert "| coop list (tiny) |" in text and "| yes |" in text and "| NO |" not in text
