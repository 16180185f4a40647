"""The staff's view of the mail outbox: how many mails wait, were sent or were given up, and why.

A mail given up after MAIL_MAX_ATTEMPTS tries (a wrong address, a server down for days) can be queued
again from here once the cause is fixed.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext

from qianfan.mail import outbox_summary, retry_failed
from webapp.access import staff_required
from webapp.database import commit, get_session

bp = Blueprint("staff_mail", __name__, url_prefix="/staff/mail")


@bp.before_request
@staff_required
def _staff_only() -> None:
    """Every page here is for programme staff."""


@bp.get("")
def outbox():
    counts, waiting = outbox_summary(get_session())
    return render_template("staff/mail.html", counts=counts, waiting=waiting,
                           smtp_host=current_app.config.get("MAIL_SMTP_HOST"))  # fmt: skip


@bp.post("/<int:mail_id>/retry")
def retry(mail_id: int):
    mail = retry_failed(get_session(), mail_id)
    commit()
    flash(gettext("The mail to %(address)s is queued again.", address=mail.to_address), "success")
    return redirect(url_for("staff_mail.outbox"))
