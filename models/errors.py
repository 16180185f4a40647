"""Errors a user can act on, raised by any layer and shown by the web app or CLI in the user's language.

`message` is an English message id with %(name)s placeholders; `params` fill them. The web layer passes
both through gettext, so the Chinese text lives in the translation catalogue, not in the services.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error meant for a person, not a stack trace."""

    http_status = 400

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


class NotFound(DomainError):
    http_status = 404


class Forbidden(DomainError):
    http_status = 403


class ValidationError(DomainError):
    """Bad input; `field` names what to fix."""

    http_status = 422

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        self.field = field
        super().__init__(message, **params)
