"""Incubators' and service organisations' pages: their service packages (value, quota, eligibility), the
small firms' demands matched to them, and the applicants to accept or decline as the quota counts down."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from qianfan import deals, recommendations
from webapp import posting_views
from webapp.access import roles_required
from webapp.database import get_session
from webapp.pagination import page_request

bp = Blueprint("packages", __name__, url_prefix="/packages")
posting_views.register(bp, "package", "service_org", "")


@bp.get("/demands")
@roles_required("service_org")
def demands():
    page = recommendations.package_demands(get_session(), current_user, page_request("-score"))
    return render_template("packages/matches.html", page=page, applicants=False)


@bp.get("/applicants")
@roles_required("service_org")
def applicants():
    page = deals.package_applicants(get_session(), current_user, page_request("-updated_at"))
    return render_template("packages/matches.html", page=page, applicants=True)
