"""One JSON shape for every error under /api, whatever raised it:

    {"error": {"code": "validation_failed", "status": 422,
               "message": {"zh": "...", "en": "..."},
               "fields": [{"field": "budget", "reason": {"zh": "...", "en": "..."}}]}}

`fields` is there when input was wrong: from the service (qianfan.postings.InvalidFields and any
ValidationError, which name their field) or from the request's schema (webargs, marshmallow). Every
message is given in both languages, so a machine can show either; no stack trace is ever sent.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from models.errors import DomainError, ValidationError

log = logging.getLogger(__name__)

# Codes a machine can branch on; the message is for people.
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_failed", 428: "precondition_required",
    429: "too_many_requests", 500: "server_error",
}  # fmt: skip
MESSAGES = {
    400: _l("The request could not be read."),
    401: _l("A valid API token is required: send it as 'Authorization: Bearer <token>'."),
    403: _l("Your account or token may not do this."),
    404: _l("There is nothing here, or it is not yours to see."),
    405: _l("This method is not allowed here."),
    409: _l("This cannot be done in the object's present state."),
    412: _l("The object changed since you read it: read it again, then retry with its new ETag."),
    413: _l("The upload is too large."),
    415: _l("Send the body as application/json."),
    422: _l("Some fields are not valid."),
    428: _l("Send the ETag you read as If-Match, so that no one else's change is overwritten."),
    429: _l("Too many requests with this token: wait and retry."),
    500: _l("Something went wrong on our side. The error has been logged."),
}
# What the request schemas (marshmallow) say, said in Chinese too.
SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not known here."),
    "Field may not be null.": _l("This field may not be null."),
    "Not a valid string.": _l("Write this as text."),
    "Not a valid integer.": _l("Write a whole number."),
    "Not a valid boolean.": _l("Write true or false."),
    "Not a valid date.": _l("Write a date as YYYY-MM-DD."),
    "Not a valid list.": _l("Write a list."),
    "Invalid input type.": _l("This value has the wrong type."),
    "Invalid value.": _l("This value is not valid."),
}


def both(render) -> dict:
    """{"zh": ..., "en": ...}: `render()` called once in each language."""
    out = {}
    for key, locale in (("zh", "zh_CN"), ("en", "en")):
        with force_locale(locale):
            out[key] = str(render())
    return out


def error_response(
    status: int,
    message: dict | None = None,
    fields: list[dict] | None = None,
    headers: dict | None = None,
    code: str | None = None,
) -> Response:
    body = {
        "code": code or CODES.get(status, "error"),
        "status": status,
        "message": message or both(lambda: MESSAGES.get(status, MESSAGES[400])),
    }
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _translate(err: DomainError) -> dict:
    from webapp.errors import translate

    return both(lambda: translate(err))


def domain_error(err: DomainError) -> Response:
    """A service's refusal: its own message, and each wrong field with its reason."""
    fields = None
    if isinstance(err, ValidationError):
        inner = getattr(err, "errors", None) or [err]
        fields = [{"field": e.field or "", "reason": _translate(e)} for e in inner]
    status = err.http_status
    if status == 400:  # a move the lifecycle refuses now (TransitionError and its kin)
        status = 409
    return error_response(status, _translate(err), fields)


def _schema_fields(messages, prefix: str = "") -> list[dict]:
    """webargs' {"json": {"budget": ["Not a valid string."]}} as a flat list of field and reason."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "form", "files", "headers", "path") and not prefix:
                out += _schema_fields(value, "")
            else:
                out += _schema_fields(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            for text in messages:
                known = SCHEMA_MESSAGES.get(text)
                reason = both(lambda known=known: known) if known else {"zh": text, "en": text}
                out.append({"field": prefix, "reason": reason})
        else:
            for item in messages:
                out += _schema_fields(item, prefix)
    return out


def http_error(err: HTTPException) -> Response:
    status = err.code or 500
    headers = {}
    if status == 405 and err.valid_methods:
        headers["Allow"] = ", ".join(err.valid_methods)
    data = getattr(err, "data", None) or {}
    if status == 422 and "messages" in data:
        return error_response(422, None, _schema_fields(data["messages"]))
    retry_after = getattr(err, "retry_after", None)
    if status == 429 and retry_after:
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="qianfan"'
    message = data.get("message") if isinstance(data.get("message"), dict) else None
    if status not in MESSAGES and status < 500:
        message = {"zh": err.name, "en": err.name}
    return error_response(status if status in CODES or status < 500 else 500, message, headers=headers)


def unexpected(err: Exception) -> Response:
    log.exception("unhandled error on %s", request.path)
    return error_response(500)


def wants_api_error() -> bool:
    return request.path.startswith("/api/")

