"""Background jobs (imports, rematches) as rows: what ran, who started it, how far it got, what it did.

The task queue (qianfan.tasks, Huey) only carries a job's id; everything a page shows lives here, so a
job's page survives a restart and every server process reads the same state. States:

- queued: waiting for a worker;
- running: a worker (`worker` = host:pid) is at it and writes `heartbeat_at` every few seconds;
- finished / failed: done; `result` holds what the result page shows, `error` what went wrong;
- interrupted: its worker died while it ran (killed, machine restarted); it can be re-run, which
  queues a new job with the same task, arguments and file (`rerun_of` points back).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, non_negative, one_of, utcnow

JOB_STATES = ("queued", "running", "finished", "failed", "interrupted")
ACTIVE_STATES = ("queued", "running")


class Job(Base):
    """One run of a background task; its id (random hex) is what the pages' URLs carry."""

    __tablename__ = "job"
    __table_args__ = (
        one_of("state", JOB_STATES, "state_allowed"),
        non_negative("done"),
        non_negative("total"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)  # import, rematch, firm-rematch ...
    task: Mapped[str] = mapped_column(String(60))  # the task's name in qianfan.tasks (for a re-run)
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("app_user.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    args: Mapped[dict] = mapped_column(JSON, default=dict)  # the task's keyword arguments
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # an uploaded file, until the job ends
    result: Mapped[dict] = mapped_column(JSON, default=dict)  # counts, refused rows, a domain error
    error: Mapped[str | None] = mapped_column(Text)  # what went wrong, for the operators' eyes
    # A periodic job's slot ("rematch@2026-11-27T13:00"): unique, so that several consumers that all
    # run the schedule start it once.
    schedule_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    rerun_of: Mapped[str | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    worker: Mapped[str | None] = mapped_column(String(120))  # host:pid of the process running it
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    @property
    def percent(self) -> int:
        if self.state not in ACTIVE_STATES:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def __repr__(self) -> str:
        return f"<Job {self.id[:8]} {self.kind} {self.state}>"
