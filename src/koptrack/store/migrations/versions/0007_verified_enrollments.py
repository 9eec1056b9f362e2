"""Verified enrollments: when, and by which BPJS Ketenagakerjaan participant list, an enrollment
was last confirmed (`koptrack bpjs reconcile --apply`)

- enrollment.verified_on: the date of the list that last confirmed it (NULL: only declared);
- enrollment.verified_by: that list's file name;
- ix_enrollment_verified_on: the latest list's date without reading the table.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("enrollment", sa.Column("verified_on", sa.Date(), nullable=True))
    op.add_column("enrollment", sa.Column("verified_by", sa.String(), nullable=True))
    # the latest list's date in one index probe: reports say how much was verified, and when
    op.create_index("ix_enrollment_verified_on", "enrollment", ["verified_on"])


def downgrade() -> None:
    op.drop_index("ix_enrollment_verified_on", table_name="enrollment")
    with op.batch_alter_table("enrollment") as batch:
        batch.drop_column("verified_by")
        batch.drop_column("verified_on")
