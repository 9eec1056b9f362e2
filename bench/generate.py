"""Deterministic synthetic data for koptrack's benchmarks, at four tiers.

    tiny      30 coops,       1,000 people   (CI smoke run: seconds)
    district  1,200 coops,    60,000 people  (a Kabupaten like Karawang)
    province  25,000 coops,   1,500,000 people (27 regencies)
    national  130,000 coops,  5,000,000 people (34 provinces)

Two shapes of the same counts (--shape):

    regency   every cooperative in one regency's kecamatan (Karawang's real 30), as a district
              office's database is; cooperative sizes log-normal: most have 5 to 50 people, a
              few thousands (the default)
    spread    cooperatives spread over the tier's regencies (Karawang first), people over the
              cooperatives uniformly (about the mean size each): the shape of the first benchmarks

Both: the five kinds of cooperative in realistic shares, membership bases, valid NIKs (women's
day +40), employees and members with some departures, BPJS registrations (about 40% of
cooperatives) and enrollments at varied dates, PKS-PKB joins, and the seed's 2021 targets.
Fixed seed: the same tier and shape always give the same rows.

    python bench/generate.py --tier district --db /tmp/kb/district.db     # a database for reports
    python bench/generate.py --tier district --csv /tmp/kb/district       # CSV files for `koptrack import`
    python bench/generate.py --tier national --shape spread --db /tmp/kb/national-spread.db

The database is created and migrated by koptrack itself (and seeded), then filled with the
sqlite3 module's executemany: loading is not what the report benchmarks measure.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from koptrack.domain.validate import PROVINCE_CODES

TIERS = {
    "tiny": (30, 1_000, 1),
    "district": (1_200, 60_000, 1),
    "province": (25_000, 1_500_000, 27),
    "national": (130_000, 5_000_000, 514),
}
KINDS = [("ksp", 0.30), ("produsen", 0.15), ("konsumen", 0.35), ("pemasaran", 0.05), ("jasa", 0.15)]
BASES = [("masyarakat", 0.6), ("karyawan", 0.3), ("unknown", 0.1)]
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
# Every province of the NIK numbering but the four Papua provinces of 2022 (the generator's
# fixed data predates them).
PROVINCES = sorted(c for c in PROVINCE_CODES if c <= "92")
KEC_PER_REGENCY = 23
SHAPES = ("regency", "spread")
# The one-regency shape's cooperative sizes: log-normal, median 16.5 and sigma 1.3 (62% of
# cooperatives have 5 to 50 people, 1 in 1,000 more than 1,000; mean 38.5, the national tier's
# 5,000,000 / 130,000), then scaled to the tier's exact count of people.
SIZE_MEDIAN, SIZE_SIGMA = 16.5, 1.3
NOW = "2026-01-01 00:00:00.000000"


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    x, acc = rng.random(), 0.0
    for value, w in weighted:
        acc += w
        if x < acc:
            return value
    return weighted[-1][0]


def regencies(n: int) -> list[str]:
    """Karawang first, then other codes: Jawa Barat's for a province, every province's beyond."""
    if n == 1:
        return ["32.15"]
    if n <= 27:
        codes = [f"32.{r:02d}" for r in range(1, 19)] + [f"32.{r}" for r in range(71, 80)]
        codes.remove("32.15")
        return ["32.15"] + codes[: n - 1]
    out = ["32.15"]
    i = 0
    while len(out) < n:
        prov, reg = PROVINCES[i % len(PROVINCES)], i // len(PROVINCES) + 1
        code = f"{prov}.{reg:02d}"
        if code != "32.15":
            out.append(code)
        i += 1
    return out


def nik_for(i: int, kec_code: str, rng: random.Random) -> tuple[str, str, str]:
    """A valid NIK unique by i: birth date and serial follow from i; (nik, gender, birth date)."""
    serial = i % 9999 + 1
    block = i // 9999
    woman = block % 2 == 1
    day = (block // 2) % 28 + 1
    month = (block // 56) % 12 + 1
    year = 1960 + (block // 672) % 45
    digits = kec_code.replace(".", "")
    nik = f"{digits}{day + (40 if woman else 0):02d}{month:02d}{year % 100:02d}{serial:04d}"
    return nik, "P" if woman else "L", f"{year}-{month:02d}-{day:02d}"


def day_between(rng: random.Random, start: dt.date, end: dt.date) -> str:
    return (start + dt.timedelta(days=rng.randrange((end - start).days + 1))).isoformat()


@dataclass
class Counts:
    coops: int = 0
    people: int = 0
    engagements: int = 0
    registrations: int = 0
    enrollments: int = 0
    pkspkb: int = 0


def coop_sizes(n_coops: int, n_people: int, seed: int) -> list[int]:
    """How many people each cooperative has in the one-regency shape: log-normal draws scaled so
    that they add up to `n_people` exactly (a few cooperatives have nobody recorded)."""
    rng = random.Random(seed)
    draws = [rng.lognormvariate(math.log(SIZE_MEDIAN), SIZE_SIGMA) for _ in range(n_coops)]
    total = sum(draws)
    sizes, acc, before = [], 0.0, 0
    for d in draws:
        acc += d
        upto = round(n_people * acc / total)
        sizes.append(upto - before)
        before = upto
    return sizes


def rows(tier: str, seed: int = 2021, shape: str = "regency"):
    """Yield (table, row tuple) in dependency order, deterministically."""
    if shape not in SHAPES:
        raise ValueError(f"no shape named {shape!r}")
    n_coops, n_people, n_regencies = TIERS[tier]
    rng = random.Random(seed)
    regs = regencies(1 if shape == "regency" else n_regencies)
    kecamatan = [f"{r}.{k:02d}" for r in regs for k in range(1, (30 if r == "32.15" else KEC_PER_REGENCY) + 1)]
    for r in regs:
        yield "regency", (r, f"Regency {r}", "Jawa Barat" if r.startswith("32.") else f"Province {r[:2]}")
    for k in kecamatan:
        yield "kecamatan", (k, f"Kecamatan {k}", k[:5])
    coops = []
    for c in range(n_coops):
        kind = pick(rng, KINDS)
        coop_id = c + 2  # the seed's Koperasi Makmur Mandiri is 1
        kec = kecamatan[rng.randrange(len(kecamatan))]
        active = rng.random() < 0.95
        yield (
            "cooperative",
            (
                coop_id,
                f"Koperasi {kind.title()} {c}",
                kind,
                pick(rng, BASES),
                kec,
                "active" if active else "inactive",
                NOW,
                NOW,
            ),
        )
        if not active:  # dated like every status: inactive from a day derived from the id
            yield "coop_inactive", (coop_id, f"20{16 + coop_id % 6}-0{1 + coop_id % 9}-01", NOW)
        registered = None
        if rng.random() < 0.4:
            registered = day_between(rng, dt.date(2015, 1, 1), dt.date(2021, 12, 31))
            yield "bpjs_registration", (coop_id, registered, f"NP{coop_id % 1000000:06d}", NOW)
        coops.append((coop_id, kind, registered))
        if rng.random() < 0.02:
            yield "pkspkb_membership", (coop_id, day_between(rng, dt.date(2019, 1, 1), dt.date(2021, 12, 31)), NOW)
    # The one-regency shape: people come cooperative by cooperative, as rosters are imported.
    sizes = coop_sizes(n_coops, n_people, seed + 1) if shape == "regency" else None
    owner = (coop for coop, size in zip(coops, sizes, strict=True) for _ in range(size)) if sizes else None
    for c in range(n_people):
        coop_id, kind, registered = next(owner) if owner is not None else coops[rng.randrange(len(coops))]
        kec = kecamatan[(c * 7919) % len(kecamatan)]
        nik, gender, birth = nik_for(c, kec, rng)
        person_id = c + 1
        yield "person", (person_id, nik, f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}", gender, birth, NOW, NOW)
        employee = rng.random() < (0.2 if kind == "produsen" else 0.4)
        role = "karyawan" if employee else "anggota"
        since = day_between(rng, dt.date(2010, 1, 1), dt.date(2021, 6, 30))
        until = (
            day_between(rng, dt.date.fromisoformat(since) + dt.timedelta(days=1), dt.date(2022, 12, 31))
            if rng.random() < 0.1
            else None
        )
        yield "engagement", (person_id, coop_id, role, since, until, NOW)
        in_scope = (role == "anggota") if kind == "produsen" else (role == "karyawan")
        if in_scope and rng.random() < 0.6:
            start = max(since, "2015-01-01")
            start = day_between(rng, dt.date.fromisoformat(start), dt.date(2022, 6, 30))
            programmes = "jkk,jkm,jht" if rng.random() < 0.7 else "jkk,jkm"
            category = "pu" if role == "karyawan" else "bpu"
            missing = "jht" if category == "pu" and programmes == "jkk,jkm" and rng.random() < 0.5 else ""
            if registered is None:
                continue  # an enrollment lies within a registration of its cooperative
            start = max(start, registered)
            yield (
                "enrollment",
                (
                    person_id,
                    coop_id,
                    f"{(person_id * 7) % 10**11:011d}",
                    category,
                    programmes,
                    missing,
                    start,
                    None,
                    NOW,
                ),
            )


INSERTS = {
    "regency": "INSERT OR IGNORE INTO regency (code, name, province) VALUES (?, ?, ?)",
    "kecamatan": "INSERT OR IGNORE INTO kecamatan (code, name, regency_code) VALUES (?, ?, ?)",
    "cooperative": "INSERT INTO cooperative (id, name, kind, base, kecamatan_code, status, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "bpjs_registration": "INSERT INTO bpjs_registration (coop_id, registered_on, npp, created_at) VALUES (?, ?, ?, ?)",
    "pkspkb_membership": "INSERT INTO pkspkb_membership (coop_id, joined_on, created_at) VALUES (?, ?, ?)",
    "coop_inactive": "INSERT INTO coop_inactive (coop_id, since, created_at) VALUES (?, ?, ?)",
    "person": "INSERT INTO person (id, nik, name, gender, birth_date, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "engagement": "INSERT INTO engagement (person_id, coop_id, role, since, until, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "enrollment": "INSERT INTO enrollment (person_id, coop_id, kpj, category, programmes, missing_programmes, "
    "start_on, end_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
}


def load_db(tier: str, path: Path, *, quiet: bool = False, shape: str = "regency", analyze: bool = True) -> dict:
    """A koptrack database at `path`: migrated and seeded by koptrack, then the tier's rows of
    the shape; with `analyze`, ANALYZE's statistics for the planner (without: none, as a database
    filled by `koptrack import` alone is)."""
    from koptrack import store
    from koptrack.core import seed

    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    engine = store.open_engine(str(path))
    with store.session_scope(engine, write=True) as s:
        seed.load_seed(s)
    engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    conn.execute("BEGIN")
    buffers: dict[str, list] = {t: [] for t in INSERTS}
    counts: dict[str, int] = {t: 0 for t in INSERTS}
    for table, row in rows(tier, shape=shape):
        buf = buffers[table]
        buf.append(row)
        counts[table] += 1
        if len(buf) >= 50_000:
            conn.executemany(INSERTS[table], buf)
            buf.clear()
            if not quiet and table == "person" and counts[table] % 500_000 == 0:
                print(f"  {counts[table]:,} people", file=sys.stderr)
    for table, buf in buffers.items():
        if buf:
            conn.executemany(INSERTS[table], buf)
    conn.execute("COMMIT")
    if analyze:
        conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    return counts


def write_csv(tier: str, folder: Path, shape: str = "regency") -> dict:
    """coops.csv and people.csv for `koptrack import` (cooperatives referenced by name),
    registrations.yaml (their BPJS registrations, a seed file to load between the two), and
    regions.yaml, a seed file with the tier's synthetic regencies and kecamatan beyond
    Karawang's (`koptrack seed` first, then `koptrack seed regions.yaml`)."""
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[int, str] = {}
    counts = {"coops": 0, "people": 0}
    regions: dict[str, list] = {}
    for table, row in rows(tier, shape=shape):
        if table == "regency" and row[0] != "32.15":
            regions[row[0]] = [row]
        elif table == "kecamatan" and row[2] in regions:
            regions[row[2]].append(row)
        elif table == "cooperative":
            break
    with open(folder / "regions.yaml", "w", encoding="utf-8") as f:
        f.write(
            "# Synthetic regions of the benchmark tier (bench/generate.py): not real places.\n"
            "format: 1\nsources:\n  - {key: bench-synthetic, kind: synthetic, title: bench/generate.py}\n"
            "regions:\n  regencies:\n"
        )
        for reg, *_ in regions.values():
            f.write(f'    - {{code: "{reg[0]}", name: "{reg[1]}", province: "{reg[2]}"}}\n')
        f.write("  kecamatan:\n" if regions else "  kecamatan: []\n")
        for code, (_, *kecs) in regions.items():
            f.write(f'    - source: bench-synthetic\n      regency: "{code}"\n      list:\n')
            f.writelines(f'        - ["{k[0]}", "{k[1]}"]\n' for k in kecs)
    with (
        open(folder / "coops.csv", "w", newline="", encoding="utf-8") as fc,
        open(folder / "people.csv", "w", newline="", encoding="utf-8") as fp,
        open(folder / "registrations.yaml", "w", encoding="utf-8") as fr,
    ):
        wc, wp = csv.writer(fc), csv.writer(fp)
        wc.writerow(["Nama Koperasi", "Jenis", "Basis", "Kecamatan"])
        wp.writerow(["NIK", "Nama", "Peran", "Tanggal Masuk", "Koperasi", "No KPJ", "Tanggal BPJS", "Program"])
        # The cooperatives' BPJS registrations, as a seed file loaded after `import coops`
        # (an enrollment in people.csv needs its cooperative's registration; no import reads them).
        fr.write(
            "# Synthetic BPJS registrations of the benchmark tier (bench/generate.py).\n"
            "format: 1\nsources:\n  - {key: bench-synthetic, kind: synthetic, title: bench/generate.py}\n"
            "cooperatives:\n"
        )
        coop_rows: dict[int, tuple] = {}
        pending = None
        for table, row in rows(tier, shape=shape):
            if table == "cooperative":
                names[row[0]] = row[1]
                coop_rows[row[0]] = row
                wc.writerow([row[1], row[2], row[3], row[4]])
                counts["coops"] += 1
            elif table == "bpjs_registration":
                c = coop_rows[row[0]]
                fr.write(
                    f'  - {{name: "{c[1]}", kind: {c[2]}, base: {c[3]}, kecamatan: "{c[4]}", '
                    f"bpjs_registration: {{registered_on: {row[1]}}}}}\n"
                )
            elif table == "person":
                if pending:
                    wp.writerow(pending)
                pending = [row[1], row[2]]
                counts["people"] += 1
            elif table == "engagement" and pending is not None:
                pending += [row[2], row[3], names[row[1]], "", "", ""]
            elif table == "enrollment" and pending is not None:
                pending[5:8] = [row[2], row[6], row[4]]
        if pending:
            wp.writerow(pending)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", choices=list(TIERS), default="district")
    ap.add_argument("--shape", choices=SHAPES, default="regency", help="regency (default) or spread")
    ap.add_argument("--no-analyze", action="store_true", help="leave the database without ANALYZE's statistics")
    ap.add_argument("--db", type=Path, help="write a koptrack SQLite database here")
    ap.add_argument("--csv", type=Path, help="write coops.csv and people.csv into this folder")
    args = ap.parse_args()
    if not args.db and not args.csv:
        ap.error("give --db PATH and/or --csv FOLDER")
    if args.db:
        print(load_db(args.tier, args.db, shape=args.shape, analyze=not args.no_analyze))
    if args.csv:
        print(write_csv(args.tier, args.csv, shape=args.shape))


if __name__ == "__main__":
    main()
