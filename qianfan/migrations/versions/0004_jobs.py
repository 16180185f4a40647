"""jobs: durable job records (issue 9)

Revision ID: 0004_jobs
Revises: 0003_security
Create Date: 2026-11-27

The `job` table holds every background job's state, progress and result (models.job), so job pages
survive a restart and are shared by several server and worker processes; the queue carries only ids.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_jobs"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("task", sa.String(length=60), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("schedule_key", sa.String(length=80), nullable=True),
        sa.Column("rerun_of", sa.String(length=32), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'finished', 'failed', 'interrupted')",
            name=op.f("ck_job_state_allowed"),
        ),
        sa.CheckConstraint("done IS NULL OR done >= 0", name=op.f("ck_job_done_non_negative")),
        sa.CheckConstraint("total IS NULL OR total >= 0", name=op.f("ck_job_total_non_negative")),
        sa.ForeignKeyConstraint(["rerun_of"], ["job.id"], name=op.f("fk_job_rerun_of_job"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["app_user.id"], name=op.f("fk_job_started_by_id_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("schedule_key", name=op.f("uq_job_schedule_key")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_started_by_id"), ["started_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_job_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_state"))
        batch_op.drop_index(batch_op.f("ix_job_started_by_id"))
        batch_op.drop_index(batch_op.f("ix_job_kind"))
        batch_op.drop_index(batch_op.f("ix_job_created_at"))
    op.drop_table("job")
