"""koptrack's benchmarks, side by side with the raw floor, in one run; writes its section of
docs/benchmarks.md (one per tier and shape: the rest of the file is kept).

    python bench/run.py --tier national                    # one regency's shape (generation takes minutes)
    python bench/run.py --tier national --shape spread --skip-import
    python bench/run.py --tier tiny --repeat 1             # seconds: the CI smoke run
    python bench/run.py --tier province --skip-import --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Measured, each `--repeat` times, medians reported:
- start-up: `koptrack --help` and `koptrack --version` against `python -c "import typer"`;
- import: `koptrack import people` of a 1,000,000-row roster against the `sqlite3` shell's
  `.import` of the same file into a staging table and `INSERT ... SELECT` from it into the same
  tables and indexes (bench/import_bench.py), and `sqlite-utils insert --csv` when it is installed;
- reports at the tier and shape (bench/generate.py): `targets 2021`, `pkspkb status`, `bpjs
  status` (every cooperative), `bpjs status --by kecamatan`, `bpjs status --kind ksp`, `coop
  list`: with `--json` against the very SQL koptrack runs for them (captured from the report
  functions) run by the `sqlite3` shell, the floor being that time plus koptrack's own start-up
  (`koptrack --version`); in the default table mode, written to a file, against the same
  report's `--json`;
- exports: `koptrack export people|enrollments|coops -o FILE.csv` against the `sqlite3` shell
  writing the very SQL koptrack runs for them to a CSV file (`.mode csv`, `.once`);
- peak memory (maximum resident set) of every command.
With --pg URL, the tier's CSV files are imported by `koptrack import` into a fresh SQLite file
and a fresh PostgreSQL database `koptrack_bench_<tier>` on that server (COPY), the reports are
timed on both, and their JSON compared: a second table, SQLite against PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import import_bench  # noqa: E402

AS_OF = "2021-12-31"
GOALS = {"startup": 1.5, "import": 2.0, "report": 1.5, "table": 1.5, "export": 2.0}
REPORT_WALL_S = 2.0
MEMORY_MB = 300

WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "out = open(sys.argv[2], 'wb') if sys.argv[2] else subprocess.DEVNULL\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[3:], stdout=out, stderr=subprocess.PIPE)\n"
    "s = time.perf_counter() - t\n"
    "json.dump({'s': s, 'rc': p.returncode, 'kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,\n"
    "           'err': p.stderr.decode(errors='replace')[-1500:]}, open(sys.argv[1], 'w'))\n"
)


def measure(cmd: list[str], env: dict | None = None, stdout: Path | None = None) -> tuple[float, float]:
    """(seconds, peak resident MB) of one run of `cmd` in its own process; its output to the
    file `stdout` (removed afterwards), else to /dev/null."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        subprocess.run([sys.executable, "-c", WRAPPER, out, str(stdout or ""), *cmd], env=env, check=True)
        r = json.loads(Path(out).read_text())
    finally:
        os.unlink(out)
        if stdout is not None:
            stdout.unlink(missing_ok=True)
    if r["rc"] != 0:
        raise SystemExit(f"failed ({r['rc']}): {' '.join(cmd)}\n{r['err']}")
    return r["s"], r["kb"] / 1024


def repeated(cmd: list[str], repeat: int, env: dict | None = None, before=None, stdout: Path | None = None) -> dict:
    times, mem = [], []
    for _ in range(repeat):
        if before:
            before()
        s, mb = measure(cmd, env, stdout)
        times.append(s)
        mem.append(mb)
    return {"s": statistics.median(times), "mb": max(mem)}


def koptrack_cmd(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "koptrack", "--db", db, *args]


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KOPTRACK_DB", "KOPTRACK_REGENCY")}
    env["COLUMNS"] = "200"
    return env


# --- reports and the SQL behind them ----------------------------------------------------------


