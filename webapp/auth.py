"""Logging in and out, changing one's password, and choosing the language.

Login attempts go through the throttle in qianfan.accounts (429 with Retry-After once an account or an
address has too many recent failures). The session cookie holds "id:session_version" (models.user), so
logging out or changing the password ends every session of the user, on every device.
"""

from __future__ import annotations

from datetime import timedelta
from math import ceil
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from models.errors import ValidationError
from qianfan.accounts import (
    LoginLimits,
    LoginLocks,
    authenticate,
    change_password,
    conclude_login_attempt,
    end_all_sessions,
    login_wait_seconds,
    record_login_attempt,
)
from qianfan.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.extensions import login_manager
from webapp.i18n import LOCALES

bp = Blueprint("auth", __name__)


@bp.record_once
def _init_login_locks(state) -> None:
    state.app.extensions["login_locks"] = LoginLocks()


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    password = PasswordField(_l("New password"), validators=[InputRequired()])  # the policy names the reason
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two new passwords differ."))],
    )


@login_manager.user_loader
def load_user(user_id: str):
    """The user of a session cookie, unless that session was ended (its version is no longer current)."""
    from models import User

    ident, _sep, version = user_id.partition(":")
    if not (ident.isdigit() and version.isdigit() and len(ident) < 19):
        return None  # also every cookie issued before sessions carried a version
    user = get_session().get(User, int(ident))
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def _safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes home (no open redirect)."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


def _login_limits() -> LoginLimits:
    config = current_app.config
    return LoginLimits(
        per_account=int(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"])),
    )


def _start_session(user) -> None:
    chosen = session.get("locale")  # a language picked before logging in (on the login page) stays
    session.clear()  # a new session for the new login (no fixation)
    login_user(user)
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME without a request
    if chosen in LOCALES:
        session["locale"] = chosen
        if user.locale != chosen:
            user.locale = chosen  # and is the account's language from now on
            commit()


def _throttled_check(username: str, password: str, *, login: bool = True):
    """(user or None, seconds to wait): the password checked unless the account or address is locked."""
    locks = current_app.extensions["login_locks"]
    wait = locks.wait_seconds(username, request.remote_addr)  # a flood is refused from memory
    if wait:
        return None, wait
    db, limits = get_session(), _login_limits()
    attempt = record_login_attempt(db, username, request.remote_addr, limits=limits)
    commit()  # counted by concurrent attempts before any password is checked
    wait = login_wait_seconds(db, attempt, limits=limits, locks=locks)
    user = None if wait else authenticate(db, username, password)
    conclude_login_attempt(db, attempt, user, throttled=bool(wait), login=login)
    commit()
    return user, wait


def _refused(template: str, wait: int, **context):
    flash(
        _(
            "Too many failed logins for this account or from your address. Try again in %(minutes)s minutes.",
            minutes=ceil(wait / 60),
        ),
        "error",
    )
    return render_template(template, **context), 429, {"Retry-After": str(wait)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user, wait = _throttled_check(form.username.data, form.password.data)
        if wait:
            return _refused("login.html", wait, form=form)
        if user is None:
            flash(_("Wrong username or password."), "error")
        else:
            _start_session(user)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    end_all_sessions(get_session(), current_user._get_current_object())
    commit()
    logout_user()
    session.clear()
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    context = {"form": form, "min_length": MIN_PASSWORD_LENGTH}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # The current password is guessed like a login is, so it is throttled like one.
        checked, wait = _throttled_check(user.username, form.current_password.data, login=False)
        if wait:
            return _refused("password.html", wait, **context)
        try:
            if checked is None:
                raise ValidationError("The current password is wrong.", field="current_password")
            change_password(get_session(), user, form.current_password.data, form.password.data)
        except ValidationError as err:
            getattr(form, err.field or "password").errors.append(translate(err))
        else:
            commit()
            _start_session(user)  # this session goes on under the new version; every other one ends
            flash(_("Your password has been changed. Every other session has been logged out."), "success")
            return redirect(url_for("home.index"))
    return render_template("password.html", **context)


@bp.post("/language/<locale>")
def set_language(locale: str):
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            commit()
    return redirect(_safe_next(request.form.get("next")))
