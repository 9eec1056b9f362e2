"""Targets and reported counts per regency (a province's offices share one database)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("target", "reported_count")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("regency", sa.String(), nullable=False, server_default="any"))
            batch.drop_constraint(f"uq_{table}_year_metric_kind_base", type_="unique")
            batch.create_unique_constraint(
                f"uq_{table}_year_metric_kind_base_regency", ["year", "metric", "kind", "base", "regency"]
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_year_metric_kind_base_regency", type_="unique")
            batch.create_unique_constraint(f"uq_{table}_year_metric_kind_base", ["year", "metric", "kind", "base"])
            batch.drop_column("regency")
