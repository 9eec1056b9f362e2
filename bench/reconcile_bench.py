"""Reconciliation benchmark (issue 15): `koptrack bpjs reconcile` of a BPJS participant list
against a tier's database, side by side with the floor: the `sqlite3` shell loading the same
list with `.import` and running the same join (list to person by NIK, to the NPP's
cooperative, to the enrollments running on the day, and the enrollments the list lacks),
classes counted, no validation at all.

    python bench/reconcile_bench.py --tier district --rows 100000
    python bench/reconcile_bench.py --tier national --rows 1000000 --repeat 3 --workdir /tmp/kb

The list is made from the tier's database (bench/generate.py, fixed seed): most enrolled people
as BPJS lists them (aktif, same TMT and programmes), some nonaktif with an end date, some with
another TMT or programmes, and people koptrack has never seen to reach `--rows`. Memory is
measured on the full list and on a tenth of it: flat means the peak barely moves.
Prints a Markdown row per measurement (paste it into docs/benchmarks.md with `--out`).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402

AS_OF = "2021-12-31"
GOAL = 2.0
HEADER = ["NIK", "No KPJ", "Nama", "NPP", "TMT", "Status", "Tgl Nonaktif", "Program", "Kategori"]

FLOOR_SQL = """\
.bail on
.import --csv {csv} l
CREATE INDEX l_nik ON l (NIK);
WITH lp AS (
  SELECT l.*, p.id AS pid, r.coop_id AS lcoop
  FROM l LEFT JOIN person p ON p.nik = l.NIK LEFT JOIN bpjs_registration r ON r.npp = l.NPP
),
k AS (
  SELECT n.* FROM enrollment n
  WHERE n.start_on <= '{day}' AND (n.end_on IS NULL OR n.end_on > '{day}')
)
SELECT class, count(*) FROM (
  SELECT CASE
    WHEN k.id IS NULL AND lp.Status = 'Aktif' THEN CASE WHEN lp.pid IS NULL THEN 'not_on_roster' ELSE 'not_enrolled' END
    WHEN k.id IS NULL THEN 'inactive'
    WHEN lp.Status <> 'Aktif' THEN 'not_active'
    WHEN k.start_on = lp.TMT AND k.programmes = lp.Program AND coalesce(k.kpj, '') = lp."No KPJ" THEN 'confirmed'
    ELSE 'disagree' END AS class
  FROM lp LEFT JOIN k ON k.person_id = lp.pid AND k.coop_id = lp.lcoop
  UNION ALL
  SELECT 'not_active' FROM k WHERE NOT EXISTS (SELECT 1 FROM person p JOIN l ON l.NIK = p.nik WHERE p.id = k.person_id)
) GROUP BY class;
"""


def write_list(db: Path, out: Path, rows: int, seed: int = 15) -> dict:
    """A participant list of `rows` people as a branch office would send it."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    stmt = (
        "SELECT p.nik, n.kpj, p.name, r.npp, n.start_on, n.programmes, n.category "
        "FROM enrollment n JOIN person p ON p.id = n.person_id "
        "JOIN bpjs_registration r ON r.coop_id = n.coop_id AND r.npp IS NOT NULL "
        f"WHERE n.start_on <= '{AS_OF}' AND (n.end_on IS NULL OR n.end_on > '{AS_OF}') ORDER BY n.id"
    )
    npps = [npp for (npp,) in conn.execute("SELECT npp FROM bpjs_registration WHERE npp IS NOT NULL LIMIT 1000")]
    made = {"enrolled": 0, "nonaktif": 0, "other": 0, "unknown": 0}
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        n = 0
        for nik, kpj, name, npp, start, progs, cat in conn.execute(stmt):
            if n >= rows:
                break
            x = rng.random()
            status, end = "Aktif", ""
            if x < 0.05:
                status, end = "Nonaktif", "2021-06-30" if start < "2021-06-30" else ""
                made["nonaktif"] += 1
            elif x < 0.10:
                progs = "jkk,jkm" if progs != "jkk,jkm" else "jkk,jkm,jht"
                made["other"] += 1
            else:
                made["enrolled"] += 1
            w.writerow([nik, kpj or "", name.upper(), npp, start, status, end, progs, cat.upper()])
            n += 1
        # people koptrack has never seen: NIKs of a serial range the generator never uses
        i = 0
        while n < rows:
            birth = f"{1 + i % 28:02d}{1 + i % 12:02d}{80 + i % 20:02d}"
            nik = f"3215{1 + (i // 9000) % 30:02d}{birth}{9000 + i % 999:04d}"
            kpj = f"{9 * 10**10 + i:011d}"
            w.writerow([nik, kpj, "PESERTA BARU", rng.choice(npps), "2021-03-01", "Aktif", "", "jkk,jkm", "PU"])
            i += 1
            n += 1
            made["unknown"] += 1
    conn.close()
    return made


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far (each measurement's
    wrapper and the command it ran)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", default="district", choices=list(generate.TIERS))
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--workdir", default="/tmp/koptrack-bench")
    ap.add_argument("--out", help="also write the Markdown rows to this file")
    args = ap.parse_args(argv)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"{args.tier}.db"
    if not db.exists():
        print(f"generating the {args.tier} tier in {db} ...", file=sys.stderr)
        generate.load_db(args.tier, db)
    env = run.clean_env()
    results = []
    for rows in (args.rows // 10, args.rows):
        data = work / f"bpjs-list-{args.tier}-{rows}.csv"
        if not data.exists():
            print(f"writing {data}: {write_list(db, data, rows)}", file=sys.stderr)
        script = work / f"floor-reconcile-{rows}.sql"
        script.write_text(FLOOR_SQL.format(csv=data, day=AS_OF))
        floor_db = work / "floor-reconcile.db"

        def fresh(target: Path = floor_db) -> None:
            target.unlink(missing_ok=True)
            src = sqlite3.connect(db)
            dst = sqlite3.connect(target)
            src.backup(dst)
            src.close()
            dst.close()

        load = os.getloadavg()[0]
        cpu = [_children_cpu()]
        floor = run.repeated(["sqlite3", str(floor_db), f".read {script}"], args.repeat, env, before=fresh)
        cpu.append(_children_cpu())
        kop = run.repeated(
            run.koptrack_cmd(str(db), "bpjs", "reconcile", str(data), "--as-of", AS_OF), args.repeat, env
        )
        cpu.append(_children_cpu())
        # The machine may be shared: the load beside each measurement says how far to trust it,
        # and the CPU time each side used (user + system, a run's mean) is what the load inflates least.
        floor_cpu, kop_cpu = ((cpu[i + 1] - cpu[i]) / args.repeat for i in (0, 1))
        print(
            f"{rows:,} rows: koptrack {kop['s']:.2f} s ({kop_cpu:.2f} s CPU), floor {floor['s']:.2f} s "
            f"({floor_cpu:.2f} s CPU), peak {kop['mb']:.0f} MB; load average {load:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after",
            file=sys.stderr,
        )
        results.append({"rows": rows, "koptrack_s": kop["s"], "floor_s": floor["s"], "mb": kop["mb"]})
    small, full = results
    ratio = full["koptrack_s"] / full["floor_s"]
    verdict = "met" if ratio <= GOAL else "MISSED"
    flat = full["mb"] - small["mb"]
    lines = [
        f"| bpjs reconcile, a {full['rows']:,}-participant list ({args.tier}) | {full['koptrack_s']:.2f} s | "
        f"{full['floor_s']:.2f} s (sqlite3 .import + the same join) | {ratio:.2f}× | ≤ {GOAL}× | "
        f"{full['mb']:.0f} MB ({small['mb']:.0f} MB for {small['rows']:,} rows: {flat:+.0f} MB) | {verdict} |",
    ]
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
