"""Scheduled work: the job list with stable ids, and the scheduler that runs it when enabled.

Each job is a thin wrapper around a pure function that the CLI calls too: it opens one unit of work
on the database, calls the function, and commits. The scheduler (APScheduler) is started only when
the setting SCHEDULER_ENABLED is true, and never by the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from qianfan import matching
from qianfan.db import Database


def rematch_job(db: Database, settings: dict) -> dict:
    """The full rematch as one unit of work, committed once (qianfan.matching.rematch_all)."""
    with db.session_scope() as session:
        return matching.rematch_all(session, settings=settings)


@dataclass(frozen=True)
class JobDefinition:
    id: str  # stable: the scheduler replaces a job of the same id instead of adding a second one
    run: Callable[[Database, dict], object]
    minutes: Callable[[dict], int]  # the interval, from the settings


JOBS = (
    JobDefinition("matching.rematch_all", rematch_job, lambda s: int(s["MATCH_SCHEDULE_MINUTES"])),
)


def start_scheduler(db: Database, settings: dict) -> BackgroundScheduler | None:
    """Start the jobs of JOBS in a background scheduler when SCHEDULER_ENABLED; None otherwise."""
    if not settings.get("SCHEDULER_ENABLED"):
        return None
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(
            job.run, "interval", minutes=job.minutes(settings), args=(db, settings), id=job.id,
            replace_existing=True, max_instances=1, coalesce=True,
        )  # fmt: skip
    scheduler.start()
    return scheduler
