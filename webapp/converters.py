"""Ids in URLs: `<int:...>` accepts only whole numbers that fit the database's id columns.

Every id of the schema is an `Integer` column: 32 bits on PostgreSQL, 64 on SQLite. An id beyond them
(`/orders/9223372036854775808`) used to reach the database and fail there with a 500 (an OverflowError
on SQLite, NumericValueOutOfRange on PostgreSQL). `create_app` registers `IdConverter` as the `int`
converter before any route exists, so every `<int:...>` rule, now and later, answers 404 for an id no
row can have, before any view or query runs. `parse_id` does the same for ids sent in forms.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest id any table can hold on every backend: PostgreSQL's `integer`, 2^31 - 1.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`int` for ids: ASCII digits only, at most ten of them, at most `MAX_ID`; anything else is 404."""

    # At most MAX_ID in the pattern itself, not only in `to_python`: a path with rules of several methods
    # (GET and PATCH of one API object) then answers 404 for such an id, not 405 from the other rule.
    regex = (
        r"(?:[0-9]{1,9}|[01][0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
        r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])"
    )

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False) -> None:  # noqa: A002
        upper = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, upper, signed)


def parse_id(text: str | None) -> int | None:
    """An id from a form value ("42"), or None when it is not one any row can have."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
