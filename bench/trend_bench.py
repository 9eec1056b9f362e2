"""`koptrack trend` (issue 17 item 1): twelve months of every figure at a tier, against one
`koptrack targets` report (goal: within 3x), one `bpjs status --by kecamatan` report, the
same twelve days asked of those two reports one by one (what trend replaces), and the floor:
the very SQL trend sends, run by the `sqlite3` shell, plus koptrack's start-up.

    python bench/trend_bench.py --tier national                      # the regency shape, as bench/run.py
    python bench/trend_bench.py --tier national --shape spread --workdir /tmp/kb
    python bench/trend_bench.py --tier district --repeat 1 --out docs/benchmarks.md

The database is bench/run.py's (bench/generate.py at the tier and shape, made once per
workdir: `<workdir>/<tier>-<shape>.db`). Each command runs in its own process, `--repeat`
times, medians reported, with the peak resident memory and the CPU time (user + system) of the
process: on a shared machine the CPU time moves less than the wall time. With --out, the
section between this script's markers (one per tier and shape) in that document is replaced (added at the end the first
time); the rest of the document is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

FIRST, LAST = "2021-01-01", "2021-12-31"
MONTH_ENDS = [(dt.date(2021, m + 1, 1) - dt.timedelta(days=1)).isoformat() if m < 12 else LAST for m in range(1, 13)]
TARGET_METRICS = "bpjs.registered_coops,bpjs.enrolled_people,pkspkb.joined,pkspkb.members"
GOAL = 3.0


def begin_marker(tier: str, shape: str) -> str:
    return f"<!-- bench/trend_bench.py: tier {tier}, shape {shape} -->"


def end_marker(tier: str, shape: str) -> str:
    return f"<!-- end of bench/trend_bench.py: tier {tier}, shape {shape} -->"


WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "s = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "json.dump({'s': s, 'cpu': u.ru_utime + u.ru_stime, 'rc': p.returncode, 'kb': u.ru_maxrss,\n"
    "           'err': p.stderr.decode(errors='replace')[-1500:]}, open(sys.argv[1], 'w'))\n"
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


def repeated(cmds: list[list[str]], repeat: int, env: dict) -> dict:
    """The commands run one after the other, `repeat` times: medians of their summed times."""
    runs = []
    for _ in range(repeat):
        one = [measure(c, env) for c in cmds]
        runs.append({"s": sum(m["s"] for m in one), "cpu": sum(m["cpu"] for m in one), "mb": max(m["mb"] for m in one)})
    return {k: (max if k == "mb" else statistics.median)(r[k] for r in runs) for k in ("s", "cpu", "mb")}


def trend_cmd(db: str, *args: str) -> list[str]:
    return run.koptrack_cmd(db, "trend", *args)


def trend_sql(db: str, metrics: list[str] | None) -> list[str]:
    from koptrack.core import trend

    first, last = dt.date.fromisoformat(FIRST), dt.date.fromisoformat(LAST)
    return run.capture_report_sql(db, lambda s: trend.compute(s, start=first, end=last, every="month", metrics=metrics))


def bench(tier: str, shape: str, repeat: int, workdir: Path, per_period: bool) -> tuple[list[dict], dict]:
    db_path, counts = run.tier_db(tier, shape, workdir)
    db = str(db_path)
    env = run.clean_env()
    months = ["--from", FIRST, "--to", LAST, "--every", "month", "--json"]
    startup = repeated([run.koptrack_cmd(db, "--version")], repeat, env)
    targets = repeated([run.koptrack_cmd(db, "targets", "2021", "--json")], repeat, env)
    by_kec = repeated(
        [run.koptrack_cmd(db, "bpjs", "status", "--by", "kecamatan", "--as-of", LAST, "--json")], repeat, env
    )
    rows = [
        {"what": f"targets 2021 ({tier})", **targets},
        {"what": f"bpjs status --by kecamatan, one day ({tier})", **by_kec},
    ]
    for label, metrics in (("the targets' four metrics", TARGET_METRICS.split(",")), ("every figure", None)):
        args = [*months, *(["--metric", TARGET_METRICS] if metrics else [])]
        t = repeated([trend_cmd(db, *args)], repeat, env)
        sql = trend_sql(db, metrics)
        script = workdir / f"{tier}-{shape}-trend-{'targets' if metrics else 'all'}.sql"
        script.write_text(".output /dev/null\n" + ";\n".join(sql) + ";\n")
        floor = repeated([["sqlite3", db, f".read {script}"]], repeat, env)
        rows.append(
            {
                "what": f"trend, 12 months, {label} ({tier})",
                **t,
                "vs_targets": t["s"] / targets["s"],
                "vs_targets_cpu": t["cpu"] / targets["cpu"],
                "floor_s": floor["s"] + startup["s"],
                "floor": f"sqlite3: the same {len(sql)} statements + start-up",
                "goal": GOAL if metrics else None,
            }
        )
        if not metrics:
            rows[-1]["vs_kec"] = t["s"] / by_kec["s"]
    if per_period:
        day_by_day = repeated(
            [run.koptrack_cmd(db, "targets", "2021", "--as-of", d, "--json") for d in MONTH_ENDS]
            + [run.koptrack_cmd(db, "bpjs", "status", "--by", "kecamatan", "--as-of", d, "--json") for d in MONTH_ENDS],
            1,
            env,
        )
        rows.append({"what": f"the same 12 days, one targets and one by-kecamatan report each ({tier})", **day_by_day})
    return rows, counts


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def render(tier: str, shape: str, repeat: int, rows: list[dict], counts: dict, before: str, after: str) -> str:
    lines = [
        begin_marker(tier, shape),
        f"## Trend: every figure over twelve months, tier {tier}, shape {shape} (issue 17 item 1)",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {run.machine()}; load average {before} before the "
        f"runs and {after} after (the machine is shared: other sessions' tests and benchmarks ran too). "
        f"Tier **{tier}**, shape **{shape}** (bench/generate.py): {counts.get('cooperative', 0):,} cooperatives, "
        f"{counts.get('person', 0):,} people, {counts.get('enrollment', 0):,} enrollments, "
        f"{counts.get('bpjs_registration', 0):,} registrations, {counts.get('pkspkb_membership', 0):,} PKS-PKB "
        f"memberships. `koptrack trend --from {FIRST} --to {LAST} --every month --json`, median of {repeat}; "
        "CPU is the process's user + system time.",
        "",
        "| what | wall | CPU | vs `targets 2021` (wall / CPU) | goal | floor | peak memory |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        vs = f"{r['vs_targets']:.2f}× / {r['vs_targets_cpu']:.2f}×" if "vs_targets" in r else ""
        goal = ""
        if r.get("goal"):
            ok = r["vs_targets"] <= r["goal"]
            goal = f"≤ {r['goal']:.0f}×: {'met' if ok else 'MISSED'}"
        floor = f"{r['floor_s']:.2f} s ({r['floor']}): {r['s'] / r['floor_s']:.2f}×" if "floor_s" in r else ""
        lines.append(
            f"| {r['what']} | {r['s']:.2f} s | {r['cpu']:.2f} s | {vs} | {goal} | {floor} | {r['mb']:.0f} MB |"
        )
    every = next((r for r in rows if "vs_kec" in r), None)
    if every:
        lines += [
            "",
            f"Every figure (the targets' metrics for every segment with a target, coverage per kind and per "
            f"kecamatan) for twelve months took {every['vs_kec']:.2f}× one `bpjs status --by kecamatan` report "
            "of one day.",
        ]
    lines += [
        "",
        "Reproduce:",
        "",
        "```bash",
        f"python bench/trend_bench.py --tier {tier} --shape {shape} --repeat {repeat}",
        "```",
        end_marker(tier, shape),
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str, tier: str, shape: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = begin_marker(tier, shape), end_marker(tier, shape)
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", choices=list(generate.TIERS), default="national")
    ap.add_argument("--shape", choices=generate.SHAPES, default="regency")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "koptrack-bench")
    ap.add_argument("--no-per-period", action="store_true", help="skip the twelve days' reports one by one")
    ap.add_argument("--out", type=Path, help="write this section into the document (docs/benchmarks.md)")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    before = load()
    rows, counts = bench(args.tier, args.shape, args.repeat, args.workdir, not args.no_per_period)
    section = render(args.tier, args.shape, args.repeat, rows, counts, before, load())
    if args.out:
        write_section(args.out, section, args.tier, args.shape)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
