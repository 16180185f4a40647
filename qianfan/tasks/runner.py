"""What every task does around its work: claim the job, keep its heartbeat, record how it ended.

`execute(job_id, work)` claims the queued job row (a job already claimed, finished or re-run is
skipped, so a message delivered twice runs once), starts a heartbeat thread that writes the progress
and the time every JOB_HEARTBEAT_SECONDS, and calls `work(run)`. The work opens its own unit of work
and calls `run.finish(session, result)` inside it before committing, so the job is marked finished in
the same transaction as what it did: after a crash, either both are in the database or neither is.
A DomainError fails the job with a message for the page; any other error fails it with "something
went wrong" on the page and the trace in the log.

On SQLite a heartbeat cannot be written while the job's own transaction holds the write lock; it is
skipped (after a short wait) and written at the next beat. Whether such a job's worker is still alive
is then told by its process id (qianfan.jobs.worker_gone), not by the heartbeat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models.errors import DomainError
from qianfan import jobs
from qianfan.db import Database, make_engine
from qianfan.tasks.queue import runtime

log = logging.getLogger(__name__)
DEFAULT_HEARTBEAT_SECONDS = 1.0
# Progress of the jobs running in this process, as the services report it: a page served by the same
# process (`qianfan serve` on the embedded queue) shows it even while SQLite holds the heartbeat back.
LIVE: dict[str, tuple[str, int, int]] = {}


@dataclass
class JobRun:
    """A claimed job as its work sees it: arguments, file, settings, database, and where to report."""

    id: str
    args: dict
    payload: bytes | None
    started_by_id: int | None
    settings: dict
    db: Database
    stage: str = "starting"
    done: int = 0
    total: int = 0
    finished: bool = field(default=False, repr=False)

    def progress(self, stage: str, done: int, total: int) -> None:
        """The services' progress callback; the heartbeat thread writes it."""
        self.stage, self.done, self.total = stage, done, total
        LIVE[self.id] = (stage, done, total)

    def finish(self, session: Session, result: dict) -> None:
        """Mark the job finished in the work's own transaction (commit it afterwards)."""
        jobs.finish(session, self.id, _json_ready(result))
        self.finished = True


def _json_ready(value):
    import json

    return json.loads(json.dumps(value, default=str))


class Heartbeat(threading.Thread):
    def __init__(self, run: JobRun, interval: float) -> None:
        super().__init__(name=f"job-heartbeat-{run.id[:8]}", daemon=True)
        self.run_ = run
        self.interval = interval
        self.stopped = threading.Event()
        self.engine = _heartbeat_engine(run.db)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.beat()

    def beat(self) -> None:
        run = self.run_
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.execute(text("PRAGMA busy_timeout = 500"))
                with Session(bind=conn) as session:
                    jobs.beat(session, run.id, run.stage, run.done, run.total)
                    session.flush()
        except OperationalError as err:  # SQLite locked by the job's own transaction: next beat
            log.debug("heartbeat of job %s skipped: %s", run.id, err)
        except Exception:  # noqa: BLE001 - a heartbeat must never end the job
            log.exception("heartbeat of job %s failed", run.id)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
        if self.engine is not self.run_.db.engine:
            self.engine.dispose()


def _heartbeat_engine(db: Database) -> Engine:
    # SQLite: its own connections, so that the short busy timeout does not leak into the job's pool.
    if db.engine.dialect.name == "sqlite":
        return make_engine(db.url, poolclass=NullPool)
    return db.engine


def execute(job_id: str, work: Callable[[JobRun], None]) -> None:
    """Run `work` for the queued job `job_id` (see the module docstring)."""
    db, settings = runtime()
    with db.session_scope() as session:
        job = jobs.claim(session, job_id)
        if job is None:
            log.info("job %s is not queued any more; skipped", job_id)
            return
        run = JobRun(job.id, dict(job.args), job.payload, job.started_by_id, settings, db)
    heartbeat = Heartbeat(run, float(settings.get("JOB_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)))
    heartbeat.start()
    outcome: tuple[dict, str | None] | None = None
    try:
        work(run)
    except DomainError as err:
        outcome = {"error": {"message": err.message, "params": _json_ready(err.params)}}, str(err)
    except Exception as err:  # noqa: BLE001 - the page says "something went wrong"; the log keeps the trace
        log.exception("job %s failed", job_id)
        outcome = {"error": None}, f"{type(err).__name__}: {err}"
    finally:
        heartbeat.stop()
        LIVE.pop(job_id, None)
    if outcome is None and not run.finished:
        outcome = {"error": None}, "the task ended without recording its result"
    if outcome is not None:
        with db.session_scope() as session:
            jobs.finish(session, job_id, outcome[0], failed=True, error=outcome[1][:10_000])
