"""What an attacker or a careful user notices: login throttling, revocable sessions, cookies and headers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import AuditEvent
from models.base import utcnow
from tests.webclient import WebClient

PASSWORD = "secret-pass-1"
THROTTLED = "登录失败次数过多"
WRONG = "用户名或密码错误"


@pytest.fixture
def people(factory, session):
    users = {name: factory.user(role, username=name) for name, role in
             (("wang", "staff"), ("li", "small_firm"), ("zhao", "large_firm"), ("sun", "staff"))}
    session.commit()
    return users


def _client(app, address: str = "203.0.113.7") -> WebClient:
    app.test_client_class = WebClient
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client: WebClient, username: str, password: str):
    return client.submit("/login", {"username": username, "password": password})


# -- login throttling -------------------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one(app, people):
    client = _client(app)
    for _ in range(10):
        response = _login(client, "wang", "wrong-guess-123")
        assert response.status_code == 200 and WRONG in response.get_data(as_text=True)
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert client.get("/").status_code == 302  # not logged in


def test_the_lock_holds_from_another_address_and_says_so_in_english_too(app, people):
    guesser = _client(app, "203.0.113.7")
    for _ in range(10):
        _login(guesser, "wang", "wrong-guess-123")
    owner = _client(app, "198.51.100.20")
    owner.submit("/language/en", {"next": "/login"})
    response = _login(owner, "wang", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)


def test_the_lock_ends_when_the_failures_leave_the_window(app, people, monkeypatch):
    client = _client(app)
    for _ in range(10):
        _login(client, "wang", "wrong-guess-123")
    assert _login(client, "wang", PASSWORD).status_code == 429
    assert _login(client, "wang", PASSWORD).status_code == 429  # refused again, now from memory
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr("qianfan.accounts.utcnow", lambda: later)
    response = _login(client, "wang", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_unknown_usernames_are_throttled_like_known_ones(app, people):
    client = _client(app)
    answers = [_login(client, "no-such-user", "wrong-guess-123").status_code for _ in range(11)]
    assert answers == [200] * 10 + [429]


def test_a_success_clears_the_accounts_failures(app, people):
    client = _client(app)
    for _ in range(9):
        _login(client, "li", "wrong-guess-123")
    assert _login(client, "li", PASSWORD).status_code == 302
    client.submit("/logout")
    answers = [_login(client, "li", "wrong-guess-123").status_code for _ in range(10)]
    assert answers == [200] * 10


def test_one_address_guessing_many_accounts_is_throttled_at_the_address_limit(db):
    from webapp import create_app

    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "LOGIN_MAX_FAILURES_PER_ADDRESS": 12})
    with db.sessionmaker() as s:
        from tests.factories import Factory

        for name in ("a-user", "b-user", "c-user"):
            Factory(s).user("staff", username=name)
        s.commit()
    try:
        sprayer = _client(app, "203.0.113.99")
        answers = [_login(sprayer, name, "wrong-guess-123").status_code
                   for name in ("a-user", "b-user") for _ in range(6)]
        assert answers == [200] * 12  # no account reached its own limit of 10
        assert _login(sprayer, "c-user", PASSWORD).status_code == 429  # the address has
        assert _login(_client(app, "198.51.100.1"), "c-user", PASSWORD).status_code == 302  # others are not
    finally:
        app.extensions["qianfan_db"].dispose()


def test_attempts_are_counted_before_passwords_are_checked(session, people):
    """Of many concurrent guesses at one account, at most the limit reach the password check."""
    from qianfan.accounts import LoginLimits, login_wait_seconds, record_login_attempt

    limits = LoginLimits()
    attempts = [record_login_attempt(session, "wang", "203.0.113.7", limits=limits) for _ in range(12)]
    session.commit()  # twelve requests arrived; none has been answered yet
    waits = [login_wait_seconds(session, attempt, limits=limits) for attempt in attempts]
    assert sum(1 for wait in waits if wait == 0) <= 10
    assert all(wait > 0 for wait in waits[10:])


def test_unknown_users_cost_a_password_check_too(app, people, monkeypatch):
    """Answers for unknown users are not faster: a dummy hash of the same kind is checked (bench_login.py)."""
    import qianfan.accounts

    checked = []
    real = qianfan.accounts.check_password_hash
    monkeypatch.setattr(qianfan.accounts, "check_password_hash",
                        lambda stored, password: checked.append(stored.split("$")[0]) or real(stored, password))
    _login(_client(app), "no-such-user", "wrong-guess-123")
    assert checked == [people["wang"].password_hash.split("$")[0]]  # the same method and cost


def test_logins_and_failed_logins_leave_audit_records(app, people, db):
    client = _client(app)
    _login(client, "wang", "wrong-guess-123")
    _login(client, "no-such-user", "wrong-guess-123")
    _login(client, "wang", PASSWORD)
    with db.sessionmaker() as s:
        events = s.execute(select(AuditEvent).where(AuditEvent.action.like("login%")).order_by(AuditEvent.id))
        rows = [(e.action, e.object_id, e.detail["username"], e.detail["address"]) for e in events.scalars()]
    wang = people["wang"].id
    assert rows == [
        ("login_failed", wang, "wang", "203.0.113.7"),
        ("login_failed", None, "no-such-user", "203.0.113.7"),
        ("login", wang, "wang", "203.0.113.7"),
    ]


def test_a_locked_account_leaves_an_audit_record_of_the_refusal(app, people, db):
    client = _client(app)
    for _ in range(11):
        _login(client, "wang", "wrong-guess-123")
    with db.sessionmaker() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == people["wang"].id)).all()
    assert actions.count("login_failed") == 10 and "login_throttled" in actions


# -- revocable sessions ------------------------------------------------------------------------------------


def _session_cookie(client: WebClient) -> str:
    return client.get_cookie("session").value


def test_a_cookie_copied_before_logout_no_longer_works_after(app, people):
    owner = _client(app)
    owner.login("wang")
    thief = _client(app, "192.0.2.66")
    thief.set_cookie("session", _session_cookie(owner))
    assert thief.get("/staff/counters").status_code == 200  # the copy works while the owner is logged in
    owner.submit("/logout")
    response = thief.get("/staff/counters")
    assert response.status_code == 302 and "/login" in response.location


def test_changing_the_password_logs_out_every_other_session(app, people):
    laptop, phone = _client(app), _client(app, "198.51.100.5")
    laptop.login("wang")
    phone.login("wang")
    response = laptop.submit("/account/password", {
        "current_password": PASSWORD, "password": "青山远航-2026-新", "confirm": "青山远航-2026-新"})
    assert response.status_code == 302
    assert "密码已修改" in laptop.get("/").get_data(as_text=True)  # this session goes on
    assert phone.get("/").status_code == 302
    laptop.submit("/logout")
    assert WRONG in laptop.login("wang", PASSWORD).get_data(as_text=True)
    assert laptop.login("wang", "青山远航-2026-新").status_code == 200 and laptop.get("/").status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("not-my-password", "青山远航-2026-新", "当前密码不正确"),
        (PASSWORD, "password123", "常见密码"),
        (PASSWORD, "short-1", "至少需要 10 个字符"),
        (PASSWORD, "wang", "至少需要 10 个字符"),
        (PASSWORD, "          ", "全是空格"),
    ],
)
def test_a_refused_password_change_names_the_reason_and_keeps_the_old_password(app, people, current, new, message):
    client = _client(app)
    client.login("wang")
    response = client.submit("/account/password", {"current_password": current, "password": new, "confirm": new})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    client.submit("/logout")
    assert client.login("wang", PASSWORD).status_code == 200 and client.get("/").status_code == 200


def test_guessing_the_current_password_on_the_change_form_is_throttled_like_a_login(app, people):
    client = _client(app)
    client.login("wang")
    new = "青山远航-2026-新"
    for _ in range(10):
        response = client.submit("/account/password", {"current_password": "wrong-guess-123", "password": new,
                                                       "confirm": new})  # fmt: skip
        assert "当前密码不正确" in response.get_data(as_text=True)
    response = client.submit("/account/password", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 429 and THROTTLED in response.get_data(as_text=True)
    assert _login(_client(app, "198.51.100.9"), "wang", PASSWORD).status_code == 429  # the account is locked


# -- cookies ----------------------------------------------------------------------------------------------


def _set_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_session_cookie_is_secure_httponly_and_short_lived_on_a_real_host(app):
    cookie = _set_cookie(app.test_client().get("/login", base_url="http://qianfan.example.cn"))
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    https = _set_cookie(app.test_client().get("/login", base_url="https://qianfan.example.cn"))
    assert "; Secure" in https


def test_behind_a_proxy_the_cookie_is_secure_even_on_a_loopback_address(app):
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"})
    assert "; Secure" in _set_cookie(response)


def test_the_embedded_demo_on_loopback_http_keeps_working(app, people):
    client = _client(app)
    response = client.get("/login", base_url="http://127.0.0.1:5000")
    assert "; Secure" not in _set_cookie(response)
    client.login("li")
    assert client.get("/").status_code == 200


def test_a_login_lasts_at_most_twelve_hours_without_a_request(app, people):
    client = _client(app)
    response = _login(client, "li", PASSWORD)
    expires = re.search(r"Expires=([^;]+)", _set_cookie(response)).group(1)
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(expires) - utcnow() <= timedelta(hours=12, minutes=1)


# -- headers ----------------------------------------------------------------------------------------------


def test_every_page_forbids_inline_script_and_framing(app, people):
    client = _client(app)
    for response in (client.get("/login"), client.get("/no/such/page")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_private_pages_and_exports_are_never_cached_but_static_files_are(app, people):
    client = _client(app)
    client.login("wang")
    for url in ("/", "/staff/counters", "/staff/lists/orders", "/staff/lists/orders/export.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_nothing_the_csp_would_block(template):
    html = template.read_text(encoding="utf-8")
    inline_scripts = [tag for tag in re.findall(r"<script\b[^>]*>", html)
                      if "src=" not in tag and 'type="application/json"' not in tag]
    assert not inline_scripts
    assert not re.search(r"\son[a-z]+\s*=", html)  # event handler attributes
    assert not re.search(r"\sstyle\s*=|<style\b", html)
    assert "javascript:" not in html
