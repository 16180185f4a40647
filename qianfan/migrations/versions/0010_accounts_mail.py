"""accounts and mail: sign-up with staff verification, e-mailed tokens, company admins, the outbox (issue 12)

Revision ID: 0010_accounts_mail
Revises: 0009_deal_loop_notifications
Create Date: 2026-11-27

- `company.verification` (pending / verified / rejected, existing firms verified) and its note;
- `app_user.email` (unique where given) and `app_user.company_admin` (invites colleagues);
- `account_token`: hashed one-time tokens for password resets and invitations;
- `outbox_mail`: every e-mail, sent and retried by a queue task (qianfan.mail).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_accounts_mail"
down_revision = "0009_deal_loop_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("company") as batch:
        batch.add_column(sa.Column("verification", sa.String(length=10), nullable=False, server_default="verified"))
        batch.add_column(sa.Column("verification_note", sa.Text(), nullable=True))
        batch.create_check_constraint(
            "verification_allowed", "verification IN ('pending', 'verified', 'rejected')"
        )
        batch.create_index(batch.f("ix_company_verification"), ["verification"], unique=False)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("company_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_unique_constraint(batch.f("uq_app_user_email"), ["email"])
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'invitation')", name=op.f("ck_account_token_purpose_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_account_token_company_id_company"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_account_token_created_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_account_token_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_token_token_hash")),
    )
    op.create_index(op.f("ix_account_token_company_id"), "account_token", ["company_id"], unique=False)
    op.create_index(op.f("ix_account_token_user_id"), "account_token", ["user_id"], unique=False)
    op.create_table(
        "outbox_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'sent', 'failed')", name=op.f("ck_outbox_mail_state_allowed")),
        sa.CheckConstraint("attempts IS NULL OR attempts >= 0", name=op.f("ck_outbox_mail_attempts_non_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_outbox_mail_user_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_mail")),
    )
    op.create_index(op.f("ix_outbox_mail_created_at"), "outbox_mail", ["created_at"], unique=False)
    op.create_index(op.f("ix_outbox_mail_user_id"), "outbox_mail", ["user_id"], unique=False)
    op.create_index("ix_outbox_mail_state_next", "outbox_mail", ["state", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_outbox_mail_state_next", table_name="outbox_mail")
    op.drop_index(op.f("ix_outbox_mail_user_id"), table_name="outbox_mail")
    op.drop_index(op.f("ix_outbox_mail_created_at"), table_name="outbox_mail")
    op.drop_table("outbox_mail")
    op.drop_index(op.f("ix_account_token_user_id"), table_name="account_token")
    op.drop_index(op.f("ix_account_token_company_id"), table_name="account_token")
    op.drop_table("account_token")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint(batch.f("uq_app_user_email"), type_="unique")
        batch.drop_column("company_admin")
        batch.drop_column("email")
    with op.batch_alter_table("company") as batch:
        batch.drop_index(batch.f("ix_company_verification"))
        batch.drop_constraint("verification_allowed", type_="check")
        batch.drop_column("verification_note")
        batch.drop_column("verification")
