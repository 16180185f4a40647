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


def etag_of(obj) -> str:
    stamp = obj.updated_at.isoformat() if obj.updated_at else ""
    digest = hashlib.sha256(f"{obj.__tablename__}:{obj.id}:{stamp}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def _sent() -> list[str] | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]


def check(obj, *, required: bool) -> None:
    """428 when `required` and no If-Match came; 412 when it names another version of `obj`."""
    sent = _sent()
    if sent is None:
        if required:
            abort(428)
        return
    if "*" not in sent and etag_of(obj) not in sent:
        abort(412)


def headers(obj) -> dict:
    return {"ETag": etag_of(obj)}


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "schema": {"type": "string"},
    "description": "The ETag of the object as you read it.",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The object's version."}}
