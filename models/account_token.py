"""One-time tokens sent by e-mail: a password reset, or an invitation to join a company.

Only a SHA-256 hash of the token is stored: the database alone does not let anyone reset a password.
A token works once (`used_at`) and until `expires_at`.
- password_reset: for `user_id`;
- invitation: a company admin (`created_by_id`) invites `email` to join `company_id` under `display_name`;
  whoever opens the link chooses a username and a password, and the account is created then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, one_of, utcnow

TOKEN_PURPOSES = ("password_reset", "invitation")


class AccountToken(Base):
    __tablename__ = "account_token"
    __table_args__ = (one_of("purpose", TOKEN_PURPOSES, "purpose_allowed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<AccountToken {self.id} {self.purpose} used={self.used_at is not None}>"
