"""Open data for anyone: GET /api/v1/ocds/releases, the OCDS 1.1.5 release package, a page at a time.

Public, read-only, no token and no login: everything in it is public by construction (qianfan.opendata,
which holds every rule of the mapping). An operation of the documented API (its parameters and answers
in the OpenAPI file, tested by schemathesis), but not behind `auth.authenticate`, so no rate limit per
token either. A shared cache may keep a page for a few minutes (`Cache-Control: public`, which
webapp.security leaves alone); a harvester asking again with If-None-Match gets 304 while nothing changed.
"""

from __future__ import annotations

import json

from flask import current_app, request, url_for
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from qianfan.opendata import Publisher, parse_since, release_package
from webapp.api.schemas import text
from webapp.database import get_session

bp = Blueprint("api_ocds", __name__, url_prefix="/ocds",
               description="Open data: OCDS 1.1.5 releases of published orders and signed contracts (public)")  # fmt: skip

PER_PAGE = 100
CACHE_SECONDS = 300  # releases change when orders and contracts do: minutes old is fresh enough


class ReleaseArgs(Schema):
    class Meta:
        unknown = EXCLUDE  # a harvester's cache-busting parameter is no error

    since = text(40, metadata={"description": "Only releases dated from this local date or time on: "
                                              "2026-11-01 or 2026-11-01T08:00."})  # fmt: skip
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))


class ReleasePackage(Schema):
    """An OCDS 1.1.5 release package (https://standard.open-contracting.org/1.1/en/schema/release_package/);
    `links.next` names the next page while there is one."""

    class Meta:
        unknown = EXCLUDE

    uri = fields.String(required=True)
    version = fields.String(required=True)
    publishedDate = fields.String(required=True)  # noqa: N815 - OCDS's own field names
    publisher = fields.Dict(required=True)
    license = fields.String()
    releases = fields.List(fields.Dict(), required=True)
    links = fields.Dict()


@bp.route("/releases", methods=["GET"], endpoint="releases")
@bp.arguments(ReleaseArgs, location="query", as_kwargs=True)
@bp.response(200, ReleasePackage, headers={
    "ETag": {"schema": {"type": "string"}, "description": "Send it back as If-None-Match: 304 while unchanged."},
    "Cache-Control": {"schema": {"type": "string"}, "description": "public, max-age=300"},
})  # fmt: skip
@bp.alt_response(304, description="Not modified since the ETag sent as If-None-Match.")
@bp.alt_response(400, response="BAD_REQUEST")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@bp.doc(security=[], description="Public: no token. Send the ETag you read as If-None-Match: 304 while nothing "
                                  "changed. A shared cache may keep a page five minutes.")  # fmt: skip
def releases(since=None, page=1):
    """One page of releases (100), oldest first: anyone, no token."""
    since_at = parse_since(since)
    kept = {"since": since} if since else {}

    def page_url(offset: int) -> str:
        return url_for(".releases", page=offset // PER_PAGE + 1, _external=True, **kept)

    package = release_package(
        get_session(), since=since_at, offset=(page - 1) * PER_PAGE, limit=PER_PAGE,
        uri=url_for(".releases", page=page, _external=True, **kept), next_uri=page_url,
        publisher=Publisher.from_settings(current_app.config),
    )  # fmt: skip
    body = json.dumps(package, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.add_etag()
    return response.make_conditional(request)
