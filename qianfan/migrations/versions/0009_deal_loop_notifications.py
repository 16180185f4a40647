"""deal loop and notifications: the in-app inbox, e-mail choices, deal messages (issue 12, part 2)

Revision ID: 0009_deal_loop_notifications
Revises: 0006_review_renames
Create Date: 2026-11-27

`notification` is a user's inbox (kind and parameters, rendered in the reader's language);
`notification_setting` keeps the kinds a user does not want by e-mail; `deal_message` is a deal's thread;
`contract.keeps_order_open` says the buyer needs more suppliers, so signing does not close the order.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_deal_loop_notifications"
down_revision = "0006_review_renames"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_notification_user_id_app_user"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name=op.f("fk_notification_match_id_match"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_dedupe_key")),
    )
    op.create_index("ix_notification_user_read", "notification", ["user_id", "read_at"], unique=False)
    op.create_index(op.f("ix_notification_match_id"), "notification", ["match_id"], unique=False)
    op.create_table(
        "notification_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("by_email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_notification_setting_user_id_app_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_setting")),
        sa.UniqueConstraint("user_id", "kind", name="user_kind"),
    )
    op.create_index(op.f("ix_notification_setting_user_id"), "notification_setting", ["user_id"], unique=False)
    op.create_table(
        "deal_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], name=op.f("fk_deal_message_match_id_match"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"], name=op.f("fk_deal_message_author_id_app_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_deal_message_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_message")),
    )
    op.create_index(op.f("ix_deal_message_match_id"), "deal_message", ["match_id"], unique=False)
    # A plain ADD COLUMN (no batch rebuild of a table that others point to).
    op.add_column("contract", sa.Column("keeps_order_open", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("contract") as batch:
        batch.drop_column("keeps_order_open")
    op.drop_table("deal_message")
    op.drop_table("notification_setting")
    op.drop_table("notification")
