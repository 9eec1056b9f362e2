"""deploy/postgres-roles.sql and migration 0006 on a real server: an office writes only the
regency its role is mapped to (office_regency, written by the owner alone), whatever the client
sets or tries in SQL; the province reads everything and writes nothing; audit entries carry the
server's user and time. Runs in the PostgreSQL pass."""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from conftest import ON_POSTGRES, table_dump

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server (the PostgreSQL pass)")

ROLES_SQL = Path(__file__).resolve().parents[1] / "deploy" / "postgres-roles.sql"
OTHER = """
format: 1
regions:
  regencies: [{code: "32.16", name: Kabupaten Contoh, province: Jawa Barat}]
  kecamatan: [{regency: "32.16", list: [["32.16.01", Kecamatan Contoh]]}]
"""


@contextlib.contextmanager
def _server_wide_turn():
    """Roles belong to the whole server, not to the test's database: two pytest-xdist workers
    running the script's first CREATE ROLE koptrack_office at the same moment would collide
    (a unique violation, not the duplicate_object the script expects), so they take turns, by an
    advisory lock in the database every worker connects to (advisory locks are per database)."""
    from conftest import PG_URL

    key = "hashtext('koptrack tests: deploy/postgres-roles.sql')"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({key})")
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
    finally:
        admin.dispose()


