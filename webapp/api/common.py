"""What every API module shares: the documented error answers of an operation, and paging arguments."""

from __future__ import annotations

from http import HTTPStatus

from qianfan.paging import PageRequest

# Every operation may answer these: no or a bad token (401), too many requests (429).
ALWAYS = (401, 429)


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
