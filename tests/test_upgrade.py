"""A database made at the first schema revision, filled, then opened by the current koptrack."""

from __future__ import annotations

import datetime as dt
import json

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from koptrack import store


def at_revision(db: str, revision: str):
    """An engine on a new database migrated only up to `revision`, as an older koptrack left it."""
    engine = store.make_engine(store.resolve_url(db))
    cfg = Config()
    cfg.set_main_option("script_location", "koptrack.store:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return engine


def test_database_at_first_revision_upgrades_and_keeps_its_data(cli, empty_db):
    url = store.resolve_url(empty_db)
    engine = at_revision(empty_db, "0001")
    # fill it with what an office at revision 0001 would have, using plain SQL of that time
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO regency (code, name) VALUES ('32.15', 'Kabupaten Karawang')"))
        conn.execute(text("INSERT INTO kecamatan (code, name, regency_code) VALUES ('32.15.05', 'Klari', '32.15')"))
        conn.execute(
            text(
                "INSERT INTO cooperative (name, kind, base, kecamatan_code, status, created_at, updated_at) "
                "VALUES ('Koperasi Lama', 'ksp', 'masyarakat', '32.15.05', 'active', :t, :t)"
            ),
            {"t": dt.datetime(2021, 1, 1)},
        )
        conn.execute(
            text("INSERT INTO bpjs_registration (coop_id, registered_on, created_at) VALUES (1, '2021-02-01', :t)"),
            {"t": dt.datetime(2021, 1, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO target (year, metric, kind, base, value) "
                "VALUES (2021, 'bpjs.registered_coops', 'ksp', 'any', 3)"
            )
        )
    engine.dispose()

    first = cli("--db", empty_db, "bpjs", "status", "--as-of", "2021-12-31", "--json")
    assert f"upgrading the database schema from revision 0001 to {store.SCHEMA_HEAD}" in first.stderr
    rows = json.loads(first.stdout)  # the note is on stderr: stdout stays one JSON document
    assert [(r["name"], r["registered"]) for r in rows] == [("Koperasi Lama", True)]
    again = cli("--db", empty_db, "targets", "2021", "--json")
    assert "upgrading" not in again.stderr  # once
    targets = json.loads(again.stdout)
    assert [(t["regency"], t["target"], t["actual"]) for t in targets] == [("any", 3, 1)]  # 0002 added regency
    check = create_engine(url)
    with check.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == store.SCHEMA_HEAD
        assert conn.execute(text("SELECT count(*) FROM cooperative")).scalar() == 1
        if check.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    check.dispose()


def test_an_inactive_cooperative_at_revision_0004_becomes_inactive_from_its_last_change(cli, empty_db):
    """0005 turns the old status into a dated period from the day the cooperative was last
    changed: counted before that day, not from it (a date, not SQLite's CAST to a number)."""
    url = store.resolve_url(empty_db)
    engine = at_revision(empty_db, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO regency (code, name) VALUES ('32.15', 'Kabupaten Karawang')"))
        conn.execute(text("INSERT INTO kecamatan (code, name, regency_code) VALUES ('32.15.05', 'Klari', '32.15')"))
        conn.execute(
            text(
                "INSERT INTO cooperative (name, kind, base, kecamatan_code, status, created_at, updated_at) "
                "VALUES ('Koperasi Tutup', 'ksp', 'masyarakat', '32.15.05', 'inactive', :c, :u)"
            ),
            {"c": dt.datetime(2020, 1, 1), "u": dt.datetime(2022, 3, 15, 10, 30)},
        )
    engine.dispose()
    names = lambda day: [r["name"] for r in cli.json("--db", empty_db, "bpjs", "status", "--as-of", day)]  # noqa: E731
    assert names("2022-03-14") == ["Koperasi Tutup"]
    assert names("2022-03-15") == []
    check = create_engine(url)
    with check.connect() as conn:
        assert conn.execute(text("SELECT since FROM coop_inactive")).scalar() in ("2022-03-15", dt.date(2022, 3, 15))
    check.dispose()
