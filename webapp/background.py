"""Long work started from a page (a file import, a full rematch) runs in a thread; the page polls its progress.

A job gets its own database session and commits once at its end, like a CLI command; the request that
started it returns at once with the job's id. Jobs live in this process's memory (the app is served by
one waitress process), the most recent `KEEP` of them, so a restart forgets finished jobs but never
their effects, which are in the database.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask

from models.base import utcnow
from qianfan.db import Database

KEEP = 50
log = logging.getLogger(__name__)


@dataclass
class Job:
    id: str
    kind: str  # "import" or "rematch"
    started_by: int
    stage: str = "queued"
    done: int = 0
    total: int = 0
    state: str = "running"  # running, finished, failed
    result: dict = field(default_factory=dict)  # what the result page shows
    started_at: datetime = field(default_factory=utcnow)

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    @property
    def percent(self) -> int:
        if self.state != "running":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "stage": self.stage, "done": self.done, "total": self.total,
                "percent": self.percent, "state": self.state}  # fmt: skip


class JobRunner:
    """Starts jobs in daemon threads and keeps the latest KEEP of them for their pages."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, kind: str, started_by: int, work: Callable[[Job, Database], dict]) -> Job:
        """Run `work(job, db)` in a thread; it returns the result dict, or raises to fail the job.

        `work` opens its own unit of work (`db.session_scope()`) and reports progress with `job.progress`.
        """
        job = Job(uuid.uuid4().hex, kind, started_by)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                self._jobs.popitem(last=False)
        threading.Thread(
            target=self._run, args=(job, work), name=f"job-{kind}-{job.id[:8]}", daemon=True
        ).start()
        return job

    def _run(self, job: Job, work: Callable[[Job, Database], dict]) -> None:
        try:
            job.result = work(job, self.db)
            job.state = "finished"
        except Exception as err:  # noqa: BLE001 - the job page says what happened; the log keeps the trace
            log.exception("background job %s failed", job.id)
            job.result = {"error": err}
            job.state = "failed"

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, kind: str) -> list[Job]:
        with self._lock:
            return [j for j in reversed(self._jobs.values()) if j.kind == kind]


def init_app(app: Flask) -> None:
    app.extensions["qianfan_jobs"] = JobRunner(app.extensions["qianfan_db"])


def get_jobs() -> JobRunner:
    from flask import current_app

    return current_app.extensions["qianfan_jobs"]
