"""What each firm is recommended, with why: a small firm's orders (and near misses) and service
packages, a provider's matching demands (qianfan.recommendations, as the pages show them). An order's
candidates are under its order (webapp.api.postings)."""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from qianfan import recommendations
from webapp.api import schemas
from webapp.api.auth import authenticate, require_role
from webapp.api.common import page_request_from, with_errors
from webapp.database import get_session

bp = Blueprint("api_recommendations", __name__, url_prefix="/recommendations",
               description="What is recommended to you, best first, each with why")  # fmt: skip
bp.before_request(authenticate)


def _page(page) -> dict:
    return {"items": [schemas.recommendation(e) for e in page.items], "paging": schemas.page_info(page)}


@bp.route("/orders", methods=["GET"], endpoint="orders")
@bp.arguments(schemas.RecommendationArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.RecommendedOrders)
@with_errors(bp, 403, 422)
def orders(**paging):
    """Small firms: open orders recommended for your published listings, and near misses (orders you fit
    but for one rule, e.g. a qualification you lack)."""
    require_role("small_firm")
    found = recommendations.recommended_orders(get_session(), current_user, page_request_from(paging))
    return {**_page(found.page), "near_misses": [schemas.recommendation(e) for e in found.near_misses]}


@bp.route("/packages", methods=["GET"], endpoint="packages")
@bp.arguments(schemas.RecommendationArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.RecommendationPage)
@with_errors(bp, 403, 422)
def packages(**paging):
    """Small firms: service packages recommended for your service demands."""
    require_role("small_firm")
    return _page(recommendations.recommended_packages(get_session(), current_user, page_request_from(paging)))


@bp.route("/demands", methods=["GET"], endpoint="demands")
@bp.arguments(schemas.RecommendationArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.RecommendationPage)
@with_errors(bp, 403, 422)
def demands(**paging):
    """Service organisations: small firms' demands recommended for your published packages."""
    require_role("service_org")
    return _page(recommendations.package_demands(get_session(), current_user, page_request_from(paging)))
