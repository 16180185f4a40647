"""Accounts pages: sign-up, forgotten password, invitations to a company, and the staff's new firms.

E-mails are written here, in the reader's language (the account's, or the page's for a new address),
and put in the outbox with qianfan.mail.queue_mail in the request's transaction.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import Company, User
from models.errors import ValidationError
from qianfan.mail import queue_mail
from qianfan.membership import signup, tokens
from qianfan.passwords import MIN_PASSWORD_LENGTH
from webapp.access import roles_required, staff_required
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.i18n import current_locale

bp = Blueprint("accounts", __name__)
FIRM_ROLES = ("large_firm", "small_firm", "service_org", "financial_institution")


def _errors(problems: list[ValidationError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for err in problems:
        found.setdefault(err.field or "form", []).append(translate(err))
    return found


def _mail(to: str, subject: str, text: str, **kw) -> None:
    queue_mail(get_session(), to, subject, text, **kw)


# --- sign-up ------------------------------------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
def signup_page():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    values = {name: request.form.get(name, "") for name in
              ("kind", "company_name", "credit_code", "username", "display_name", "email")}  # fmt: skip
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password, confirm = request.form.get("password", ""), request.form.get("confirm", "")
        if password != confirm:
            errors = {"confirm": [_("The two passwords differ.")]}
        else:
            try:
                user = signup.register_firm(get_session(), password=password, **values)
            except signup.SignupRejected as err:
                errors = _errors(err.problems)
            else:
                user.locale = current_locale()
                with force_locale(user.locale):
                    _mail(user.email, _("Your registration with Qianfan"), _(
                        "Hello %(name)s,\n\n%(company)s has signed up with username %(username)s. The programme "
                        "staff verify new firms, usually within one working day; you will get an e-mail then. "
                        "Meanwhile you can log in and fill in your company's profile.\n\n%(url)s\n",
                        name=user.display_name, company=user.company.name, username=user.username,
                        url=url_for("auth.login", _external=True),
                    ), user_id=user.id, kind="signup")  # fmt: skip
                commit()
                flash(_("Your firm has signed up. The programme staff will verify it; you can log in now."),
                      "success")  # fmt: skip
                return redirect(url_for("auth.login"))
    return render_template("accounts/signup.html", values=values, errors=errors, kinds=signup.SIGNUP_KINDS,
                           min_length=MIN_PASSWORD_LENGTH), (422 if errors else 200)  # fmt: skip


# --- password reset --------------------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "POST":
        found = tokens.start_password_reset(
            get_session(), request.form.get("email", ""), hours=float(current_app.config["PASSWORD_RESET_HOURS"])
        )  # fmt: skip
        if found:
            user, token = found
            with force_locale(user.locale or "zh_CN"):
                _mail(user.email, _("Reset your Qianfan password"), _(
                    "Hello %(name)s,\n\nSomeone (we hope you) asked to reset the password of account %(username)s. "
                    "Open this link within %(hours)s hours to choose a new password:\n\n%(url)s\n\n"
                    "If it was not you, ignore this e-mail: your password stays as it is.\n",
                    name=user.display_name, username=user.username, hours=current_app.config["PASSWORD_RESET_HOURS"],
                    url=url_for("accounts.reset_password", token=token, _external=True),
                ), user_id=user.id, kind="password_reset")  # fmt: skip
        commit()
        # The same answer whether the address is known or not: the page does not tell who has an account.
        flash(_("If an account has this e-mail address, a link to reset its password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    try:
        tokens.find_token(session, "password_reset", token)
    except ValidationError as err:
        return render_template("accounts/link_invalid.html", message=translate(err)), 410
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            errors = {"confirm": [_("The two passwords differ.")]}
        else:
            try:
                tokens.reset_password(session, token, password)
            except ValidationError as err:
                errors = _errors([err])
            else:
                commit()
                flash(_("Your password has been changed. Log in with the new one."), "success")
                return redirect(url_for("auth.login"))
    return render_template("accounts/reset.html", errors=errors, min_length=MIN_PASSWORD_LENGTH), (
        422 if errors else 200
    )


# --- colleagues and invitations -------------------------------------------------------------------------


@bp.get("/company/users")
@roles_required(*FIRM_ROLES)
def colleagues():
    session = get_session()
    users = session.scalars(select(User).where(User.company_id == current_user.company_id).order_by(User.id)).all()
    invitations = tokens.open_invitations(session, current_user.company_id) if current_user.company_admin else []
    return render_template("accounts/colleagues.html", users=users, invitations=invitations, errors={},
                           values={})  # fmt: skip


@bp.post("/company/users/invite")
@roles_required(*FIRM_ROLES)
def invite():
    if not current_user.company_admin:
        abort(403)
    session = get_session()
    values = {"email": request.form.get("email", ""), "display_name": request.form.get("display_name", "")}
    try:
        row, token = tokens.invite(session, current_user, values["email"], values["display_name"],
                                   days=float(current_app.config["INVITATION_DAYS"]))  # fmt: skip
    except ValidationError as err:
        users = session.scalars(select(User).where(User.company_id == current_user.company_id)).all()
        return render_template("accounts/colleagues.html", users=users, errors=_errors([err]), values=values,
                               invitations=tokens.open_invitations(session, current_user.company_id)), 422  # fmt: skip
    _mail(row.email, _("%(name)s invites you to %(company)s on Qianfan",
                                         name=current_user.display_name, company=current_user.company.name), _(
        "Hello %(name)s,\n\n%(inviter)s invites you to join %(company)s on Qianfan, the programme's order and "
        "service matchmaking platform. Open this link within %(days)s days to choose your username and "
        "password:\n\n%(url)s\n",
        name=row.display_name, inviter=current_user.display_name, company=current_user.company.name,
        days=current_app.config["INVITATION_DAYS"], url=url_for("accounts.join", token=token, _external=True),
    ), kind="invitation")  # fmt: skip
    commit()
    flash(_("An invitation has been sent to %(address)s.", address=row.email), "success")
    return redirect(url_for("accounts.colleagues"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def join(token: str):
    session = get_session()
    try:
        row = tokens.find_token(session, "invitation", token)
    except ValidationError as err:
        return render_template("accounts/link_invalid.html", message=translate(err)), 410
    company = session.get(Company, row.company_id)
    errors: dict[str, list[str]] = {}
    username = request.form.get("username", "")
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            errors = {"confirm": [_("The two passwords differ.")]}
        else:
            try:
                user = tokens.accept_invitation(session, token, username, password)
            except ValidationError as err:
                errors = _errors([err])
            else:
                user.locale = current_locale()
                commit()
                flash(_("Welcome to %(company)s. Log in with your new username.", company=company.name), "success")
                return redirect(url_for("auth.login"))
    return render_template("accounts/join.html", invitation=row, company=company, errors=errors, username=username,
                           min_length=MIN_PASSWORD_LENGTH), (422 if errors else 200)  # fmt: skip


# --- staff: new firms ------------------------------------------------------------------------------------


@bp.get("/staff/firms")
@staff_required
def new_firms():
    session = get_session()
    companies = signup.pending_companies(session)
    admins = {c.id: signup.company_admins(session, c.id) for c in companies}
    return render_template("accounts/staff_firms.html", companies=companies, admins=admins)


@bp.post("/staff/firms/<int:company_id>/verify")
@staff_required
def verify(company_id: int):
    return _decide(company_id, approve=True)


@bp.post("/staff/firms/<int:company_id>/reject")
@staff_required
def reject(company_id: int):
    return _decide(company_id, approve=False)


def _decide(company_id: int, *, approve: bool):
    session = get_session()
    note = request.form.get("note", "")
    try:
        company = signup.verify_company(session, current_user, company_id, approve=approve, note=note)
    except ValidationError as err:
        flash(translate(err), "error")
        return redirect(url_for("accounts.new_firms"))
    for admin in signup.company_admins(session, company.id):
        if not admin.email:
            continue
        with force_locale(admin.locale or "zh_CN"):
            if approve:
                subject = _("%(company)s is verified on Qianfan", company=company.name)
                text = _("Hello %(name)s,\n\nThe programme staff have verified %(company)s. You can now post on "
                         "Qianfan.\n\n%(url)s\n", name=admin.display_name, company=company.name,
                         url=url_for("home.index", _external=True))  # fmt: skip
            else:
                subject = _("%(company)s was not verified on Qianfan", company=company.name)
                text = _("Hello %(name)s,\n\nThe programme staff could not verify %(company)s: %(reason)s\n\n"
                         "Reply to the programme office to correct it.\n", name=admin.display_name,
                         company=company.name, reason=company.verification_note)  # fmt: skip
            _mail(admin.email, subject, text, user_id=admin.id, kind="verification")
    commit()
    if approve:
        flash(_("%(company)s is verified: its users may post.", company=company.name), "success")
    else:
        flash(_("%(company)s was rejected; its admin has been told why.", company=company.name), "success")
    return redirect(url_for("accounts.new_firms"))
