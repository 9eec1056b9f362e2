"""`koptrack trend` (core/trend.py, cli/trend.py): every figure koptrack reports on a date as a
series over periods. Each value must be exactly what `koptrack targets YEAR --as-of DAY` and
`koptrack bpjs status --by kecamatan --as-of DAY` give on the period's day (reported counts
standing in as there): checked on a seeded + generated office with awkward records added
(SQLite: the generator writes with the sqlite3 module), and on an office built through
koptrack's own functions (both engines)."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from pathlib import Path

import pytest

from koptrack import store
from koptrack.core import bpjs, coops, coverage, people, pkspkb, trend
from koptrack.core import targets as targets_core
from koptrack.core.coverage import CoverageFilter
from koptrack.domain.vocab import ANY, METRICS
from koptrack.report import percent
from koptrack.store.models import ReportedCount, Target

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import generate  # noqa: E402
from conftest import refused  # noqa: E402

D = dt.date
KEYS = ["period", "as_of", "metric", "segment", "value", "target", "change"]


# --- the oracle: each period's figures from the day's own functions -----------------------------


def day_by_day(session, t: trend.Trend, regency: str | None = None) -> dict:
    """(metric, segment) -> the values per period, each from targets.actual and the coverage
    report of its day, as the reports compute them one day at a time."""
    out: dict = {}
    for p in t.periods:
        day = p.as_of
        per_coop = list(coverage.bpjs_status(session, CoverageFilter(as_of=day, regency=regency)))
        kecamatan = {
            r["kecamatan_code"]: r
            for r in coverage.bpjs_status_by_kecamatan(session, CoverageFilter(as_of=day, regency=regency))
        }
        for s in t.series:
            if s.metric in METRICS:
                value = targets_core.actual(session, s.metric, day.year, day, s.kind, s.base, s.regency).value
            elif s.metric == trend.COVERAGE:
                rows = [r for r in per_coop if s.kind in (ANY, r["kind"])]
                value = percent(sum(r["enrolled"] for r in rows), sum(r["in_scope"] for r in rows))
            else:
                row = kecamatan.get(s.kecamatan_code)
                value = row["coverage"] if row else None
            out.setdefault((s.metric, s.segment), []).append(value)
    return out


def check_against_the_days(
    session, start: dt.date, end: dt.date, every: str, regency: str | None = None, metrics: list[str] | None = None
) -> int:
    t = trend.compute(session, start=start, end=end, every=every, regency=regency, metrics=metrics)
    expected = day_by_day(session, t, regency)
    for s in t.series:
        assert t.values[s] == expected[(s.metric, s.segment)], (s.metric, s.segment, every)
    return len(t.periods)


def as_of(row: dict) -> str:
    return row["as_of"] if isinstance(row["as_of"], str) else row["as_of"].isoformat()


def check_cli_against_the_days_reports(cli, db: str, rows: list[dict], regency: str | None = None) -> None:
    """The trend's rows (--json) against `targets YEAR --as-of DAY` and `bpjs status --by
    kecamatan --as-of DAY` (and the per-cooperative status for the kinds) on each period's day."""
    by = {(r["metric"], r["segment"], as_of(r)): r for r in rows}
    reg = ["--regency", regency] if regency else ["--regency", "all"]
    days = sorted({as_of(r) for r in rows})
    checked = 0
    for day in days:
        for t in cli.json("--db", db, "targets", day[:4], "--as-of", day, *reg):
            r = by[(t["metric"], targets_core.segment_label(t["kind"], t["base"], t["regency"]), day)]
            assert (r["value"], r["target"]) == (t["actual"], t["target"]), (day, t)
            checked += 1
        listed = set()
        for k in cli.json("--db", db, "bpjs", "status", "--by", "kecamatan", "--as-of", day, *reg):
            segment = f"{k['kecamatan']} ({k['kecamatan_code']})"
            assert by[("bpjs.coverage_kecamatan", segment, day)]["value"] == k["coverage"], (day, segment)
            listed.add(segment)
            checked += 1
        for (metric, segment, d), r in by.items():
            if metric == "bpjs.coverage_kecamatan" and d == day and segment not in listed:
                assert r["value"] is None, (day, segment)  # no active cooperative that day
        per_coop = cli.json("--db", db, "bpjs", "status", "--as-of", day, *reg)
        for kind in ("ksp", "produsen", "konsumen", "pemasaran", "jasa", None):
            of_kind = [c for c in per_coop if kind in (None, c["kind"])]
            expected = percent(sum(c["enrolled"] for c in of_kind), sum(c["in_scope"] for c in of_kind))
            label = targets_core.segment_label(kind or ANY, ANY, regency or ANY)
            assert by[("bpjs.coverage", label, day)]["value"] == expected, (day, kind)
    assert checked


# --- a seeded + generated office, with awkward records ----------------------------------------


def spice(db: Path, seed: int = 7) -> None:
    """Records a real office has and the generator does not: registrations ended and begun
    again (one overlapping, as a bad import could leave it), enrollments ended on a period's
    last day and people enrolled through a second cooperative, a producer cooperative's
    employee who is also a member, people engaged again or with a second cooperative, periods
    of inactivity ended and begun again, PKS-PKB memberships left and joined again, joins on 1
    January and 31 December, cooperatives in a second regency, and reported counts and targets
    in several segments (one reported count the records contradict)."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    now = "2026-01-01 00:00:00"

    def run(sql: str, *args) -> None:
        try:
            conn.execute(sql, args)
        except sqlite3.IntegrityError:
            pass  # an open period already there: the schema's own rule

    def day(a: str, b: str) -> str:
        first, last = D.fromisoformat(a), D.fromisoformat(b)
        return (first + dt.timedelta(days=rng.randrange((last - first).days + 1))).isoformat()

    run("INSERT OR IGNORE INTO regency (code, name, province) VALUES ('32.16', 'Bekasi', 'Jawa Barat')")
    for k in range(1, 4):
        run("INSERT OR IGNORE INTO kecamatan (code, name, regency_code) VALUES (?, ?, '32.16')", f"32.16.0{k}", f"B{k}")
    for (cid,) in conn.execute("SELECT id FROM cooperative WHERE id % 7 = 3").fetchall():
        run("UPDATE cooperative SET kecamatan_code = ? WHERE id = ?", f"32.16.0{cid % 3 + 1}", cid)
    all_coops = conn.execute("SELECT id, kind FROM cooperative").fetchall()
    ends = ["2019-12-31", "2020-12-31", "2021-01-31", "2021-06-30", "2021-12-31"]
    regs = conn.execute("SELECT id, coop_id, registered_on FROM bpjs_registration ORDER BY id").fetchall()
    for rid, coop, on in regs[: len(regs) // 4]:
        end = rng.choice([*ends, day(on, "2022-12-31")])
        if end <= on:
            continue
        run("UPDATE bpjs_registration SET deregistered_on = ? WHERE id = ?", end, rid)
        if rng.random() < 0.5:
            run(
                "INSERT INTO bpjs_registration (coop_id, registered_on, created_at) VALUES (?, ?, ?)",
                coop,
                day(end, "2023-06-30"),
                now,
            )
        if rng.random() < 0.2:
            run(
                "INSERT INTO bpjs_registration (coop_id, registered_on, deregistered_on, created_at) "
                "VALUES (?, ?, ?, ?)",
                coop,
                on,
                end,
                now,
            )
    registered = [c for (c,) in conn.execute("SELECT DISTINCT coop_id FROM bpjs_registration")]
    enrollments = conn.execute("SELECT id, person_id, start_on FROM enrollment ORDER BY id").fetchall()
    for eid, pid, on in enrollments[: len(enrollments) // 3]:
        end = rng.choice([*ends, day(on, "2023-12-31"), on])
        if end < on:
            continue
        run("UPDATE enrollment SET end_on = ? WHERE id = ?", end, eid)
        if rng.random() < 0.6:
            run(
                "INSERT INTO enrollment (person_id, coop_id, category, programmes, missing_programmes, start_on, "
                "end_on, created_at) VALUES (?, ?, 'pu', 'jkk,jkm,jht', '', ?, ?, ?)",
                pid,
                rng.choice(registered),
                day("2016-01-01", "2022-12-31"),
                rng.choice([None, "2023-01-01"]),
                now,
            )
    engagements = conn.execute(
        "SELECT e.id, e.person_id, e.coop_id, e.role, e.since, e.until, c.kind "
        "FROM engagement e JOIN cooperative c ON c.id = e.coop_id ORDER BY e.id"
    ).fetchall()
    insert_engagement = (
        "INSERT INTO engagement (person_id, coop_id, role, since, until, created_at) VALUES (?, ?, ?, ?, ?, ?)"
    )
    for eid, pid, coop, role, since, until, kind in engagements[: len(engagements) // 4]:
        r = rng.random()
        if kind == "produsen" and r < 0.5:  # an employee who is also a member, or the other way
            other = "karyawan" if role == "anggota" else "anggota"
            run(
                insert_engagement,
                pid,
                coop,
                other,
                day("2012-01-01", "2022-01-01"),
                rng.choice([None, "2021-06-30"]),
                now,
            )
        elif r < 0.3:  # left, and engaged again
            if until is None:
                until = rng.choice(ends)
                if until <= since:
                    continue
                run("UPDATE engagement SET until = ? WHERE id = ?", until, eid)
            run(insert_engagement, pid, coop, role, day(until, "2023-01-01"), None, now)
        elif r < 0.6:  # with a second cooperative
            other_coop = rng.choice(all_coops)[0]
            run(
                insert_engagement,
                pid,
                other_coop,
                rng.choice(["karyawan", "anggota"]),
                day("2012-01-01", "2022-01-01"),
                None,
                now,
            )
        elif r < 0.7:  # the same role twice at once (a bad import)
            run(insert_engagement, pid, coop, role, day("2012-01-01", "2022-01-01"), "2022-05-01", now)
    for coop, _kind in rng.sample(all_coops, len(all_coops) // 5):
        since = rng.choice([*ends, day("2016-01-01", "2022-06-30")])
        until = rng.choice([None, day(since, "2023-01-01"), "2021-12-31"])
        if until is not None and until <= since:
            until = None
        run(
            "INSERT INTO coop_inactive (coop_id, since, until, created_at) VALUES (?, ?, ?, ?)", coop, since, until, now
        )
        if until and rng.random() < 0.4:
            run(
                "INSERT INTO coop_inactive (coop_id, since, created_at) VALUES (?, ?, ?)",
                coop,
                day(until, "2023-06-30"),
                now,
            )
    join = "INSERT INTO pkspkb_membership (coop_id, joined_on, created_at) VALUES (?, ?, ?)"
    for coop, _kind in rng.sample(all_coops, min(40, len(all_coops))):
        joined = rng.choice(["2021-01-01", "2020-12-31", "2021-12-31", "2022-01-01", day("2019-01-01", "2022-12-31")])
        run(join, coop, joined, now)
    members = conn.execute("SELECT id, coop_id, joined_on FROM pkspkb_membership ORDER BY id").fetchall()
    for n, (mid, coop, on) in enumerate(members[: len(members) // 2]):
        end = day(on, "2023-01-01")
        run("UPDATE pkspkb_membership SET left_on = ? WHERE id = ?", end, mid)
        if n < 3 or rng.random() < 0.5:
            run(join, coop, day(end, "2023-06-30"), now)
    for table, rows in (
        (
            "reported_count",
            [
                (2019, "pkspkb.joined", "any", "karyawan", "32.15", 3),
                (2021, "pkspkb.joined", "any", "masyarakat", "32.15", 4),
                (2021, "pkspkb.members", "any", "any", "32.15", 30),
                (2020, "bpjs.registered_coops", "ksp", "any", "32.15", 12),
                (2021, "bpjs.enrolled_people", "any", "karyawan", "32.15", 0),
                (2022, "bpjs.enrolled_people", "jasa", "any", "any", 77),
                (2020, "pkspkb.members", "ksp", "any", "32.15", 2),
                (2022, "pkspkb.joined", "konsumen", "unknown", "32.16", 5),
            ],
        ),
        (
            "target",
            [
                (2022, "bpjs.enrolled_people", "any", "any", "any", 500),
                (2022, "bpjs.registered_coops", "any", "karyawan", "32.15", 9),
                (2020, "pkspkb.members", "ksp", "any", "32.15", 3),
                (2021, "bpjs.enrolled_people", "jasa", "masyarakat", "any", 40),
                (2022, "pkspkb.joined", "konsumen", "unknown", "32.16", 6),
            ],
        ),
    ):
        for row in rows:
            run(
                f"INSERT OR IGNORE INTO {table} (year, metric, kind, base, regency, value) VALUES (?, ?, ?, ?, ?, ?)",
                *row,
            )
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    """The `tiny` tier of bench/generate.py (seeded by koptrack, then its rows), spiced."""
    db = tmp_path_factory.mktemp("trend") / "office.db"
    generate.load_db("tiny", db, quiet=True)
    spice(db)
    return str(db)


def awkward_records(db: str) -> dict[str, int]:
    twice = "SELECT count(*) FROM (SELECT {c} FROM {t} GROUP BY {c} HAVING count(*) > 1)"
    conn = sqlite3.connect(db)
    counts = {
        name: conn.execute(sql).fetchone()[0]
        for name, sql in {
            "people enrolled twice": twice.format(c="person_id", t="enrollment"),
            "people engaged twice": twice.format(c="person_id", t="engagement"),
            "coops registered twice": twice.format(c="coop_id", t="bpjs_registration"),
            "coops in PKS-PKB twice": twice.format(c="coop_id", t="pkspkb_membership"),
            "inactivity periods": "SELECT count(*) FROM coop_inactive",
            "regencies": "SELECT count(DISTINCT substr(kecamatan_code, 1, 5)) FROM cooperative",
        }.items()
    }
    conn.close()
    return counts


@pytest.mark.sqlite_only
@pytest.mark.parametrize("regency", [None, "32.15", "32.16"])
def test_every_figure_is_the_days_own_on_a_generated_office(generated, regency):
    assert all(awkward_records(generated).values()), awkward_records(generated)
    engine = store.open_engine(generated)
    try:
        with store.session_scope(engine) as s:
            n = check_against_the_days(s, D(2019, 2, 15), D(2022, 1, 1), "month", regency)
            if regency is None:
                n += check_against_the_days(s, D(2014, 1, 1), D(2022, 12, 31), "auto")
                n += check_against_the_days(s, D(2017, 1, 1), D(2023, 3, 31), "quarter")
                n += check_against_the_days(s, D(2012, 1, 1), D(2023, 12, 31), "year")
    finally:
        engine.dispose()
    assert n >= 36


@pytest.mark.sqlite_only
def test_the_trends_json_is_what_targets_and_bpjs_status_give_each_day(cli, generated):
    rows = cli.json("--db", generated, "trend", "--from", "2020-06", "--to", "2022-03", "--every", "quarter")
    assert rows and list(rows[0]) == KEYS
    check_cli_against_the_days_reports(cli, generated, rows)
    rows = cli.json(
        "--db", generated, "trend", "--from", "2019", "--to", "2022", "--every", "tahun", "--regency", "32.15"
    )
    check_cli_against_the_days_reports(cli, generated, rows, "32.15")


# --- an office built with koptrack's own functions (SQLite and PostgreSQL) --------------------


def nik(serial: int, kec: str = "321505") -> str:
    return f"{kec}120390{serial:04d}"


@pytest.fixture
def office(seeded):
    """The seed (Koperasi Makmur Mandiri registered 2021-03-16; 2020's reported PKS-PKB joins;
    2021's targets) and three cooperatives whose records change on periods' last days:
    - A, a KSP (masyarakat) in Klari: registered 2020-03-31, deregistered 2021-06-30, registered
      again 2021-09-15; in PKS-PKB from 2020-12-31 to 2021-06-30 and again from 2021-10-01;
    - B, a producer cooperative (karyawan) in Cikampek: registered 2020-01-15; person 1 its
      employee and member since 2019-12-31, enrolled 2020-02-01; person 2 a member from
      2020-05-31 to 2021-03-31, enrolled 2020-06-01; joined PKS-PKB 2021-01-01;
    - C, a konsumen (unknown base) in Klari: registered 2019-06-01, inactive from 2020-12-31 to
      2021-03-31; person 3 its employee, and A's, enrolled through both.
    Reported counts: 5 KSP registered in 2021 (contradicted while A is registered, standing in
    while it is not); a target of 10 people enrolled in 2020."""
    with store.session_scope(seeded, write=True) as s:
        a = coops.add_coop(s, "KSP Contoh Sejahtera", kind="ksp", base="masyarakat", kecamatan="Klari")["id"]
        b = coops.add_coop(s, "KUD Contoh Tani", kind="produsen", base="karyawan", kecamatan="Cikampek")["id"]
        c = coops.add_coop(s, "Kopkar Contoh Makmur", kind="konsumen", base="unknown", kecamatan="Klari")["id"]
        p1, p2, p3 = nik(1), nik(2, "321510"), nik(3)
        people.add_worker(s, b, nik=p1, name="Siti Contoh", role="karyawan", since="2019-12-31")
        people.add_worker(s, b, nik=p1, name="Siti Contoh", role="anggota", since="2019-12-31")
        people.add_worker(s, b, nik=p2, name="Budi Contoh", role="anggota", since="2020-05-31")
        people.add_worker(s, c, nik=p3, name="Andi Contoh", role="karyawan", since="2019-01-02")
        people.add_worker(s, a, nik=p3, name="Andi Contoh", role="karyawan", since="2020-02-29")
        bpjs.register(s, a, on="2020-03-31")
        bpjs.register(s, b, on="2020-01-15")
        bpjs.register(s, c, on="2019-06-01")
        bpjs.enroll(s, b, nik=p1, on="2020-02-01")
        bpjs.enroll(s, b, nik=p2, on="2020-06-01")
        bpjs.enroll(s, c, nik=p3, on="2019-07-01")
        bpjs.enroll(s, a, nik=p3, on="2020-04-30")
        people.leave(s, b, nik=p2, on="2021-03-31")
        bpjs.deregister(s, a, on="2021-06-30")
        bpjs.register(s, a, on="2021-09-15")
        pkspkb.join(s, a, on="2020-12-31")
        pkspkb.leave(s, a, on="2021-06-30")
        pkspkb.join(s, a, on="2021-10-01")
        pkspkb.join(s, b, on="2021-01-01")
        coops.deactivate_coop(s, c, on="2020-12-31")
        coops.activate_coop(s, c, on="2021-03-31")
        s.add(ReportedCount(year=2021, metric="bpjs.registered_coops", kind="ksp", regency="32.15", value=5))
        s.add(Target(year=2020, metric="bpjs.enrolled_people", regency="32.15", value=10))
    return seeded


@pytest.mark.parametrize("every", ["month", "quarter", "year", "auto"])
def test_every_figure_is_the_days_own_on_an_office(office, every):
    with store.session_scope(office) as s:
        assert check_against_the_days(s, D(2019, 1, 1), D(2022, 2, 15), every) > 3
        check_against_the_days(s, D(2020, 12, 1), D(2021, 12, 31), every, "32.15")
        # no segment asked for but every cooperative: the rows are not grouped at all
        check_against_the_days(s, D(2021, 1, 1), D(2022, 2, 15), every, metrics=["bpjs.enrolled_people"])


def test_a_period_counts_what_holds_on_its_last_day(office):
    """Half-open periods on the periods' last days: registered on 31 March counts in March;
    deregistered on 30 June no longer counts in June; an inactive cooperative drops out."""
    with store.session_scope(office) as s:
        rows = trend.series(
            s, start=D(2020, 1, 1), end=D(2021, 12, 31), every="month", metrics=["bpjs.registered_coops"]
        )
    ksp = {r["period"]: r["value"] for r in rows if r["segment"] == "ksp (32.15)"}
    assert (ksp["2020-02"], ksp["2020-03"]) == (0, 1)  # A registered on 2020-03-31
    # A deregistered on 2021-06-30: in June only the seed's KSP (registered 2021-03-16) and, as
    # the records then give 1, not the reported 5 (records exist: they count)
    assert (ksp["2021-05"], ksp["2021-06"], ksp["2021-09"]) == (2, 1, 2)
    # C inactive from 31 Dec 2020 to 31 Mar 2021 (active again that day, as the seed's KSP is)
    every = {r["period"]: r["value"] for r in rows if r["segment"] == "all"}
    assert (every["2020-11"], every["2020-12"], every["2021-02"], every["2021-03"]) == (3, 2, 2, 4)


def test_a_reported_count_stands_in_as_targets_say(office):
    with store.session_scope(office) as s:
        t = trend.compute(s, start=D(2020, 1, 1), end=D(2021, 12, 31), every="year", metrics=["pkspkb.members"])
    members = {(r["period"], r["segment"]): r["value"] for r in t.rows()}
    # 2020: the reported joins (10 + 1) stand for 2020, beside A, a named member since 31 Dec
    # (its segment, masyarakat, has named records now: the reported 1 gives way, with a warning
    # only if they disagree)
    assert members[("2020", "all (32.15)")] == members[("2020", "all")] == 11
    assert t.reported


def test_rows_are_tidy_with_targets_and_changes(office):
    with store.session_scope(office) as s:
        rows = trend.series(s, start=D(2020, 1, 1), end=D(2021, 12, 31), every="year")
    assert all(list(r) == KEYS for r in rows)
    assert {r["metric"] for r in rows} == set(trend.TREND_METRICS)
    members = [r for r in rows if r["metric"] == "pkspkb.members" and r["segment"] == "all (32.15)"]
    assert [(r["period"], r["target"]) for r in members] == [("2020", None), ("2021", 21)]
    assert [r["change"] for r in members] == [None, members[1]["value"] - members[0]["value"]]
    enrolled = [r for r in rows if r["metric"] == "bpjs.enrolled_people" and r["segment"] == "all (32.15)"]
    assert [r["target"] for r in enrolled] == [10, None]
    kecamatan = {r["segment"] for r in rows if r["metric"] == "bpjs.coverage_kecamatan"}
    assert kecamatan == {"Cikampek (32.15.13)", "Klari (32.15.05)"}


# --- periods, parsing, the sparkline -------------------------------------------------------------


def test_periods_of_each_length_end_on_their_last_day_or_the_ranges_end():
    today = D(2026, 11, 25)
    months = trend.periods(D(2021, 2, 15), D(2021, 5, 10), "month", today=today)
    assert [(p.label, p.as_of) for p in months] == [
        ("2021-02", D(2021, 2, 28)),
        ("2021-03", D(2021, 3, 31)),
        ("2021-04", D(2021, 4, 30)),
        ("2021-05", D(2021, 5, 10)),
    ]
    quarters = trend.periods(D(2020, 11, 1), D(2021, 12, 31), "triwulan", today=today)
    assert [p.label for p in quarters] == ["2020-Q4", "2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]
    assert [p.as_of for p in trend.periods(D(2019, 1, 1), D(2030, 1, 1), "tahun", today=today)][-2:] == [
        D(2025, 12, 31),
        today,
    ]
    auto = trend.periods(D(2024, 1, 1), today, "auto", today=today)
    assert [p.label for p in auto][:3] == ["2024", "2025", "2026-01"]
    assert (auto[-1].label, auto[-1].as_of, len(auto)) == ("2026-11", today, 13)


def test_from_and_to_take_a_year_a_month_or_a_day():
    assert trend.parse_start("2021") == D(2021, 1, 1)
    assert trend.parse_end("2021") == D(2021, 12, 31)
    assert trend.parse_start("2021-03") == D(2021, 3, 1)
    assert trend.parse_end("03/2021") == D(2021, 3, 31)
    assert trend.parse_end("2024-02") == D(2024, 2, 29)
    assert trend.parse_start("16/03/2021") == D(2021, 3, 16)
    assert trend.parse_start("") is None
    for word, every in (("bulan", "month"), ("Triwulan", "quarter"), ("tahun", "year"), ("", "auto")):
        assert trend.parse_every(word) == every


def test_the_sparkline_spans_the_rows_lowest_to_highest():
    assert trend.sparkline([0, 5, 10]) == "▁▅█"
    assert trend.sparkline([3, 3]) == "▄▄"
    assert trend.sparkline([None, 1.5, 2.5]) == " ▁█"
    assert trend.sparkline([None]) == ""
    assert len(trend.sparkline(range(100))) == trend.SPARK_PERIODS


# --- the command ---------------------------------------------------------------------------------


def test_the_table_shows_figures_sparklines_target_lines_and_changes(cli, office):
    out = cli("trend", "--from", "2020", "--to", "2021", "--every", "year", "--metric", "pkspkb.members").stdout
    assert "coops in PKS-PKB" in out and "target" in out and "21" in out
    assert any(ch in out for ch in trend.SPARK)
    assert "2020" in out and "2021" in out and "Change" in out


def test_csv_and_json_give_the_tidy_series(cli, office):
    csv_out = cli("trend", "--every", "year", "--from", "2020", "--to", "2021", "--csv").stdout.splitlines()
    assert csv_out[0] == ",".join(KEYS)
    rows = cli.json("trend", "--every", "year", "--from", "2020", "--to", "2021", "--metric", "pkspkb.members")
    assert {r["metric"] for r in rows} == {"pkspkb.members"} and rows[0]["as_of"] == "2020-12-31"


def test_indonesian_month_names_and_words_for_the_periods_length(cli, office, monkeypatch):
    monkeypatch.setenv("KOPTRACK_LANG", "id")
    args = ["--from", "2021-01", "--to", "2021-03", "--every", "bulan", "--metric", "pkspkb.members"]
    out = cli("trend", *args).stdout
    assert "Jan 2021" in out and "Mar 2021" in out and "Indikator" in out
    rows = cli.json("trend", "--from", "2021", "--to", "2021", "--every", "triwulan", "--metric", "pkspkb.members")
    assert [r["period"] for r in rows][:4] == ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]  # --json: English


@pytest.mark.parametrize(
    "args, field",
    [
        (["--every", "weekly"], "every 'weekly'"),
        (["--from", "2021-13"], "from '2021-13'"),
        (["--from", "2022", "--to", "2021-06"], "from "),
        (["--metric", "nope"], "metric 'nope'"),
        (["--from", "2999"], "from "),
        (["--regency", "99.99"], "regency '99.99'"),
    ],
)
def test_bad_input_is_one_error_line(cli, office, args, field):
    err = refused(cli("trend", *args, ok=False))
    assert field in err
