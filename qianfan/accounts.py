"""Accounts: creating users with a role tied to the right kind of company, and checking passwords."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Company, User
from models.base import utcnow
from models.errors import ValidationError
from models.user import FIRM_ROLES, ROLE_COMPANY_KINDS, ROLES

MIN_PASSWORD_LENGTH = 8


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    company: Company | None = None,
    display_name: str | None = None,
    actor: User | None = None,
) -> User:
    """A new account; firm roles must belong to a company of a matching kind."""
    username = (username or "").strip()
    if not username:
        raise ValidationError("A username is required.", field="username")
    if role not in ROLES:
        raise ValidationError(
            "Unknown role '%(role)s'; choose one of %(roles)s.", field="role", role=role, roles=", ".join(ROLES)
        )
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "The password needs at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH
        )
    if role in FIRM_ROLES:
        if company is None:
            raise ValidationError("A %(role)s account must belong to a company.", field="company", role=role)
        if company.kind not in ROLE_COMPANY_KINDS[role]:
            raise ValidationError(
                "A %(role)s account cannot belong to a company of kind %(kind)s.",
                field="company",
                role=role,
                kind=company.kind,
            )
    if session.scalar(select(User.id).where(User.username == username)):
        raise ValidationError("The username '%(username)s' is taken.", field="username", username=username)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        company=company if role in FIRM_ROLES else None,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    session.add(
        AuditEvent(actor_id=getattr(actor, "id", None), action="create", object_type="app_user", object_id=user.id)
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same answer for any wrong part)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    user.last_login_at = utcnow()
    return user
