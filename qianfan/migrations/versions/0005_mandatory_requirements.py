"""mandatory requirements: a buyer can make an order's qualifications or region a hard rule (issue 10)

Revision ID: 0005_mandatory_requirements
Revises: 0004_jobs
Create Date: 2026-11-27

Two flags on `purchase_order`: `qualifications_mandatory` (资质为必备条件) and `region_mandatory` (region
limited by law). Existing orders get false: their firms lacking a certificate or the region are ranked
by the learned ranker and shown with what they lack, as for any order whose buyer did not tick the box.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_mandatory_requirements"
down_revision = "0004_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: on SQLite a batch would copy purchase_order into a new table, which the
    # foreign keys of matches and contracts refuse on a populated database.
    op.add_column("purchase_order", sa.Column("qualifications_mandatory", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))  # fmt: skip
    op.add_column("purchase_order", sa.Column("region_mandatory", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))  # fmt: skip


def downgrade() -> None:
    op.drop_column("purchase_order", "region_mandatory")  # SQLite ≥ 3.35 drops a column in place
    op.drop_column("purchase_order", "qualifications_mandatory")
