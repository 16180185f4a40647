"""Programme staff: the counters the staff home shows (qianfan.stats) and the lists with their filters
(qianfan.reports: orders, listings, companies, contracts), as on the staff pages."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from flask_login import current_user
from flask_smorest import Blueprint

from qianfan import reports
from qianfan.stats.counters import programme_counters
from webapp.api import schemas
from webapp.api.auth import authenticate, require_role
from webapp.api.common import page_request_from, with_errors
from webapp.database import get_session

bp = Blueprint("api_staff", __name__, url_prefix="/staff", description="Staff: the programme's counters and lists")
bp.before_request(authenticate)
STAFF = ("staff", "admin")
LISTS = ("orders", "listings", "companies", "contracts")


@bp.route("/counters", methods=["GET"], endpoint="counters")
@bp.response(200, schemas.Counters)
@with_errors(bp, 403)
def counters():
    """The programme's counters now: firms, orders and their value, listings, packages, matches,
    intentions and contracts signed, signed value."""
    require_role(*STAFF)
    return programme_counters(get_session()).as_dict()


def _key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def _cell(value):
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@bp.route("/lists/<name>", methods=["GET"], endpoint="list")
@bp.arguments(schemas.StaffListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.StaffPage)
@bp.doc(description="name is one of orders, listings, companies, contracts. Filters and sort keys as on "
                    "the staff list pages; an unknown status, kind or region is 422 naming the field.")  # fmt: skip
@with_errors(bp, 403, 404, 422)
def staff_list(name: str, q=None, status=None, kind=None, section=None, region=None, sort=None, **paging):
    """One page of a programme list, narrowed by filters."""
    require_role(*STAFF)
    if name not in LISTS:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    spec = reports.report_spec(name)
    filters = reports.ListFilters(q=q, status=status, kind=kind, section=section, region=region)
    request = page_request_from({**paging, "sort": sort or next(iter(spec.sort_columns))})
    page = reports.report_page(get_session(), current_user, name, filters, request)
    items = [{"id": obj.id, "values": {_key(c.title): _cell(c.value(obj)) for c in spec.columns}}
             for obj in page.items]  # fmt: skip
    return {"items": items, "paging": schemas.page_info(page)}
