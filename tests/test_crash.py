"""A real `koptrack import` killed with SIGKILL half-way through its file leaves the database
exactly as it was, and the next import of the same file goes through."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import table_dump
from koptrack import store

ROWS = 120_000


def roster(path: Path, rows: int) -> Path:
    """Distinct valid NIKs: kecamatan 32.15.05, a birth date from the counter, serial 0001-9999."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["nik", "name", "role", "since"])
        for i in range(rows):
            serial = i % 9999 + 1
            day_index = i // 9999  # 0..11 for 120,000 rows
            day, month = day_index % 28 + 1, day_index // 28 + 1
            w.writerow([f"321505{day:02d}{month:02d}85{serial:04d}", f"Pekerja {i}", "karyawan", "2021-01-04"])
    return path


def read_position(pid: int, target: Path) -> int | None:
    """How far the process has read into `target` (Linux /proc), or None if it has not opened it."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if os.readlink(fd) == str(target):
                    for line in Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().splitlines():
                        if line.startswith("pos:"):
                            return int(line.split()[1])
            except OSError:
                continue
    except OSError:
        return None
    return None


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc to see the import's progress")
def test_sigkill_in_the_middle_of_an_import_leaves_the_database_as_it_was(cli, db_path, tmp_path):
    cli("seed")
    cli("coop", "add", "KSP Sejahtera", "--kind", "ksp", "--kecamatan", "Cikampek")
    cli(
        "worker",
        "add",
        "--coop",
        "2",
        "--nik",
        "3215055203900001",
        "--name",
        "Siti Aminah",
        "--role",
        "karyawan",
        "--since",
        "2021-01-04",
    )
    path = roster(tmp_path / "big.csv", ROWS).resolve()
    size = path.stat().st_size
    engine = store.open_engine(str(db_path))
    before = table_dump(engine)
    engine.dispose()

    proc = subprocess.Popen(
        [sys.executable, "-m", "koptrack", "--db", str(db_path), "import", "people", str(path), "--coop", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    killed_at = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        pos = read_position(proc.pid, path)
        if pos is not None and size * 0.3 < pos < size * 0.8:  # rows are being written, the end is far
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = pos
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    assert killed_at is not None, f"the import ended (exit {proc.returncode}) before it could be killed mid-way"
    assert proc.returncode == -signal.SIGKILL

    engine = store.open_engine(str(db_path))
    try:
        assert table_dump(engine) == before  # not one of the rows read so far is there
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()
    # and the database is usable: the same file imports whole now
    summary = cli.json("import", "people", str(path), "--coop", "2")
    assert summary["created"]["engagements"] == ROWS and summary["invalid"] == 0
