"""Two real processes writing at once, and one reading, against one database file: no
'database is locked', nothing lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import text

from koptrack import store

WRITER = textwrap.dedent(
    """
    import sys
    from koptrack.core import people
    from koptrack import store
    db, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    engine = store.open_engine(db)
    for i in range(first, first + count):
        nik = "3215051203%02d%04d" % (80 + i % 10, i)   # valid: 12-03-19xx, serial i
        with store.session_scope(engine, write=True) as s:
            people.add_worker(s, 1, nik=nik, name="Worker %d" % i, role="karyawan", since="2021-01-04")
    print("ok", count)
    """
)
READER = textwrap.dedent(
    """
    import datetime as dt, sys
    from koptrack.core import coverage
    from koptrack import store
    engine = store.open_engine(sys.argv[1])
    for _ in range(int(sys.argv[2])):
        with store.session_scope(engine) as s:
            list(coverage.bpjs_status(s, coverage.CoverageFilter(as_of=dt.date.today())))
    print("ok")
    """
)


def test_two_writers_and_a_reader_lose_nothing(cli, db_path):
    cli("seed")
    per_writer = 150
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db_path), str(start), str(per_writer)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for start in (1, 1 + per_writer)
    ]
    procs.append(
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db_path), "40"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    )
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "locked" not in err
    engine = store.open_engine(str(db_path))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar() == 2 * per_writer
        assert conn.execute(text("SELECT count(*) FROM engagement WHERE coop_id = 1")).scalar() == 2 * per_writer
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE command = 'library'")).scalar() == 2 * per_writer
    engine.dispose()
