"""Names for the autocomplete of region, industry and procurement-category fields (static/js/names.js).

`GET /names/<kind>?q=海淀` answers up to 20 {"value", "label"}: the value is what the form reads back
(a name, or "name (code)" where a name alone is ambiguous), the label says the name with its code.
Forms take names or codes either way; this only helps to find them.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import login_required

from ingest.reference import procurement_rows
from qianfan.reading import names
from webapp.i18n import current_locale

bp = Blueprint("names", __name__, url_prefix="/names")
LIMIT = 20


def _categories(typed: str) -> list[tuple[str, str]]:
    found = [(r["code"], r["name"]) for r in procurement_rows() if typed.upper() in r["code"] or typed in r["name"]]
    return sorted(found, key=lambda item: (len(item[0].rstrip("0")), item[0]))[:LIMIT]


@bp.get("/<kind>")
@login_required
def lookup(kind: str):
    typed = request.args.get("q", "").strip()[:40]
    if kind == "region":
        found = names.region_choices(current_locale(), typed, LIMIT)
        entries = [(names.region_for_form(code), label, code) for code, label in found]
    elif kind == "industry":
        found = names.industry_choices(current_locale(), typed, LIMIT)
        entries = [(names.industry_for_form(code), label, code) for code, label in found]
    elif kind == "category":
        entries = [(names.category_for_form(code), label, code) for code, label in _categories(typed)]
    else:
        abort(404)
    if not typed:
        entries = []  # nothing typed yet: nothing to propose
    return jsonify([{"value": value, "label": label} for value, label, _code in entries])
