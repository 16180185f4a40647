"""The sender: take the outbox's due messages, hand them to the SMTP server, record how it went.

Each message is claimed by moving its `next_attempt_at` forward before it is sent (in a short
transaction of its own), so two senders running at once do not send it twice; once the server has
taken it, it is marked sent. A refused or failed send records the error and the next try, after
1, 2, 4 ... minutes (at most an hour); after MAIL_MAX_ATTEMPTS tries the message is marked failed.
With no MAIL_SMTP_HOST nothing is sent: the mail waits.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select, update

from models import OutboxMail
from models.base import utcnow
from qianfan.db import Database

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120  # a claimed message is tried again after this if its sender died mid-send
MAX_BACKOFF_MINUTES = 60


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: bool = False  # no SMTP server configured


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(MAX_BACKOFF_MINUTES, 2 ** max(0, attempts - 1)))


def build_message(mail: OutboxMail, settings: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = str(settings.get("MAIL_FROM") or "qianfan@localhost")
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{mail.id}")
    message.set_content(mail.body)  # UTF-8; Chinese text is encoded as the standard asks
    return message


def _connect(settings: dict) -> smtplib.SMTP:
    host = str(settings["MAIL_SMTP_HOST"])
    port = int(settings.get("MAIL_SMTP_PORT") or 25)
    timeout = float(settings.get("MAIL_SMTP_TIMEOUT") or 10)
    security = str(settings.get("MAIL_SMTP_SECURITY") or "").lower()
    if security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if settings.get("MAIL_SMTP_USER"):
        smtp.login(str(settings["MAIL_SMTP_USER"]), str(settings.get("MAIL_SMTP_PASSWORD") or ""))
    return smtp


def _claim(db: Database, now: datetime, batch: int) -> list[int]:
    """The due messages' ids, each pushed CLAIM_SECONDS ahead so that no other sender takes it meanwhile."""
    claimed: list[int] = []
    with db.session_scope() as session:
        due = session.scalars(
            select(OutboxMail.id).where(OutboxMail.state == "queued", OutboxMail.next_attempt_at <= now)
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(batch)
        ).all()  # fmt: skip
        for mail_id in due:
            taken = session.execute(
                update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == "queued",
                                         OutboxMail.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
            ).rowcount  # fmt: skip
            if taken:
                claimed.append(mail_id)
    return claimed


def send_due(db: Database, settings: dict, now: datetime | None = None, batch: int = 100) -> SendReport:
    """Send the outbox's due messages (at most `batch`); what happened."""
    report = SendReport()
    if not settings.get("MAIL_SMTP_HOST"):
        report.skipped = True
        return report
    now = now or utcnow()
    ids = _claim(db, now, batch)
    if not ids:
        return report
    max_attempts = int(settings.get("MAIL_MAX_ATTEMPTS") or 30)
    smtp = None
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as err:
        log.warning("SMTP server %s unreachable: %r; %d mails wait", settings.get("MAIL_SMTP_HOST"), err, len(ids))
        for mail_id in ids:
            _failed(db, mail_id, now, err, max_attempts, report)
        return report
    try:
        for mail_id in ids:
            with db.session_scope() as session:
                mail = session.get(OutboxMail, mail_id)
                message = build_message(mail, settings)
            try:
                smtp.send_message(message)
            except (OSError, smtplib.SMTPException) as err:
                _failed(db, mail_id, now, err, max_attempts, report)
                if isinstance(err, (OSError, smtplib.SMTPServerDisconnected)):
                    for rest in ids[ids.index(mail_id) + 1:]:
                        _failed(db, rest, now, err, max_attempts, report)
                    break
                continue
            with db.session_scope() as session:
                session.execute(
                    update(OutboxMail).where(OutboxMail.id == mail_id)
                    .values(state="sent", sent_at=utcnow(), attempts=OutboxMail.attempts + 1, last_error=None)
                )  # fmt: skip
            report.sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return report


def _failed(db: Database, mail_id: int, now: datetime, err: Exception, max_attempts: int, report: SendReport) -> None:
    with db.session_scope() as session:
        mail = session.get(OutboxMail, mail_id)
        mail.attempts += 1
        mail.last_error = repr(err)[:2000]
        if mail.attempts >= max_attempts:
            mail.state = "failed"
            report.failed += 1
            log.error("mail %s to %s given up after %d tries: %r", mail.id, mail.to_address, mail.attempts, err)
        else:
            mail.next_attempt_at = now + backoff(mail.attempts)
            report.retried += 1
