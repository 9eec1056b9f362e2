"""Bulk-import benchmark (issue 18 item 4): `koptrack import registrations` and `koptrack import
pkspkb` against the sqlite3 shell loading the same rows.

Both start from copies of one seeded database holding COOPS cooperatives (`Koperasi Bulk N`, one
regency's kecamatan) and load the same deterministic CSV, one row per cooperative, naming the
cooperative as an office does (by name):

- registrations: Nama Koperasi, Tanggal Daftar, NPP, Kantor Cabang;
- pkspkb: Nama Koperasi, Tgl Bergabung, Tgl Keluar (one row in ten), No Perjanjian.

- floor: `sqlite3` `.import` into a temporary table, then one INSERT ... SELECT into koptrack's
  table (bpjs_registration, pkspkb_membership), the cooperative joined by lower(name) through
  koptrack's own index. No checking of any value.
- koptrack: `koptrack import registrations|pkspkb FILE --json` (every row checked by the rules of
  `bpjs register` / `pkspkb join`, one transaction, one audit entry), then the same file again
  (nothing to change: the idempotent pass).

Each is run in its own process; the time is the wall time of the process (koptrack's includes
its start-up), with its CPU time beside it (steadier on a machine shared with other work), the
memory its peak resident set. Usage:

    python bench/bulk_bench.py [--rows 100000] [--repeat 3] [--workdir /tmp/koptrack-bulk]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_ROWS_PER_S = 20_000  # registrations (issue 18)

FLOOR = {
    "registrations": """
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE staging (coop TEXT, registered_on TEXT, npp TEXT, branch TEXT);
.mode csv
.import --skip 1 {csv} staging
BEGIN;
INSERT INTO bpjs_registration (coop_id, registered_on, npp, branch, created_at)
SELECT c.id, s.registered_on, NULLIF(s.npp, ''), NULLIF(s.branch, ''), datetime('now')
FROM staging s JOIN cooperative c ON lower(c.name) = lower(s.coop);
COMMIT;
""",
    "pkspkb": """
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE staging (coop TEXT, joined_on TEXT, left_on TEXT, agreement_no TEXT);
.mode csv
.import --skip 1 {csv} staging
BEGIN;
INSERT INTO pkspkb_membership (coop_id, joined_on, left_on, agreement_no, created_at)
SELECT c.id, s.joined_on, NULLIF(s.left_on, ''), NULLIF(s.agreement_no, ''), datetime('now')
FROM staging s JOIN cooperative c ON lower(c.name) = lower(s.coop);
COMMIT;
""",
}
TABLES = {"registrations": "bpjs_registration", "pkspkb": "pkspkb_membership"}

WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[3:], stdin=open(sys.argv[2]) if sys.argv[2] != '-' else None,\n"
    "                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "s = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "json.dump({'s': s, 'rc': p.returncode, 'kb': u.ru_maxrss, 'cpu': u.ru_utime + u.ru_stime,\n"
    "           'err': p.stderr.decode(errors='replace')[-1500:]}, open(sys.argv[1], 'w'))\n"
)


def measure(cmd: list[str], stdin: str | None = None) -> tuple[float, float, float]:
    """(wall seconds, peak resident MB, CPU seconds) of one run of `cmd` in its own process
    (`stdin`: a script). On a machine shared with other work the CPU time is the steadier."""
    with tempfile.TemporaryDirectory() as tmp:
        out, script = Path(tmp) / "r.json", Path(tmp) / "in.sql"
        if stdin is not None:
            script.write_text(stdin)
        subprocess.run(
            [sys.executable, "-c", WRAPPER, str(out), str(script) if stdin is not None else "-", *cmd], check=True
        )
        r = json.loads(out.read_text())
    if r["rc"] != 0:
        raise SystemExit(f"failed ({r['rc']}): {' '.join(cmd)}\n{r['err']}")
    return r["s"], r["kb"] / 1024, r["cpu"]


def write_files(workdir: Path, rows: int, seed: int = 2022) -> dict[str, Path]:
    """One registrations and one pkspkb CSV of `rows` rows, one per cooperative, by name."""
    rng = random.Random(seed)
    files = {kind: workdir / f"{kind}-{rows}.csv" for kind in FLOOR}
    if all(p.exists() for p in files.values()):
        return files
    with open(files["registrations"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Nama Koperasi", "Tanggal Daftar", "NPP", "Kantor Cabang"])
        for i in range(rows):
            day = f"20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            npp = f"{rng.randrange(10**8):08d}" if rng.random() < 0.9 else ""
            w.writerow([f"Koperasi Bulk {i}", day, npp, rng.choice(["Karawang", "Purwakarta", "Bekasi", ""])])
    with open(files["pkspkb"], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Nama Koperasi", "Tgl Bergabung", "Tgl Keluar", "No Perjanjian"])
        for i in range(rows):
            year = rng.randint(2018, 2022)
            joined = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            left = f"{year + 2}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.1 else ""
            w.writerow([f"Koperasi Bulk {i}", joined, left, f"PKS/{i}/{year}" if rng.random() < 0.5 else ""])
    return files


def base_db(workdir: Path, coops: int) -> Path:
    """A seeded koptrack database with `coops` more cooperatives, to copy for every run."""
    db = workdir / f"base-{coops}.db"
    if db.exists():
        return db
    from sqlalchemy import insert

    from koptrack import store
    from koptrack.core import seed
    from koptrack.store.models import Cooperative, utcnow

    engine = store.open_engine(str(db))
    with store.session_scope(engine, write=True) as s:
        seed.load_seed(s)
        now = utcnow()
        for start in range(0, coops, 10_000):
            s.connection().execute(
                insert(Cooperative.__table__),
                [
                    {
                        "name": f"Koperasi Bulk {i}",
                        "kind": ("ksp", "produsen", "konsumen", "jasa")[i % 4],
                        "base": "masyarakat",
                        "kecamatan_code": f"32.15.{i % 30 + 1:02d}",
                        "status": "active",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(start, min(start + 10_000, coops))
                ],
            )
    with engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return db


def fresh_copy(base: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(base, target)
    return target


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def run(rows: int, repeat: int, workdir: Path) -> dict[str, dict]:
    workdir.mkdir(parents=True, exist_ok=True)
    files = write_files(workdir, rows)
    base = base_db(workdir, rows)
    koptrack = [sys.executable, "-m", "koptrack"]
    out: dict[str, dict] = {}
    for kind, data in files.items():
        table = TABLES[kind]
        expected = count(base, table) + rows  # the seed's own records and the file's
        floor, floor_cpu, kop, kop_cpu, again, mem, mem_again = [], [], [], [], [], [], []
        for _ in range(repeat):
            db = fresh_copy(base, workdir / "floor.db")
            s, _mb, cpu = measure(["sqlite3", str(db)], stdin=FLOOR[kind].format(csv=data))
            floor.append(s)
            floor_cpu.append(cpu)
            assert count(db, table) == expected, (kind, count(db, table))
            db = fresh_copy(base, workdir / "koptrack.db")
            s, mb, cpu = measure([*koptrack, "--db", str(db), "import", kind, str(data), "--json"])
            kop.append(s)
            kop_cpu.append(cpu)
            mem.append(mb)
            assert count(db, table) == expected, (kind, count(db, table))
            s, mb, _cpu = measure([*koptrack, "--db", str(db), "import", kind, str(data), "--json"])
            again.append(s)
            mem_again.append(mb)
            assert count(db, table) == expected, (kind, count(db, table))
        k, f = statistics.median(kop), statistics.median(floor)
        kc, fc = statistics.median(kop_cpu), statistics.median(floor_cpu)
        out[kind] = {
            "rows": rows,
            "file_mb": round(data.stat().st_size / 1e6, 1),
            "floor_s": round(f, 2),
            "koptrack_s": round(k, 2),
            "ratio": round(k / f, 2),
            "rows_per_s": round(rows / k),
            "floor_cpu_s": round(fc, 2),
            "koptrack_cpu_s": round(kc, 2),
            "cpu_ratio": round(kc / fc, 2),
            "rows_per_cpu_s": round(rows / kc),
            "again_s": round(statistics.median(again), 2),
            "peak_mb": round(max(mem)),
            "peak_again_mb": round(max(mem_again)),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000, help="rows of each file (and cooperatives in the database)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/koptrack-bulk"))
    args = ap.parse_args()
    os.environ.setdefault("KOPTRACK_LANG", "en")
    started = time.strftime("%Y-%m-%d %H:%M")
    result = run(args.rows, args.repeat, args.workdir)
    print(f"bulk imports, {args.rows:,} rows, median of {args.repeat}, started {started}")
    for kind, r in result.items():
        verdict = ""
        if kind == "registrations":
            verdict = "met" if r["rows_per_s"] >= GOAL_ROWS_PER_S else "MISSED"
            verdict = f" (goal {GOAL_ROWS_PER_S:,} rows/s: {verdict})"
        print(
            f"  import {kind}: {r['koptrack_s']} s = {r['rows_per_s']:,} rows/s{verdict}; floor {r['floor_s']} s; "
            f"ratio {r['ratio']}x; CPU {r['koptrack_cpu_s']} s = {r['rows_per_cpu_s']:,} rows/CPU-s vs floor "
            f"{r['floor_cpu_s']} s ({r['cpu_ratio']}x); again (nothing to change) {r['again_s']} s; "
            f"peak {r['peak_mb']} MB (again {r['peak_again_mb']} MB); file {r['file_mb']} MB"
        )


if __name__ == "__main__":
    main()
