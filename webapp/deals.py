"""The deal pages, shared by both sides and staff: the deal with its full history, and one POST per move.

Each move (interest, invite, intention, contract confirmation ...) is checked again by `qianfan.deals`
for the side and the state; a refused move comes back as a flash message on the page it came from,
while someone else's deal is a 404 whatever the move.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qianfan import dealroom, deals, recommendations
from webapp.access import roles_required
from webapp.database import commit, get_session
from webapp.moves import run_move
from webapp.pagination import page_request

bp = Blueprint("deals", __name__)

EVERYONE = ("large_firm", "small_firm", "service_org", "staff", "admin")
FIRMS = ("large_firm", "small_firm", "service_org")


@bp.get("/deals/")
@roles_required(*EVERYONE)
def index():
    status = request.args.get("status") or None
    page = deals.my_deals(get_session(), current_user, page_request("-updated_at"), status=status)
    return render_template("deals/list.html", page=page, status=status)


@bp.get("/deals/<int:match_id>")
@roles_required(*EVERYONE)
def show(match_id: int):
    session = get_session()
    match, contract, history, actions = deals.deal_page(session, current_user, match_id)
    side = deals.side_of(current_user, match)
    return render_template(
        "deals/show.html",
        match=match,
        contract=contract,
        history=history,
        actions=actions,
        side=side,
        messages=dealroom.thread(session, current_user, match_id),
        can_write=side is not None and dealroom.can_write(match),
        contacts=dealroom.contacts(session, current_user, match),
    )


@bp.post("/deals/<int:match_id>/messages")
@roles_required(*FIRMS)
def post_message(match_id: int):
    return _run(
        lambda session: dealroom.post_message(session, current_user, match_id, request.form.get("body", "")),
        lambda _message: _("Message sent; the other side is told."),
        url_for("deals.show", match_id=match_id) + "#thread",
    )


@bp.get("/contracts/<int:contract_id>")
@roles_required(*EVERYONE)
def contract(contract_id: int):
    found = deals.get_contract(get_session(), current_user, contract_id)
    if found.match_id is None:
        return render_template("deals/contract.html", contract=found)
    return redirect(url_for("deals.show", match_id=found.match_id))


def _back(default: str):
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return redirect(target)
    return redirect(default)


def _run(do, done, default: str):
    """Run one move; success commits and says so (`done(result)`), a refused move says why; a deal that is
    not the user's stays a 404 (or 403 for the wrong side), so the matrix of access rules holds."""
    run_move(do, done)
    return _back(default)


def _reason() -> str:
    return request.form.get("reason", "")


# (endpoint, URL part, service call, message); roles are checked again, with the side, by the service.
_MOVES = (
    ("mark_seen", "seen", ("small_firm",), lambda s, m: deals.mark_seen(s, current_user, m),
     lambda: _("Marked as seen.")),
    ("interest", "interest", ("small_firm",), lambda s, m: deals.express_interest(s, current_user, m),
     lambda: _("Your interest was sent to the buyer.")),
    ("withdraw", "withdraw", ("small_firm",), lambda s, m: deals.withdraw(s, current_user, m, _reason()),
     lambda: _("You withdrew from this deal.")),
    ("accept_invitation", "accept-invitation", ("small_firm",),
     lambda s, m: deals.accept_invitation(s, current_user, m),
     lambda: _("You accepted the invitation; the buyer is told.")),
    ("decline_invitation", "decline-invitation", ("small_firm",),
     lambda s, m: deals.decline_invitation(s, current_user, m, _reason()),
     lambda: _("You declined the invitation; the buyer is told why.")),
    ("invite", "invite", ("large_firm",), lambda s, m: deals.invite(s, current_user, m),
     lambda: _("Invitation sent.")),
    ("negotiate", "negotiate", ("large_firm",), lambda s, m: deals.start_negotiating(s, current_user, m),
     lambda: _("Negotiation started.")),
    ("intention", "intention", ("large_firm",), lambda s, m: deals.record_intention(s, current_user, m),
     lambda: _("Intention signed (意向签约) recorded.")),
    ("decline", "decline", ("large_firm", "service_org"), lambda s, m: deals.decline(s, current_user, m, _reason()),
     lambda: _("Declined.")),
    ("apply", "apply", ("small_firm",), lambda s, m: deals.apply_to_package(s, current_user, m),
     lambda: _("Application sent to the provider.")),
    ("accept", "accept", ("service_org",), lambda s, m: deals.accept_application(s, current_user, m),
     lambda: _("Applicant accepted; one place of the quota is taken.")),
    ("create_contract", "contract", ("large_firm",),
     lambda s, m: deals.create_contract(s, current_user, m, request.form.get("amount", ""), request.form.get("title"),
                                        keeps_order_open=request.form.get("keeps_order_open") == "1"),
     lambda: _("Contract drafted. It is signed once both sides have confirmed it.")),
)  # fmt: skip


