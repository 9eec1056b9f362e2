"""initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def _append_only() -> None:
    """The audit trail cannot be changed or deleted through SQL, only added to."""
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": APPEND_ONLY_SQLITE, "postgresql": APPEND_ONLY_POSTGRESQL}.get(dialect, []):
        op.execute(statement)


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('os_user', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('command', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('coop_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_coop_id'), ['coop_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("gender IN ('L', 'P')", name=op.f('ck_person_gender')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('nik', name=op.f('uq_person_nik'))
    )
    op.create_table('programme',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pu_rate', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('paid_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_programme'))
    )
    op.create_table('programme_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('employer_size', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('programmes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('pu', 'bpu')", name=op.f('ck_programme_rule_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_rule')),
    sa.UniqueConstraint('category', 'employer_size', name=op.f('uq_programme_rule_category_employer_size'))
    )
    op.create_table('regency',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regency'))
    )
    op.create_table('source',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_source'))
    )
    op.create_table('kecamatan',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('regency_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.ForeignKeyConstraint(['regency_code'], ['regency.code'], name=op.f('fk_kecamatan_regency_code_regency')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_kecamatan')),
    sa.UniqueConstraint('regency_code', 'name', name=op.f('uq_kecamatan_regency_code_name'))
    )
    with op.batch_alter_table('kecamatan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kecamatan_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_kecamatan_regency_code'), ['regency_code'], unique=False)

    op.create_table('reported_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.CheckConstraint("metric IN ('bpjs.registered_coops', 'bpjs.enrolled_people', 'pkspkb.joined', 'pkspkb.members')", name=op.f('ck_reported_count_metric')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_reported_count_value')),
    sa.ForeignKeyConstraint(['source_key'], ['source.key'], name=op.f('fk_reported_count_source_key_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_count')),
    sa.UniqueConstraint('year', 'metric', 'kind', 'base', name=op.f('uq_reported_count_year_metric_kind_base'))
    )
    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.CheckConstraint("metric IN ('bpjs.registered_coops', 'bpjs.enrolled_people', 'pkspkb.joined', 'pkspkb.members')", name=op.f('ck_target_metric')),
    sa.CheckConstraint('value > 0', name=op.f('ck_target_value')),
    sa.ForeignKeyConstraint(['source_key'], ['source.key'], name=op.f('fk_target_source_key_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('year', 'metric', 'kind', 'base', name=op.f('uq_target_year_metric_kind_base'))
    )
    op.create_table('cooperative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kecamatan_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('desa', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('legal_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nik_koperasi', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('employer_size', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("base IN ('karyawan', 'masyarakat', 'unknown')", name=op.f('ck_cooperative_base')),
    sa.CheckConstraint("employer_size IS NULL OR employer_size IN ('micro', 'small', 'medium', 'large')", name=op.f('ck_cooperative_employer_size')),
    sa.CheckConstraint("kind IN ('ksp', 'produsen', 'konsumen', 'pemasaran', 'jasa')", name=op.f('ck_cooperative_kind')),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_cooperative_status')),
    sa.ForeignKeyConstraint(['kecamatan_code'], ['kecamatan.code'], name=op.f('fk_cooperative_kecamatan_code_kecamatan')),
    sa.ForeignKeyConstraint(['source_key'], ['source.key'], name=op.f('fk_cooperative_source_key_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative')),
    sa.UniqueConstraint('legal_no', name=op.f('uq_cooperative_legal_no')),
    sa.UniqueConstraint('name', 'kecamatan_code', name=op.f('uq_cooperative_name_kecamatan_code')),
    sa.UniqueConstraint('nik_koperasi', name=op.f('uq_cooperative_nik_koperasi'))
    )
    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_base'), ['base'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperative_kecamatan_code'), ['kecamatan_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperative_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_cooperative_status'), ['status'], unique=False)

    op.create_table('bpjs_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('deregistered_on', sa.Date(), nullable=True),
    sa.Column('npp', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('branch', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_key', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('deregistered_on IS NULL OR deregistered_on >= registered_on', name=op.f('ck_bpjs_registration_period')),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], name=op.f('fk_bpjs_registration_coop_id_cooperative')),
    sa.ForeignKeyConstraint(['source_key'], ['source.key'], name=op.f('fk_bpjs_registration_source_key_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bpjs_registration'))
    )
    with op.batch_alter_table('bpjs_registration', schema=None) as batch_op:
        batch_op.create_index('ix_bpjs_registration_coop_dates', ['coop_id', 'registered_on', 'deregistered_on'], unique=False)
        batch_op.create_index('ux_bpjs_registration_open', ['coop_id'], unique=True, sqlite_where=sa.text('deregistered_on IS NULL'), postgresql_where=sa.text('deregistered_on IS NULL'))

    op.create_table('engagement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('karyawan', 'anggota')", name=op.f('ck_engagement_role')),
    sa.CheckConstraint('until IS NULL OR until >= since', name=op.f('ck_engagement_period')),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], name=op.f('fk_engagement_coop_id_cooperative')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_engagement_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagement'))
    )
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.create_index('ix_engagement_coop_role_since', ['coop_id', 'role', 'since', 'until'], unique=False)
        batch_op.create_index(batch_op.f('ix_engagement_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ux_engagement_open', ['person_id', 'coop_id', 'role'], unique=True, sqlite_where=sa.text('until IS NULL'), postgresql_where=sa.text('until IS NULL'))

    op.create_table('enrollment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('kpj', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('programmes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('missing_programmes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('pu', 'bpu')", name=op.f('ck_enrollment_category')),
    sa.CheckConstraint('end_on IS NULL OR end_on >= start_on', name=op.f('ck_enrollment_period')),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], name=op.f('fk_enrollment_coop_id_cooperative')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_enrollment_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollment'))
    )
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_coop_dates', ['coop_id', 'start_on', 'end_on', 'person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollment_kpj'), ['kpj'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollment_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ux_enrollment_open', ['person_id', 'coop_id'], unique=True, sqlite_where=sa.text('end_on IS NULL'), postgresql_where=sa.text('end_on IS NULL'))

    op.create_table('pkspkb_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('agreement_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_pkspkb_membership_period')),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], name=op.f('fk_pkspkb_membership_coop_id_cooperative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pkspkb_membership'))
    )
    with op.batch_alter_table('pkspkb_membership', schema=None) as batch_op:
        batch_op.create_index('ix_pkspkb_membership_coop_dates', ['coop_id', 'joined_on', 'left_on'], unique=False)
        batch_op.create_index('ix_pkspkb_membership_joined_on', ['joined_on'], unique=False)
        batch_op.create_index('ux_pkspkb_membership_open', ['coop_id'], unique=True, sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))

    _append_only()


def downgrade() -> None:
    with op.batch_alter_table('pkspkb_membership', schema=None) as batch_op:
        batch_op.drop_index('ux_pkspkb_membership_open', sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.drop_index('ix_pkspkb_membership_joined_on')
        batch_op.drop_index('ix_pkspkb_membership_coop_dates')

    op.drop_table('pkspkb_membership')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ux_enrollment_open', sqlite_where=sa.text('end_on IS NULL'), postgresql_where=sa.text('end_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_enrollment_person_id'))
        batch_op.drop_index(batch_op.f('ix_enrollment_kpj'))
        batch_op.drop_index('ix_enrollment_coop_dates')

    op.drop_table('enrollment')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index('ux_engagement_open', sqlite_where=sa.text('until IS NULL'), postgresql_where=sa.text('until IS NULL'))
        batch_op.drop_index(batch_op.f('ix_engagement_person_id'))
        batch_op.drop_index('ix_engagement_coop_role_since')

    op.drop_table('engagement')
    with op.batch_alter_table('bpjs_registration', schema=None) as batch_op:
        batch_op.drop_index('ux_bpjs_registration_open', sqlite_where=sa.text('deregistered_on IS NULL'), postgresql_where=sa.text('deregistered_on IS NULL'))
        batch_op.drop_index('ix_bpjs_registration_coop_dates')

    op.drop_table('bpjs_registration')
    with op.batch_alter_table('cooperative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperative_status'))
        batch_op.drop_index(batch_op.f('ix_cooperative_kind'))
        batch_op.drop_index(batch_op.f('ix_cooperative_kecamatan_code'))
        batch_op.drop_index(batch_op.f('ix_cooperative_base'))

    op.drop_table('cooperative')
    op.drop_table('target')
    op.drop_table('reported_count')
    with op.batch_alter_table('kecamatan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kecamatan_regency_code'))
        batch_op.drop_index(batch_op.f('ix_kecamatan_name'))

    op.drop_table('kecamatan')
    op.drop_table('source')
    op.drop_table('regency')
    op.drop_table('programme_rule')
    op.drop_table('programme')
    op.drop_table('person')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_coop_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table('audit_log')
