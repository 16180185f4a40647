"""jobs: durable job records (issue 9)

Revision ID: 0004_jobs
Revises: 0003_security
Create Date: 2026-11-27

Reserved in the migration chain so that work on several issues adds revisions in one line, not heads.
"""

revision = "0004_jobs"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
