"""The report queries use the indexes: EXPLAIN QUERY PLAN of the very SQL koptrack sends
(captured from the report functions on a generated database) never reads the people,
engagement or enrollment tables row by row; a report about one cooperative searches them.
The counts of `targets` and `pkspkb status` start from the registrations and memberships and
find each cooperative by its id, with or without the planner's statistics (ANALYZE), unless
the regency holds fewer cooperatives than those rows; and they give the very figures of a
plain COUNT(DISTINCT) over the join, overlapping and ended periods included."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402
import run as bench_run  # noqa: E402
from koptrack import store  # noqa: E402
from koptrack.core import coverage, pkspkb, targets  # noqa: E402
from koptrack.store.tables import (  # noqa: E402
    COOP,
    INACTIVE,
    KEC,
    MEMBERSHIP,
    REGENCY,
    REGISTRATION,
    coop_where,
)

sqlite_only = pytest.mark.sqlite_only
BIG_TABLES = ("person", "engagement", "enrollment")
D = dt.date


def _with_every_metric(db: Path) -> Path:
    conn = sqlite3.connect(db)  # a target for every metric, so every metric's query is planned
    conn.execute(
        "INSERT INTO target (year, metric, kind, base, regency, value) "
        "VALUES (2021, 'bpjs.enrolled_people', 'any', 'any', 'any', 500)"
    )
    conn.commit()
    conn.close()
    return db


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("plans") / "tiny.db"
    generate.load_db("tiny", db, quiet=True)
    return _with_every_metric(db)


# ANALYZE's statistics of the national tier in the one-regency shape (bench/generate.py,
# 130,000 cooperatives in 30 kecamatan): written into a tiny database, its plans are those
# SQLite makes at national size.
NATIONAL_STATISTICS = [
    ("bpjs_registration", "ix_bpjs_registration_coop_dates", "52075 1 1 1"),
    ("bpjs_registration", "ux_bpjs_registration_open", "52075 1"),
    ("coop_inactive", "ix_coop_inactive_coop_dates", "6621 1 1 1"),
    ("coop_inactive", "ux_coop_inactive_open", "6621 1"),
    ("cooperative", "ix_cooperative_base", "130001 43334"),
    ("cooperative", "ix_cooperative_kecamatan_code", "130001 4334"),
    ("cooperative", "ix_cooperative_kind", "130001 26001"),
    ("cooperative", "ix_cooperative_name_lower", "130001 1"),
    ("cooperative", "ix_cooperative_status", "130001 65001"),
    ("cooperative", "sqlite_autoindex_cooperative_1", "130001 130001"),
    ("cooperative", "sqlite_autoindex_cooperative_2", "130001 1 1"),
    ("cooperative", "sqlite_autoindex_cooperative_3", "130001 130001"),
    ("engagement", "ix_engagement_person_id", "5000000 1"),
    ("engagement", "ix_engagement_scope", "5000000 39 21 1 1 1"),
    ("engagement", "ux_engagement_open", "4499610 1 1 1"),
    ("enrollment", "ix_enrollment_coverage", "553652 12 2 2 1 1"),
    ("enrollment", "ix_enrollment_kpj", "553652 1"),
    ("enrollment", "ix_enrollment_person_id", "553652 1"),
    ("enrollment", "ix_enrollment_verified_on", "553652 553652"),
    ("enrollment", "ux_enrollment_open", "553652 1 1"),
    ("kecamatan", "ix_kecamatan_name", "30 1"),
    ("kecamatan", "ix_kecamatan_regency_code", "30 30"),
    ("kecamatan", "sqlite_autoindex_kecamatan_1", "30 1"),
    ("kecamatan", "sqlite_autoindex_kecamatan_2", "30 30 1"),
    ("person", "sqlite_autoindex_person_1", "5000000 1"),
    ("pkspkb_membership", "ix_pkspkb_membership_coop_dates", "2613 1 1 1"),
    ("pkspkb_membership", "ix_pkspkb_membership_joined_on", "2613 3"),
    ("pkspkb_membership", "ux_pkspkb_membership_open", "2613 1"),
]


@pytest.fixture(scope="module", params=["national statistics", "no statistics"])
def shaped_db(request, tmp_path_factory):
    """The tiny tier in the one-regency shape with some PKS-PKB members: with the statistics
    ANALYZE gives at national size, and with none (a database filled by `koptrack import`)."""
    db = tmp_path_factory.mktemp("shaped") / "tiny.db"
    statistics = request.param == "national statistics"
    generate.load_db("tiny", db, quiet=True, analyze=statistics)
    conn = sqlite3.connect(db)
    conn.executemany(
        "INSERT INTO pkspkb_membership (coop_id, joined_on, left_on, created_at) VALUES (?, ?, ?, '2026-01-01')",
        [(c, f"20{19 + c % 3}-0{1 + c % 9}-15", "2022-06-30" if c % 4 == 0 else None) for c in range(2, 20)],
    )
    if statistics:
        conn.execute("DELETE FROM sqlite_stat1")
        conn.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", NATIONAL_STATISTICS)
    conn.commit()
    conn.close()
    return _with_every_metric(db)


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


@sqlite_only
@pytest.mark.parametrize("name", list(bench_run.report_calls()))
def test_reports_never_scan_the_big_tables(bench_db, name):
    _, report = bench_run.report_calls()[name]
    lines = plans(bench_db, report)
    assert not table_scans(lines), lines


@sqlite_only
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


@sqlite_only
def test_the_scan_detector_sees_a_table_scan(bench_db):
    # the test above would pass vacuously if the detector could not see a scan
    conn = sqlite3.connect(bench_db)
    lines = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT count(*) FROM enrollment WHERE category = 'pu'")]
    conn.close()
    assert table_scans(lines) == ["SCAN enrollment"]


@sqlite_only
@pytest.mark.parametrize("name", list(bench_run.report_calls()))
def test_reports_read_engagements_and_enrollments_from_covering_indexes(bench_db, name):
    # At national size the coverage join visits ~1.4M enrollments and their engagements: read
    # from the table rows (not just the index) it took 13 s instead of 3.5 s (migration 0003).
    _, report = bench_run.report_calls()[name]
    lines = plans(bench_db, report)
    touching = [line for line in lines for t in ("engagement", "enrollment") if f" {t} " in f" {line} "]
    assert all("COVERING INDEX" in line for line in touching), touching


# --- targets and pkspkb status: driven from the registrations and memberships ------------------

COUNTING_REPORTS = {
    "targets 2021": lambda s: targets.report(s, 2021),
    "targets 2021 --regency 32.15": lambda s: targets.report(s, 2021, None, "32.15"),
    "pkspkb status": lambda s: pkspkb.status(s, as_of="2021-12-31"),
    "pkspkb status --regency 32.15": lambda s: pkspkb.status(s, as_of="2021-12-31", regency="32.15"),
}


def statement_plans(db: Path, report) -> list[tuple[str, list[str]]]:
    statements = bench_run.capture_report_sql(str(db), report)
    conn = sqlite3.connect(db)
    try:
        return [(sql, [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in statements]
    finally:
        conn.close()


def cooperative_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.split()[1:2] == ["cooperative"]]


@sqlite_only
@pytest.mark.parametrize("name", list(COUNTING_REPORTS))
def test_counts_find_each_cooperative_by_its_id(shaped_db, name):
    """Every cooperative of the one regency: the counts read the registrations and memberships
    and search the cooperatives by id, whatever the statistics say (with ANALYZE, the kecamatan
    range looked selective and the old plans read all the cooperatives; without, kind and base
    did). The one other read of the cooperatives is the bounded count that decides this."""
    for sql, lines in statement_plans(shaped_db, COUNTING_REPORTS[name]):
        if "LIMIT" in sql:  # coverage.CoopCounts._fewer_coops: stops at the table's row count
            continue
        if "FROM enrollment" in sql:  # people enrolled: the enrollments' covering index, tested above
            continue
        reading = cooperative_lines(lines)
        assert all(line == "SEARCH cooperative USING INTEGER PRIMARY KEY (rowid=?)" for line in reading), (sql, lines)
        assert not any(line.startswith("SCAN cooperative") for line in lines), (sql, lines)


@sqlite_only
def test_counts_bounded_to_a_small_regency_start_from_its_cooperatives(tmp_path):
    """A bigger database (another regency holds most registrations): the figures of one regency
    read that regency's cooperatives through the kecamatan index and search their rows by
    coop_id, never every registration."""
    db = tmp_path / "two.db"
    generate.load_db("tiny", db, quiet=True)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO regency (code, name, province) VALUES ('32.16', 'Bekasi', 'Jawa Barat')")
    conn.execute("INSERT INTO kecamatan (code, name, regency_code) VALUES ('32.16.01', 'Satu', '32.16')")
    for i in range(100, 200):
        conn.execute(
            "INSERT INTO cooperative (id, name, kind, base, kecamatan_code, status, created_at, updated_at) "
            "VALUES (?, ?, 'ksp', 'masyarakat', '32.16.01', 'active', '2026-01-01', '2026-01-01')",
            (i, f"Koperasi Bekasi {i}"),
        )
        conn.execute(
            "INSERT INTO bpjs_registration (coop_id, registered_on, created_at) VALUES (?, '2020-01-01', '2026-01-01')",
            (i,),
        )
    conn.commit()
    conn.close()
    _with_every_metric(db)
    plans = statement_plans(db, COUNTING_REPORTS["targets 2021"])
    counting = [lines for sql, lines in plans if "sum(CASE" in sql and "bpjs_registration" in sql]
    assert counting
    for lines in counting:
        by_kecamatan = "SEARCH cooperative USING COVERING INDEX ix_cooperative_kecamatan_code"
        assert any(line.startswith(by_kecamatan) for line in lines), lines
        assert not any(line.startswith("SCAN bpjs_registration") for line in lines), lines


# The figures themselves: CoopCounts against a plain COUNT(DISTINCT) over the join, on rows
# made to try it: a cooperative with two overlapping registrations (one running, one ended),
# two ended overlapping ones, a rejoin within a year, periods ending on the day, inactivity.

DAYS = [D(2019, 12, 31), D(2020, 6, 30), D(2020, 12, 31), D(2021, 3, 1), D(2021, 12, 31)]
WINDOWS = [(D(2020, 1, 1), D(2020, 12, 31)), (D(2021, 1, 1), D(2021, 3, 1)), (D(2019, 1, 1), D(2021, 12, 31))]
SEGMENTS = [
    coverage.Segment(),
    coverage.Segment(kind="ksp"),
    coverage.Segment(base="karyawan"),
    coverage.Segment(kind="produsen", base="masyarakat", regency="32.15"),
    coverage.Segment(regency="32.15"),
    coverage.Segment(regency="32.16"),
]


@pytest.fixture
def periods_db(seeded):
    with store.session_scope(seeded, write=True) as s:
        conn = s.connection()
        conn.execute(insert(REGENCY).values(code="32.16", name="Bekasi", province="Jawa Barat"))
        conn.execute(insert(KEC).values(code="32.16.01", name="Satu", regency_code="32.16"))
        kinds = ["ksp", "produsen", "konsumen", "jasa"]
        for i in range(2, 26):
            conn.execute(
                insert(COOP).values(
                    id=i,
                    name=f"Koperasi Uji {i}",
                    kind=kinds[i % 4],
                    base=["masyarakat", "karyawan", "unknown"][i % 3],
                    kecamatan_code="32.16.01" if i % 5 == 0 else f"32.15.{1 + i % 30:02d}",
                )
            )
        R, M = REGISTRATION, MEMBERSHIP
        regs = [
            (2, D(2019, 5, 1), None),
            (2, D(2018, 1, 1), D(2020, 6, 30)),  # ended on a day counted: not running that day
            (3, D(2018, 1, 1), D(2020, 12, 31)),
            (3, D(2020, 6, 1), D(2021, 3, 1)),  # two ended ones overlapping
            (4, D(2021, 3, 1), None),
            (5, D(2019, 1, 1), None),
            (6, D(2020, 1, 1), D(2020, 1, 1)),  # a one-day-less period: never running
            (7, D(2019, 12, 31), D(2021, 12, 31)),
            (8, D(2020, 2, 1), None),
            (9, D(2015, 1, 1), D(2019, 12, 31)),
            (9, D(2020, 1, 1), None),
            (10, D(2020, 7, 1), None),
            (11, D(2019, 3, 3), None),
            (12, D(2021, 1, 1), D(2021, 6, 1)),
            (12, D(2021, 5, 1), None),
        ]
        conn.execute(insert(R), [{"coop_id": c, "registered_on": a, "deregistered_on": b} for c, a, b in regs])
        joins = [
            (2, D(2020, 2, 1), D(2020, 5, 1)),
            (2, D(2020, 9, 1), None),  # rejoined in the same year
            (3, D(2019, 12, 31), D(2021, 3, 1)),
            (4, D(2021, 1, 1), None),
            (5, D(2020, 12, 31), None),
            (7, D(2019, 6, 1), D(2020, 6, 30)),
            (7, D(2020, 1, 1), D(2020, 12, 31)),  # overlapping ended ones
            (10, D(2020, 3, 3), None),
            (13, D(2021, 3, 1), None),
            (15, D(2020, 1, 1), None),
        ]
        conn.execute(insert(M), [{"coop_id": c, "joined_on": a, "left_on": b} for c, a, b in joins])
        conn.execute(
            insert(INACTIVE),
            [
                {"coop_id": 5, "since": D(2020, 7, 1), "until": D(2021, 1, 1)},
                {"coop_id": 8, "since": D(2021, 3, 1), "until": None},
                {"coop_id": 10, "since": D(2019, 1, 1), "until": D(2020, 12, 31)},
            ],
        )
        yield s


def plain_count(session, metric: str, window, seg: coverage.Segment) -> int:
    """The figure as the reports counted it before: COUNT(DISTINCT coop_id) over the join."""
    table, start_name, end_name = coverage.COOP_METRICS[metric]
    first, last = window
    start = table.c[start_name]
    if first is None:
        end = table.c[end_name]
        within = [start <= last, (end.is_(None)) | (end > last)]
    else:
        within = [start >= first, start <= last]
    stmt = (
        select(func.count(func.distinct(table.c.coop_id)))
        .select_from(table.join(COOP, COOP.c.id == table.c.coop_id))
        .where(*within, *coop_where(kind=seg.kind, base=seg.base, regency=seg.regency, active_on_day=last))
    )
    return int(session.connection().execute(stmt).scalar() or 0)


def test_coop_counts_are_the_plain_distinct_counts(periods_db):
    cells = {
        "bpjs.registered_coops": [((None, d), seg) for d in DAYS for seg in SEGMENTS],
        "pkspkb.members": [((None, d), seg) for d in DAYS for seg in SEGMENTS],
        "pkspkb.joined": [(w, seg) for w in WINDOWS for seg in SEGMENTS],
    }
    together = coverage.CoopCounts(periods_db)
    with together.collecting():
        for metric, asked in cells.items():
            for window, seg in asked:
                assert together.count(metric, window, seg) == 0
    checked = 0
    for metric, asked in cells.items():
        for window, seg in asked:
            expected = plain_count(periods_db, metric, window, seg)
            assert together.count(metric, window, seg) == expected, (metric, window, seg)
            alone = coverage.CoopCounts(periods_db).count(metric, window, seg)  # one cell, one statement
            assert alone == expected, (metric, window, seg)
            checked += expected
    assert checked > 50  # the rows above make the figures, not zeros


def test_one_regencys_counts_are_the_same_bounded_or_not(periods_db, monkeypatch):
    """The figures of one regency are the same read from its cooperatives (fewer cooperatives
    than rows) or from all the rows."""
    asked = [((None, d), coverage.Segment(regency="32.16")) for d in DAYS]
    for fewer in (True, False):
        monkeypatch.setattr(coverage.CoopCounts, "_fewer_coops", lambda self, regency, table, f=fewer: f)
        counts = coverage.CoopCounts(periods_db)
        for window, seg in asked:
            for metric in ("bpjs.registered_coops", "pkspkb.members"):
                assert counts.count(metric, window, seg) == plain_count(periods_db, metric, window, seg)
