"""Periodic jobs, run by the queue's consumer: the scheduled full rematch every MATCH_SCHEDULE_MINUTES,
and once a day (03:17 UTC) the removal of job rows older than JOB_KEEP_DAYS (90; their uploads with them).

Huey's consumer looks at its periodic tasks once a minute and queues those due; a consumer started
with periodic tasks on (`qianfan worker --periodic`, or SCHEDULER_ENABLED) is the schedule. Run one such
consumer: one schedule. Should two run it anyway, each run first records its slot
("rematch@2026-11-27T13:00") as the job row's unique `schedule_key`, and the second finds it taken.
"""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from models import Job
from qianfan import jobs
from qianfan.tasks.matching import rematch_changed_work
from qianfan.tasks.queue import huey, runtime
from qianfan.tasks.runner import execute

log = logging.getLogger(__name__)


def _minute(ts: datetime) -> int:
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return calendar.timegm(ts.timetuple()) // 60


def _interval() -> int:
    _, settings = runtime()
    return max(1, int(settings.get("MATCH_SCHEDULE_MINUTES") or 60))


def rematch_due(ts: datetime) -> bool:
    """Whether the scheduled rematch is due in the minute `ts` (naive UTC, as Huey gives it, or aware)."""
    return _minute(ts) % _interval() == 0


def slot_key(ts: datetime) -> str:
    minute = _minute(ts)
    start = datetime.fromtimestamp((minute - minute % _interval()) * 60, UTC)
    return f"rematch@{start:%Y-%m-%dT%H:%M}"


def start_scheduled_rematch(ts: datetime) -> str | None:
    """Record the slot's job; its id, or None when another consumer has already started this slot."""
    db, _ = runtime()
    try:
        with db.session_scope() as session:
            return jobs.create(session, kind="rematch", task="rematch_changed", started_by_id=None,
                               schedule_key=slot_key(ts)).id  # fmt: skip
    except IntegrityError:
        log.info("scheduled rematch %s already started elsewhere", slot_key(ts))
        return None


@huey.periodic_task(rematch_due, name="scheduled_rematch")
def scheduled_rematch() -> None:
    job_id = start_scheduled_rematch(datetime.now(UTC))
    if job_id is not None:
        execute(job_id, rematch_changed_work)


def prune_due(ts: datetime) -> bool:
    return (ts.hour, ts.minute) == (3, 17)


def prune_jobs(now: datetime | None = None) -> int:
    """Delete the ended jobs created more than JOB_KEEP_DAYS ago; how many."""
    db, settings = runtime()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=int(settings.get("JOB_KEEP_DAYS") or 90))
    with db.session_scope() as session:
        old = session.execute(
            delete(Job).where(Job.created_at < cutoff, Job.state.not_in(("queued", "running")))
        ).rowcount  # fmt: skip
    log.info("%s job rows older than %s removed", old, cutoff)
    return old


@huey.periodic_task(prune_due, name="prune_jobs")
def scheduled_prune() -> None:
    prune_jobs()
