"""Fixtures of the API tests: users of every role, each with a read and a write token."""

from __future__ import annotations

import pytest

from qianfan.apitokens import create_token

ROLES = ("large_firm", "small_firm", "service_org", "staff", "admin")


class Tokens(dict):
    """(username, scope) -> raw token; `headers(username, scope)` for a request."""

    def headers(self, username: str, scope: str = "write", **extra) -> dict:
        return {"Authorization": f"Bearer {self[(username, scope)]}", **extra}


def make_tokens(session, users) -> Tokens:
    tokens = Tokens()
    for user in users:
        for scope in ("read", "write"):
            tokens[(user.username, scope)] = create_token(session, user, f"{scope} key", scope)[1]
    return tokens


@pytest.fixture
def api_users(factory, session):
    users = {role: factory.user(role, username=role) for role in ROLES}
    users["rival_large"] = factory.user("large_firm", username="rival_large")
    session.commit()
    return users


@pytest.fixture
def tokens(api_users, session) -> Tokens:
    tokens = make_tokens(session, api_users.values())
    session.commit()
    return tokens
