"""The scheduler's daily calls back (issue 12, item 4): at 00:30 UTC (08:30 in Beijing) the digest of new
recommendations and the reminders of deadlines 3 days ahead (qianfan.notify.reminders). Each
notification's dedupe key keeps a second run, or a second consumer, from telling anyone twice."""

from __future__ import annotations

import logging
from datetime import datetime

from qianfan.notify import reminders
from qianfan.tasks.queue import huey, runtime

log = logging.getLogger(__name__)


def reminders_due(ts: datetime) -> bool:
    return (ts.hour, ts.minute) == (0, 30)


def send_daily_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Run both reminders in one transaction; (firms told of new recommendations, deadline notifications)."""
    db, _ = runtime()
    with db.session_scope() as session:
        digests = reminders.daily_digest(session, now)
        deadlines = reminders.deadlines_ahead(session, now)
    log.info("daily reminders: %s digests, %s deadline notifications", digests, deadlines)
    return digests, deadlines


@huey.periodic_task(reminders_due, name="daily_reminders")
def scheduled_reminders() -> None:
    send_daily_reminders()
