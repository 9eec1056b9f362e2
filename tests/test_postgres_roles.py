"""deploy/postgres-roles.sql on a real server: an office writes only its own regency's data,
the province reads everything and writes nothing. Runs in the PostgreSQL pass."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from conftest import ON_POSTGRES, table_dump

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="needs a PostgreSQL server (the PostgreSQL pass)")

ROLES_SQL = Path(__file__).resolve().parents[1] / "deploy" / "postgres-roles.sql"
OTHER = """
format: 1
regions:
  regencies: [{code: "32.16", name: Kabupaten Contoh, province: Jawa Barat}]
  kecamatan: [{regency: "32.16", list: [["32.16.01", Kecamatan Contoh]]}]
"""


@pytest.fixture
def roles(cli, db_path, tmp_path):
    cli("seed")
    other = tmp_path / "other.yaml"
    other.write_text(OTHER)
    cli("seed", str(other))
    owner = create_engine(db_path, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    office, province = f"office_{suffix}", f"province_{suffix}"
    raw = owner.raw_connection()  # the script as psql -f would run it: no parameter parsing
    try:
        raw.cursor().execute(ROLES_SQL.read_text())
        raw.commit()
    finally:
        raw.close()
    with owner.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{office}" LOGIN IN ROLE koptrack_office')
        conn.exec_driver_sql(f"ALTER ROLE \"{office}\" SET koptrack.regency = '32.15'")
        conn.exec_driver_sql(f'CREATE ROLE "{province}" LOGIN IN ROLE koptrack_province')
    url = make_url(db_path)
    yield {
        "office": url.set(username=office).render_as_string(hide_password=False),
        "province": url.set(username=province).render_as_string(hide_password=False),
        "owner": owner,
    }
    with owner.connect() as conn:
        for role in (office, province):
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
