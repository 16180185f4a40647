"""The mail tasks: `send_outbox`, queued after each commit that wrote mail, and the periodic retry.

Neither has a job row (the jobs pages list staff work; mail is counted in the outbox itself).
"""

from __future__ import annotations

import logging

from qianfan.mail.outbox import send_due
from qianfan.tasks.queue import huey, runtime

log = logging.getLogger(__name__)


@huey.task(name="send_outbox")
def send_outbox() -> None:
    db, settings = runtime()
    report = send_due(db, settings)
    if report.sent or report.retried or report.failed:
        log.info("outbox: %d sent, %d to retry, %d given up", report.sent, report.retried, report.failed)


def _every_minute(ts) -> bool:
    return True


@huey.periodic_task(_every_minute, name="retry_outbox")
def retry_outbox() -> None:
    send_outbox.call_local()
