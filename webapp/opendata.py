"""Open data for anyone: GET /api/v1/ocds/releases, the OCDS 1.1.5 release package, a page at a time.

Public, read-only, no login: everything in it is public by construction (qianfan.opendata). A shared
cache may keep a page for a few minutes; the rules of the mapping live in qianfan.opendata, so that the
documented API can serve the same thing with one call.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request, url_for

from models.errors import ValidationError
from qianfan.opendata import Publisher, parse_since, release_package
from webapp.database import get_session

bp = Blueprint("opendata", __name__)

PER_PAGE = 100
CACHE_SECONDS = 300  # releases change when orders and contracts do: minutes old is fresh enough


def _page_number(text: str | None) -> int:
    try:
        page = int(text or 1)
    except ValueError:
        page = 0
    if page < 1:
        raise ValidationError("page must be a whole number from 1; got '%(value)s'.", field="page",
                              value=str(text)[:20])  # fmt: skip
    return page


@bp.get("/api/v1/ocds/releases")
def releases():
    """One page of releases, oldest first; `links.next` names the next page while there is one."""
    since_text = request.args.get("since")
    since = parse_since(since_text)
    page = _page_number(request.args.get("page"))
    kept = {"since": since_text} if since_text else {}

    def page_url(offset: int) -> str:
        return url_for(".releases", page=offset // PER_PAGE + 1, _external=True, **kept)

    package = release_package(
        get_session(), since=since, offset=(page - 1) * PER_PAGE, limit=PER_PAGE,
        uri=url_for(".releases", page=page, _external=True, **kept), next_uri=page_url,
        publisher=Publisher.from_settings(current_app.config),
    )  # fmt: skip
    body = json.dumps(package, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    response.add_etag()  # a harvester asking again with If-None-Match gets 304 while nothing changed
    return response.make_conditional(request)
