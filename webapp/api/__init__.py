"""The JSON API under /api/v1: another view over the services the pages use (issue 13).

Built with flask-smorest (marshmallow schemas that validate and document, OpenAPI 3.1 generated from
them), bound to the ordinary Flask app with `init_app`. Machines authenticate with personal API tokens
(`Authorization: Bearer qf_...`, made on the settings page, webapp.api.tokens_page); session cookies are
never read here, so the blueprints are exempt from CSRF. Each request acts as the token's user, with the
same role and ownership checks as the pages; "read" tokens may only read; each token is rate-limited.

- `auth`: the bearer token, its scope, the rate limit, and the user the request acts as;
- `etags`: ETag on reads of one object, If-Match on writes (428 without it on edits, 412 when stale);
- `errors`: the one JSON error shape; `schemas`: every request and response;
- `postings`, `recommendations`, `deals`, `imports`, `staff`, `financing`, `mentors`, `opendata`: the
  operations;
- `docs`: /api/v1/openapi.json and the interactive page /api/v1/docs (our own static files).
"""

from __future__ import annotations

import threading

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask
from flask_smorest import Api
from marshmallow import Schema

from webapp.api import schemas

PREFIX = "/api/v1"
VERSION = "1.0.0"


class QianfanApi(Api):
    """flask-smorest's Api, with our error schema, and without its app-wide HTTPException handler: the
    app's own handler (webapp.errors) answers every path, and hands /api paths to webapp.api.errors.

    The OpenAPI description is built when first asked for (`openapi`), not in `create_app`: resolving the
    58 operations' schemas took ~60 ms, paid by every app the test suite makes, which almost never reads it.
    """

    ERROR_SCHEMA = schemas.Error
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        self._pending: list[tuple] = []
        self._pending_lock = threading.Lock()
        super().init_app(app, spec_kwargs=spec_kwargs)

    def _register_error_handlers(self):
        return None

    def register_blueprint(self, blp, *, parameters=None, **options):
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._pending.append((blp, name, parameters))

    def openapi(self) -> dict:
        """The OpenAPI 3.1 description as a dict (its operations documented on the first call)."""
        with self._pending_lock:
            for blp, name, parameters in self._pending:
                blp.register_views_in_doc(self, self._app, self.spec, name=name, parameters=parameters)
                self.spec.tag({"name": name, "description": blp.description})
            self._pending.clear()
            return self.spec.to_dict()


def schema_name(schema) -> str:
    """A schema's name in the OpenAPI file; a partial one (an edit's body) is "<Name>Patch"."""
    name = resolve_schema_cls(schema).__name__
    return name + "Patch" if isinstance(schema, Schema) and schema.partial else name


def init_app(app: Flask) -> QianfanApi:
    from webapp.api import (
        auth,
        deals,
        docs,
        financing,
        imports,
        mentors,
        opendata,
        postings,
        recommendations,
        staff,
        tokens_page,
    )
    from webapp.extensions import csrf

    app.config.setdefault("API_TITLE", "Qianfan 千帆 API")
    app.config.setdefault("API_VERSION", VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": docs.DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {
            "type": "http", "scheme": "bearer",
            "description": "A personal API token from the settings page (账户 → API 令牌).",
        }}},
    })  # fmt: skip
    api = QianfanApi(app, spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
    app.extensions["qianfan_api"] = api
    auth.init_app(app)
    for blueprint in (*postings.blueprints(), recommendations.bp, deals.bp, imports.bp, staff.bp, financing.bp,
                      *mentors.blueprints()):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=PREFIX + (blueprint.url_prefix or ""))
    # Public open data: documented with the rest, but no token (the blueprint does not authenticate).
    api.register_blueprint(opendata.bp, url_prefix=PREFIX + opendata.bp.url_prefix)
    app.register_blueprint(docs.bp)
    app.register_blueprint(tokens_page.bp)
    return api


def api_blueprint_names(app: Flask) -> set[str]:
    """The blueprints whose operations are in the OpenAPI file."""
    return set(app.extensions["flask-smorest"]["blp_name_to_api"])
