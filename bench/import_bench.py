"""Import benchmark: `koptrack import people` against the sqlite3 shell doing the same load.

Both load the same deterministic roster CSV (valid NIKs, women's +40 day) into koptrack's own
schema with all its indexes, starting from the same seeded database with the same cooperatives:

- floor: `sqlite3` `.import` into a staging table, then INSERT ... SELECT into person (gender
  and birth date derived in SQL) and engagement (joined back on NIK). No validation at all.
- koptrack: `koptrack import people FILE` (validation of every row, one transaction).
- peer (optional, --peer): `sqlite-utils insert --csv` into a plain table, the tool a user
  might reach for; it must be installed separately (it is not a koptrack dependency).

Usage: python bench/import_bench.py [--rows 1000000] [--repeat 3] [--workdir /tmp/koptrack-bench]
Prints times (median of the repeats) and the ratio koptrack / floor.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COOPS = 200
SURNAMES = [
    "Aminah",
    "Santoso",
    "Hidayat",
    "Lestari",
    "Saputra",
    "Wulandari",
    "Nugroho",
    "Rahayu",
    "Kurniawan",
    "Permata",
    "Setiawan",
    "Handayani",
    "Pratama",
    "Susanti",
    "Firmansyah",
]
GIVEN = [
    "Siti",
    "Budi",
    "Agus",
    "Dewi",
    "Rina",
    "Andi",
    "Eko",
    "Sri",
    "Yanti",
    "Dedi",
    "Asep",
    "Euis",
    "Ujang",
    "Neneng",
    "Iwan",
    "Tuti",
    "Cecep",
    "Lilis",
]
KECAMATAN = [f"{k:02d}" for k in range(1, 31)]

FLOOR_SQL = """
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE staging (nik TEXT, name TEXT, role TEXT, since TEXT, coop INTEGER);
.mode csv
.import --skip 1 {csv} staging
BEGIN;
INSERT INTO person (nik, name, gender, birth_date, created_at, updated_at)
SELECT nik, name,
       CASE WHEN CAST(substr(nik, 7, 2) AS INTEGER) > 40 THEN 'P' ELSE 'L' END,
       printf('%s-%s-%02d',
              CASE WHEN CAST(substr(nik, 11, 2) AS INTEGER) <= 26 THEN '20' ELSE '19' END || substr(nik, 11, 2),
              substr(nik, 9, 2),
              CAST(substr(nik, 7, 2) AS INTEGER) % 40),
       datetime('now'), datetime('now')
FROM staging;
INSERT INTO engagement (person_id, coop_id, role, since, until, created_at)
SELECT p.id, s.coop, s.role, s.since, NULL, datetime('now') FROM staging s JOIN person p ON p.nik = s.nik;
COMMIT;
"""


def unique_csv(path: Path, rows: int, seed: int = 2021) -> None:
    """A roster of `rows` distinct, valid people for COOPS cooperatives (ids 2..COOPS+1): the
    birth part and serial of each NIK follow from the row number, so NIKs never repeat."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["nik", "name", "role", "since", "coop"])
        for i in range(rows):
            serial = i % 9999 + 1
            block = i // 9999  # 0..: one birth date per block of 9,999 serials
            woman = block % 2 == 1
            day = (block // 2) % 28 + 1
            month = (block // 56) % 12 + 1
            year = 60 + (block // 672) % 40
            nik = f"3215{KECAMATAN[block % 30]}{day + (40 if woman else 0):02d}{month:02d}{year:02d}{serial:04d}"
            name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
            role = "karyawan" if rng.random() < 0.3 else "anggota"
            since = f"20{rng.randint(10, 21):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            w.writerow([nik, name, role, since, 2 + i % COOPS])


def base_db(workdir: Path) -> Path:
    """A seeded koptrack database with COOPS more cooperatives, to copy for every run."""
    db = workdir / "base.db"
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
        s.connection().execute(
            insert(Cooperative.__table__),
            [
                {
                    "name": f"Koperasi Bench {i}",
                    "kind": "produsen" if i % 5 == 0 else "ksp",
                    "base": "masyarakat",
                    "kecamatan_code": f"32.15.{i % 30 + 1:02d}",
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(COOPS)
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


def timed(cmd: list[str], **kwargs) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def count(db: Path) -> tuple[int, int]:
    import sqlite3

    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM person").fetchone()[0], c.execute(
            "SELECT count(*) FROM engagement"
        ).fetchone()[0]


def run(rows: int, repeat: int, workdir: Path, peer: bool) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"people-{rows}.csv"
    if not data.exists():
        unique_csv(data, rows)
    base = base_db(workdir)
    koptrack = [sys.executable, "-m", "koptrack"]
    floor_times, kop_times, peer_times = [], [], []
    for _ in range(repeat):
        db = fresh_copy(base, workdir / "floor.db")
        floor_times.append(timed(["sqlite3", str(db)], input=FLOOR_SQL.format(csv=data)))
        assert count(db) == (rows, rows), count(db)
        db = fresh_copy(base, workdir / "koptrack.db")
        kop_times.append(timed([*koptrack, "--db", str(db), "import", "people", str(data), "--json"]))
        assert count(db) == (rows, rows), count(db)
        if peer and shutil.which("sqlite-utils"):
            db = fresh_copy(base, workdir / "peer.db")
            peer_times.append(timed(["sqlite-utils", "insert", str(db), "staging", str(data), "--csv"]))
    out = {
        "rows": rows,
        "file_mb": round(data.stat().st_size / 1e6, 1),
        "repeat": repeat,
        "floor_s": round(statistics.median(floor_times), 2),
        "koptrack_s": round(statistics.median(kop_times), 2),
    }
    out["ratio"] = round(out["koptrack_s"] / out["floor_s"], 2)
    if peer_times:
        out["sqlite_utils_s"] = round(statistics.median(peer_times), 2)
        out["speedup_vs_sqlite_utils"] = round(out["sqlite_utils_s"] / out["koptrack_s"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/koptrack-bench"))
    ap.add_argument("--peer", action="store_true", help="also time sqlite-utils insert --csv, if installed")
    args = ap.parse_args()
    result = run(args.rows, args.repeat, args.workdir, args.peer)
    for k, v in result.items():
        print(f"{k:>24}: {v}")


if __name__ == "__main__":
    main()
