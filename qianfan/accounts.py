"""Accounts: creating users with a role tied to the right kind of company, checking passwords, and the
login throttle.

The throttle keeps its state in the database (`login_attempt`), so several server processes, on one
machine or several, share it without another server, on SQLite as on PostgreSQL. Every attempt is written
(and committed by the caller) before the password is checked, and counted after: of N concurrent guesses
for one account, at most the limit ever reach the password check. Only failures count, and refused
attempts do not, so a lock ends `window` after the failures that caused it. A success clears the
account's failures (not the address's: one good account must not reset a guesser's budget).

Answers take the same time whether the username exists or not: unknown users are checked against a
dummy hash of the same cost.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from math import ceil

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

import models.user as user_model
from models import AuditEvent, Company, User
from models.base import utcnow
from models.errors import ValidationError
from models.user import (
    FIRM_ROLES,
    LOGIN_FAILED,
    LOGIN_PENDING,
    ROLE_COMPANY_KINDS,
    ROLES,
    LoginAttempt,
)
from qianfan.passwords import check_password_policy


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    company: Company | None = None,
    display_name: str | None = None,
    actor: User | None = None,
    email: str | None = None,
    company_admin: bool = False,
) -> User:
    """A new account; firm roles must belong to a company of a matching kind; `email` unique where given."""
    username = (username or "").strip()
    if not username:
        raise ValidationError("A username is required.", field="username")
    if role not in ROLES:
        raise ValidationError(
            "Unknown role '%(role)s'; choose one of %(roles)s.", field="role", role=role, roles=", ".join(ROLES)
        )
    check_password_policy(password, username)
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
    if email is not None:
        from qianfan.membership.signup import email_taken, normalise_email

        email = normalise_email(email)
        if email_taken(session, email):
            raise ValidationError("An account with e-mail %(address)s exists already.", field="email", address=email)
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        company=company if role in FIRM_ROLES else None,
        email=email,
        company_admin=company_admin and role in FIRM_ROLES,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    session.add(
        AuditEvent(actor_id=getattr(actor, "id", None), action="create", object_type="app_user", object_id=user.id)
    )
    return user


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a password of anyone", method=method)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (the same answer, in the same time, for any wrong part)."""
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        # As costly as a real check, so that response times do not tell which usernames exist.
        check_password_hash(_dummy_hash(user_model.PASSWORD_HASH_METHOD), password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def change_password(session: Session, user: User, current_password: str, new_password: str) -> None:
    """Set a new password (policy checked) and end every session of `user` issued so far."""
    if not user.check_password(current_password or ""):
        raise ValidationError("The current password is wrong.", field="current_password")
    check_password_policy(new_password, user.username)
    if new_password == current_password:
        raise ValidationError("The new password must differ from the current one.", field="password")
    user.set_password(new_password)
    user.end_all_sessions()
    session.add(AuditEvent(actor_id=user.id, action="password_change", object_type="app_user", object_id=user.id))
    session.flush()


def end_all_sessions(session: Session, user: User, *, reason: str = "logout") -> None:
    """Log `user` out everywhere: cookies issued before no longer load the user."""
    user.end_all_sessions()
    session.add(AuditEvent(actor_id=user.id, action=reason, object_type="app_user", object_id=user.id))
    session.flush()


# -- the login throttle ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within `window`, per account (username as typed) and per client address."""

    per_account: int = 10
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


def _username_key(username: str | None) -> str:
    return (username or "").strip()[:80]


def record_login_attempt(
    session: Session, username: str, address: str | None, *, limits: LoginLimits, now: datetime | None = None
) -> LoginAttempt:
    """Note an attempt before its password is checked; the caller commits so other processes count it."""
    now = now or utcnow()
    # Old rows are of no use to the throttle: keep the table small as new attempts come.
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - limits.window))
    attempt = LoginAttempt(username=_username_key(username), address=(address or "unknown")[:64], at=now)
    session.add(attempt)
    session.flush()
    return attempt


