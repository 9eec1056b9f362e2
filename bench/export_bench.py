"""Export benchmark (issue 18, item 3): `koptrack export people|enrollments|coops` to CSV beside
its floor, the `sqlite3` shell writing the same columns of the same query to a CSV file
(`.headers on`, `.mode csv`, `.once FILE`, the very statement koptrack sends, captured); and the
same exports to xlsx, which has no shell floor: its time is given against the CSV floor, with
its rows a second and its peak memory.

    python bench/export_bench.py --tier district
    python bench/export_bench.py --tier national --repeat 1 --workdir /tmp/kb

The databases are bench/generate.py's (`<workdir>/<tier>.db`, as bench/run.py names them,
generated when missing). Each measurement runs in its own process: wall time, CPU time (user +
system: steadier than wall time on a shared machine) and peak resident set. Floor and koptrack
alternate, `--repeat` times, medians reported; the load average beside each row says how busy
the machine was. Every koptrack CSV is checked against the floor's, row by row: the same values
but for NIK and KPJ, which koptrack masks (the floor masks nothing and checks nothing). The
ratio is to the bare shell (the issue's goal); beside it, the ratio to the floor plus koptrack's
start-up (as bench/run.py gives the reports'), which is what a small export is made of: the
start-up is timed as `koptrack export pkspkb` (a few thousand rows at most).

xlsx is measured with the library koptrack uses (XlsxWriter when installed, else openpyxl's
write-only mode) and, when XlsxWriter is installed, with openpyxl too; only for exports of at
most `--xlsx-rows` rows (a national people export of 5,000,000 rows takes most of an hour in
openpyxl and does not fit one sheet: koptrack goes on over more sheets).

Prints Markdown rows (and writes them to `--out`). `measure_exports` gives bench/run.py's row
dicts for its table.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402

GOAL = 2.0  # issue 18: an export's CSV within 2x of the shell writing the same query
EXPORTS = ("people", "enrollments", "coops")
XLSX_ROWS = 600_000

WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "s = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "json.dump({'s': s, 'cpu': u.ru_utime + u.ru_stime, 'rc': p.returncode, 'kb': u.ru_maxrss,\n"
    "           'err': p.stderr.decode(errors='replace')[-1500:]}, open(sys.argv[1], 'w'))\n"
)

# koptrack's own CLI with the xlsx library chosen (the bench's way to time openpyxl when
# XlsxWriter is installed; nothing else changes)
FORCE_LIBRARY = (
    "import sys\n"
    "import koptrack.io.writers as w\n"
    "library = sys.argv.pop(1)\n"
    "w._xlsx_writer = lambda: library\n"
    "from koptrack.cli import main\n"
    "main()\n"
)


def measure(cmd: list[str], env: dict) -> dict:
    """Wall seconds, CPU seconds and peak resident MB of one run of `cmd` in its own process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        subprocess.run([sys.executable, "-c", WRAPPER, out, *cmd], env=env, check=True)
        r = json.loads(Path(out).read_text())
    finally:
        os.unlink(out)
    if r["rc"] != 0:
        raise SystemExit(f"failed ({r['rc']}): {' '.join(cmd)}\n{r['err']}")
    return {"s": r["s"], "cpu": r["cpu"], "mb": r["kb"] / 1024}


