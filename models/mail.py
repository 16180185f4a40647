"""The mail outbox: every e-mail the programme sends is a row here first, sent by a queue task.

A message is written in the same transaction as what it tells about, so it is sent if and only if that
change was committed; the sender (qianfan.mail.outbox) marks it sent once the SMTP server took it, or
records the error and when to try again, so a mail server that is down delays mail but loses none.
States: queued (waiting or being retried), sent, failed (gave up after MAIL_MAX_ATTEMPTS tries).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, non_negative, one_of, utcnow

MAIL_STATES = ("queued", "sent", "failed")


class OutboxMail(Base):
    __tablename__ = "outbox_mail"
    __table_args__ = (
        one_of("state", MAIL_STATES, "state_allowed"),
        non_negative("attempts"),
        Index("ix_outbox_mail_state_next", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Whom it was for and why (e.g. "password_reset", "invitation", "notification"), for the staff's eyes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<OutboxMail {self.id} to {self.to_address} {self.state}>"
