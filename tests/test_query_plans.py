"""The report queries use the indexes: EXPLAIN QUERY PLAN of the very SQL koptrack sends
(captured from the report functions on a generated database) never reads the people,
engagement or enrollment tables row by row; a report about one cooperative searches them."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402
import run as bench_run  # noqa: E402

pytestmark = pytest.mark.sqlite_only
BIG_TABLES = ("person", "engagement", "enrollment")


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("plans") / "tiny.db"
    generate.load_db("tiny", db, quiet=True)
    conn = sqlite3.connect(db)  # a target for every metric, so every metric's query is planned
    conn.execute(
        "INSERT INTO target (year, metric, kind, base, regency, value) "
        "VALUES (2021, 'bpjs.enrolled_people', 'any', 'any', 'any', 500)"
    )
    conn.commit()
    conn.close()
    return db


def plans(db: Path, report) -> list[str]:
    statements = bench_run.capture_report_sql(str(db), report)
    assert statements, "the report sent no SQL"
    conn = sqlite3.connect(db)
    try:
        return [row[3] for sql in statements for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    finally:
        conn.close()


def table_scans(lines: list[str]) -> list[str]:
    """Plan lines that read one of the big tables itself, row by row (not through an index)."""
    return [
        line
        for line in lines
        for t in BIG_TABLES
        if line == f"SCAN {t}" or (line.startswith(f"SCAN {t} ") and "INDEX" not in line)
    ]


@pytest.mark.parametrize("name", list(bench_run.report_calls()))
def test_reports_never_scan_the_big_tables(bench_db, name):
    _, report = bench_run.report_calls()[name]
    lines = plans(bench_db, report)
    assert not table_scans(lines), lines


def test_one_cooperative_is_searched_not_scanned(bench_db):
    from koptrack.core import coverage
    from koptrack.core.coverage import CoverageFilter

    day = dt.date(2021, 12, 31)
    lines = plans(bench_db, lambda s: list(coverage.bpjs_status(s, CoverageFilter.parse(s, as_of=day, coop="2"))))
    lines += plans(bench_db, lambda s: coverage.coop_profile(s, 2, day))
    assert not table_scans(lines), lines
    for t in ("engagement", "enrollment"):
        touching = [line for line in lines if f" {t} " in f" {line} "]
        assert touching and all(line.startswith("SEARCH") for line in touching), (t, touching)


def test_the_scan_detector_sees_a_table_scan(bench_db):
    # the test above would pass vacuously if the detector could not see a scan
    conn = sqlite3.connect(bench_db)
    lines = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM enrollment WHERE category = 'pu'")]
    conn.close()
    assert table_scans(lines) == ["SCAN enrollment"]


@pytest.mark.parametrize("name", list(bench_run.report_calls()))
def test_reports_read_engagements_and_enrollments_from_covering_indexes(bench_db, name):
    # At national size the coverage join visits ~1.4M enrollments and their engagements: read
    # from the table rows (not just the index) it took 13 s instead of 3.5 s (migration 0003).
    _, report = bench_run.report_calls()[name]
    lines = plans(bench_db, report)
    touching = [line for line in lines for t in ("engagement", "enrollment") if f" {t} " in f" {line} "]
    assert all("COVERING INDEX" in line for line in touching), touching