def median(runs: list[dict]) -> dict:
    return {
        "s": statistics.median(r["s"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "mb": max(r["mb"] for r in runs),
    }


def tier_db(tier: str, workdir: Path) -> Path:
    """bench/run.py's database of the tier, generated when missing."""
    db = workdir / f"{tier}.db"
    marker = workdir / f"{tier}.done"
    if not (db.exists() and marker.exists()):
        print(f"generating the {tier} tier in {db} ...", file=sys.stderr)
        marker.write_text(json.dumps(generate.load_db(tier, db)))
    return db


def export_sql(db: Path, what: str) -> str:
    """The statement `koptrack export WHAT -o x.csv` sends, its parameters written in."""
    from koptrack.core import exports

    def first_batch(session) -> None:
        section = exports.sections(session, what)[0]
        keys = [c.key for c in section.columns if not c.bar]
        batches = section.rows.batches(keys)
        next(batches, None)
        batches.close()

    statements = run.capture_report_sql(str(db), first_batch)
    return statements[-1]


def floor_script(sql: str, out: Path) -> str:
    return f".headers on\n.mode csv\n.once {out}\n{sql};\n"


def check_same(floor_csv: Path, koptrack_csv: Path) -> int:
    """The rows of both files, value by value (NIK and KPJ masked on the floor's side as
    koptrack masks them); returns how many. A difference stops the benchmark."""
    from koptrack.domain.validate import mask_kpj, mask_nik

    with open(floor_csv, newline="", encoding="utf-8") as a, open(koptrack_csv, newline="", encoding="utf-8-sig") as b:
        fa, fb = csv.reader(a), csv.reader(b)
        head = next(fa)
        if next(fb) != head:
            raise SystemExit(f"{koptrack_csv}: the header is not the floor's {head}")
        maskers = [(i, mask_nik if k == "nik" else mask_kpj) for i, k in enumerate(head) if k in ("nik", "kpj")]
        n = 0
        for ra, rb in zip(fa, fb, strict=True):
            for i, fn in maskers:
                if ra[i]:
                    ra[i] = fn(ra[i])
            if ra != rb:
                raise SystemExit(f"{koptrack_csv}, row {n + 2}: {rb} where the floor has {ra}")
            n += 1
    return n


def libraries() -> list[str]:
    """The xlsx libraries to time: the one koptrack uses, and openpyxl beside XlsxWriter."""
    from koptrack.io import writers

    return ["xlsxwriter", "openpyxl"] if writers._xlsx_writer() == "xlsxwriter" else ["openpyxl"]


def measure_exports(tier: str, workdir: Path, repeat: int = 1, whats=EXPORTS, xlsx_rows: int = XLSX_ROWS) -> list[dict]:
    """One dict per measurement: what, rows, koptrack (s, cpu, mb), floor (s, cpu), ratios."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = tier_db(tier, workdir)
    env = run.clean_env()
    # koptrack's fixed cost (start-up: Python, SQLAlchemy and the models imported, the database
    # opened and checked, a file written): the PKS-PKB export, a few thousand rows at most
    fixed_csv = workdir / f"koptrack-{tier}-pkspkb.csv"
    fixed_runs = []
    for _ in range(repeat):
        fixed_csv.unlink(missing_ok=True)
        fixed_runs.append(measure(run.koptrack_cmd(str(db), "export", "pkspkb", "-o", str(fixed_csv)), env))
    fixed_csv.unlink(missing_ok=True)
    fixed = median(fixed_runs)
    results = []
    for what in whats:
        sql = export_sql(db, what)
        floor_csv, kop_csv = workdir / f"floor-{tier}-{what}.csv", workdir / f"koptrack-{tier}-{what}.csv"
        script = workdir / f"floor-{tier}-{what}.sql"
        script.write_text(floor_script(sql, floor_csv))
        floors, kops = [], []
        load = os.getloadavg()[0]
        for _ in range(repeat):  # alternating, so that both see the same machine
            floor_csv.unlink(missing_ok=True)
            floors.append(measure(["sqlite3", str(db), f".read {script}"], env))
            kop_csv.unlink(missing_ok=True)
            kops.append(measure(run.koptrack_cmd(str(db), "export", what, "-o", str(kop_csv)), env))
        floor, kop = median(floors), median(kops)
        rows = check_same(floor_csv, kop_csv)
        results.append(
            {
                "what": f"export {what} → CSV ({tier})",
                "format": "csv",
                "rows": rows,
                "koptrack_s": kop["s"],
                "koptrack_cpu": kop["cpu"],
                "floor_s": floor["s"],
                "floor_cpu": floor["cpu"],
                "floor": "sqlite3 shell: the same query, .mode csv, .once",
                "mb": kop["mb"],
                "goal": GOAL,
                "ratio": kop["s"] / floor["s"],
                "cpu_ratio": kop["cpu"] / max(floor["cpu"], 0.01),
                "startup_s": fixed["s"],
                "startup_ratio": kop["s"] / (floor["s"] + fixed["s"]),
                "load": (load, os.getloadavg()[0]),
            }
        )
        print(_progress(results[-1]), file=sys.stderr)
        kop_csv.unlink(missing_ok=True)
        if rows > xlsx_rows:
            print(f"export {what} ({tier}): {rows:,} rows, xlsx not timed (--xlsx-rows {xlsx_rows:,})", file=sys.stderr)
            floor_csv.unlink(missing_ok=True)
            continue
        for library in libraries():
            out = workdir / f"koptrack-{tier}-{what}.xlsx"
            cmd = [sys.executable, "-c", FORCE_LIBRARY, library, "--db", str(db), "export", what, "-o", str(out)]
            load = os.getloadavg()[0]
            runs = []
            for _ in range(repeat):
                out.unlink(missing_ok=True)
                runs.append(measure(cmd, env))
            x = median(runs)
            out.unlink(missing_ok=True)
            results.append(
                {
                    "what": f"export {what} → xlsx, {library} ({tier})",
                    "format": "xlsx",
                    "rows": rows,
                    "koptrack_s": x["s"],
                    "koptrack_cpu": x["cpu"],
                    "floor_s": floor["s"],
                    "floor_cpu": floor["cpu"],
                    "floor": "the CSV floor above",
                    "mb": x["mb"],
                    "ratio": x["s"] / floor["s"],
                    "cpu_ratio": x["cpu"] / max(floor["cpu"], 0.01),
                    "startup_s": fixed["s"],
                    "startup_ratio": x["s"] / (floor["s"] + fixed["s"]),
                    "load": (load, os.getloadavg()[0]),
                }
            )
            print(_progress(results[-1]), file=sys.stderr)
        floor_csv.unlink(missing_ok=True)
    return results


def _progress(r: dict) -> str:
    return (
        f"{r['what']}: {r['rows']:,} rows, {r['koptrack_s']:.2f} s (CPU {r['koptrack_cpu']:.2f} s), "
        f"floor {r['floor_s']:.2f} s (CPU {r['floor_cpu']:.2f} s), {r['ratio']:.2f}x, {r['mb']:.0f} MB; "
        f"load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after"
    )


def markdown(results: list[dict]) -> list[str]:
    lines = [
        "| what | rows | koptrack | floor (sqlite3 shell, CSV) | ratio | CPU ratio "
        "| ratio to floor + start-up | goal | peak memory | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        goal = f"≤ {r['goal']}×" if r.get("goal") else ""
        verdict = ("met" if r["ratio"] <= r["goal"] else "MISSED") if r.get("goal") else ""
        lines.append(
            f"| {r['what']} | {r['rows']:,} | {r['koptrack_s']:.2f} s (CPU {r['koptrack_cpu']:.2f} s) | "
            f"{r['floor_s']:.2f} s (CPU {r['floor_cpu']:.2f} s) | {r['ratio']:.2f}× | {r['cpu_ratio']:.2f}× | "
            f"{r['startup_ratio']:.2f}× (start-up {r['startup_s']:.2f} s) | {goal} | {r['mb']:.0f} MB | {verdict} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", default="district", choices=list(generate.TIERS))
    ap.add_argument("--what", action="append", choices=EXPORTS, help="an export to time (default: all three)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--xlsx-rows", type=int, default=XLSX_ROWS, help="time xlsx for exports of at most this many rows")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "koptrack-bench")
    ap.add_argument("--out", type=Path, help="also write the Markdown rows to this file")
    args = ap.parse_args(argv)
    results = measure_exports(args.tier, args.workdir, args.repeat, tuple(args.what or EXPORTS), args.xlsx_rows)
    lines = markdown(results)
    print("\n".join(lines))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
