"""The worker's own concerns: start a Huey consumer on the configured queue, after marking the jobs
that a dead worker left 'running' as interrupted.

`run_worker` is `qianfan worker`: a foreground consumer (SIGINT/SIGTERM stop it after the running job,
a second signal at once). `start_embedded` is the consumer thread `qianfan serve` starts on the embedded
SQLite queue, so that the embedded way needs no second process.
"""

from __future__ import annotations

import logging

from huey.consumer import Consumer

from qianfan import jobs
from qianfan.db import Database
from qianfan.tasks import huey
from qianfan.tasks.matching import free_dead_rematch_locks
from qianfan.tasks.queue import configure, runtime

log = logging.getLogger(__name__)


def recover_interrupted() -> list[str]:
    """Mark as interrupted the running jobs whose worker has died (e.g. this one, before a restart), and
    free the rematch locks such a worker held, so that the re-run need not wait for them to go stale."""
    db, settings = runtime()
    with db.session_scope() as session:
        found = jobs.recover(session, int(settings.get("JOB_STALE_SECONDS", jobs.DEFAULT_STALE_SECONDS)))
    for job_id in found:
        log.warning("job %s was interrupted (its worker died); it can be re-run from its page", job_id)
    free_dead_rematch_locks(db)
    return found


def run_worker(settings: dict, db: Database, *, workers: int = 1, periodic: bool = False) -> None:
    """Consume the queue in the foreground until a signal stops it."""
    configure(settings, db)
    recover_interrupted()
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=periodic, check_worker_health=True
    )  # fmt: skip
    consumer.run()


class EmbeddedConsumer(Consumer):
    """A consumer started inside another program (the web server), which keeps its own signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded(settings: dict, db: Database, *, periodic: bool = False) -> EmbeddedConsumer:
    """Start consumer threads in this process (call `stop()` on the result at exit)."""
    configure(settings, db)
    recover_interrupted()
    consumer = EmbeddedConsumer(huey, workers=1, worker_type="thread", periodic=periodic)
    consumer.start()
    return consumer
