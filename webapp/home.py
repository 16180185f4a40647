"""Home page per role, and the staff counters page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from qianfan.stats import COUNTERS, programme_counters
from qianfan.workspace import home_sections
from webapp.access import staff_required
from webapp.database import get_session

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _counter_specs() -> dict:
    """What _counters.html shows for each figure (qianfan.stats.COUNTERS), wherever it is included."""
    return {"counter_specs": COUNTERS}


@bp.get("/")
@login_required
def index():
    session = get_session()
    counters = programme_counters(session) if current_user.is_staff else None
    return render_template("home.html", sections=home_sections(session, current_user), counters=counters)


@bp.get("/staff/counters")
@staff_required
def counters():
    return render_template("staff/counters.html", counters=programme_counters(get_session()))
