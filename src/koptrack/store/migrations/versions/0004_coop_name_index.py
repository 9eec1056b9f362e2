"""An index on lower(cooperative.name): cooperatives are found by name case-insensitively

`--coop NAME` (resolve_coop) looks a cooperative up by lower(name) = lower(?); without this
index each lookup read the whole cooperative table. (A people import naming thousands of
cooperatives now reads all their names once instead, imports.py.)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cooperative_name_lower", "cooperative", [sa.text("lower(name)")])


def downgrade() -> None:
    op.drop_index("ix_cooperative_name_lower", table_name="cooperative")
