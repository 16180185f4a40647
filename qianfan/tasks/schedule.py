"""Periodic jobs, run by the queue's consumer: the scheduled full rematch every MATCH_SCHEDULE_MINUTES.

Huey's consumer looks at its periodic tasks once a minute and queues those due; a consumer started
with periodic tasks on (`qianfan worker --periodic`, or SCHEDULER_ENABLED) is the schedule. Run one such
consumer: one schedule. Should two run it anyway, each run first records its slot
("rematch@2026-11-27T13:00") as the job row's unique `schedule_key`, and the second finds it taken.
"""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from qianfan import jobs
from qianfan.tasks.matching import rematch_all_work
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
            return jobs.create(session, kind="rematch", task="rematch_all", started_by_id=None,
                               schedule_key=slot_key(ts)).id  # fmt: skip
    except IntegrityError:
        log.info("scheduled rematch %s already started elsewhere", slot_key(ts))
        return None


@huey.periodic_task(rematch_due, name="scheduled_rematch")
def scheduled_rematch() -> None:
    job_id = start_scheduled_rematch(datetime.now(UTC))
    if job_id is not None:
        execute(job_id, rematch_all_work)
