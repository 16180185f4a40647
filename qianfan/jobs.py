"""Job records: create, claim, report progress, finish, and tell when a job's worker has died.

The task queue (qianfan.tasks, Huey) carries only a job's id; the job's row (models.Job) holds what
the pages show, so they survive a restart and agree across processes. A job is *interrupted* when it
is 'running' but its worker is gone: on this host, its process no longer exists; on another host, its
heartbeat is older than JOB_STALE_SECONDS. Pages and workers mark such jobs as they find them, and an
interrupted (or failed) job can be re-run: a new job with the same task, arguments and file.

These functions flush and never commit, like every service; the task runner and the web layer commit.
`rematch_job` is the full rematch as one unit of work, for `qianfan match --full`.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Job
from models.base import utcnow
from models.errors import DomainError, NotFound
from qianfan.db import Database

DEFAULT_STALE_SECONDS = 60
RERUNNABLE = ("interrupted", "failed")


def worker_id() -> str:
    """host:pid of this process, as stored in `Job.worker`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child that nobody has reaped yet still answers; /proc says it is a zombie.
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def holder_gone(holder: str | None) -> bool | None:
    """For a "host:pid[:anything]" holder (a job's worker, a lock's holder): True if it is a process of
    this host that no longer runs, False if it still runs, None when this host cannot tell (another host)."""
    host, _, rest = (holder or "").partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return not _process_alive(int(pid))


def worker_gone(job: Job, now: datetime | None = None, stale_seconds: int = DEFAULT_STALE_SECONDS) -> bool:
    """Whether a running job's worker has died (see the module docstring)."""
    if job.state != "running":
        return False
    gone = holder_gone(job.worker)
    if gone is not None:
        return gone
    beat = job.heartbeat_at or job.started_at
    return beat is None or (now or utcnow()) - beat > timedelta(seconds=stale_seconds)


def create(
    session: Session,
    *,
    kind: str,
    task: str,
    started_by_id: int | None,
    args: dict | None = None,
    payload: bytes | None = None,
    schedule_key: str | None = None,
    rerun_of: str | None = None,
) -> Job:
    job = Job(
        id=uuid.uuid4().hex, kind=kind, task=task, started_by_id=started_by_id, args=args or {},
        payload=payload, result={}, schedule_key=schedule_key, rerun_of=rerun_of, state="queued",
        stage="queued", done=0, total=0, created_at=utcnow(),
    )  # fmt: skip
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: str) -> Job | None:
    """Mark a queued job running in this process; None when it is not queued (already run, re-run)."""
    now = utcnow()
    claimed = session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued")
        .values(state="running", stage="starting", worker=worker_id(), started_at=now, heartbeat_at=now)
    ).rowcount  # fmt: skip
    return session.get(Job, job_id) if claimed else None


def beat(session: Session, job_id: str, stage: str, done: int, total: int) -> None:
    """The heartbeat: progress and the time, only while the job is still running."""
    session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running")
        .values(stage=stage[:40], done=max(done, 0), total=max(total, 0), heartbeat_at=utcnow())
    )  # fmt: skip


def finish(session: Session, job_id: str, result: dict, *, failed: bool = False, error: str | None = None) -> None:
    """Record the outcome; a finished job drops its file (a failed one keeps it for a re-run)."""
    job = session.get(Job, job_id)
    if job is None:
        return
    job.state = "failed" if failed else "finished"
    job.stage = job.state
    job.result = result
    job.error = error
    job.finished_at = utcnow()
    if job.total:
        job.done = job.total
    if not failed:
        job.payload = None
    session.flush()


def mark_interrupted(session: Session, job: Job) -> None:
    job.state = "interrupted"
    job.stage = "interrupted"
    job.finished_at = utcnow()
    session.flush()


def refresh(session: Session, job: Job, stale_seconds: int = DEFAULT_STALE_SECONDS) -> Job:
    """Mark the job interrupted if its worker has died; the job, as it now stands."""
    if worker_gone(job, stale_seconds=stale_seconds):
        mark_interrupted(session, job)
    return job


def recover(session: Session, stale_seconds: int = DEFAULT_STALE_SECONDS) -> list[str]:
    """Mark every running job whose worker has died as interrupted (a worker does this as it starts)."""
    found = []
    for job in session.scalars(select(Job).where(Job.state == "running")):
        if worker_gone(job, stale_seconds=stale_seconds):
            mark_interrupted(session, job)
            found.append(job.id)
    return found


def get(session: Session, job_id: str, stale_seconds: int = DEFAULT_STALE_SECONDS) -> Job | None:
    job = session.get(Job, job_id) if isinstance(job_id, str) and len(job_id) <= 32 else None
    return refresh(session, job, stale_seconds) if job is not None else None


def recent(session: Session, kind: str, limit: int = 50, stale_seconds: int = DEFAULT_STALE_SECONDS) -> list[Job]:
    jobs = session.scalars(
        select(Job).where(Job.kind == kind).order_by(Job.created_at.desc()).limit(limit)
    ).all()  # fmt: skip
    return [refresh(session, job, stale_seconds) for job in jobs]


def rerun(session: Session, job_id: str, started_by_id: int | None) -> Job:
    """A new queued job doing what an interrupted or failed one was doing (enqueue it after the commit)."""
    old = get(session, job_id)
    if old is None:
        raise NotFound("No job with id %(id)s.", id=job_id)
    if old.state not in RERUNNABLE:
        raise DomainError("Only an interrupted or failed job can be run again.")
    return create(
        session, kind=old.kind, task=old.task, started_by_id=started_by_id, args=dict(old.args),
        payload=old.payload, rerun_of=old.id,
    )  # fmt: skip


def rematch_job(db: Database, settings: dict) -> dict:
    """The full rematch (qianfan.matching.rematch_all: short batches, switched to at its end)."""
    from qianfan import matching

    return matching.rematch_all(db, settings=settings)
