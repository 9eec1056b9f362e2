"""An office's regency from its role; row-level security on every table of a regency's data;
audit entries with the server's user and time

- office_regency: the regency each office's PostgreSQL role may write (role_name -> regency
  code). Only the owner writes it; everyone may read it. Nothing a client sends (a setting such
  as koptrack.regency, by SET or `options=-c`) decides what an office may write.
- audit_log.db_user: the database role that wrote the entry. On PostgreSQL a trigger sets it to
  session_user and `at` to the server's clock, whatever the client sent; on SQLite (one file, no
  server session) it stays NULL.

PostgreSQL only (nothing of this exists on SQLite):
- functions koptrack_role_regency(), koptrack_role_kecamatan(code), koptrack_role_coop(id),
  koptrack_role_person(id): what the current role may write, from office_regency alone. Every
  name in them is qualified with the schema and their search_path is fixed, so a temporary table
  or function an office creates cannot stand in for koptrack's.
- row-level security on cooperative, coop_inactive, person, engagement, enrollment,
  bpjs_registration, pkspkb_membership, target, reported_count and audit_log: every role reads
  every row; a role writes (INSERT, UPDATE, DELETE where granted) only rows of the regency
  office_regency gives it. The policies are permissive ones that allow exactly that, and the same
  conditions as RESTRICTIVE ones, so no other permissive policy (an older
  deploy/postgres-roles.sql's, which read koptrack.regency) can widen them. People are reached
  through their engagements and enrollments: an office updates a person who works for (or is
  enrolled through) one of its cooperatives; it changes their NIK, name, gender or birth date
  only when every such cooperative is its own (trigger person_identity_guard: a person in two
  regencies is corrected by the owner); a new person may be added by any office. An audit entry
  that names a cooperative names one of the office's own. The owner is not subject to
  row-level security (PostgreSQL's rule for a table's owner).
- audit_log: TRUNCATE is refused like UPDATE and DELETE (a statement trigger).
- CREATE on the schema is revoked from PUBLIC (PostgreSQL 15's default; older servers let every
  role create tables and functions beside koptrack's).

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Tables whose rows belong to one regency through their cooperative's kecamatan.
BY_COOP = ("engagement", "enrollment", "bpjs_registration", "pkspkb_membership", "coop_inactive")
BY_REGENCY = ("target", "reported_count")
SECURED = ("cooperative", *BY_COOP, *BY_REGENCY, "person", "audit_log")
FUNCTIONS = (
    "person_identity_guard()",
    "koptrack_role_reaches(integer)",
    "koptrack_role_person(integer)",
    "koptrack_role_coop(integer)",
    "koptrack_role_kecamatan(text)",
    "koptrack_role_regency()",
    "audit_log_server_fields()",
)
FIXED = "LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp"


def _functions(s: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.koptrack_role_regency() RETURNS text {FIXED} AS $$
            SELECT m.regency_code FROM {s}.office_regency m WHERE m.role_name = current_user $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.koptrack_role_kecamatan(code text) RETURNS boolean {FIXED} AS $$
            SELECT EXISTS (SELECT 1 FROM {s}.kecamatan k
                           JOIN {s}.office_regency m ON m.regency_code = k.regency_code
                           WHERE k.code = $1 AND m.role_name = current_user) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.koptrack_role_coop(coop integer) RETURNS boolean {FIXED} AS $$
            SELECT EXISTS (SELECT 1 FROM {s}.cooperative c
                           JOIN {s}.kecamatan k ON k.code = c.kecamatan_code
                           JOIN {s}.office_regency m ON m.regency_code = k.regency_code
                           WHERE c.id = $1 AND m.role_name = current_user) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.koptrack_role_person(person integer) RETURNS boolean {FIXED} AS $$
            SELECT EXISTS (SELECT 1 FROM {s}.engagement e
                           WHERE e.person_id = $1 AND {s}.koptrack_role_coop(e.coop_id))
               AND NOT EXISTS (SELECT 1 FROM {s}.engagement e
                               WHERE e.person_id = $1 AND NOT {s}.koptrack_role_coop(e.coop_id))
               AND NOT EXISTS (SELECT 1 FROM {s}.enrollment n
                               WHERE n.person_id = $1 AND NOT {s}.koptrack_role_coop(n.coop_id)) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.koptrack_role_reaches(person integer) RETURNS boolean {FIXED} AS $$
            SELECT EXISTS (SELECT 1 FROM {s}.engagement e
                           WHERE e.person_id = $1 AND {s}.koptrack_role_coop(e.coop_id))
                OR EXISTS (SELECT 1 FROM {s}.enrollment n
                           WHERE n.person_id = $1 AND {s}.koptrack_role_coop(n.coop_id)) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.person_identity_guard() RETURNS trigger
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
            BEGIN
                IF row_security_active(TG_RELID)
                   AND (NEW.id, NEW.nik, NEW.name, NEW.gender, NEW.birth_date)
                       IS DISTINCT FROM (OLD.id, OLD.nik, OLD.name, OLD.gender, OLD.birth_date)
                   AND NOT {s}.koptrack_role_person(OLD.id) THEN
                    RAISE EXCEPTION 'person % belongs to another regency''s cooperative too: '
                                    'only the owner may correct who they are', OLD.id
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.audit_log_server_fields() RETURNS trigger
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
            BEGIN
                NEW.db_user := session_user;
                NEW.at := clock_timestamp() AT TIME ZONE 'UTC';
                RETURN NEW;
            END $$""",
    ]


