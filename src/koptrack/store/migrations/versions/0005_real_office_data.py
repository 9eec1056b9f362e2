"""Real office data: dated cooperative status, labels, positions, kecamatan aliases, dated
programme rules and rates, and what `koptrack undo` needs

- coop_inactive: the periods in which a cooperative was inactive, so that a report for 2021
  counts a cooperative deactivated in 2026 as the active cooperative it was. A cooperative
  already inactive gets a period from the day it was last changed (updated_at, the best record
  of when it was deactivated that the database holds).
- cooperative.label: the office's label of purpose or group (KUD, KPRI, Kopwan, KSPPS...).
- engagement.position: the job title a roster gives (Ketua, Kasir, Staf...).
- kecamatan_alias: other spellings of a kecamatan (BPS's Talagasari for Kemendagri's Telagasari).
- programme_rule.valid_from and programme_rate: rules and rates carry the day they hold from.
- audit_log.undo: the rows before and after a change, for `koptrack undo`.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cooperative", sa.Column("label", sa.String(), nullable=True))
    op.add_column("engagement", sa.Column("position", sa.String(), nullable=True))
    op.add_column("audit_log", sa.Column("undo", sa.Text(), nullable=True))
    op.create_table(
        "coop_inactive",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("coop_id", sa.Integer(), sa.ForeignKey("cooperative.id", name="fk_coop_inactive_coop_id_cooperative"), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("until IS NULL OR until > since", name="ck_coop_inactive_period"),
    )
    op.create_index("ix_coop_inactive_coop_dates", "coop_inactive", ["coop_id", "since", "until"])
    where = sa.text("until IS NULL")
    op.create_index(
        "ux_coop_inactive_open", "coop_inactive", ["coop_id"], unique=True, sqlite_where=where, postgresql_where=where
    )
    # The day as a date: SQLite's CAST(... AS DATE) would give the number 2026, not '2026-11-25'.
    day = "date(updated_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(updated_at AS DATE)"
    op.execute(
        "INSERT INTO coop_inactive (coop_id, since, until, note, created_at) "
        f"SELECT id, {day}, NULL, 'inactive before dated status (migration 0005)', updated_at "
        "FROM cooperative WHERE status = 'inactive'"
    )
    op.create_table(
        "kecamatan_alias",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=8), sa.ForeignKey("kecamatan.code", name="fk_kecamatan_alias_code_kecamatan"), nullable=False),
        sa.Column("alias", sa.String(), nullable=False),
        sa.UniqueConstraint("code", "alias", name="uq_kecamatan_alias_code_alias"),
    )
    op.create_index("ix_kecamatan_alias_code", "kecamatan_alias", ["code"])
    op.create_table(
        "programme_rate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("programme", sa.String(length=8), sa.ForeignKey("programme.code", name="fk_programme_rate_programme_programme"), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(), nullable=False),
        sa.Column("legal_basis", sa.String(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("programme", "category", "valid_from", name="uq_programme_rate_programme_category_valid_from"),
        sa.CheckConstraint("category IN ('pu', 'bpu')", name="ck_programme_rate_category"),
    )
    with op.batch_alter_table("programme_rule") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=False, server_default="2015-07-01"))
        batch.drop_constraint("uq_programme_rule_category_employer_size", type_="unique")
        batch.create_unique_constraint(
            "uq_programme_rule_category_employer_size_valid_from", ["category", "employer_size", "valid_from"]
        )


def downgrade() -> None:
    with op.batch_alter_table("programme_rule") as batch:
        batch.drop_constraint("uq_programme_rule_category_employer_size_valid_from", type_="unique")
        batch.create_unique_constraint("uq_programme_rule_category_employer_size", ["category", "employer_size"])
        batch.drop_column("valid_from")
    op.drop_table("programme_rate")
    op.drop_index("ix_kecamatan_alias_code", table_name="kecamatan_alias")
    op.drop_table("kecamatan_alias")
    op.drop_index("ux_coop_inactive_open", table_name="coop_inactive")
    op.drop_index("ix_coop_inactive_coop_dates", table_name="coop_inactive")
    op.drop_table("coop_inactive")
    op.drop_column("audit_log", "undo")
    op.drop_column("engagement", "position")
    op.drop_column("cooperative", "label")
