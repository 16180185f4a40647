"""Deals, from a recommended pair to a performed contract, as each side moves them (qianfan.deals,
qianfan.dealroom): the list and one deal with its history and the moves open to you; interest,
invitation and its answer, negotiation, intention, application and its answer; the message thread;
the contract drafted by the buyer and confirmed by both sides.

Each move is for the side the page offers it to: another firm's deal is 404, the wrong side 403, a move
the deal's state does not allow 409 with what is possible. A move checks If-Match when it is sent.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from qianfan import dealroom, deals, recommendations
from webapp.api import etags, schemas
from webapp.api.auth import authenticate, require_role
from webapp.api.common import body, page_request_from, with_errors
from webapp.database import commit, get_session

bp = Blueprint("api_deals", __name__, url_prefix="",
               description="Deals and contracts: both sides' moves, the thread, the contract")  # fmt: skip
bp.before_request(authenticate)

EVERYONE = ("large_firm", "small_firm", "service_org", "staff", "admin")
FIRMS = ("large_firm", "small_firm", "service_org")


def _deal(match) -> dict:
    return schemas.deal(match, deals.side_of(current_user, match))


def _page(page) -> dict:
    return {"items": [_deal(m) for m in page.items], "paging": schemas.page_info(page)}


@bp.route("/deals", methods=["GET"], endpoint="list")
@bp.arguments(schemas.DealArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.DealPage)
@with_errors(bp, 422)
def list_deals(status=None, **paging):
    """Every deal your firm is a side of that someone acted on (staff: all), one page at a time."""
    require_role(*EVERYONE)
    return _page(deals.my_deals(get_session(), current_user, page_request_from(paging), status=status))


@bp.route("/deals/applicants", methods=["GET"], endpoint="applicants")
@bp.arguments(schemas.DealArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.DealPage)
@with_errors(bp, 403, 422)
def applicants(status=None, **paging):
    """Service organisations: the small firms that applied for your packages, answered or not."""
    require_role("service_org")
    return _page(deals.package_applicants(get_session(), current_user, page_request_from(paging)))


@bp.route("/deals/<int:match_id>", methods=["GET"], endpoint="show")
@bp.response(200, schemas.DealDetail, headers=etags.ETAG_HEADER)
@with_errors(bp, 404)
def show(match_id: int):
    """One deal: its pair, score and why, the contract, the full history and the moves open to you."""
    require_role(*EVERYONE)
    match, contract, history, actions = deals.deal_page(get_session(), current_user, match_id)
    body = {**_deal(match), "actions": sorted(actions), "contract": contract, "history": history}
    return body, 200, etags.headers(match)


@bp.route("/pairs/<kind>/<int:query_id>/<int:candidate_id>", methods=["POST"], endpoint="open_pair")
@bp.response(200, schemas.DealOut, headers=etags.ETAG_HEADER)
@bp.doc(summary="The deal of a recommended pair, made when first opened",
        description="kind is order (order id, listing id) or service (demand id, package id). A candidate "
                    "or recommendation without a deal_id gets one here; then make a move on it.")  # fmt: skip
@with_errors(bp, 404)
def open_pair(kind: str, query_id: int, candidate_id: int):
    require_role(*EVERYONE)
    match = recommendations.open_pair(get_session(), current_user, kind, query_id, candidate_id)
    commit()
    return _deal(match), 200, etags.headers(match)


# (endpoint, path part, roles, body schema, call, summary), as the deal page's buttons (webapp.deals).
MOVES = (
    ("mark_seen", "seen", ("small_firm",), None, lambda s, m, d: deals.mark_seen(s, current_user, m),
     "Supplier: mark a recommendation seen."),
    ("interest", "interest", ("small_firm",), None, lambda s, m, d: deals.express_interest(s, current_user, m),
     "Supplier: express interest; the buyer is told."),
    ("withdraw", "withdraw", ("small_firm",), schemas.ReasonIn,
     lambda s, m, d: deals.withdraw(s, current_user, m, d["reason"]), "Supplier or applicant: withdraw, saying why."),
    ("accept_invitation", "accept-invitation", ("small_firm",), None,
     lambda s, m, d: deals.accept_invitation(s, current_user, m), "Supplier: accept the buyer's invitation."),
    ("decline_invitation", "decline-invitation", ("small_firm",), schemas.ReasonIn,
     lambda s, m, d: deals.decline_invitation(s, current_user, m, d["reason"]),
     "Supplier: decline the buyer's invitation, saying why."),
    ("invite", "invite", ("large_firm",), None, lambda s, m, d: deals.invite(s, current_user, m),
     "Buyer: invite the supplier."),
    ("negotiate", "negotiate", ("large_firm",), None, lambda s, m, d: deals.start_negotiating(s, current_user, m),
     "Buyer: start negotiating."),
    ("intention", "intention", ("large_firm",), None, lambda s, m, d: deals.record_intention(s, current_user, m),
     "Buyer: record the intention signed (意向签约)."),
    ("decline", "decline", ("large_firm", "service_org"), schemas.ReasonIn,
     lambda s, m, d: deals.decline(s, current_user, m, d["reason"]), "Buyer or provider: decline, saying why."),
    ("apply", "apply", ("small_firm",), None, lambda s, m, d: deals.apply_to_package(s, current_user, m),
     "Applicant: apply for the service package."),
    ("accept", "accept", ("service_org",), None, lambda s, m, d: deals.accept_application(s, current_user, m),
     "Provider: accept the applicant (takes one place of the quota)."),
)  # fmt: skip


def _register_move(endpoint, part, roles, body_schema, call, summary) -> None:
    @bp.response(200, schemas.DealOut, headers=etags.ETAG_HEADER)
    @bp.doc(summary=summary, parameters=[etags.IF_MATCH])
    @with_errors(bp, 403, 404, 409, 412, *((422,) if body_schema else ()))
    def view(*args, match_id: int):
        require_role(*roles)
        session = get_session()
        etags.check(deals.get_match(session, current_user, match_id), required=False)
        match = call(session, match_id, args[0] if args else {})
        commit()
        return _deal(match), 200, etags.headers(match)

    view.__name__ = f"move_{endpoint}"
    if body_schema is not None:
        view = body(bp, body_schema)(view)
    bp.route(f"/deals/<int:match_id>/{part}", methods=["POST"], endpoint=endpoint)(view)


for _move in MOVES:
    _register_move(*_move)


@bp.route("/deals/<int:match_id>/contract", methods=["POST"], endpoint="create_contract")
@body(bp, schemas.ContractIn)
@bp.response(201, schemas.ContractOut, headers=etags.ETAG_HEADER)
@with_errors(bp, 403, 404, 409, 422)
def create_contract(data, match_id: int):
    """Buyer: draft the contract of a deal whose intention is signed; it is signed once both confirm."""
    require_role("large_firm")
    contract = deals.create_contract(get_session(), current_user, match_id, data["amount"], data.get("title"),
                                     keeps_order_open=data["keeps_order_open"])  # fmt: skip
    commit()
    return contract, 201, etags.headers(contract)


@bp.route("/deals/<int:match_id>/messages", methods=["GET"], endpoint="messages")
@bp.response(200, schemas.MessageList)
@with_errors(bp, 404)
def messages(match_id: int):
    """The deal's thread, oldest first (both sides and staff read it)."""
    require_role(*EVERYONE)
    thread = dealroom.thread(get_session(), current_user, match_id)
    return {"items": [{"id": m.id, "author": m.author.display_name if m.author else None,
                       "company_id": m.company_id, "body": m.body, "created_at": m.created_at}
                      for m in thread]}  # fmt: skip


