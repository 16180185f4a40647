"""The settings page of personal API tokens: make one (shown once), see when each was last used,
revoke one. For every logged-in user; a token acts as its user (webapp.api.auth)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from models.errors import ValidationError
from qianfan import apitokens
from qianfan.postings import InvalidFields
from webapp.database import commit, get_session
from webapp.errors import translate

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


class TokenForm(FlaskForm):
    name = StringField(_l("Name (e.g. the system that uses it)"))
    scope = SelectField(
        _l("Scope"),
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
        validate_choice=False,
    )
    expires_on = DateField(_l("Last day it works (empty: until revoked)"), validators=[Optional()])


def _render(form: TokenForm, new_token: str | None = None, status: int = 200):
    tokens = apitokens.user_tokens(get_session(), current_user)
    return render_template("api/tokens.html", form=form, tokens=tokens, new_token=new_token), status


@bp.get("/")
@login_required
def index():
    return _render(TokenForm())


@bp.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    try:
        _token, raw = apitokens.create_token(
            get_session(), current_user, form.name.data, form.scope.data, form.expires_on.data
        )
    except InvalidFields as err:
        for error in err.errors:
            getattr(form, error.field or "name").errors.append(translate(error))
        return _render(form, status=422)
    except ValidationError as err:
        form.name.errors.append(translate(err))
        return _render(form, status=422)
    commit()
    flash(_("Token made. Copy it now: it is shown only once."), "success")
    # Shown in this answer only (no redirect that would need to carry it); the page is not cached.
    return _render(TokenForm(formdata=None), new_token=raw)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    apitokens.revoke_token(get_session(), current_user, token_id)
    commit()
    flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for("api_tokens.index"))
