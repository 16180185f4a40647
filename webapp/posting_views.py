"""The pages every kind of posting has — list, new, show, edit, submit, withdraw, close — registered on the
blueprint of the firm that posts it (orders, supply, packages), so the four kinds behave alike.

Endpoints are named `<kind>_<page>` (e.g. `orders.order_new`, `supply.listing_show`). Forms only carry
the text; `qianfan.postings` checks every field and names the ones that are wrong, and the form shows
each message beside its field. Numbers are first held to the importer's bounds (`WholeNumber`), and
dates go through the importer's date reader, so a form refuses what an import file would.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ingest import columns
from ingest.values import parse_whole_number
from models.errors import DomainError
from models.posting import LISTING_KINDS, ORDER_KINDS, SERVICE_CATEGORIES
from qianfan import postings
from webapp.access import roles_required
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.firm_jobs import DeferredRematch
from webapp.formatting import LABELS
from webapp.moves import run_move
from webapp.pagination import page_request


def _choices(keys: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(key, LABELS[key]) for key in keys]


SIZE_CHOICES = [SelectChoice("large", _l("Large")), SelectChoice("medium", _l("Medium")),
                SelectChoice("small", _l("Small")), SelectChoice("micro", _l("Micro"))]  # fmt: skip


_AREA = {"rows": 5}


def names_field(kind: str, name: str) -> dict:
    """Attributes of a field that takes a region, industry or category by name (static/js/names.js)."""
    return {"data-names": kind, "list": f"{name}-names", "autocomplete": "off"}


class WholeNumber:
    """A form field read as the importer reads the same column (`ingest.values.parse_whole_number`):
    the digits are counted before they are turned into a number, so a 400-digit quota is a message
    beside the field, not an integer too big for the database. Empty passes; the service says when a
    value is required."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, form: FlaskForm, field) -> None:
        try:
            parse_whole_number(field.data, field=field.name, low=self.low, high=self.high)
        except DomainError as err:
            raise StopValidation(translate(err)) from None


class PostingForm(FlaskForm):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"), render_kw=_AREA)


class OrderForm(PostingForm):
    kind = SelectField(_l("Kind of order"), choices=_choices(ORDER_KINDS), validate_choice=False)
    industry = StringField(_l("Industry (GB/T 4754 code or name)"), render_kw=names_field("industry", "industry"))
    category = StringField(
        _l("Procurement category (code or name)"), render_kw=names_field("category", "category")
    )
    budget = StringField(_l("Budget (e.g. 746.0365万元; leave empty if not stated)"))
    region = StringField(
        _l("Region required (e.g. 北京市海淀区; empty: anywhere)"), render_kw=names_field("region", "region")
    )
    required_qualifications = TextAreaField(
        _l("Qualifications required (one per line)"), render_kw={"rows": 3}
    )
    qualifications_mandatory = BooleanField(
        _l("Qualifications are mandatory: firms without them are not recommended")
    )
    region_mandatory = BooleanField(
        _l("Region limited by law: firms not serving the region are not recommended")
    )
    deadline = StringField(_l("Response deadline"), render_kw={"type": "date"})
    delivery_period = StringField(_l("Delivery period"))


class ListingForm(PostingForm):
    kind = SelectField(_l("Kind of supply"), choices=_choices(LISTING_KINDS), validate_choice=False)
    industry = StringField(_l("Industry (GB/T 4754 code or name)"), render_kw=names_field("industry", "industry"))
    max_contract = StringField(_l("Largest contract you can take (e.g. 500万元)"))
    regions = StringField(
        _l("Regions served (separate with 、; empty: everywhere)"), render_kw=names_field("region", "regions")
    )
    tags = StringField(_l("Tags (separate with 、)"))


