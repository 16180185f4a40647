"""Error pages in the UI's style; no stack trace ever reaches a user."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models.errors import DomainError

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, message: str):
    if _wants_json():
        return jsonify(error=message, status=status), status
    return render_template("errors/error.html", status=status, message=message), status


# Parameters that hold a code of the app ("order", "buyer", "published"): shown by their label, so that a
# Chinese sentence says 订单, not "order". Other parameters are what a person typed or a name, kept as is.
LABELLED_PARAMS = ("kind", "side", "role", "status", "state", "to_status", "from_status")


def translate(err: DomainError) -> str:
    """The error's message in the user's language, its coded parameters by their labels."""
    if not err.params:
        return gettext(err.message)
    from webapp.formatting import LABELS, label

    params = dict(err.params)
    for name in LABELLED_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and all(part in LABELS for part in value.split(" / ")):
            params[name] = " / ".join(label(part) for part in value.split(" / "))
    return gettext(err.message, **params)


def init_app(app: Flask) -> None:
    # Under /api every error has the API's one JSON shape, in both languages (webapp.api.errors).
    from webapp.api import errors as api_errors

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        if api_errors.wants_api_error():
            return api_errors.http_error(err)
        return _render(400, gettext("The form expired or was not sent from this site. Please try again."))

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        if api_errors.wants_api_error():
            return api_errors.domain_error(err)
        return _render(err.http_status, translate(err))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if api_errors.wants_api_error():
            return api_errors.http_error(err)
        messages = {
            403: gettext("You do not have access to this page."),
            404: gettext("This page does not exist, or it is not yours to see."),
            405: gettext("This action is not available here."),
            413: gettext("The upload is too large."),
        }
        return _render(err.code or 500, messages.get(err.code, err.description or err.name))

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        if api_errors.wants_api_error():
            return api_errors.unexpected(err)
        log.exception("unhandled error on %s", request.path)
        return _render(500, gettext("Something went wrong on our side. The error has been logged."))
