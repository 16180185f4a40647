"""security: revocable sessions, login audit (issue 9)

Revision ID: 0003_security
Revises: 0002_rankings
Create Date: 2026-11-27

Reserved in the migration chain so that work on several issues adds revisions in one line, not heads.
"""

revision = "0003_security"
down_revision = "0002_rankings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
