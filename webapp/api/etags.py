"""Two writers must not overwrite each other: every read of one object carries an ETag made from its
type, id and `updated_at` (which every change moves), and

- an edit (PATCH) must send it back as If-Match: without it, 428; when the object changed since, 412;
- a move (submit, close, withdraw, a deal's move, a contract's confirmation) is checked when If-Match
  is sent (412 when stale), and allowed without it: the lifecycle itself refuses a move that no longer
  fits the object's state (409).
"""

from __future__ import annotations

import hashlib

from flask import abort, request


def etag_of(obj, *related) -> str:
    """The version of `obj`, and of the `related` rows a reader sees with it (a financing application's
    answers): a change to any of them moves it."""
    stamps = ";".join(f"{o.__tablename__}:{o.id}:{o.updated_at.isoformat() if o.updated_at else ''}"
                      for o in (obj, *related))  # fmt: skip
    digest = hashlib.sha256(stamps.encode()).hexdigest()[:32]
    return f'"{digest}"'


def _sent() -> list[str] | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]


def check(obj, *, required: bool, related=()) -> None:
    """428 when `required` and no If-Match came; 412 when it names another version of `obj`."""
    sent = _sent()
    if sent is None:
        if required:
            abort(428)
        return
    if "*" not in sent and etag_of(obj, *related) not in sent:
        abort(412)


def headers(obj, related=()) -> dict:
    return {"ETag": etag_of(obj, *related)}


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string"},
    "description": "The ETag of the object as you read it.",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The object's version."}}
