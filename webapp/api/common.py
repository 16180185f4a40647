"""What every API module shares: the documented error answers of an operation, and paging arguments."""

from __future__ import annotations

from functools import wraps
from http import HTTPStatus

from flask_smorest import abort

from qianfan.paging import PageRequest

# Every operation may answer these: a body or query that cannot be read (400), no or a bad token (401),
# too many requests (429).
ALWAYS = (400, 401, 429)


def with_errors(bp, *codes: int):
    """Document the error answers an operation gives, each with the one error shape (schemas.Error)."""

    def decorator(view):
        for code in sorted({*ALWAYS, *codes}):
            view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorator


def page_request_from(args: dict) -> PageRequest:
    return PageRequest(page=args.get("page", 1), per_page=args.get("per_page", 20),
                       sort=args.get("sort") or "-updated_at")  # fmt: skip


def body(bp, schema: type):
    """`bp.arguments(schema)` for a JSON body, and 422 naming each required field when the body is
    missing altogether (webargs then hands the view nothing to validate)."""
    required = [name for name, field in schema().fields.items() if field.required]

    def decorator(view):
        @wraps(view)
        def checked(data, *args, **kwargs):
            missing = [name for name in required if name not in (data or {})]
            if missing:
                abort(422, messages={"json": {name: ["Missing data for required field."] for name in missing}})
            return view(data or {}, *args, **kwargs)

        return bp.arguments(schema)(checked)

    return decorator
