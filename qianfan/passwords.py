"""Password policy: what a new password must satisfy, with a message that names the reason.

One policy for every place a password is chosen (`qianfan create-user`, the demo accounts, the web's change
password form). Following current guidance (NIST SP 800-63B): a minimum length, no composition rules, and
a check against a list of common passwords (qianfan/data/common-passwords.txt, provenance beside it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from models.errors import ValidationError

MIN_PASSWORD_LENGTH = 10
# The login form accepts at most this many characters: a longer password could never be used.
MAX_PASSWORD_LENGTH = 200
MIN_DISTINCT_CHARACTERS = 4
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased, read once per process."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def check_password_policy(password: str, username: str = "") -> None:
    """Raise a ValidationError on the `password` field naming the first rule `password` breaks."""
    password = password or ""
    if not password.strip():
        raise ValidationError("The password cannot be empty or only spaces.", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "The password needs at least %(n)s characters.", field="password", n=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(
            "The password can have at most %(n)s characters.", field="password", n=MAX_PASSWORD_LENGTH
        )
    folded = password.strip().casefold()
    if username and folded == username.strip().casefold():
        raise ValidationError("The password cannot be the same as the username.", field="password")
    if len(set(folded)) < MIN_DISTINCT_CHARACTERS:
        raise ValidationError(
            "The password needs at least %(n)s different characters.", field="password", n=MIN_DISTINCT_CHARACTERS
        )
    if folded in common_passwords():
        raise ValidationError(
            "This password is on a list of common passwords that attackers try first; choose another.",
            field="password",
        )
