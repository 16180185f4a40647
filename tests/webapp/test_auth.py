"""Logging in and out, CSRF on every form, language switch, and who sees which page."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(factory, session):
    users = {role: factory.user(role, username=f"{role}-user") for role in
             ("large_firm", "small_firm", "service_org", "staff", "admin")}
    session.commit()
    return users


def test_pages_ask_for_a_login_first(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_login_with_the_right_password_shows_the_home_page(client, people):
    page = client.login("small_firm-user").get_data(as_text=True)
    assert "small_firm-user" in page and "推荐给您的订单" in page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, people):
    page = client.login("small_firm-user", "not-the-password").get_data(as_text=True)
    assert "用户名或密码错误" in page
    assert client.get("/").status_code == 302


def test_a_form_posted_without_csrf_token_is_refused(client, people):
    response = client.post("/login", data={"username": "staff-user", "password": "secret-pass-1"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_logout_ends_the_session(client, people):
    client.login("staff-user")
    assert client.get("/").status_code == 200
    client.submit("/logout")
    assert client.get("/").status_code == 302


def test_the_ui_speaks_chinese_first_and_english_on_request(client, people):
    client.login("staff-user")
    assert "项目计数" in client.get("/staff/counters").get_data(as_text=True)
    client.submit("/language/en", {"next": "/staff/counters"})
    assert "Programme counters" in client.get("/staff/counters").get_data(as_text=True)


def test_login_never_redirects_to_another_site(client, people):
    response = client.submit(
        "/login?next=https://evil.example/", {"username": "staff-user", "password": "secret-pass-1"}
    )
    assert response.status_code == 302 and response.location == "/"


@pytest.mark.parametrize(
    ("role", "status"),
    [("large_firm", 403), ("small_firm", 403), ("service_org", 403), ("staff", 200), ("admin", 200)],
)
def test_only_staff_see_the_programme_counters(client, people, role, status):
    client.login(f"{role}-user")
    assert client.get("/staff/counters").status_code == status


def test_unknown_pages_get_a_404_page_in_the_ui_style(client, people):
    client.login("staff-user")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "这个页面不存在" in response.get_data(as_text=True)
