"""review renames: an import's name change of a known company waits for staff (issue 11)

Revision ID: 0006_review_renames
Revises: 0005_mandatory_requirements
Create Date: 2026-11-27

`company_name_change` holds the new names imports proposed for companies already known (found by credit
code or by a sure name match): staff accept (the company is renamed, with an audit record) or decline.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_review_renames"
down_revision = "0005_mandatory_requirements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_name_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("current_name", sa.String(length=200), nullable=False),
        sa.Column("proposed_name", sa.String(length=200), nullable=False),
        sa.Column("matched_by", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')", name=op.f("ck_company_name_change_status_allowed")),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f("fk_company_name_change_batch_id_import_batch"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_company_name_change_company_id_company"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"], name=op.f("fk_company_name_change_decided_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_name_change")),
    )
    # Plain CREATE INDEX on the new table: no batch rebuild of anything that other tables point to.
    op.create_index(op.f("ix_company_name_change_company_id"), "company_name_change", ["company_id"], unique=False)
    op.create_index(op.f("ix_company_name_change_status"), "company_name_change", ["status"], unique=False)
    op.create_index(op.f("ix_company_name_change_updated_at"), "company_name_change", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("company_name_change")