def _own(s: str, table: str) -> str:
    """The condition a row of `table` meets when it belongs to the current role's regency."""
    if table == "cooperative":
        return f"{s}.koptrack_role_kecamatan(kecamatan_code)"
    if table in BY_COOP:
        return f"{s}.koptrack_role_coop(coop_id)"
    if table in BY_REGENCY:
        return f"regency = {s}.koptrack_role_regency()"
    if table == "person":
        return f"{s}.koptrack_role_reaches(id)"
    return f"(coop_id IS NULL OR {s}.koptrack_role_coop(coop_id))"  # audit_log


def _new(s: str, table: str) -> str:
    """The condition a new row of `table` meets (a new person has no engagement yet)."""
    if table == "person":
        return f"{s}.koptrack_role_regency() IS NOT NULL"
    if table == "audit_log":
        return f"{s}.koptrack_role_regency() IS NOT NULL AND {_own(s, table)}"
    return _own(s, table)


def _policies(s: str) -> list[str]:
    out = []
    for t in SECURED:
        own, new = _own(s, t), _new(s, t)
        out += [
            f"ALTER TABLE {s}.{t} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY koptrack_role_read ON {s}.{t} FOR SELECT USING (true)",
            f"CREATE POLICY koptrack_role_insert ON {s}.{t} FOR INSERT WITH CHECK ({new})",
            f"CREATE POLICY koptrack_role_update ON {s}.{t} FOR UPDATE USING ({own}) WITH CHECK ({own})",
            f"CREATE POLICY koptrack_role_delete ON {s}.{t} FOR DELETE USING ({own})",
            f"CREATE POLICY koptrack_role_only_insert ON {s}.{t} AS RESTRICTIVE FOR INSERT WITH CHECK ({new})",
            f"CREATE POLICY koptrack_role_only_update ON {s}.{t} AS RESTRICTIVE FOR UPDATE "
            f"USING ({own}) WITH CHECK ({own})",
            f"CREATE POLICY koptrack_role_only_delete ON {s}.{t} AS RESTRICTIVE FOR DELETE USING ({own})",
        ]
    return out


def _schema() -> str:
    bind = op.get_bind()
    name = bind.exec_driver_sql("SELECT current_schema()").scalar()
    return bind.dialect.identifier_preparer.quote_identifier(name)


def upgrade() -> None:
    op.create_table(
        "office_regency",
        sa.Column("role_name", sa.String(), nullable=False),
        sa.Column(
            "regency_code",
            sa.String(length=5),
            sa.ForeignKey("regency.code", name="fk_office_regency_regency_code_regency"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("role_name", name="pk_office_regency"),
    )
    op.add_column("audit_log", sa.Column("db_user", sa.String(), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    s = _schema()
    op.execute(f"REVOKE ALL ON {s}.office_regency FROM PUBLIC")
    op.execute(f"GRANT SELECT ON {s}.office_regency TO PUBLIC")
    for statement in _functions(s):
        op.execute(statement)
    for statement in _policies(s):
        op.execute(statement)
    op.execute(
        f"CREATE TRIGGER audit_log_server_fields BEFORE INSERT ON {s}.audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.audit_log_server_fields()"
    )
    op.execute(
        f"CREATE TRIGGER person_identity_guard BEFORE UPDATE ON {s}.person "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.person_identity_guard()"
    )
    op.execute(
        f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {s}.audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.audit_log_append_only()"
    )
    # Only the owner creates objects in koptrack's schema (a role that is not the schema's
    # owner gets a warning here, and nothing changes).
    op.execute(f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        s = _schema()
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {s}.audit_log")
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_server_fields ON {s}.audit_log")
        op.execute(f"DROP TRIGGER IF EXISTS person_identity_guard ON {s}.person")
        for t in SECURED:
            for p in ("read", "insert", "update", "delete", "only_insert", "only_update", "only_delete"):
                op.execute(f"DROP POLICY IF EXISTS koptrack_role_{p} ON {s}.{t}")
        for t in ("person", "coop_inactive", "audit_log"):  # deploy/postgres-roles.sql secures the rest
            op.execute(f"ALTER TABLE {s}.{t} DISABLE ROW LEVEL SECURITY")
        for f in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {s}.{f}")
    op.drop_column("audit_log", "db_user")
    op.drop_table("office_regency")