@pytest.fixture
def roles(cli, db_path, tmp_path):
    """An office role mapped to Karawang (32.15) by the owner, an office role mapped to nothing,
    and a province role."""
    cli("seed")
    other = tmp_path / "other.yaml"
    other.write_text(OTHER)
    cli("seed", str(other))
    owner = create_engine(db_path, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    office, unmapped, province = f"office_{suffix}", f"unmapped_{suffix}", f"province_{suffix}"
    with _server_wide_turn():
        raw = owner.raw_connection()  # the script as psql -f would run it: no parameter parsing
        try:
            raw.cursor().execute(ROLES_SQL.read_text())
            raw.commit()
        finally:
            raw.close()
    with owner.connect() as conn:
        for role in (office, unmapped):
            conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN IN ROLE koptrack_office')
        conn.exec_driver_sql(f"INSERT INTO office_regency (role_name, regency_code) VALUES ('{office}', '32.15')")
        conn.exec_driver_sql(f'CREATE ROLE "{province}" LOGIN IN ROLE koptrack_province')
    url = make_url(db_path)
    yield {
        "office": url.set(username=office).render_as_string(hide_password=False),
        "office_role": office,
        "unmapped": url.set(username=unmapped).render_as_string(hide_password=False),
        "province": url.set(username=province).render_as_string(hide_password=False),
        "owner": owner,
    }
    with owner.connect() as conn:
        for role in (office, unmapped, province):
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
    owner.dispose()


def test_office_writes_its_own_regency_only(cli, roles, engine, monkeypatch):
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    as_office = ("--db", roles["office"])
    added = cli.json(*as_office, "coop", "add", "KSP Kantor", "--kind", "ksp", "--kecamatan", "Klari")
    cli(*as_office, "bpjs", "register", "--coop", str(added["id"]), "--on", "2021-05-01")
    cli(*as_office, "targets", "set", "2022", "pkspkb.joined", "3")
    assert [r["regency"] for r in cli.json(*as_office, "targets", "2022")] == ["32.15"]

    before = table_dump(engine)
    for args in (
        ["coop", "add", "KSP Tetangga", "--kind", "ksp", "--kecamatan", "32.16.01"],
        ["targets", "set", "2022", "pkspkb.joined", "3", "--regency", "32.16"],
        ["coop", "edit", str(added["id"]), "--kecamatan", "32.16.01"],
    ):
        result = cli(*as_office, *args, ok=False)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: the database refused this change") and "Traceback" not in result.stderr
    assert table_dump(engine) == before


def test_province_reads_everything_and_writes_nothing(cli, roles, engine):
    cli("coop", "add", "KSP Tetangga", "--kind", "ksp", "--kecamatan", "32.16.01")
    as_province = ("--db", roles["province"])
    names = {r["name"] for r in cli.json(*as_province, "coop", "list", "--regency", "all")}
    assert names == {"Koperasi Makmur Mandiri", "KSP Tetangga"}
    assert len(cli.json(*as_province, "targets", "2021")) == 5
    before = table_dump(engine)
    result = cli(*as_province, "coop", "add", "KSP Baru", "--kind", "ksp", "--kecamatan", "Klari", ok=False)
    assert result.exit_code == 1 and "refused" in result.stderr
    assert table_dump(engine) == before


def test_office_cannot_migrate_and_says_so(cli, roles, engine):
    with roles["owner"].connect() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    result = cli("--db", roles["office"], "coop", "list", ok=False)
    assert result.exit_code == 1
    assert "may not change the schema" in result.stderr and "Traceback" not in result.stderr


def test_office_imports_under_row_level_security(cli, roles, engine, monkeypatch, tmp_path):
    """An office role imports under row-level security: PostgreSQL refuses COPY there, so
    koptrack inserts row by row (the policies checking each); an import big enough for
    koptrack's ANALYZE lands whole (PostgreSQL skips ANALYZE of tables the role does not own,
    with a warning); another regency's cooperative is refused in one line, nothing written."""
    from koptrack.core.imports import people as people_import

    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    monkeypatch.setattr(people_import, "ANALYZE_AFTER", 1)
    as_office = ("--db", roles["office"])
    added = cli.json(*as_office, "coop", "add", "KSP Kantor", "--kind", "ksp", "--kecamatan", "Klari")
    roster = tmp_path / "roster.csv"
    roster.write_text("NIK,Nama,Peran,Tanggal Masuk\n3215055203900001,Siti Aminah,karyawan,2021-01-04\n")
    summary = cli.json(*as_office, "import", "people", str(roster), "--coop", str(added["id"]))
    assert summary["created"]["people"] == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM person").scalar() == 1

    coops = tmp_path / "coops.csv"
    coops.write_text("Nama Koperasi,Jenis,Kecamatan\nKSP Impor,ksp,Klari\n")
    assert cli.json(*as_office, "import", "coops", str(coops))["created"] == {"cooperatives": 1}
    before = table_dump(engine)
    coops.write_text("Nama Koperasi,Jenis,Kecamatan\nKSP Luar,ksp,32.16.01\n")  # another regency's
    result = cli(*as_office, "import", "coops", str(coops), ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("error: the database refused this change")
    assert table_dump(engine) == before


# --- What an office may not reach, whatever it tries (issue 16, item 7) ---------------------------

OWN_NIK, OTHER_NIK = "3215055203900001", "3216011505850002"  # made up


@pytest.fixture
def world(cli, roles, engine, monkeypatch):
    """A cooperative with a worker in each regency: the office's own in Karawang (added by the
    office), the neighbour's in 32.16 (added by the owner)."""
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    as_office = ("--db", roles["office"])
    own = cli.json(*as_office, "coop", "add", "KSP Kantor", "--kind", "ksp", "--kecamatan", "Klari")["id"]
    cli(*as_office, "worker", "add", "--coop", str(own), "--nik", OWN_NIK, "--name", "Siti Aminah",
        "--role", "karyawan", "--since", "2021-01-04")  # fmt: skip
    other = cli.json("coop", "add", "KSP Tetangga", "--kind", "ksp", "--kecamatan", "32.16.01")["id"]
    cli("worker", "add", "--coop", str(other), "--nik", OTHER_NIK, "--name", "Budi Santoso",
        "--role", "karyawan", "--since", "2020-02-03")  # fmt: skip
    with engine.connect() as conn:
        people = dict(conn.exec_driver_sql("SELECT nik, id FROM person").all())
    return {"own_coop": own, "other_coop": other, "own_person": people[OWN_NIK], "other_person": people[OTHER_NIK]}


def _state(engine) -> tuple[dict, int]:
    with engine.connect() as conn:
        return table_dump(engine), conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()


def _as_role(url: str, steps: list) -> tuple[str | None, int]:
    """Run `steps` (SQL, or a function of psycopg's connection) in one transaction as the role of
    `url`, committed when none fails: (the refusal's SQLSTATE or None, rows the last step touched)."""
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            raw = conn.connection.driver_connection
            try:
                rowcount = -1
                for step in steps:
                    if callable(step):
                        rowcount = step(raw)
                    else:
                        with raw.cursor() as cur:
                            cur.execute(step)
                            rowcount = cur.rowcount
                raw.commit()
                return None, rowcount
            except Exception as exc:
                raw.rollback()
                return getattr(exc, "sqlstate", type(exc).__name__), -1
    finally:
        eng.dispose()


def _copy(table: str, columns: str, row: tuple):
    def run(raw) -> int:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write_row(row)
        return 1

    return run


NEIGHBOUR_COOP = (
    "INSERT INTO cooperative (name, kind, base, kecamatan_code, status, created_at, updated_at) "
    "VALUES ('KSP Susupan', 'ksp', 'unknown', '32.16.01', 'active', now(), now())"
)
NOW = dt.datetime(2021, 1, 1)

# (name, steps): each must be refused or change nothing. {own_coop}, {other_coop},
# {own_person} and {other_person} are the world's ids.
ATTACKS = [
    ("SET koptrack.regency", ["SET koptrack.regency = '32.16'", NEIGHBOUR_COOP]),
    ("set_config to % (LIKE matches all)", ["SELECT set_config('koptrack.regency', '%', false)", NEIGHBOUR_COOP]),
    ("rename another regency's person", ["UPDATE person SET name = 'Diubah' WHERE id = {other_person}"]),
    ("change another regency's NIK", ["UPDATE person SET nik = '3216011505850099' WHERE id = {other_person}"]),
    ("rename another regency's cooperative", ["UPDATE cooperative SET name = 'Diubah' WHERE id = {other_coop}"]),
    ("move its cooperative away", ["UPDATE cooperative SET kecamatan_code = '32.16.01' WHERE id = {own_coop}"]),
    ("move its engagement away", ["UPDATE engagement SET coop_id = {other_coop} WHERE coop_id = {own_coop}"]),
    ("end another regency's engagement", ["UPDATE engagement SET until = '2024-01-01' WHERE coop_id = {other_coop}"]),
    ("register another regency's cooperative",
     ["INSERT INTO bpjs_registration (coop_id, registered_on, created_at) VALUES ({other_coop}, '2021-01-01', now())"]),
    ("a target for another regency",
     ["INSERT INTO target (year, metric, kind, base, regency, value) "
      "VALUES (2030, 'pkspkb.joined', 'any', 'any', '32.16', 1)"]),
    ("deactivate another regency's cooperative",
     ["INSERT INTO coop_inactive (coop_id, since, created_at) VALUES ({other_coop}, '2024-01-01', now())"]),
    ("COPY into person", [_copy("person", "nik, name, gender, birth_date, created_at, updated_at",
                                ("3216014101900003", "Dewi", "P", dt.date(1990, 1, 1), NOW, NOW))]),
    ("COPY into cooperative", [_copy("cooperative", "name, kind, base, kecamatan_code, status, created_at, updated_at",
                                     ("KSP Salin", "ksp", "unknown", "32.16.01", "active", NOW, NOW))]),
    ("TRUNCATE", ["TRUNCATE cooperative CASCADE"]),
    ("TRUNCATE audit_log", ["TRUNCATE audit_log"]),
    ("DELETE another regency's rows", ["DELETE FROM engagement WHERE coop_id = {other_coop}"]),
    ("DELETE another regency's cooperative", ["DELETE FROM cooperative WHERE id = {other_coop}"]),
    ("setval on a sequence", ["SELECT setval('cooperative_id_seq', 1)"]),
    ("a temporary table standing in for cooperative",
     ["CREATE TEMP TABLE cooperative (id integer, kecamatan_code text)",
      "INSERT INTO pg_temp.cooperative VALUES ({other_coop}, '32.15.05')",
      "INSERT INTO bpjs_registration (coop_id, registered_on, created_at) VALUES ({other_coop}, '2021-01-01', now())"]),
    ("a temporary table standing in for the mapping",
     ["CREATE TEMP TABLE office_regency (role_name text, regency_code text)",
      "INSERT INTO pg_temp.office_regency VALUES (current_user, '32.16')", NEIGHBOUR_COOP]),
    ("a temporary view", ["CREATE TEMP VIEW v AS SELECT * FROM cooperative",
                          "UPDATE v SET name = 'Diubah' WHERE id = {other_coop}"]),
    ("a function of its own", ["CREATE FUNCTION public.koptrack_role_regency_x() RETURNS text "
                               "LANGUAGE sql AS $$ SELECT '32.16'::text $$"]),
    ("write the mapping", ["UPDATE office_regency SET regency_code = '32.16' WHERE role_name = current_user"]),
    ("map itself again", ["DELETE FROM office_regency WHERE role_name = current_user"]),
    ("switch row-level security off", ["ALTER TABLE cooperative DISABLE ROW LEVEL SECURITY"]),
    ("drop a policy", ["DROP POLICY koptrack_role_only_update ON person"]),
    ("SET ROLE to the group", ["SET ROLE koptrack_office", NEIGHBOUR_COOP]),
    ("an audit entry for another regency's cooperative",
     ["INSERT INTO audit_log (at, os_user, command, entity, coop_id) "
      "VALUES (now(), 'budi', 'coop edit', 'cooperative', {other_coop})"]),
]  # fmt: skip


@pytest.mark.parametrize("steps", [a[1] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_an_office_reaches_no_other_regency_whatever_it_tries(roles, world, engine, steps):
    before = _state(engine)
    steps = [s.format(**world) if isinstance(s, str) else s for s in steps]
    refused, rows = _as_role(roles["office"], steps)
    assert refused is not None or rows == 0, f"accepted, {rows} row(s)"
    assert _state(engine) == before


def test_an_office_writes_its_own_people_only_while_no_other_regency_has_them(cli, roles, world, engine, monkeypatch):
    """People are reached through their engagements: an office corrects its own worker; a
    neighbour's worker it engages too can leave it (the person's row is touched), but only the
    owner corrects who they are (NIK, name), in SQL or through `worker edit`."""
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    as_office = ("--db", roles["office"])
    rename = "UPDATE person SET name = 'Siti Aminah Putri' WHERE id = {}"
    assert _as_role(roles["office"], [rename.format(world["own_person"])]) == (None, 1)
    cli(*as_office, "worker", "add", "--coop", str(world["own_coop"]), "--nik", OTHER_NIK, "--name", "Budi Santoso",
        "--role", "anggota", "--since", "2022-01-01")  # fmt: skip
    cli(*as_office, "worker", "leave", "--coop", str(world["own_coop"]), "--nik", OTHER_NIK, "--on", "2022-06-30")
    before = _state(engine)
    for steps in (
        [rename.format(world["other_person"])],
        [f"UPDATE person SET nik = '3216011505850099' WHERE id = {world['other_person']}"],
    ):
        assert _as_role(roles["office"], steps) == ("42501", -1)
    result = cli(*as_office, "worker", "edit", "--nik", OTHER_NIK, "--name", "Budi Diubah", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: the database refused this change: person ")
    assert "only the owner may correct who they are" in result.stderr
    assert _state(engine) == before
    cli("worker", "edit", "--nik", OTHER_NIK, "--name", "Budi Santoso Putra")  # the owner may


@pytest.mark.parametrize("setting", ["32.16", "%", "32.16.01"])
def test_a_regency_the_client_sets_gives_nothing(cli, roles, world, engine, setting):
    """`koptrack.regency` from the client (`?options=-c ...` in the URL) neither widens an
    office's regency nor gives a role without one anything to write."""
    options = {"options": f"-c koptrack.regency={setting}"}
    office = make_url(roles["office"]).update_query_dict(options).render_as_string(hide_password=False)
    unmapped = make_url(roles["unmapped"]).update_query_dict(options | {"options": "-c koptrack.regency=32.15"})
    before = _state(engine)
    for url, args in (
        (office, ["coop", "add", "KSP Tetangga Dua", "--kind", "ksp", "--kecamatan", "32.16.01"]),
        (office, ["coop", "edit", str(world["other_coop"]), "--name", "KSP Diubah"]),
        (unmapped.render_as_string(hide_password=False), ["coop", "add", "KSP Klari", "--kind", "ksp",
                                                          "--kecamatan", "Klari"]),
    ):  # fmt: skip
        result = cli("--db", url, *args, ok=False)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert _state(engine) == before
    # the unmapped role reads as every role does
    assert {c["name"] for c in cli.json("--db", roles["unmapped"], "coop", "list", "--regency", "all")} == {
        "Koperasi Makmur Mandiri", "KSP Kantor", "KSP Tetangga"}  # fmt: skip


def test_audit_entries_carry_the_server_s_user_and_time(cli, roles, world, engine, monkeypatch):
    """The entry's database user is the server session's, its time the server's clock, whatever
    the client sends; nobody truncates the log, not even the owner."""
    monkeypatch.setenv("KOPTRACK_REGENCY", "32.15")
    monkeypatch.setattr(getpass, "getuser", lambda: "postgres")  # a desk claiming to be the owner
    cli("--db", roles["office"], "coop", "edit", str(world["own_coop"]), "--name", "KSP Kantor Baru")
    forged = (
        "INSERT INTO audit_log (at, os_user, db_user, command, entity) "
        "VALUES ('2000-01-01', 'postgres', 'postgres', 'coop add', 'cooperative')"
    )
    assert _as_role(roles["office"], [forged]) == (None, 1)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT db_user, at FROM audit_log ORDER BY id DESC LIMIT 2").all()
    office = roles["office_role"]
    assert [r[0] for r in rows] == [office, office]
    assert all(r[1] > dt.datetime(2020, 1, 1) for r in rows)
    assert cli.json("log", "--limit", "2")[1]["user"] == f"{office} (postgres)"
    for statement in ("TRUNCATE audit_log", "DELETE FROM audit_log", "UPDATE audit_log SET db_user = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"), roles["owner"].connect() as conn:
            conn.exec_driver_sql(statement)
