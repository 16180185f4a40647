"""Accounts from the command line: an operator gives a user an e-mail address (for password resets and
notifications) and makes a firm's first user its admin."""

from __future__ import annotations

from sqlalchemy import select

from models import Company, User
from qianfan.cli import main
from qianfan.db import Database


def test_create_user_with_an_email_and_as_company_admin(runner, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    runner.invoke(main, ["init-db"])
    with Database(url).session_scope() as session:
        session.add(Company(name="北京星河智能科技有限公司", kind="small_firm"))
    args = ["create-user", "--role", "small_firm", "--company-id", "1", "--password", "long-enough-1"]
    made = runner.invoke(main, [*args, "--username", "wang", "--email", "Wang@Xinghe.cn", "--company-admin"])
    assert made.exit_code == 0, made.output
    with Database(url).sessionmaker() as session:
        user = session.scalar(select(User).where(User.username == "wang"))
        assert (user.email, user.company_admin) == ("wang@xinghe.cn", True)
    taken = runner.invoke(main, [*args, "--username", "li", "--email", "wang@xinghe.cn"])
    assert taken.exit_code == 1
    assert "wang@xinghe.cn" in taken.output and "Traceback" not in taken.output
    bad = runner.invoke(main, [*args, "--username", "zhao", "--email", "not-an-address"])
    assert bad.exit_code == 1 and "not-an-address" in bad.output
