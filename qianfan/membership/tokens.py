"""E-mailed one-time tokens: password resets and invitations to a company.

The raw token (32 random bytes, URL-safe) is only ever in the e-mail; the database keeps its SHA-256.
A token works once and until it expires (PASSWORD_RESET_HOURS, INVITATION_DAYS). Asking for a reset
answers the same whether the address is known or not; a new reset voids the user's older ones, and a
successful reset ends every session of the user.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AccountToken, AuditEvent, User
from models.base import utcnow
from models.errors import Forbidden, ValidationError
from qianfan.accounts import create_user
from qianfan.membership.signup import email_taken, normalise_email
from qianfan.passwords import check_password_policy


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _issue(session: Session, purpose: str, lifetime: timedelta, **fields) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(purpose=purpose, token_hash=_hash(token), expires_at=utcnow() + lifetime, **fields))
    session.flush()
    return token


def find_token(session: Session, purpose: str, token: str) -> AccountToken:
    """The token's row if it is valid now; ValidationError saying why not otherwise."""
    row = None
    if token and len(token) < 200:
        row = session.scalar(
            select(AccountToken).where(AccountToken.token_hash == _hash(token), AccountToken.purpose == purpose)
        )  # fmt: skip
    if row is None:
        raise ValidationError("This link is not valid. Ask for a new one.", field="token")
    if row.used_at is not None:
        raise ValidationError("This link has been used already. Ask for a new one.", field="token")
    if row.expires_at <= utcnow():
        raise ValidationError("This link has expired. Ask for a new one.", field="token")
    return row


# --- password reset ---------------------------------------------------------------------------------


def start_password_reset(session: Session, email: str, *, hours: float = 2) -> tuple[User, str] | None:
    """(user, token) for the active account with this e-mail, or None (the caller answers the same)."""
    try:
        address = normalise_email(email)
    except ValidationError:
        return None
    user = session.scalar(select(User).where(User.email == address, User.active.is_(True)))
    if user is None:
        return None
    session.execute(
        update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == "password_reset",
                                   AccountToken.used_at.is_(None)).values(used_at=utcnow())
    )  # fmt: skip
    return user, _issue(session, "password_reset", timedelta(hours=hours), user_id=user.id)


def reset_password(session: Session, token: str, password: str) -> User:
    row = find_token(session, "password_reset", token)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ValidationError("This link is not valid. Ask for a new one.", field="token")
    check_password_policy(password, user.username)
    user.set_password(password)
    user.end_all_sessions()
    row.used_at = utcnow()
    session.add(AuditEvent(actor_id=user.id, action="password_reset", object_type="app_user", object_id=user.id))
    session.flush()
    return user


# --- invitations --------------------------------------------------------------------------------------


def invite(session: Session, admin: User, email: str, display_name: str, *, days: float = 7) -> tuple[AccountToken, str]:
    """The company's admin invites a colleague by e-mail; (the invitation, its token)."""
    if not admin.company_admin or admin.company_id is None:
        raise Forbidden("Only your company's admin user can invite colleagues.")
    address = normalise_email(email)
    if email_taken(session, address):
        raise ValidationError("An account with e-mail %(address)s exists already.", field="email", address=address)
    name = " ".join((display_name or "").split())
    if not name:
        raise ValidationError("Give the colleague's name.", field="display_name")
    if len(name) > 120:
        raise ValidationError("The name is longer than 120 characters.", field="display_name")
    token = _issue(session, "invitation", timedelta(days=days), company_id=admin.company_id, email=address,
                   display_name=name, created_by_id=admin.id)  # fmt: skip
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))
    return row, token


def open_invitations(session: Session, company_id: int) -> list[AccountToken]:
    return list(session.scalars(
        select(AccountToken).where(AccountToken.company_id == company_id, AccountToken.purpose == "invitation",
                                   AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())
        .order_by(AccountToken.created_at)
    ))  # fmt: skip


def accept_invitation(session: Session, token: str, username: str, password: str) -> User:
    """The invited colleague's account, of the inviting admin's role, in the same company."""
    row = find_token(session, "invitation", token)
    inviter = session.get(User, row.created_by_id) if row.created_by_id else None
    colleague = session.scalar(select(User).where(User.company_id == row.company_id).order_by(User.id).limit(1))
    role = (inviter or colleague).role
    if email_taken(session, row.email):
        raise ValidationError("An account with e-mail %(address)s exists already.", field="email", address=row.email)
    from models import Company

    user = create_user(session, username=username, password=password, role=role,
                       company=session.get(Company, row.company_id), display_name=row.display_name,
                       actor=inviter)  # fmt: skip
    user.email = row.email
    row.used_at = utcnow()
    row.user_id = user.id
    session.flush()
    return user
