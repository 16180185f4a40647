"""The open market's pages: browse and search open orders (small firms) and listings (large firms), read
an order, a listing or a firm's public profile, keep searches and subscribe to them, and the files
attached to orders, listings and contracts. Staff may open every page; they keep no searches and attach
nothing (they act for no firm). Rules of who reads what: qianfan.market.pages and .attachments."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from models.errors import DomainError, ValidationError
from models.posting import LISTING_KINDS, ORDER_KINDS
from qianfan.market import attachments, pages, saved
from qianfan.market import deals as market_deals
from qianfan.market import search as searching
from webapp.access import roles_required
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.pagination import page_request

bp = Blueprint("market", __name__)

SEARCHERS = {"order": ("small_firm", "staff", "admin"), "listing": ("large_firm", "staff", "admin")}


def _search_page(kind: str):
    session = get_session()
    saved_id = request.args.get("saved", "")
    if saved_id.isdigit() and len(saved_id) <= 9 and not current_user.is_staff:
        kept = saved.get_saved(session, current_user, int(saved_id))
        return redirect(url_for(request.endpoint, **kept.filters))
    filters = searching.Filters.from_mapping(request.args)
    errors: dict[str, str] = {}
    page = None
    try:
        page = searching.search(session, kind, filters, page_request("relevance"))
    except ValidationError as err:
        errors[err.field or "q"] = translate(err)
    status = 422 if errors else 200
    return render_template(
        "market/search.html", kind=kind, filters=filters, page=page, errors=errors,
        kinds=ORDER_KINDS if kind == "order" else LISTING_KINDS,
        searches=[] if current_user.is_staff else saved.list_saved(session, current_user),
    ), status  # fmt: skip


@bp.get("/market/orders")
@roles_required(*SEARCHERS["order"])
def orders():
    return _search_page("order")


@bp.get("/market/listings")
@roles_required(*SEARCHERS["listing"])
def listings():
    return _search_page("listing")


def _files(kind: str, target):
    session = get_session()
    return {
        "files": attachments.list_attachments(session, kind, target.id),
        "may_upload": attachments.may_upload(current_user, kind, target),
        "target_kind": kind,
        "target_id": target.id,
        "max_mb": f"{attachments.max_bytes(current_app.config) / 1024 / 1024:g}",
        "types": "、".join(sorted(attachments.ALLOWED)),
    }


@bp.get("/market/orders/<int:order_id>")
@roles_required("small_firm", "large_firm", "staff", "admin")
def order(order_id: int):
    session = get_session()
    found = pages.order_for_reader(session, current_user, order_id)
    own_listings = []
    if current_user.role == "small_firm":
        own_listings = pages.own_published_listings(session, current_user)
    return render_template(
        "market/order.html", order=found, own_listings=own_listings, **_files("order", found)
    )


@bp.get("/market/listings/<int:listing_id>")
@roles_required("large_firm", "small_firm", "staff", "admin")
def listing(listing_id: int):
    found = pages.listing_for_reader(get_session(), current_user, listing_id)
    return render_template("market/listing.html", listing=found, **_files("listing", found))


@bp.get("/market/firms/<int:company_id>")
@roles_required("large_firm", "small_firm", "staff", "admin")
def firm(company_id: int):
    profile = pages.firm_profile(get_session(), current_user, company_id)
    return render_template("market/firm.html", profile=profile)


@bp.get("/market/contracts/<int:contract_id>/files")
@roles_required("large_firm", "small_firm", "staff", "admin")
def contract_files(contract_id: int):
    contract = attachments.readable_target(get_session(), current_user, "contract", contract_id)
    return render_template("market/contract_files.html", contract=contract, **_files("contract", contract))


# --- saved searches ----------------------------------------------------------------------------------


@bp.get("/market/searches")
@roles_required("small_firm", "large_firm")
def searches():
    kept = saved.list_saved(get_session(), current_user)
    return render_template("market/searches.html", searches=kept, kind=saved.kind_for(current_user))


@bp.post("/market/searches")
@roles_required("small_firm", "large_firm")
def save_search():
    session = get_session()
    kind = saved.kind_for(current_user)
    filters = searching.Filters.from_mapping(request.form)
    back = url_for("market.orders" if kind == "order" else "market.listings", **filters.as_dict())
    try:
        saved.save_search(session, current_user, request.form.get("name", ""), filters,
                          subscribe=bool(request.form.get("subscribe")))  # fmt: skip
    except ValidationError as err:
        flash(translate(err), "error")
        return redirect(back)
    commit()
    flash(_("Search saved."), "success")
    return redirect(back)


def _saved_move(saved_id: int, do, done: str):
    try:
        do(get_session())
    except DomainError as err:
        if err.http_status == 404:
            raise
        flash(translate(err), "error")
    else:
        commit()
        flash(done, "success")
    return redirect(url_for("market.searches"))


@bp.post("/market/searches/<int:saved_id>/subscribe")
@roles_required("small_firm", "large_firm")
def subscribe(saved_id: int):
    return _saved_move(
        saved_id,
        lambda s: saved.set_subscribed(s, current_user, saved_id, True),
        _("Subscribed: you are told when something new is found."),
    )


@bp.post("/market/searches/<int:saved_id>/unsubscribe")
@roles_required("small_firm", "large_firm")
def unsubscribe(saved_id: int):
    return _saved_move(
        saved_id, lambda s: saved.set_subscribed(s, current_user, saved_id, False), _("Unsubscribed.")
    )


@bp.post("/market/searches/<int:saved_id>/delete")
@roles_required("small_firm", "large_firm")
def delete_search(saved_id: int):
    return _saved_move(
        saved_id, lambda s: saved.delete_saved(s, current_user, saved_id), _("Search removed.")
    )


# --- attachments -------------------------------------------------------------------------------------


def _back_to(kind: str, target_id: int) -> str:
    if kind == "order":
        return url_for("market.order", order_id=target_id)
    if kind == "listing":
        return url_for("market.listing", listing_id=target_id)
    return url_for("market.contract_files", contract_id=target_id)


@bp.post("/attachments/<kind>/<int:target_id>")
@roles_required("large_firm", "small_firm")
def upload(kind: str, target_id: int):
    session = get_session()
    settings = current_app.config
    upload_file = request.files.get("file")
    try:
        attachments.save_attachment(
            session, current_user, kind, target_id,
            upload_file.filename or "" if upload_file else "", upload_file.stream if upload_file else None,
            root=attachments.attachment_root(settings), limit=attachments.max_bytes(settings),
        )  # fmt: skip
    except ValidationError as err:
        flash(translate(err), "error")
        return redirect(_back_to(kind, target_id))
    commit()
    flash(_("File attached."), "success")
    return redirect(_back_to(kind, target_id))


@bp.get("/attachments/<int:attachment_id>")
@roles_required("large_firm", "small_firm", "staff", "admin")
def download(attachment_id: int):
    attachment, path = attachments.attachment_for_reader(
        get_session(), current_user, attachment_id, root=attachments.attachment_root(current_app.config)
    )
    # Read whole (files are at most ATTACHMENT_MAX_BYTES): no open file is left to the WSGI server to close.
    return send_file(
        io.BytesIO(path.read_bytes()), mimetype=attachment.content_type, as_attachment=True,
        download_name=attachment.filename, max_age=0,
    )  # fmt: skip


@bp.post("/attachments/<int:attachment_id>/delete")
@roles_required("large_firm", "small_firm")
def delete_attachment(attachment_id: int):
    removed = attachments.delete_attachment(
        get_session(), current_user, attachment_id, root=attachments.attachment_root(current_app.config)
    )
    commit()
    flash(_("File removed."), "success")
    return redirect(_back_to(removed.target_kind, removed.target_id))


@bp.post("/market/orders/<int:order_id>/deal")
@roles_required("small_firm")
def open_deal(order_id: int):
    """Open the deal of this order with one of the firm's listings, then go on on the deal page."""
    listing_id = request.form.get("listing", "")
    if not (listing_id.isdigit() and len(listing_id) <= 9):
        flash(_("Choose one of your published listings."), "error")
        return redirect(url_for("market.order", order_id=order_id))
    match = market_deals.open_from_search(get_session(), current_user, order_id, int(listing_id))
    commit()
    return redirect(url_for("deals.show", match_id=match.id))
