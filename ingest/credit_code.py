"""The 统一社会信用代码 (unified social credit code) of GB 32100-2015: shape and check digit.

18 characters from the 31-symbol alphabet 0-9 and A-Z without I, O, S, V, Z: the registration
authority (1), the kind of body (1), the division code where it registered (6 digits), the organisation
code (9) and a check character (1). The check character makes most typing errors detectable, so a code
that fails it is refused rather than stored. Companies are matched by this code first (ingest.dedup).
"""

from __future__ import annotations

import re

from ingest.normalize import normalize_text
from models.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {char: value for value, char in enumerate(ALPHABET)}
_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


def check_character(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(text: str | None, *, field: str = "credit_code") -> str | None:
    """The code in upper case without spaces, None when empty; `ValidationError` when it is no valid code."""
    code = normalize_text(text).replace(" ", "").replace("-", "").upper()
    if not code:
        return None
    if len(code) != 18:
        raise ValidationError(
            "A unified social credit code has 18 characters; '%(code)s' has %(length)s.",
            field=field,
            code=code,
            length=len(code),
        )
    if not _SHAPE.match(code):
        raise ValidationError(
            "'%(code)s' is not a unified social credit code: it may use only digits and the letters "
            "A-Y without I, O, S, V, Z, with digits in places 3 to 8.",
            field=field,
            code=code,
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "The check character of credit code '%(code)s' is wrong (expected %(expected)s): "
            "a character was probably mistyped.",
            field=field,
            code=code,
            expected=expected,
        )
    return code
