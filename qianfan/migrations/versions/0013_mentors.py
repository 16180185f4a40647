"""mentors: start-up mentors, their sessions with small firms, the mentor role, mentor rankings (issue 14)

Revision ID: 0013_mentors
Revises: 0012_financing
Create Date: 2026-11-27

- `mentor` (创业导师): expertise, industries, regions, availability, bio, an optional login, `is_composed`;
- `mentor_session` (辅导): a small firm's request and what became of it;
- `app_user.role` may be `mentor` (a person without a company, like staff);
- `ranking.posting_kind` may be `firm` (a small firm's mentors) or `mentor` (a mentor's firms), and
  `ranking_state.side` may be `mentor`;
- `import_batch.kind` may be `mentors`.

None of the recreated tables (SQLite batch mode) carries the search triggers of 0008.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_mentors"
down_revision = "0012_financing"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('large_firm', 'small_firm', 'service_org', 'financial_institution', 'staff', 'admin')"
NEW_ROLES = (
    "role IN ('large_firm', 'small_firm', 'service_org', 'financial_institution', 'staff', 'admin', 'mentor')"
)
OLD_COMPANY = "role IN ('staff', 'admin') OR company_id IS NOT NULL"
NEW_COMPANY = "role IN ('staff', 'admin', 'mentor') OR company_id IS NOT NULL"
OLD_KINDS = "posting_kind IN ('order', 'listing', 'demand', 'package')"
NEW_KINDS = "posting_kind IN ('order', 'listing', 'demand', 'package', 'firm', 'mentor')"
OLD_SIDES = "side IN ('order', 'service')"
NEW_SIDES = "side IN ('order', 'service', 'mentor')"
OLD_IMPORTS = "kind IN ('companies', 'orders', 'listings', 'packages', 'demands', 'notices')"
NEW_IMPORTS = "kind IN ('companies', 'orders', 'listings', 'packages', 'demands', 'notices', 'mentors')"


def _swap(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch.create_check_constraint(name, condition)


def upgrade() -> None:
    _swap("app_user", "role_allowed", NEW_ROLES)
    _swap("app_user", "firm_role_has_company", NEW_COMPANY)
    _swap("ranking", "posting_kind_allowed", NEW_KINDS)
    _swap("ranking_state", "side_allowed", NEW_SIDES)
    _swap("import_batch", "kind_allowed", NEW_IMPORTS)
    op.create_table(
        "mentor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("industry_codes", sa.JSON(), nullable=False),
        sa.Column("region_codes", sa.JSON(), nullable=False),
        sa.Column("sessions_per_month", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=120), nullable=True),
        sa.Column("is_composed", sa.Boolean(), nullable=False),
        sa.Column("tokens", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint("mode IN ('online', 'in_person', 'both')", name=op.f("ck_mentor_mode_allowed")),
        sa.CheckConstraint(
            "sessions_per_month IS NULL OR sessions_per_month >= 0",
            name=op.f("ck_mentor_sessions_per_month_non_negative"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_mentor_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor")),
        sa.UniqueConstraint("source_key", name=op.f("uq_mentor_source_key")),
        sa.UniqueConstraint("user_id", name=op.f("uq_mentor_user_id")),
    )
    op.create_index(op.f("ix_mentor_active"), "mentor", ["active"], unique=False)
    op.create_index(op.f("ix_mentor_name"), "mentor", ["name"], unique=False)
    op.create_index(op.f("ix_mentor_updated_at"), "mentor", ["updated_at"], unique=False)
    op.create_table(
        "mentor_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'accepted', 'declined', 'withdrawn', 'held', 'cancelled')",
            name=op.f("ck_mentor_session_status_allowed"),
        ),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_mentor_session_company_id_company")),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentor.id"], name=op.f("fk_mentor_session_mentor_id_mentor")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_mentor_session_requested_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_session")),
    )
    op.create_index(op.f("ix_mentor_session_company_id"), "mentor_session", ["company_id"], unique=False)
    op.create_index(op.f("ix_mentor_session_mentor_id"), "mentor_session", ["mentor_id"], unique=False)
    op.create_index(op.f("ix_mentor_session_status"), "mentor_session", ["status"], unique=False)
    op.create_index(op.f("ix_mentor_session_updated_at"), "mentor_session", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("mentor_session")
    op.drop_table("mentor")
    op.execute("DELETE FROM ranking WHERE posting_kind IN ('firm', 'mentor')")
    op.execute("DELETE FROM ranking_state WHERE side = 'mentor'")
    op.execute("DELETE FROM import_batch WHERE kind = 'mentors'")
    op.execute("DELETE FROM app_user WHERE role = 'mentor'")
    _swap("import_batch", "kind_allowed", OLD_IMPORTS)
    _swap("ranking_state", "side_allowed", OLD_SIDES)
    _swap("ranking", "posting_kind_allowed", OLD_KINDS)
    _swap("app_user", "firm_role_has_company", OLD_COMPANY)
    _swap("app_user", "role_allowed", OLD_ROLES)
