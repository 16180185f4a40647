"""Who a request to the API is: the user of its bearer token, never a session cookie.

Every operation runs `authenticate` first: no token, an unknown, revoked or expired token, or one whose
user was deactivated is 401; a "read" token asking to change something is 403; a token over its rate
limit is 429 with Retry-After. Then the request acts as the token's user: `current_user` is that user
for the services and helpers the pages share (Flask-Login's per-request user, set without a session).
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request

from qianfan import apitokens
from qianfan.apitokens.ratelimit import counter_for
from webapp.database import get_session

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    app.extensions["qianfan_api_rate"] = counter_for(app.config)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> None:
    """Before every API operation: the token, its rate limit and scope; then act as its user."""
    session = get_session()
    token = apitokens.authenticate(session, _bearer() or "")
    if token is None:
        abort(401)
    wait = current_app.extensions["qianfan_api_rate"].hit(str(token.id))
    if wait:
        abort(429, retry_after=wait)
    if request.method not in READ_METHODS and token.scope != "write":
        abort(403)
    if apitokens.note_use(token):
        session.commit()
    g.api_token = token
    # Flask-Login's user of this request (what `current_user` returns), with no session involved.
    g._login_user = token.user


def require_role(*roles: str) -> None:
    """403 unless the token's user holds one of `roles` (staff roles count as staff)."""
    from flask_login import current_user

    if current_user.role not in roles:
        abort(403)