class PackageForm(PostingForm):
    category = SelectField(
        _l("Service category"), choices=_choices(SERVICE_CATEGORIES), validate_choice=False
    )
    value = StringField(_l("Value (e.g. 20万元)"))
    quota = StringField(
        _l("Quota (how many firms it can serve)"),
        default="10",
        validators=[WholeNumber(1, columns.QUOTA_MAX)],
    )
    valid_until = StringField(_l("Valid until"), render_kw={"type": "date"})
    max_company_age_years = StringField(
        _l("Only firms at most this many years old (empty: any age)"),
        validators=[WholeNumber(1, columns.COMPANY_AGE_MAX)],
    )
    eligible_regions = StringField(
        _l("Only firms in these regions (separate with 、; empty: any)"),
        render_kw=names_field("region", "eligible_regions"),
    )
    eligible_industries = StringField(
        _l("Only firms in these industries (separate with 、; empty: any)"),
        render_kw=names_field("industry", "eligible_industries"),
    )
    eligible_sizes = SelectMultipleField(
        _l("Only firms of these sizes (none ticked: any size)"),
        choices=SIZE_CHOICES,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


class DemandForm(PostingForm):
    category = SelectField(
        _l("Service needed"), choices=_choices(SERVICE_CATEGORIES), validate_choice=False
    )
    budget = StringField(_l("Budget (e.g. 5万元; leave empty if not stated)"))


FORMS = {"order": OrderForm, "listing": ListingForm, "package": PackageForm, "demand": DemandForm}

TEXT = {
    "order": {"plural": _l("My orders"), "one": _l("Order"), "new": _l("Post an order"),
              "empty": _l("You have not posted an order yet. Post one: once staff publish it, suitable suppliers are recommended to you.")},
    "listing": {"plural": _l("My supply listings"), "one": _l("Supply listing"), "new": _l("Add a listing"),
                "empty": _l("You have no listings yet. Add what you can supply, so that orders can find you.")},
    "package": {"plural": _l("My service packages"), "one": _l("Service package"), "new": _l("Register a package"),
                "empty": _l("You have no service packages yet. Register one with its value, quota and who may use it.")},
    "demand": {"plural": _l("My service demands"), "one": _l("Service demand"), "new": _l("Add a service demand"),
               "empty": _l("You have no service demands yet. Say what help you need (financing, IP, testing ...) to be matched with service packages.")},
}  # fmt: skip


def attach_errors(form: FlaskForm, err: postings.InvalidFields) -> None:
    for error in err.errors:
        target = getattr(form, error.field or "", None) or form.title
        target.errors = [*list(target.errors or []), translate(error)]


def register(bp: Blueprint, kind: str, role: str, prefix: str) -> None:
    """Add the seven pages of `kind` to `bp` under `prefix` (e.g. "" or "/listings"), for `role` and staff."""
    form_class = FORMS[kind]
    text = TEXT[kind]
    ep = f"{bp.name}.{kind}_"

    def back(posting_id: int, matching: str | None = None):
        """To the posting's page; `matching` names the background rematch to follow there."""
        return redirect(url_for(ep + "show", posting_id=posting_id, matching=matching))

    @roles_required(role)
    def list_view():
        status = request.args.get("status") or None
        page = postings.list_postings(
            get_session(), current_user, kind, page_request(), status=status
        )
        return render_template(
            "postings/list.html", kind=kind, page=page, text=text, ep=ep, status=status
        )

    def _save(posting_id: int | None):
        session = get_session()
        if posting_id is None:
            form = form_class()
        else:
            posting = postings.get_posting(session, current_user, kind, posting_id)
            form = form_class(
                data=None if request.method == "POST" else postings.form_values(kind, posting)
            )
        status = 200
        if form.validate_on_submit():
            rematch = DeferredRematch()
            try:
                saved = postings.save_posting(
                    session, current_user, kind, form.data, posting_id, rematch=rematch
                )
            except postings.InvalidFields as err:
                attach_errors(form, err)
                status = 422
            else:
                commit()
                flash(
                    _("Saved.")
                    if posting_id
                    else _("Saved as a draft. Submit it for screening when it is ready."),
                    "success",
                )
                return back(saved.id, rematch.start())
        elif request.method == "POST":
            status = 422
        return render_template(
            "postings/form.html", form=form, kind=kind, text=text, ep=ep, posting_id=posting_id
        ), status

    @roles_required(role)
    def new_view():
        return _save(None)

    @roles_required(role)
    def edit_view(posting_id: int):
        return _save(posting_id)

    @roles_required(role, "staff", "admin")
    def show_view(posting_id: int):
        posting, trail = postings.posting_page(get_session(), current_user, kind, posting_id)
        return render_template(
            "postings/show.html", posting=posting, history=trail, kind=kind, text=text, ep=ep
        )

    def _act(posting_id: int, do, done: str):
        """Run one move (`do(session, rematch)`), then say how it went on the posting's page."""
        rematch = DeferredRematch()
        if run_move(lambda session: do(session, rematch), done):
            return back(posting_id, rematch.start())
        return back(posting_id)

    @roles_required(role)
    def submit_view(posting_id: int):
        return _act(
            posting_id,
            lambda s, _rematch: postings.submit_posting(s, current_user, kind, posting_id),
            _("Submitted. Staff will screen it and publish it or tell you what to change."),
        )

    @roles_required(role)
    def withdraw_view(posting_id: int):
        reason = request.form.get("reason", "")
        return _act(
            posting_id,
            lambda s, rematch: postings.withdraw_posting(
                s, current_user, kind, posting_id, reason, rematch=rematch
            ),
            _("Withdrawn."),
        )

    @roles_required(role)
    def close_view(posting_id: int):
        reason = request.form.get("reason", "")
        return _act(
            posting_id,
            lambda s, rematch: postings.close_posting(
                s, current_user, kind, posting_id, reason, rematch=rematch
            ),
            _("Closed. Deals already under way go on."),
        )

    rule = prefix or ""
    bp.add_url_rule(f"{rule}/", f"{kind}_list", list_view)
    bp.add_url_rule(f"{rule}/new", f"{kind}_new", new_view, methods=["GET", "POST"])
    bp.add_url_rule(f"{rule}/<int:posting_id>", f"{kind}_show", show_view)
    bp.add_url_rule(
        f"{rule}/<int:posting_id>/edit", f"{kind}_edit", edit_view, methods=["GET", "POST"]
    )
    bp.add_url_rule(
        f"{rule}/<int:posting_id>/submit", f"{kind}_submit", submit_view, methods=["POST"]
    )
    bp.add_url_rule(
        f"{rule}/<int:posting_id>/withdraw", f"{kind}_withdraw", withdraw_view, methods=["POST"]
    )
    bp.add_url_rule(f"{rule}/<int:posting_id>/close", f"{kind}_close", close_view, methods=["POST"])