def _register_move(endpoint: str, part: str, roles: tuple[str, ...], call, message) -> None:
    @roles_required(*roles)
    def view(match_id: int):
        return _run(
            lambda session: call(session, match_id),
            lambda _result: message(),
            url_for("deals.show", match_id=match_id),
        )

    bp.add_url_rule(f"/deals/<int:match_id>/{part}", endpoint, view, methods=["POST"])


for _endpoint, _part, _roles, _call, _message in _MOVES:
    _register_move(_endpoint, _part, _roles, _call, _message)

# A recommended pair has no deal row until a side acts on it (qianfan.recommendations.open_pair): these
# open it, or open it and make the first move, from the list pages.
PAIR_KINDS = ("order", "service")
PAIR_MOVES = {endpoint: (roles, call, message) for endpoint, _part, roles, call, message in _MOVES
              if endpoint in ("mark_seen", "interest", "invite", "apply")}  # fmt: skip


def _pair_kind(kind: str) -> str:
    if kind not in PAIR_KINDS:
        abort(404)
    return kind


@bp.get("/deals/pair/<kind>/<int:query_id>/<int:candidate_id>")
@roles_required(*EVERYONE)
def open_pair(kind: str, query_id: int, candidate_id: int):
    """The deal page of a recommended pair (its deal row is made when first opened)."""
    match = recommendations.open_pair(get_session(), current_user, _pair_kind(kind), query_id, candidate_id)
    commit()
    return redirect(url_for("deals.show", match_id=match.id))


@bp.post("/deals/pair/<kind>/<int:query_id>/<int:candidate_id>/<move>")
@roles_required(*FIRMS)
def pair_move(kind: str, query_id: int, candidate_id: int, move: str):
    """The first move on a recommended pair: interest, invitation or application, from a list page."""
    if move not in PAIR_MOVES:
        abort(404)
    roles, call, message = PAIR_MOVES[move]
    if current_user.role not in roles:
        abort(403)

    def do(session):
        match = recommendations.open_pair(session, current_user, _pair_kind(kind), query_id, candidate_id)
        return call(session, match.id)

    return _run(do, lambda _result: message(), url_for("deals.open_pair", kind=kind, query_id=query_id,
                                                        candidate_id=candidate_id))  # fmt: skip


@bp.post("/contracts/<int:contract_id>/confirm")
@roles_required("large_firm", "small_firm")
def confirm_contract(contract_id: int):
    return _run(
        lambda session: deals.confirm_contract(session, current_user, contract_id),
        lambda signed: (
            _("Contract signed by both sides.")
            if signed.status == "signed"
            else _("You confirmed the contract. It is signed once the other side confirms too.")
        ),
        url_for("deals.contract", contract_id=contract_id),
    )


@bp.post("/contracts/<int:contract_id>/advance")
@roles_required("large_firm", "small_firm")
def advance_contract(contract_id: int):
    return _run(
        lambda session: deals.advance_contract(
            session, current_user, contract_id, request.form.get("status", ""), _reason()
        ),
        lambda _contract: _("Contract updated."),
        url_for("deals.contract", contract_id=contract_id),
    )
