"""The staff's half of the review queue for names: new names imports proposed for companies already known.

Possible duplicates are on the staff blueprint's /staff/duplicates; this page is /staff/renames.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from qianfan.review import renames
from webapp.access import staff_required
from webapp.database import commit, get_session
from webapp.pagination import page_request

bp = Blueprint("staff_renames", __name__, url_prefix="/staff/renames")


@bp.before_request
@staff_required
def _staff_only() -> None:
    """Every page here is for programme staff."""


@bp.get("")
def pending():
    page = renames.pending_page(get_session(), current_user, page_request("created_at"))
    return render_template("staff/renames.html", page=page)


@bp.post("/<int:change_id>/accept")
def accept(change_id: int):
    change = renames.accept(get_session(), current_user, change_id)
    commit()
    flash(gettext("Renamed to “%(name)s”.", name=change.proposed_name), "success")
    return redirect(url_for("staff_renames.pending"))


@bp.post("/<int:change_id>/decline")
def decline(change_id: int):
    change = renames.decline(get_session(), current_user, change_id)
    commit()
    flash(gettext("The name “%(name)s” stays.", name=change.current_name), "success")
    return redirect(url_for("staff_renames.pending"))