def report_calls():
    """name -> (CLI arguments with --json, the report function koptrack runs for them)."""
    from koptrack.core import coops, coverage, pkspkb, targets
    from koptrack.core.coverage import CoverageFilter

    day = dt.date.fromisoformat(AS_OF)
    return {
        "targets 2021": (["targets", "2021", "--json"], lambda s: targets.report(s, 2021, None, None)),
        "pkspkb status": (
            ["pkspkb", "status", "--as-of", AS_OF, "--json"],
            lambda s: pkspkb.status(s, as_of=day),
        ),
        "bpjs status": (
            ["bpjs", "status", "--as-of", AS_OF, "--json"],
            lambda s: list(coverage.bpjs_status(s, CoverageFilter(as_of=day))),
        ),
        "bpjs status --by kecamatan": (
            ["bpjs", "status", "--by", "kecamatan", "--as-of", AS_OF, "--json"],
            lambda s: coverage.bpjs_status_by_kecamatan(s, CoverageFilter(as_of=day)),
        ),
        "bpjs status --kind ksp": (
            ["bpjs", "status", "--kind", "ksp", "--as-of", AS_OF, "--json"],
            lambda s: list(coverage.bpjs_status(s, CoverageFilter(as_of=day, kind="ksp"))),
        ),
        "coop list": (["coop", "list", "--json"], lambda s: list(coops.list_coops(s))),
    }


def export_calls():
    """name -> (CLI arguments before `-o FILE`, the rows koptrack reads for them)."""
    from koptrack.core import exports

    def rows(what: str):
        return lambda s: [list(section.rows) for section in exports.sections(s, what)]

    return {f"export {what}": (["export", what], rows(what)) for what in ("people", "enrollments", "coops")}


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def inline(sql: str, params) -> str:
    """The statement with its qmark parameters written in as literals (outside string literals)."""
    if not params:
        return sql
    params = list(params)
    out, i, quoted = [], 0, False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
        if ch == "?" and not quoted:
            out.append(_literal(params[i]))
            i += 1
        else:
            out.append(ch)
    return "".join(out)


