"""The password policy, as someone choosing a password meets it: in `qianfan create-user` and in services."""

from __future__ import annotations

import pytest

from models.errors import ValidationError
from qianfan.cli import main
from qianfan.passwords import check_password_policy, common_passwords


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", "at least 10 characters"),
        ("password", "at least 10 characters"),
        ("        ", "only spaces"),
        ("            ", "only spaces"),
        ("", "only spaces"),
        ("1234567890", "common passwords"),
        ("qwertyuiop", "common passwords"),
        ("Password123", "common passwords"),
        ("  iloveyou123  ", "common passwords"),
        ("aaaaaaaaaaaa", "different characters"),
        ("abababababab", "different characters"),
        ("Wang-Xiaoming", "same as the username"),
        ("x" * 150 + "y" * 60, "at most 200 characters"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(ValidationError) as refused:
        check_password_policy(password, "wang-xiaoming")
    assert reason in str(refused.value) and refused.value.field == "password"


@pytest.mark.parametrize("password", ["青山远航-2026-新", "correct horse battery", "secret-pass-1", "Zq7#mW2!pL9x"])
def test_good_passwords_pass(password):
    check_password_policy(password, "wang-xiaoming")


def test_the_shipped_list_holds_thousands_of_common_passwords():
    passwords = common_passwords()
    assert len(passwords) > 10_000 and {"123456", "password", "1q2w3e4r5t", "qwerty123"} <= passwords


@pytest.fixture
def fresh_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    return url


@pytest.mark.parametrize(
    ("password", "reason"),
    [("12345678", "at least 10 characters"), ("password", "at least 10 characters"),
     ("        ", "only spaces"), ("1234567890", "common passwords"), ("wang-the-admin", "same as the username")],
)
def test_create_user_refuses_weak_passwords_without_a_stack_trace(runner, fresh_url, password, reason):
    runner.invoke(main, ["init-db"])
    result = runner.invoke(
        main, ["create-user", "--username", "wang-the-admin", "--role", "staff", "--password", password]
    )
    assert result.exit_code == 1 and reason in result.output and "Traceback" not in result.output