@bp.route("/deals/<int:match_id>/messages", methods=["POST"], endpoint="post_message")
@body(bp, schemas.MessageIn)
@bp.response(201, schemas.MessageOut)
@with_errors(bp, 403, 404, 409, 422)
def post_message(data, match_id: int):
    """Write to the other side; it is told. Staff read, never write."""
    require_role(*FIRMS)
    message = dealroom.post_message(get_session(), current_user, match_id, data["body"])
    commit()
    return {"id": message.id, "author": current_user.display_name, "company_id": message.company_id,
            "body": message.body, "created_at": message.created_at}, 201  # fmt: skip


@bp.route("/contracts/<int:contract_id>", methods=["GET"], endpoint="contract")
@bp.response(200, schemas.ContractOut, headers=etags.ETAG_HEADER)
@with_errors(bp, 404)
def contract(contract_id: int):
    """One contract of yours (staff: any)."""
    require_role(*EVERYONE)
    found = deals.get_contract(get_session(), current_user, contract_id)
    return found, 200, etags.headers(found)


@bp.route("/contracts/<int:contract_id>/confirm", methods=["POST"], endpoint="confirm_contract")
@bp.response(200, schemas.ContractOut, headers=etags.ETAG_HEADER)
@bp.doc(parameters=[etags.IF_MATCH])
@with_errors(bp, 403, 404, 409, 412)
def confirm_contract(contract_id: int):
    """Either side confirms the contract; when both have, it is signed (正式签约) and its date kept."""
    require_role("large_firm", "small_firm")
    session = get_session()
    etags.check(deals.get_contract(session, current_user, contract_id), required=False)
    found = deals.confirm_contract(session, current_user, contract_id)
    commit()
    return found, 200, etags.headers(found)


@bp.route("/contracts/<int:contract_id>/advance", methods=["POST"], endpoint="advance_contract")
@body(bp, schemas.AdvanceIn)
@bp.response(200, schemas.ContractOut, headers=etags.ETAG_HEADER)
@bp.doc(parameters=[etags.IF_MATCH])
@with_errors(bp, 403, 404, 409, 412, 422)
def advance_contract(data, contract_id: int):
    """Move a contract on: performing, then completed or terminated early; or cancelled, saying why."""
    require_role("large_firm", "small_firm")
    session = get_session()
    etags.check(deals.get_contract(session, current_user, contract_id), required=False)
    found = deals.advance_contract(session, current_user, contract_id, data["status"], data.get("reason") or "")
    commit()
    return found, 200, etags.headers(found)
