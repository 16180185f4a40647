"""The API's description for machines and people: /api/v1/openapi.json (OpenAPI 3.1, generated from the
schemas) and /api/v1/docs, an interactive page served from our own static files (static/js/api-docs.js:
no CDN, no inline script, as the Content-Security-Policy requires). Both are public: they describe, and
every operation still needs its token."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

DESCRIPTION = """\
The JSON API of Qianfan (千帆): orders, listings, service packages and demands, their ranked candidates
and recommendations with why, deals and contracts, imports and the programme's counters.

Authenticate with a personal API token (made on the page 账户 → API 令牌 / API tokens):
`Authorization: Bearer qf_...`. A token acts as its user, with the same role and ownership rules as the
pages; a "read" token may only read. Errors always have one shape: `{"error": {"code", "status",
"message": {"zh", "en"}, "fields": [{"field", "reason": {"zh", "en"}}]}}`. Reads of one object carry an
ETag; an edit (PATCH) must send it back as If-Match (428 without it, 412 when someone changed the object
since). Lists take page, per_page (at most 100) and sort (a key, "-key" descending).
"""


@bp.get("/openapi.json")
def openapi():
    return jsonify(current_app.extensions["qianfan_api"].openapi())


@bp.get("/docs")
def page():
    return render_template("api/docs.html")
