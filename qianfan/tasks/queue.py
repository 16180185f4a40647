"""The queue: one Huey instance whose storage the setting QUEUE_URL picks, and `enqueue`.

Why Huey: its SQLite storage makes the embedded default a file in the instance folder, no server to
run; the same tasks run on Redis or PostgreSQL in production, and in immediate mode (synchronously, in
the caller) in tests. Its consumer also runs periodic tasks, so the schedule needs no second library.

QUEUE_URL:
- unset: `sqlite:///<instance>/queue.sqlite3`; under TESTING, `immediate`;
- `sqlite:///path/to/queue.sqlite3`: the embedded queue (one machine; `qianfan serve` consumes it);
- `redis://host:6379/0`: Redis; `postgresql://user@host/db`: PostgreSQL (Huey's own huey_* tables);
- `immediate`: run each task at once in the process that enqueues it (tests, scripts).
QUEUE_NAME (default "qianfan") names the queue inside its storage, for several apps on one Redis.

The queue message is only the job's id; the job's row (qianfan.jobs) holds its arguments, its file
and everything its page shows. Tasks find the database and settings through `runtime()`, set by
`configure` in whichever process runs them: the web app (immediate mode), `qianfan worker`, `serve`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from huey import Huey
from huey.storage import MemoryStorage, PostgresStorage, RedisStorage, SqliteStorage

from models.errors import DomainError
from qianfan import jobs
from qianfan.config import DEFAULTS, instance_dir
from qianfan.db import Database

log = logging.getLogger(__name__)

# The storage is replaced by `configure`; until then tasks would only be kept in memory.
huey = Huey("qianfan", results=False, utc=True, storage_class=MemoryStorage)
TASKS: dict[str, Callable[[str], Any]] = {}  # task name → the Huey task that takes a job id

_runtime: dict[str, Any] = {"settings": dict(DEFAULTS), "db": None, "url": None}


def queue_url(settings: dict) -> str:
    url = settings.get("QUEUE_URL")
    if url:
        return str(url)
    if settings.get("TESTING"):
        return "immediate"
    return f"sqlite:///{instance_dir() / 'queue.sqlite3'}"


def is_embedded(settings: dict) -> bool:
    """Whether the queue is the instance's SQLite file, which `qianfan serve` consumes itself."""
    return queue_url(settings).startswith("sqlite:")


def _storage(url: str) -> tuple[type, dict]:
    if url.startswith("sqlite:"):
        return SqliteStorage, {"filename": url.split("///", 1)[-1], "timeout": 30}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage, {"url": url}
    if url.startswith(("postgresql", "postgres:")):
        scheme, rest = url.split("://", 1)
        return PostgresStorage, {"dsn": f"postgresql://{rest}"}
    raise ValueError(f"QUEUE_URL must be sqlite:///..., redis://..., postgresql://... or immediate, not {url!r}")


def configure(settings: dict, db: Database) -> None:
    """Point the queue at QUEUE_URL and give the tasks their database and settings (in this process)."""
    url = queue_url(settings)
    name = str(settings.get("QUEUE_NAME") or "qianfan")  # several apps (or test runs) on one Redis
    _runtime.update(settings=settings, db=db)
    if (url, name) == _runtime["url"]:
        return
    huey.name = name
    if url == "immediate":
        huey.immediate_use_memory = True
        huey.immediate = True
    else:
        huey.immediate = False
        huey.storage_class, huey.storage_kwargs = _storage(url)
        huey.storage = huey.create_storage()
    _runtime["url"] = (url, name)


def runtime() -> tuple[Database, dict]:
    """The database and settings the tasks of this process use."""
    if _runtime["db"] is None:
        raise RuntimeError("qianfan.tasks.configure() was not called in this process")
    return _runtime["db"], _runtime["settings"]


def register(name: str):
    """Declare a task: a Huey task named `name` that takes a job id, listed in TASKS for enqueue."""

    def decorator(func: Callable[[str], None]):
        task = huey.task(name=name)(func)
        TASKS[name] = task
        return task

    return decorator


class QueueUnavailable(DomainError):
    http_status = 503


def N_(message: str) -> str:  # noqa: N802 - marks a message id for the translation catalogue
    return message


def _send(job_id: str, task_name: str) -> None:
    try:
        TASKS[task_name](job_id)
    except Exception as err:  # noqa: BLE001 - Redis or PostgreSQL down: the job fails, the user is told
        log.exception("could not queue job %s", job_id)
        db, _ = runtime()
        with db.session_scope() as session:
            jobs.finish(session, job_id, {}, failed=True, error=f"not queued: {err!r}")
        raise QueueUnavailable(N_("The job queue cannot be reached; the job was not started.")) from err


def enqueue(kind: str, started_by: int | None, task_name: str, /, payload: bytes | None = None, **args) -> str:
    """Record a job and queue it; its id. With an immediate queue it has already run on return."""
    import qianfan.tasks  # noqa: F401 - every task registered

    if task_name not in TASKS:
        raise ValueError(f"unknown task {task_name!r}")
    db, _ = runtime()
    with db.session_scope() as session:
        job_id = jobs.create(
            session, kind=kind, task=task_name, started_by_id=started_by, args=args, payload=payload
        ).id
    _send(job_id, task_name)
    return job_id


def rerun(job_id: str, started_by: int | None) -> str:
    """Queue again what an interrupted or failed job was doing; the new job's id."""
    import qianfan.tasks  # noqa: F401 - every task registered

    db, _ = runtime()
    with db.session_scope() as session:
        job = jobs.rerun(session, job_id, started_by)
        new_id, task_name = job.id, job.task
    _send(new_id, task_name)
    return new_id
