"""Home page per role, and the staff counters page."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from models.base import utcnow
from qianfan.stats import COUNTERS, ProgrammeCounters, programme_counters
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
    counters, counted_at = _recent_counters() if current_user.is_staff else (None, None)
    return render_template("home.html", sections=home_sections(session, current_user), counters=counters,
                           counted_at=counted_at)  # fmt: skip


@bp.get("/staff/counters")
@staff_required
def counters():
    return render_template("staff/counters.html", counters=programme_counters(get_session()))


class _RecentCounters:
    """The programme counters of this server process, counted again once they are older than the setting."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: ProgrammeCounters | None = None
        self.counted_at: datetime | None = None
        self.expires = 0.0


def _recent_counters() -> tuple[ProgrammeCounters, datetime]:
    max_age = float(current_app.config["STAFF_HOME_COUNTERS_MAX_AGE"])
    recent = current_app.extensions.setdefault("qianfan_recent_counters", _RecentCounters())
    with recent.lock:  # one request counts; the others that arrive meanwhile wait for its figures
        if recent.value is None or time.monotonic() >= recent.expires:
            recent.value, recent.counted_at = programme_counters(get_session()), utcnow()
            recent.expires = time.monotonic() + max_age
        return recent.value, recent.counted_at
