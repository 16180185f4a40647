"""Small firms' pages: the company profile, supply listings, service demands, the "推荐订单" page of orders
recommended to them (with the reasons, and near misses such as "缺少 ISO 9001"), and the service
packages recommended for their demands."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from qianfan import company_profile, recommendations
from qianfan.postings import InvalidFields
from webapp import posting_views
from webapp.access import roles_required
from webapp.database import commit, get_session
from webapp.firm_jobs import DeferredRematch
from webapp.pagination import page_request
from webapp.posting_views import names_field

bp = Blueprint("supply", __name__, url_prefix="/supply")
posting_views.register(bp, "listing", "small_firm", "/listings")
posting_views.register(bp, "demand", "small_firm", "/demands")


class ProfileForm(FlaskForm):
    region = StringField(_l("District (e.g. 北京市海淀区)"), render_kw=names_field("region", "region"))
    industry = StringField(_l("Industry (GB/T 4754 code or name)"), render_kw=names_field("industry", "industry"))
    size_class = SelectField(
        _l("Size"),
        choices=[SelectChoice("", "—"), *posting_views.SIZE_CHOICES],
        validate_choice=False,
    )
    founded_on = StringField(_l("Founded on"), render_kw={"type": "date"})
    description = TextAreaField(_l("What the company does"), render_kw={"rows": 5})
    qualifications = TextAreaField(
        _l(
            "Qualifications held, one per line (e.g. ISO 9001, 高新技术企业, 建筑工程施工总承包二级)"
        ),
        render_kw={"rows": 5},
    )


@bp.route("/profile", methods=["GET", "POST"])
@roles_required("small_firm")
def profile():
    session = get_session()
    company = company_profile.get_profile(session, current_user)
    form = ProfileForm(
        data=None if request.method == "POST" else company_profile.profile_values(company)
    )
    status = 200
    if form.validate_on_submit():
        rematch = DeferredRematch()
        try:
            company_profile.update_profile(session, current_user, form.data, rematch=rematch)
        except InvalidFields as err:
            posting_views.attach_errors(form, err)
            status = 422
        else:
            commit()
            flash(
                _("Profile saved. Recommendations take your qualifications into account."),
                "success",
            )
            return redirect(url_for("supply.profile", matching=rematch.start()))
    elif request.method == "POST":
        status = 422
    return render_template("supply/profile.html", form=form, company=company), status


@bp.get("/recommended")
@roles_required("small_firm")
def recommended():
    found = recommendations.recommended_orders(get_session(), current_user, page_request("-score"))
    return render_template(
        "supply/recommended.html", page=found.page, near=found.near_misses, coverage=found.coverage
    )


@bp.get("/packages")
@roles_required("small_firm")
def packages():
    page = recommendations.recommended_packages(get_session(), current_user, page_request("-score"))
    return render_template("supply/packages.html", page=page)
