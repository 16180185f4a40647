"""The in-app inbox (站内通知): every page shows the unread count; the inbox lists a user's notifications
newest first in the reader's language; opening one marks it read and goes where it leads; the settings
page chooses which kinds also arrive by e-mail. Everyone who logs in has an inbox; each sees only theirs."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models.notification import NOTIFICATION_KINDS
from qianfan import notify
from qianfan.notify import texts
from webapp.access import roles_required
from webapp.database import commit, get_session
from webapp.i18n import current_locale
from webapp.pagination import page_request

bp = Blueprint("notifications", __name__)

EVERYONE = ("large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin")


def _unread() -> dict:
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"unread_notifications": notify.unread_count(get_session(), current_user.id)}


def init_app(app: Flask) -> None:
    app.context_processor(_unread)


@bp.get("/notifications/")
@roles_required(*EVERYONE)
def inbox():
    page = notify.inbox(get_session(), current_user.id, page_request("-created_at"))
    locale = current_locale()
    lines = [(note, texts.sentence(note.kind, note.params, locale)) for note in page.items]
    return render_template("notifications/inbox.html", page=page, lines=lines)


@bp.post("/notifications/<int:notification_id>/open")
@roles_required(*EVERYONE)
def open_one(notification_id: int):
    note = notify.open_notification(get_session(), current_user.id, notification_id)
    commit()
    link = note.link or ""
    if link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for("notifications.inbox"))


@bp.post("/notifications/read")
@roles_required(*EVERYONE)
def read_all():
    count = notify.mark_all_read(get_session(), current_user.id)
    commit()
    flash(_("%(n)s notifications marked as read.", n=count), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def settings():
    session = get_session()
    if request.method == "POST":
        chosen = {kind for kind in request.form.getlist("email") if kind in NOTIFICATION_KINDS}
        notify.set_email_choices(session, current_user.id, chosen)
        commit()
        flash(_("Your e-mail choices are saved."), "success")
        return redirect(url_for("notifications.settings"))
    locale = current_locale()
    choices = notify.email_choices(session, current_user.id)
    rows = [(kind, texts.label(kind, locale), choices[kind]) for kind in NOTIFICATION_KINDS]
    return render_template(
        "notifications/settings.html", rows=rows, email=getattr(current_user, "email", None)
    )
