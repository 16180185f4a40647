"""Background work on a task queue (Huey): imports, rematches, and the scheduled rematch.

- `queue`: the Huey instance and where its queue lives (QUEUE_URL: a SQLite file by default, Redis or
  PostgreSQL in production, immediate in tests), `configure(settings, db)` and `enqueue(...)`.
- `runner`: `execute(job_id, work)`, what every task does around its work: claim the job row, keep
  its heartbeat and progress, record the result or the error.
- `imports`, `matching`: the tasks, each a few lines around a service (qianfan.importing,
  qianfan.matching, qianfan.postings).
- `mail`: the outbox's sender (qianfan.mail), after each commit that wrote mail and every minute.
- `schedule`: periodic jobs, run by the queue's consumer (one consumer process, one schedule; a job
  row's unique slot key keeps a second consumer from running the same slot twice).
- `worker`: the consumer (`qianfan worker`, or a thread inside `qianfan serve` on the embedded queue).

Importing this package registers every task with the queue.
"""

from qianfan.tasks import imports, mail, matching, reminders, saved_searches, schedule  # noqa: F401 - registers the tasks
from qianfan.tasks.queue import configure, enqueue, huey, rerun

__all__ = ["configure", "enqueue", "huey", "rerun"]
