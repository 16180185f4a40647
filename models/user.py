"""People who log in. Every firm-side role belongs to a company; staff and admins do not need one.

`session_version` makes sessions revocable: the login cookie carries "id:version", and logging out or
changing the password bumps the version, so every cookie issued before no longer loads the user.
`LoginAttempt` is the working table of the login throttle (qianfan.accounts): one row per login attempt
still being checked or failed recently, shared by every server process through the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import Base, Timestamped, one_of, utcnow
from models.company import Company

ROLES = ("large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin", "mentor")
# A mentor is a person, not a company: like staff, a mentor's user has no company (models.mentor.Mentor).
FIRM_ROLES = ("large_firm", "small_firm", "service_org", "financial_institution")
STAFF_ROLES = ("staff", "admin")
# werkzeug's default (scrypt); tests swap in a cheap method so that hashing does not dominate them.
PASSWORD_HASH_METHOD = "scrypt"
# Which kinds of company a firm-side role may belong to.
ROLE_COMPANY_KINDS = {
    "large_firm": ("large_firm",),
    "small_firm": ("small_firm",),
    "service_org": ("incubator", "service_org", "financial"),
    # 金融机构: lenders of the financing zone (qianfan.financing); a "financial" company.
    "financial_institution": ("financial",),
}


class User(Timestamped, Base):
    __tablename__ = "app_user"
    __table_args__ = (
        one_of("role", ROLES, "role_allowed"),
        CheckConstraint(
            "role IN ('staff', 'admin', 'mentor') OR company_id IS NOT NULL", name="firm_role_has_company"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))  # 32 since 0012: "financial_institution" is 21
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Bumped by logout and password change: every session issued under an older version stops working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Where password resets, invitations and notifications are sent; unique where given.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # The company's own admin user: invites colleagues to the company (qianfan.accounts_signup).
    company_admin: Mapped[bool] = mapped_column(default=False, server_default=false())

    company: Mapped[Company | None] = relationship(lazy="joined")

    # Flask-Login's user protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the login cookie holds: "id:version", so that a revoked session no longer matches."""
        return f"{self.id}:{self.session_version}"

    def end_all_sessions(self) -> None:
        """Every session issued so far (on any device) stops working at its next request."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r} {self.role}>"


LOGIN_PENDING = "pending"
LOGIN_FAILED = "failed"


class LoginAttempt(Base):
    """A login attempt being checked (pending) or a recent failure; old rows are deleted as new ones come."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        one_of("outcome", (LOGIN_PENDING, LOGIN_FAILED), "outcome_allowed"),
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))  # as typed (trimmed, cut to 80), known or not
    address: Mapped[str] = mapped_column(String(64))  # the client address the request came from
    outcome: Mapped[str] = mapped_column(String(10), default=LOGIN_PENDING)

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.id} {self.username!r} from {self.address} {self.outcome}>"
