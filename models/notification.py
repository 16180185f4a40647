"""What calls a user back: in-app notifications, each user's e-mail choices, and a deal's messages.

- `Notification`: one line of a user's inbox (站内通知). It keeps the event's `kind` and its parameters,
  not a sentence, so that the inbox speaks the reader's language at the time it is read.
- `NotificationSetting`: a user's choice of whether one kind also arrives by e-mail. Only choices that
  differ from the default (every kind by e-mail) are stored.
- `DealMessage`: one message of the thread between a deal's two sides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.user import User

# Every event that calls someone back (issue 12, item 4). The inbox, the e-mail and the settings page
# name each of them (qianfan.notify.texts).
NOTIFICATION_KINDS = (
    "recommendations",  # daily digest of new recommendations
    "interest",  # a supplier expressed interest in the buyer's order
    "invitation",  # the buyer invited the supplier
    "answer",  # the supplier accepted or declined an invitation
    "withdrawn",  # the other side withdrew from the deal (or declined it)
    "message",  # a message in a deal's thread
    "screening",  # staff published or rejected the user's posting
    "contract",  # a contract waits for the user's confirmation
    "signed",  # a contract was signed
    "order_closed",  # the order of one of the user's open deals was signed with someone else
    "deadline",  # an order's deadline is 3 days ahead
    "application",  # an applicant applied for a package / was accepted or declined
    "saved_search",  # a saved search found new postings (issue 12, part 1)
    "mentor_request",  # a small firm asks the mentor for a session (or withdraws its request)
    "mentor_answer",  # the mentor accepted or declined the firm's request
    "mentor_session",  # the mentor recorded the session as held, or cancelled it
    "financing",  # a step of a financing application the user's firm has a part in (qianfan.financing)
)


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # What the sentence needs: {"title": "...", "firm": "...", "reason": "..."}.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where it leads in the app, e.g. "/deals/12".
    link: Mapped[str | None] = mapped_column(String(300))
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Once per event and user: a job run twice (the deadline reminder, the digest) tells once.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} to {self.user_id}>"


class NotificationSetting(Base):
    __tablename__ = "notification_setting"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="user_kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    by_email: Mapped[bool] = mapped_column(default=True)


class DealMessage(Base):
    __tablename__ = "deal_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("match.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<DealMessage {self.id} on match {self.match_id}>"
