"""Personal API tokens: a user's key for the machines that call /api/v1 on the user's behalf.

Only a SHA-256 hash of the token is stored (as for models.account_token): the token itself is shown once,
when it is made. A token acts as its user, with the user's role and company, limited by its `scope`:
"read" tokens only read, "write" tokens also change. It stops working when revoked, when it expires
(`expires_at`, optional) or when its user is deactivated.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, one_of, utcnow
from models.user import User

API_SCOPES = ("read", "write")


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (one_of("scope", API_SCOPES, "scope_allowed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown in the list so that a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… {self.scope} revoked={self.revoked_at is not None}>"
