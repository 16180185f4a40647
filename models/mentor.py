"""Start-up mentors (创业导师) and the sessions small firms ask them for.

Glossary:
- 创业导师 Mentor: a person offered to small firms by the programme, with expertise (专长), the GB/T 4754
  industries and the districts they know, and how often and how they meet (availability).
- 辅导 MentorSession: one session a small firm asks a mentor for: requested → accepted → held (with the
  mentor's short note), or declined / withdrawn / cancelled, each with its reason (models.lifecycle).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, non_negative, one_of
from models.company import Company
from models.user import User

MENTOR_MODES = ("online", "in_person", "both")
MENTOR_SESSION_STATUSES = ("requested", "accepted", "declined", "withdrawn", "held", "cancelled")


class Mentor(Timestamped, Base):
    """创业导师: registered by staff or imported; may have a login (a user of role `mentor`)."""

    __tablename__ = "mentor"
    __table_args__ = (
        one_of("mode", MENTOR_MODES, "mode_allowed"),
        non_negative("sessions_per_month"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    title: Mapped[str | None] = mapped_column(String(200))  # e.g. "某某科技有限公司 创始人"
    expertise: Mapped[str] = mapped_column(Text)  # 专长, free text: what the matcher reads first
    bio: Mapped[str] = mapped_column(Text, default="")
    industry_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # GB/T 4754 codes
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # 区划代码; empty: anywhere
    sessions_per_month: Mapped[int] = mapped_column(default=2)  # 0: not taking sessions now
    mode: Mapped[str] = mapped_column(String(10), default="both")
    active: Mapped[bool] = mapped_column(default=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    # Stable key of the row it was imported from (编号, else the name), so a re-import updates.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    is_composed: Mapped[bool] = mapped_column(default=False)
    # Matcher tokens of expertise and bio, kept like a posting's (matcher.tokenize).
    tokens: Mapped[list[str] | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Mentor {self.id} {self.name!r}>"


class MentorSession(Timestamped, Base):
    """辅导: one session a small firm asked a mentor for, and what became of it."""

    __tablename__ = "mentor_session"
    __table_args__ = (one_of("status", MENTOR_SESSION_STATUSES, "status_allowed"),)
    lifecycle = "mentor_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    topic: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="requested", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why declined, withdrawn or cancelled
    note: Mapped[str | None] = mapped_column(Text)  # the mentor's short note of the session held
    # The match score at the time of the request (None: the firm found the mentor outside its list).
    score: Mapped[float | None]
    answered_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None]

    mentor: Mapped[Mentor] = relationship(lazy="joined")
    company: Mapped[Company] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<MentorSession {self.id} {self.topic[:8]!r} {self.status}>"
