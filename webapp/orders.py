"""Large firms' pages: their orders (post, edit, submit, close, withdraw), each order's ranked candidates
with the reasons, and (through the deal pages) the deals under way. Staff may open any order and its candidates."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from qianfan import recommendations
from webapp import posting_views
from webapp.access import roles_required
from webapp.database import get_session
from webapp.pagination import page_request

bp = Blueprint("orders", __name__, url_prefix="/orders")
posting_views.register(bp, "order", "large_firm", "")


@bp.get("/<int:order_id>/candidates")
@roles_required("large_firm", "staff", "admin")
def candidates(order_id: int):
    order, page = recommendations.order_candidates(
        get_session(), current_user, order_id, page_request("-score")
    )
    return render_template("orders/candidates.html", order=order, page=page)
