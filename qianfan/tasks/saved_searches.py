"""Alerts of subscribed saved searches (issue 12, item 2): every hour at minute 40, each subscribed search
is run over what was published since it last looked, and its user is told of new results
(qianfan.market.saved.send_alerts). A notification's dedupe key (the search and the instant it last
looked) keeps a second consumer running the same hour from telling anyone twice."""

from __future__ import annotations

import logging
from datetime import datetime

from qianfan.tasks.queue import huey, runtime

log = logging.getLogger(__name__)


def alerts_due(ts: datetime) -> bool:
    return ts.minute == 40


def send_saved_search_alerts(now: datetime | None = None) -> int:
    """Tokenise what is new, then run every subscribed search, in one transaction; how many users told."""
    from qianfan import matching
    from qianfan.market import saved

    db, _ = runtime()
    with db.session_scope() as session:
        matching.ensure_tokens(session, every=False)  # a posting published a minute ago is searchable by its words
        told = saved.send_alerts(session, now)
    log.info("saved searches: %s users told of new results", told)
    return told


@huey.periodic_task(alerts_due, name="saved_search_alerts")
def scheduled_saved_search_alerts() -> None:
    send_saved_search_alerts()
