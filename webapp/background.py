"""Long work started from a page (an import, a rematch) runs as a job on the task queue; pages poll it.

The web app only records and queues jobs (qianfan.tasks) and reads their rows (qianfan.jobs): a job's
page survives a restart and works from any server process, while workers run the jobs (`qianfan
worker`, or the consumer thread of `qianfan serve` on the embedded queue; in tests, at once). Views
call `get_jobs().start(kind, user_id, TaskCall(...))` and read `get_jobs().get(job_id)`, a `JobView`
whose `result` is ready for the templates (an import's report as an ImportReport, a domain error as a
DomainError to translate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask, current_app

from models import Job
from models.errors import DomainError
from qianfan import jobs
from qianfan.db import Database

KEEP = 50  # jobs listed per kind on a page


@dataclass(frozen=True)
class TaskCall:
    """What a job is to do: a task of qianfan.tasks, its JSON arguments and an optional file."""

    task: str
    args: dict = field(default_factory=dict)
    payload: bytes | None = None


class UnexpectedJobError(Exception):
    """A job failed on something other than a domain error: its page says "something went wrong"."""


@dataclass
class JobView:
    """A job row as the pages show it."""

    id: str
    kind: str
    task: str
    started_by: int | None
    state: str
    stage: str
    done: int
    total: int
    percent: int
    started_at: datetime
    finished_at: datetime | None
    rerun_of: str | None
    result: dict

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    @property
    def can_rerun(self) -> bool:
        return self.state in jobs.RERUNNABLE

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "stage": self.stage, "done": self.done, "total": self.total,
                "percent": self.percent, "state": self.state}  # fmt: skip

    @classmethod
    def of(cls, job: Job) -> JobView:
        from qianfan.tasks.runner import LIVE

        stage, done, total = job.stage, job.done, job.total
        if job.state == "running" and job.id in LIVE:  # running in this very process: fresher than its row
            stage, done, total = LIVE[job.id]
        percent = int(100 * done / total) if job.state == "running" and total else job.percent
        return cls(
            job.id, job.kind, job.task, job.started_by_id, job.state, stage, done, total,
            percent, job.created_at, job.finished_at, job.rerun_of, _result(job),
        )  # fmt: skip


def _result(job: Job) -> dict:
    from qianfan.tasks.imports import problems_from_result, report_from_result

    args = {k: v for k, v in job.args.items() if k in ("filename", "kind")}
    result = {**args, **(job.result or {})}
    if isinstance(result.get("report"), dict):
        result["report"] = report_from_result(result["report"])
    if "problems" in result:
        result["problems"] = problems_from_result(result["problems"])
    if job.state == "failed":
        error = result.get("error")
        result["error"] = (
            DomainError(error["message"], **(error.get("params") or {}))
            if isinstance(error, dict) and error.get("message")
            else UnexpectedJobError(job.stage)
        )  # fmt: skip
    else:
        result.pop("error", None)
    return result


class JobBoard:
    """The web app's window on the jobs: start, re-run, read (each in its own short unit of work)."""

    def __init__(self, db: Database, settings: dict) -> None:
        self.db = db
        self.stale_seconds = int(settings.get("JOB_STALE_SECONDS", jobs.DEFAULT_STALE_SECONDS))

    def start(self, kind: str, started_by: int | None, call: TaskCall) -> JobView:
        from qianfan.tasks import enqueue

        job_id = enqueue(kind, started_by, call.task, payload=call.payload, **call.args)
        return self.get(job_id)

    def rerun(self, job_id: str, started_by: int | None) -> JobView:
        from qianfan.tasks import rerun

        return self.get(rerun(job_id, started_by))

    def get(self, job_id: str) -> JobView | None:
        with self.db.session_scope() as session:
            job = jobs.get(session, job_id, self.stale_seconds)
            return JobView.of(job) if job is not None else None

    def recent(self, kind: str, limit: int = KEEP) -> list[JobView]:
        with self.db.session_scope() as session:
            return [JobView.of(j) for j in jobs.recent(session, kind, min(limit, KEEP), self.stale_seconds)]


def init_app(app: Flask) -> None:
    from qianfan.tasks import configure
    from webapp import staff_jobs

    db = app.extensions["qianfan_db"]
    configure(app.config, db)
    app.extensions["qianfan_jobs"] = JobBoard(db, app.config)
    app.register_blueprint(staff_jobs.bp)  # the job pages' own actions (re-run)
    # Pages list recent jobs of a kind with it, e.g. the rematches beside the rematch button.
    app.jinja_env.globals["recent_jobs"] = lambda kind, limit=KEEP: get_jobs().recent(kind, limit)


def get_jobs() -> JobBoard:
    return current_app.extensions["qianfan_jobs"]