def _wait(session: Session, column, value: str, limit: int, limits: LoginLimits, now: datetime) -> int:
    """Seconds until fewer than `limit` failed or pending attempts match (0: `attempt` may go on)."""
    recent = (
        select(LoginAttempt.at)
        .where(column == value, LoginAttempt.at >= now - limits.window)
        .where(LoginAttempt.outcome.in_((LOGIN_PENDING, LOGIN_FAILED)))
    )
    count = session.scalar(select(func.count()).select_from(recent.subquery()))
    if count <= limit:  # this attempt's own pending row is among them
        return 0
    # The attempt would be allowed once the (count - limit) oldest rows have left the window.
    freed_at = session.scalar(recent.order_by(LoginAttempt.at, LoginAttempt.id).offset(count - limit - 1).limit(1))
    return max(1, int((freed_at + limits.window - now).total_seconds()) + 1)


def login_wait_seconds(
    session: Session,
    attempt: LoginAttempt,
    *,
    limits: LoginLimits,
    now: datetime | None = None,
    locks: LoginLocks | None = None,
) -> int:
    """0 when `attempt` may check its password, else the seconds until the account or address may try again.

    A lock found is remembered in `locks`, so that this process refuses the next attempts from memory.
    """
    now = now or utcnow()
    account = _wait(session, LoginAttempt.username, attempt.username, limits.per_account, limits, now)
    address = _wait(session, LoginAttempt.address, attempt.address, limits.per_address, limits, now)
    if locks is not None:
        locks.remember(("account", attempt.username), account, now)
        locks.remember(("address", attempt.address), address, now)
    return max(account, address)


class LoginLocks:
    """One process's memory of the locks it found in the database, until each ends.

    Under a flood of guesses almost every attempt is refused; answered from memory, a refusal costs no
    database work at all, so the guessers slow other users down far less. The memory never outlives what the
    database said (a lock ends when its failures leave the window, which no later attempt can change, as
    refused attempts are not counted), and each process asks the database itself once per lock.
    """

    def __init__(self) -> None:
        self._until: dict[tuple[str, str], datetime] = {}
        self._mutex = threading.Lock()

    def remember(self, key: tuple[str, str], seconds: int, now: datetime) -> None:
        if seconds > 0:
            with self._mutex:
                if len(self._until) > 100_000:  # many addresses: drop the ended locks
                    self._until = {k: t for k, t in self._until.items() if t > now}
                self._until[key] = now + timedelta(seconds=seconds)

    def wait_seconds(self, username: str | None, address: str | None, now: datetime | None = None) -> int:
        """Seconds left of a remembered lock on this username or address (0: ask the database)."""
        now = now or utcnow()
        keys = (("account", _username_key(username)), ("address", (address or "unknown")[:64]))
        left = [(self._until[key] - now).total_seconds() for key in keys if key in self._until]
        return max((ceil(seconds) for seconds in left if seconds > 0), default=0)


def conclude_login_attempt(
    session: Session, attempt: LoginAttempt, user: User | None, *, throttled: bool, login: bool = True
) -> None:
    """Keep a failure for the throttle, forget a success or refusal, and write the audit record.

    `login=False`: the password was checked for something else (changing it), not to log in.
    """
    detail = {"username": attempt.username, "address": attempt.address}
    if user is not None:
        # A success clears this account's failures; the address keeps its own count.
        session.execute(
            delete(LoginAttempt).where(LoginAttempt.username == attempt.username, LoginAttempt.id != attempt.id)
        )
        session.delete(attempt)
        if login:
            user.last_login_at = utcnow()
            session.add(
                AuditEvent(actor_id=user.id, action="login", object_type="app_user", object_id=user.id, detail=detail)
            )
    else:
        known = session.scalar(select(User.id).where(User.username == attempt.username))
        if throttled:
            session.delete(attempt)  # a refused attempt does not lengthen the lock
        else:
            attempt.outcome = LOGIN_FAILED
        session.add(
            AuditEvent(
                action="login_throttled" if throttled else "login_failed",
                object_type="app_user",
                object_id=known,
                detail=detail if login else {**detail, "for": "password_change"},
            )
        )
    session.flush()
