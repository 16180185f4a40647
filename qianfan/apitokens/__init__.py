"""Personal API tokens (models.ApiToken): made and revoked by their user, checked on every API call.

- `create_token`: a new token for the user, scoped "read" or "write", with an optional last day; the raw
  token is returned once and only its SHA-256 is kept.
- `revoke_token`, `user_tokens`: the settings page's list and its revoke button (one's own tokens only).
- `authenticate`: the token row for a raw bearer token if it works now (not revoked, not expired, its
  user active), else None; `note_use` keeps `last_used_at`, written at most once a minute per token.
- `ratelimit`: requests allowed per token and window, counted in Redis or in the process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, User
from models.api_token import API_SCOPES, ApiToken
from models.base import utcnow
from models.errors import NotFound, ValidationError
from qianfan import localtime

# Tokens are recognisable in logs and by secret scanners: "qf_" and 43 URL-safe characters (32 bytes).
TOKEN_PREFIX = "qf_"
NAME_MAX = 80
TOKENS_PER_USER = 20
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(
    session: Session, user: User, name: str, scope: str, expires_on: date | None = None
) -> tuple[ApiToken, str]:
    """(row, raw token) for a new token of `user`; the raw token is never stored."""
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(ValidationError("Give the token a name, e.g. the system that uses it.", field="name"))
    elif len(name) > NAME_MAX:
        errors.append(ValidationError("Keep the name under %(n)s characters.", field="name", n=NAME_MAX))
    if scope not in API_SCOPES:
        errors.append(ValidationError("Choose one of: %(allowed)s.", field="scope", allowed=", ".join(API_SCOPES)))
    expires_at = None
    if expires_on is not None:
        if expires_on <= localtime.local_date(utcnow()):
            errors.append(ValidationError("The last day must be in the future.", field="expires_on"))
        # Valid through the whole last day, in the programme's time zone.
        expires_at = datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=localtime.programme_zone())
    if errors:
        from qianfan.postings import InvalidFields

        raise InvalidFields(errors)
    live = [t for t in user_tokens(session, user) if t.revoked_at is None]
    if len(live) >= TOKENS_PER_USER:
        raise ValidationError(
            "You have %(n)s tokens; revoke one before making another.", field="name", n=TOKENS_PER_USER
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, scope=scope, token_hash=hash_token(raw),
                     prefix=raw[:10], expires_at=expires_at)  # fmt: skip
    session.add(token)
    session.flush()
    session.add(AuditEvent(actor_id=user.id, action="api_token_create", object_type="api_token",
                           object_id=token.id, detail={"scope": scope}))  # fmt: skip
    session.flush()
    return token, raw


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, marked)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another user's id is NotFound); revoking twice changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No token %(id)s among yours.", id=token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(AuditEvent(actor_id=user.id, action="api_token_revoke", object_type="api_token",
                               object_id=token.id))  # fmt: skip
        session.flush()
    return token


def authenticate(session: Session, raw: str, now: datetime | None = None) -> ApiToken | None:
    """The token's row if `raw` is a token that works now; None otherwise (the caller answers 401)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    now = now or utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    return token


def note_use(token: ApiToken, now: datetime | None = None) -> bool:
    """Keep when the token was last used, to the minute; True when the row changed (the caller commits)."""
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
        return True
    return False
