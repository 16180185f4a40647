"""E-mail: `queue_mail(session, to, subject, text)` writes a message to the outbox in the caller's
transaction; a queue task sends it through SMTP after the commit and retries until the server takes it.

- `outbox`: the sender (`send_due`), SMTP settings, the retry schedule;
- the tasks live in qianfan.tasks.mail: `send_outbox` (queued after each commit that wrote mail) and a
  periodic retry every minute, run by the queue's consumer.

Settings (qianfan.config): MAIL_SMTP_HOST (empty: nothing is sent, mail waits in the outbox),
MAIL_SMTP_PORT, MAIL_SMTP_USER, MAIL_SMTP_PASSWORD, MAIL_SMTP_SECURITY ("", "starttls" or "ssl"),
MAIL_SMTP_TIMEOUT, MAIL_FROM, MAIL_MAX_ATTEMPTS, MAIL_SEND_AFTER_COMMIT.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import OutboxMail
from models.errors import ValidationError

log = logging.getLogger(__name__)
_HOOKED = "qianfan_mail_hooked"
_PENDING = "qianfan_mail_pending"


def queue_mail(
    session: Session, to: str, subject: str, text: str, *, user_id: int | None = None, kind: str | None = None
) -> OutboxMail:
    """Put one plain-text e-mail in the outbox, in the caller's transaction (nothing is sent on rollback).

    `to` is one address; `subject` and `text` are final (already in the reader's language). `user_id`
    and `kind` ("password_reset", "invitation", "notification" ...) say whom and what it is for.
    After the commit, the sender task is queued; a failed send is retried by the schedule.
    """
    to = (to or "").strip()
    if "@" not in to or any(c in to for c in " \r\n,;<>"):
        raise ValidationError("'%(address)s' is not an e-mail address.", field="email", address=to)
    subject = " ".join((subject or "").split())[:300]  # headers are one line
    mail = OutboxMail(to_address=to, subject=subject, body=text or "", user_id=user_id, kind=kind)
    session.add(mail)
    _send_after_commit(session)
    return mail


def _send_after_commit(session: Session) -> None:
    session.info[_PENDING] = True
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True

    def after_commit(committed: Session) -> None:
        if committed.info.pop(_PENDING, False):
            kick_sender()

    event.listen(session, "after_commit", after_commit)


def kick_sender() -> None:
    """Queue the sender task; never fails the caller (the periodic retry sends what this does not)."""
    from qianfan.tasks import queue

    if queue._runtime["db"] is None:  # a process without a queue (a script): the schedule sends it
        log.debug("no queue in this process; the outbox is sent by the schedule")
        return
    try:
        from qianfan.tasks.mail import send_outbox

        if queue._runtime["settings"].get("MAIL_SEND_AFTER_COMMIT", True):
            send_outbox()
    except Exception:  # noqa: BLE001 - the queue or SMTP down: the mail waits in the outbox
        log.warning("the mail sender could not be started now; the outbox is retried", exc_info=True)




def outbox_summary(session: Session, limit: int = 50) -> tuple[dict[str, int], list[OutboxMail]]:
    """(count per state, the mails not sent yet: queued and failed, oldest first) for the staff's page."""
    from sqlalchemy import func, select

    counts = dict(session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all())
    waiting = session.scalars(
        select(OutboxMail).where(OutboxMail.state != "sent").order_by(OutboxMail.created_at, OutboxMail.id).limit(limit)
    ).all()  # fmt: skip
    return {state: counts.get(state, 0) for state in ("queued", "sent", "failed")}, list(waiting)


def retry_failed(session: Session, mail_id: int) -> OutboxMail:
    """Put a mail given up on back in the queue, its tries counted afresh (sent after the commit)."""
    from models.base import utcnow
    from models.errors import NotFound

    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.state != "failed":
        raise NotFound("No failed mail %(id)s.", id=mail_id)
    mail.state, mail.attempts, mail.next_attempt_at = "queued", 0, utcnow()
    session.flush()
    _send_after_commit(session)
    return mail


__all__ = ["kick_sender", "outbox_summary", "queue_mail", "retry_failed"]
