"""Personal API tokens as a service: made once, kept hashed, ended by revocation, expiry or deactivation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.errors import NotFound, ValidationError
from qianfan import apitokens, localtime
from qianfan.apitokens.ratelimit import MemoryCounter


def test_a_token_is_shown_once_and_kept_only_as_its_hash(factory, session):
    user = factory.user("large_firm")
    token, raw = apitokens.create_token(session, user, "采购系统", "read")
    assert raw.startswith("qf_") and raw not in (token.token_hash, token.prefix) and raw.startswith(token.prefix)
    assert apitokens.authenticate(session, raw) is token
    assert apitokens.authenticate(session, raw + "x") is None and apitokens.authenticate(session, "") is None


def test_a_token_works_through_its_last_local_day_then_stops(factory, session):
    user = factory.user("small_firm")
    last_day = localtime.local_today() + timedelta(days=3)
    token, raw = apitokens.create_token(session, user, "ERP", "write", last_day)
    assert localtime.local_date(token.expires_at - timedelta(seconds=1)) == last_day
    assert apitokens.authenticate(session, raw, now=token.expires_at - timedelta(seconds=1)) is token
    assert apitokens.authenticate(session, raw, now=token.expires_at) is None


def test_bad_requests_for_a_token_name_their_fields(factory, session):
    user = factory.user("small_firm")
    with pytest.raises(ValidationError) as refused:
        apitokens.create_token(session, user, "", "admin", date(2020, 1, 1))
    assert {e.field for e in refused.value.errors} == {"name", "scope", "expires_on"}


def test_only_the_owner_revokes_and_a_deactivated_users_token_stops(factory, session):
    owner, other = factory.user("large_firm"), factory.user("large_firm")
    token, raw = apitokens.create_token(session, owner, "系统", "write")
    with pytest.raises(NotFound):
        apitokens.revoke_token(session, other, token.id)
    owner.active = False
    assert apitokens.authenticate(session, raw) is None
    owner.active = True
    apitokens.revoke_token(session, owner, token.id)
    assert apitokens.authenticate(session, raw) is None


def test_the_rate_limit_counts_per_key_and_window():
    counter = MemoryCounter(limit=2, window=60)
    assert [counter.hit("a", now=120.0) for _ in range(3)] == [0, 0, 60]
    assert counter.hit("b", now=150.0) == 0 and counter.hit("a", now=170.5) == 10
    assert counter.hit("a", now=180.0) == 0  # a new window


def test_the_rate_limit_in_redis_is_shared_by_every_counter_on_it(tmp_path):
    """Two counters on one Redis (two server processes) share each token's count."""
    import shutil
    import socket
    import subprocess
    import time

    from qianfan.apitokens.ratelimit import counter_for

    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        settings = {"API_RATE_LIMIT": 2, "API_RATE_WINDOW_SECONDS": 60,
                    "API_RATE_LIMIT_URL": f"redis://127.0.0.1:{port}/0"}  # fmt: skip
        first, second = counter_for(settings), counter_for(settings)
        for _ in range(100):  # bounded: the server is up within a second
            try:
                first._redis.ping()
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.02)
        assert [first.hit("7", now=60.0), second.hit("7", now=61.0)] == [0, 0]
        assert second.hit("7", now=90.0) == 30 and first.hit("8", now=90.0) == 0
    finally:
        server.terminate()
        server.wait(timeout=10)