def capture_report_sql(db: str, report) -> list[str]:
    """Every SELECT koptrack sends to SQLite for one report, with its parameters inlined."""
    from sqlalchemy import event

    from koptrack import store

    engine = store.open_engine(db)
    statements: list[str] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "alembic_version" not in statement:
            statements.append(inline(statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with store.session_scope(engine) as s:
            report(s)
    finally:
        engine.dispose()
    return statements


# --- the benchmark ----------------------------------------------------------------------------


def bench_startup(repeat: int) -> list[dict]:
    env = clean_env()
    typer_floor = repeated([sys.executable, "-c", "import typer"], repeat, env)
    rows = []
    for args in (["--help"], ["--version"]):
        k = repeated([sys.executable, "-m", "koptrack", *args], repeat, env)
        rows.append(
            {
                "what": f"koptrack {args[0]}",
                "koptrack_s": k["s"],
                "floor_s": typer_floor["s"],
                "floor": 'python -c "import typer"',
                "mb": k["mb"],
                "goal": GOALS["startup"],
            }
        )
    return rows


def bench_import(rows: int, repeat: int, workdir: Path) -> list[dict]:
    data = workdir / f"people-{rows}.csv"
    if not data.exists():
        import_bench.unique_csv(data, rows)
    base = import_bench.base_db(workdir)
    env = clean_env()
    floor_db, kop_db = workdir / "floor.db", workdir / "koptrack-import.db"
    script = workdir / "floor-import.sql"
    script.write_text(import_bench.FLOOR_SQL.format(csv=data))
    floor = repeated(
        ["sqlite3", str(floor_db), f".read {script}"],
        repeat,
        env,
        before=lambda: import_bench.fresh_copy(base, floor_db),
    )
    assert import_bench.count(floor_db) == (rows, rows)
    kop = repeated(
        koptrack_cmd(str(kop_db), "import", "people", str(data), "--json"),
        repeat,
        env,
        before=lambda: import_bench.fresh_copy(base, kop_db),
    )
    assert import_bench.count(kop_db) == (rows, rows)
    out = [
        {
            "what": f"import {rows:,} people",
            "koptrack_s": kop["s"],
            "floor_s": floor["s"],
            "floor": "sqlite3 .import + INSERT ... SELECT",
            "mb": kop["mb"],
            "goal": GOALS["import"],
        }
    ]
    if shutil.which("sqlite-utils"):
        peer_db = workdir / "peer.db"
        peer = repeated(
            ["sqlite-utils", "insert", str(peer_db), "staging", str(data), "--csv"],
            repeat,
            env,
            before=lambda: import_bench.fresh_copy(base, peer_db),
        )
        out[0]["sqlite_utils_s"] = peer["s"]
    return out


def tier_db(tier: str, shape: str, workdir: Path) -> tuple[Path, dict]:
    """The tier's generated database in the shape (made once per workdir), and its counts."""
    db = workdir / f"{tier}-{shape}.db"
    marker = workdir / f"{tier}-{shape}.done"
    if not (db.exists() and marker.exists()):
        print(f"generating the {tier} tier, {shape} shape, in {db} ...", file=sys.stderr)
        counts = generate.load_db(tier, db, shape=shape)
        marker.write_text(json.dumps(counts))
    return db, json.loads(marker.read_text())


def bench_reports(
    tier: str, repeat: int, workdir: Path, startup_s: float, shape: str = "regency"
) -> tuple[list[dict], dict]:
    db, counts = tier_db(tier, shape, workdir)
    env = clean_env()
    rows = []
    for name, (args, report) in report_calls().items():
        sql = capture_report_sql(str(db), report)
        script = workdir / f"{tier}-{shape}-{name.replace(' ', '_').replace('-', '')}.sql"
        script.write_text(".output /dev/null\n" + ";\n".join(sql) + ";\n")
        floor = repeated(["sqlite3", str(db), f".read {script}"], repeat, env)
        kop = repeated(koptrack_cmd(str(db), *args), repeat, env)
        rows.append(
            {
                "what": f"{name} ({tier})",
                "koptrack_s": kop["s"],
                "floor_s": floor["s"] + startup_s,
                "floor": f"sqlite3: the same {len(sql)} statement(s) + koptrack start-up",
                "mb": kop["mb"],
                "goal": GOALS["report"],
                "wall_goal": REPORT_WALL_S,
            }
        )
        # The default table, written to a file, against the same report's --json.
        table_args = [a for a in args if a != "--json"]
        out = workdir / f"{tier}-{shape}-table.txt"
        table = repeated(koptrack_cmd(str(db), *table_args), repeat, env, stdout=out)
        rows.append(
            {
                "what": f"{name}, table to a file ({tier})",
                "koptrack_s": table["s"],
                "floor_s": kop["s"],
                "floor": "the same report's --json",
                "mb": table["mb"],
                "goal": GOALS["table"],
                "wall_goal": REPORT_WALL_S,
            }
        )
    return rows, counts


def bench_exports(tier: str, repeat: int, workdir: Path, shape: str = "regency") -> list[dict]:
    """Each export to CSV against the `sqlite3` shell writing the SQL koptrack runs for it to a
    CSV file."""
    db, _ = tier_db(tier, shape, workdir)
    env = clean_env()
    out = workdir / f"{tier}-{shape}-export.csv"

    def clear() -> None:
        out.unlink(missing_ok=True)

    rows = []
    for name, (args, read) in export_calls().items():
        sql = capture_report_sql(str(db), read)
        script = workdir / f"{tier}-{shape}-{name.replace(' ', '_')}.sql"
        script.write_text(".headers on\n.mode csv\n" + "".join(f".once {out}\n{q};\n" for q in sql))
        floor = repeated(["sqlite3", str(db), f".read {script}"], repeat, env, before=clear)
        kop = repeated(koptrack_cmd(str(db), *args, "-o", str(out), "--force"), repeat, env, before=clear)
        clear()
        rows.append(
            {
                "what": f"{name} -o file.csv ({tier})",
                "koptrack_s": kop["s"],
                "floor_s": floor["s"],
                "floor": f"sqlite3 .mode csv: the same {len(sql)} statement(s) to a file",
                "mb": kop["mb"],
                "goal": GOALS["export"],
            }
        )
    return rows


def _output(cmd: list[str], env: dict) -> object:
    return json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)


def bench_engines(url: str, tier: str, repeat: int, workdir: Path, shape: str = "regency") -> list[dict]:
    """The tier's CSV files imported by koptrack into a fresh SQLite file and a fresh PostgreSQL
    database (COPY), then every report on both: times side by side, and whether the two
    engines printed the very same JSON."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"koptrack_bench_{tier}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        server = conn.exec_driver_sql("SHOW server_version").scalar()
    admin.dispose()
    dbs = {
        "SQLite": str(workdir / f"{tier}-{shape}-imported.db"),
        "PostgreSQL": make_url(url).set(database=name).render_as_string(hide_password=False),
    }
    for suffix in ("", "-wal", "-shm"):
        Path(dbs["SQLite"] + suffix).unlink(missing_ok=True)
    folder = workdir / f"{tier}-{shape}-csv"
    if not (folder / "regions.yaml").exists():
        print(f"writing the {tier} tier's CSV files ({shape} shape) into {folder} ...", file=sys.stderr)
        generate.write_csv(tier, folder, shape=shape)
    env = clean_env()
    rows = {}
    for engine, db in dbs.items():
        print(f"importing the {tier} tier into {engine} ...", file=sys.stderr)
        for seed in ([], [str(folder / "regions.yaml")]):
            subprocess.run(koptrack_cmd(db, "seed", *seed), env=env, check=True, capture_output=True)
        for what in ("coops", "people"):
            t, mb = measure(koptrack_cmd(db, "import", what, str(folder / f"{what}.csv"), "--json"), env)
            rows.setdefault(f"import {tier} {what}", {})[engine] = (t, mb)
            if what == "coops":  # the registrations the people file's enrollments need
                cmd = koptrack_cmd(db, "seed", str(folder / "registrations.yaml"))
                subprocess.run(cmd, env=env, check=True, capture_output=True)
    for rname, (args, _) in report_calls().items():
        outputs = {}
        for engine, db in dbs.items():
            k = repeated(koptrack_cmd(db, *args), repeat, env)
            rows.setdefault(f"{rname} ({tier})", {})[engine] = (k["s"], k["mb"])
            outputs[engine] = _output(koptrack_cmd(db, *args), env)
        rows[f"{rname} ({tier})"]["same"] = outputs["SQLite"] == outputs["PostgreSQL"]
    return [
        {
            "what": what,
            "sqlite_s": r["SQLite"][0],
            "pg_s": r["PostgreSQL"][0],
            "mb": max(r["SQLite"][1], r["PostgreSQL"][1]),
            "same": r.get("same"),
            "server": server,
        }
        for what, r in rows.items()
    ]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "unknown memory"
    shell = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version} (Python), {shell} (shell)"
    )


def verdict(row: dict) -> str:
    if row.get("floor_s") is None:
        return ""
    ok = row["ratio"] <= row["goal"]
    wall = row.get("wall_goal")
    if wall is not None and row["koptrack_s"] >= wall:
        ok = False
    mem_ok = row["mb"] < MEMORY_MB
    return ("met" if ok and mem_ok else "MISSED") + ("" if mem_ok else f" (memory ≥ {MEMORY_MB} MB)")


SHAPE_WORDS = {
    "regency": "one regency: every cooperative in Karawang's 30 kecamatan, cooperative sizes "
    "log-normal (most 5 to 50 people, a few thousands)",
    "spread": "spread: cooperatives over the tier's regencies, people over cooperatives uniformly",
}


def begin_marker(tier: str, shape: str) -> str:
    return f"<!-- bench/run.py: tier {tier}, shape {shape} -->"


def end_marker(tier: str, shape: str) -> str:
    return f"<!-- end of bench/run.py: tier {tier}, shape {shape} -->"


def render(
    tier: str,
    repeat: int,
    rows: list[dict],
    counts: dict,
    args_line: str,
    engines: list[dict] = (),
    shape: str = "regency",
) -> str:
    """The section of the benchmarks document for one tier and shape, between its markers."""
    lines = [
        begin_marker(tier, shape),
        f"## Tier {tier}, {shape} shape",
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}.",
        "",
        f"Tier **{tier}**: {counts.get('cooperative', 0):,} cooperatives, {counts.get('person', 0):,} people, "
        f"{counts.get('enrollment', 0):,} BPJS enrollments, {counts.get('bpjs_registration', 0):,} registrations, "
        f"{counts.get('pkspkb_membership', 0):,} PKS-PKB members (bench/generate.py, fixed seed; "
        f"{SHAPE_WORDS.get(shape, shape)}). "
        f"Median of {repeat} run(s); memory is the peak resident set of the process.",
        "",
        "| what | koptrack | floor | ratio | goal | peak memory | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r.get("floor_s") is None:
            lines.append(f"| {r['what']} | {r['koptrack_s']:.2f} s | | | | {r['mb']:.0f} MB | |")
            continue
        goal = f"≤ {r['goal']}×" + (f", < {r['wall_goal']:.0f} s" if r.get("wall_goal") else "")
        lines.append(
            f"| {r['what']} | {r['koptrack_s']:.2f} s | {r['floor_s']:.2f} s ({r['floor']}) | "
            f"{r['ratio']:.2f}× | {goal} | {r['mb']:.0f} MB | {verdict(r)} |"
        )
    peer = [r for r in rows if "sqlite_utils_s" in r]
    imported = any(r["what"].startswith("import ") for r in rows)
    lines.append("")
    if peer:
        p = peer[0]
        lines.append(
            f"`sqlite-utils insert --csv` of the same roster (into one plain table, no checks): "
            f"{p['sqlite_utils_s']:.2f} s, {p['sqlite_utils_s'] / p['koptrack_s']:.1f}× koptrack's time."
        )
    elif imported:
        lines.append(
            "`sqlite-utils` was not installed for this run, so the peer column is absent "
            "(`pip install sqlite-utils` and run again to add it)."
        )
    if engines:
        lines += [
            "",
            f"### SQLite and PostgreSQL {engines[0]['server']}, tier {tier}, {shape} shape",
            "",
            f"The tier's CSV files (bench/generate.py --csv) imported by `koptrack import` into a fresh "
            f"SQLite file and a fresh PostgreSQL database (COPY), then each report on both (median of "
            f"{repeat}); *same output* compares the two engines' JSON.",
            "",
            "| what | SQLite | PostgreSQL | PostgreSQL / SQLite | same output | peak memory |",
            "|---|---|---|---|---|---|",
        ]
        for r in engines:
            same = "" if r["same"] is None else ("yes" if r["same"] else "NO")
            lines.append(
                f"| {r['what']} | {r['sqlite_s']:.2f} s | {r['pg_s']:.2f} s | "
                f"{r['pg_s'] / r['sqlite_s']:.2f}× | {same} | {r['mb']:.0f} MB |"
            )
    lines += [
        "",
        "Goals missed, by how much and why: [benchmark-notes.md](benchmark-notes.md).",
        "",
        "Reproduce:",
        "",
        "```bash",
        "pip install -e '.[test]'",
        args_line,
        "```",
        end_marker(tier, shape),
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str, tier: str, shape: str) -> str:
    """`path` with the section of (tier, shape) replaced, or added after the last section
    bench/run.py wrote (after the title in a new file); everything else in it kept."""
    begin, end = begin_marker(tier, shape), end_marker(tier, shape)
    text = path.read_text(encoding="utf-8") if path.exists() else "# koptrack benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        last = text.rfind("<!-- end of bench/run.py:")
        at = text.index("\n", last) + 1 if last >= 0 else (text.index("\n") + 1 if "\n" in text else len(text))
        text = text[:at] + "\n" + section + "\n" + text[at:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", choices=list(generate.TIERS), default="district")
    ap.add_argument("--shape", choices=generate.SHAPES, default="regency", help="regency (default) or spread")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "koptrack-bench")
    ap.add_argument("--import-rows", type=int, help="roster size for the import (default 1,000,000; tiny: 2,000)")
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-exports", action="store_true")
    ap.add_argument("--pg", help="also run on this PostgreSQL server (an SQLAlchemy URL)")
    ap.add_argument("--out", type=Path, default=HERE.parent / "docs" / "benchmarks.md")
    args = ap.parse_args(argv)
    if not shutil.which("sqlite3"):
        raise SystemExit("the sqlite3 shell is needed for the floor (Debian: apt install sqlite3)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    import_rows = args.import_rows or (2_000 if args.tier == "tiny" else 1_000_000)

    rows = bench_startup(args.repeat)
    version_s = next(r["koptrack_s"] for r in rows if r["what"] == "koptrack --version")
    if not args.skip_import:
        rows += bench_import(import_rows, args.repeat, args.workdir)
    report_rows, counts = bench_reports(args.tier, args.repeat, args.workdir, version_s, args.shape)
    rows += report_rows
    if not args.skip_exports:
        rows += bench_exports(args.tier, args.repeat, args.workdir, args.shape)
    for r in rows:
        if r.get("floor_s"):
            r["ratio"] = r["koptrack_s"] / r["floor_s"]
    engines = []
    if args.pg:
        engines = bench_engines(args.pg, args.tier, args.repeat, args.workdir, args.shape)
    line = (
        "python bench/run.py "
        + " ".join(  # a server's address is not for the document
            "postgresql+psycopg://USER@HOST:PORT/postgres" if a.startswith("postgresql") else a
            for a in (argv if argv is not None else sys.argv[1:])
        )
    )
    section = render(args.tier, args.repeat, rows, counts, line, engines, args.shape)
    write_section(args.out, section, args.tier, args.shape)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
