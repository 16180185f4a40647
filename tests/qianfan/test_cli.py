"""The `qianfan` command as an operator uses it: set up a database, create accounts, see clear errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Industry, User
from qianfan.cli import main
from qianfan.db import Database


@pytest.fixture
def fresh_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    return url


def test_init_db_creates_the_schema_and_reference_tables_once(runner, fresh_url):
    first = runner.invoke(main, ["init-db"])
    assert first.exit_code == 0, first.output
    assert "industry: 1771 rows loaded" in first.output
    again = runner.invoke(main, ["init-db"])
    assert again.exit_code == 0 and "industry: already loaded" in again.output
    with Database(fresh_url).sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Industry)) == 1771


def test_create_user_makes_an_account_that_can_log_in(runner, fresh_url):
    runner.invoke(main, ["init-db"])
    result = runner.invoke(main, ["create-user", "--username", "wang", "--role", "staff", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    with Database(fresh_url).sessionmaker() as session:
        user = session.scalar(select(User).where(User.username == "wang"))
        assert user.role == "staff" and user.check_password("long-enough-1")


def test_create_user_explains_what_is_wrong_without_a_stack_trace(runner, fresh_url):
    runner.invoke(main, ["init-db"])
    result = runner.invoke(main, ["create-user", "--username", "li", "--role", "small_firm", "--password", "long-enough-1"])
    assert result.exit_code == 1
    assert "must belong to a company" in result.output and "Traceback" not in result.output
    short = runner.invoke(main, ["create-user", "--username", "li", "--role", "staff", "--password", "short"])
    assert short.exit_code == 1 and "at least 10 characters" in short.output
