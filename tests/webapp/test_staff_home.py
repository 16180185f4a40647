"""The staff home's programme counters: counted at most every STAFF_HOME_COUNTERS_MAX_AGE seconds per
server process (the staff home is the most expensive page to count), while /staff/counters counts now."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def staff(factory, session):
    user = factory.user("staff", username="staff-user")
    session.commit()
    return user


def _counters(page: str) -> str:
    return re.search(r'<div class="counters">.*?\n</div>', page, re.S).group(0)


def _publish_orders(factory, session, n: int) -> None:
    buyer = factory.company("large_firm")
    for _ in range(n):
        factory.order(buyer, status="published")
    session.commit()


def test_the_staff_home_shows_recent_counters_and_says_when_they_were_counted(app, client, staff, factory, session):
    app.config["STAFF_HOME_COUNTERS_MAX_AGE"] = 3600
    client.login("staff-user")
    first = client.get("/").get_data(as_text=True)
    assert "计数时间" in first and "立即计数" in first
    _publish_orders(factory, session, 3)
    again = client.get("/").get_data(as_text=True)
    assert _counters(again) == _counters(first)  # within the age: the figures counted a moment ago
    now = client.get("/staff/counters").get_data(as_text=True)
    assert _counters(now) != _counters(first)  # the counters page counts on every view


def test_the_staff_home_counts_again_once_its_figures_are_older_than_the_setting(app, client, staff, factory, session):
    app.config["STAFF_HOME_COUNTERS_MAX_AGE"] = 0
    client.login("staff-user")
    first = client.get("/").get_data(as_text=True)
    _publish_orders(factory, session, 3)
    assert _counters(client.get("/").get_data(as_text=True)) != _counters(first)
