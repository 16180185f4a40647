"""rankings: compact ranked candidates per posting (issue 8)

Revision ID: 0002_rankings
Revises: 2e4a6a563f06
Create Date: 2026-11-27

Reserved in the migration chain so that work on several issues adds revisions in one line, not heads.
"""

revision = "0002_rankings"
down_revision = "2e4a6a563f06"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
