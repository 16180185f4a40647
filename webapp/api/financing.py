"""The financing zone (金融服务专区) in the API, over the same services as the pages (qianfan.financing):

- the small firm: its financeable contracts, the lenders it may choose, apply, withdraw, answer an
  institution's question, accept an offer;
- the buyer: the applications on its contracts, confirm (确权) or dispute;
- a chosen institution: the applications it may see, one with the contract's facts and the firm's history,
  offer, decline, ask, withdraw its offer, record the money paid and repaid, or cancel;
- staff: every application and the financing counters (they read, never act).

Someone else's application (or an institution not chosen, or before the buyer confirmed) is 404, a role
the move is not for 403, a move the state refuses 409. An application's ETag covers the answers its
reader sees, so a question asked or an offer made since moves it; moves check If-Match when it is sent.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from models.errors import NotFound
from models.financing import FinancingOffer
from qianfan.financing import applications as apps
from qianfan.financing import lending
from qianfan.financing.pages import application_page
from qianfan.stats import financing_counters
from webapp.api import etags, schemas
from webapp.api import financing_schemas as fs
from webapp.api.auth import authenticate, require_role
from webapp.api.common import body, with_errors
from webapp.database import commit, get_session
from webapp.financing import max_per_contract

bp = Blueprint("api_financing", __name__, url_prefix="/financing",
               description="Receivables financing: apply, confirm (确权), offers, money paid and repaid")  # fmt: skip
bp.before_request(authenticate)

EVERYONE = ("small_firm", "large_firm", "financial_institution", "staff", "admin")
FIRM, BUYER, LENDER, STAFF = ("small_firm",), ("large_firm",), ("financial_institution",), ("staff", "admin")


def _answer(application_id: int):
    """The application as its reader sees it now, with its ETag."""
    page = application_page(get_session(), current_user, application_id)
    return fs.detail(page), 200, etags.headers(page.application, page.offers)


def _check(application_id: int) -> None:
    found = apps.get_application(get_session(), current_user, application_id)
    etags.check(found, required=False, related=apps.visible_offers(found, current_user))


@bp.route("/applications", methods=["GET"], endpoint="list")
@bp.arguments(fs.ApplicationArgs, location="query", as_kwargs=True)
@bp.response(200, fs.ApplicationPage)
@with_errors(bp, 403, 422)
def list_applications(status=None, page=1, per_page=20):
    """The applications you have a part in, newest first: the firm's own, the buyer's to confirm, those an
    institution may see (confirmed, and it was chosen), every one for staff."""
    require_role(*EVERYONE)
    found = apps.applications_for(get_session(), current_user, status)
    start = (page - 1) * per_page
    return {"items": [fs.application(a) for a in found[start:start + per_page]],
            "paging": {"page": page, "per_page": per_page, "total": len(found),
                       "pages": max(1, -(-len(found) // per_page)), "sort": "-updated_at"}}  # fmt: skip


@bp.route("/contracts", methods=["GET"], endpoint="contracts")
@bp.response(200, fs.FinanceableList)
@with_errors(bp, 403)
def contracts():
    """Small firms: your signed contracts as the supplier, each with its unpaid value and the application
    already holding its receivable (one receivable is financed once)."""
    require_role(*FIRM)
    found = apps.financeable_contracts(get_session(), current_user)
    return {"items": [{"contract": f.contract, "unpaid_yuan": f.unpaid_yuan,
                       "live_application_id": f.live.id if f.live else None} for f in found],
            "max_per_contract_yuan": max_per_contract()}  # fmt: skip


@bp.route("/institutions", methods=["GET"], endpoint="institutions")
@bp.response(200, fs.InstitutionList)
@with_errors(bp, 403)
def institutions():
    """The financial institutions a firm may choose to see its application."""
    require_role(*FIRM, *STAFF)
    return {"items": [fs.company(c) for c in apps.institutions(get_session())]}


@bp.route("/applications", methods=["POST"], endpoint="apply")
@body(bp, fs.ApplyIn)
@bp.response(201, fs.ApplicationDetail, headers=etags.ETAG_HEADER)
@with_errors(bp, 403, 404, 409, 422)
def apply(data):
    """Small firms: apply to finance the receivable of a contract you signed as the supplier (at most its
    unpaid value and the programme's cap); the buyer is asked to confirm it."""
    require_role(*FIRM)
    found = apps.apply(get_session(), current_user, data["contract_id"], data["amount"], data["institution_ids"],
                       all_institutions=data["all_institutions"], note=data.get("note"),
                       max_per_contract=max_per_contract())  # fmt: skip
    commit()
    answer, _, headers = _answer(found.id)
    return answer, 201, headers


@bp.route("/applications/<int:application_id>", methods=["GET"], endpoint="show")
@bp.response(200, fs.ApplicationDetail, headers=etags.ETAG_HEADER)
@with_errors(bp, 403, 404)
def show(application_id: int):
    """One application: the contract's facts, the firm's history (lenders), the answers you may read,
    its history and the moves open to you."""
    require_role(*EVERYONE)
    return _answer(application_id)


# (endpoint, path part, roles, body schema, service call, summary): the application page's buttons.
MOVES = (
    ("confirm", "confirm", BUYER, None, lambda s, a, d: apps.confirm(s, current_user, a),
     "Buyer: confirm the receivable (确权); the institutions the firm chose now see it."),
    ("dispute", "dispute", BUYER, schemas.ReasonIn, lambda s, a, d: apps.dispute(s, current_user, a, d["reason"]),
     "Buyer: dispute the receivable, saying why."),
    ("withdraw", "withdraw", FIRM, schemas.ReasonIn, lambda s, a, d: apps.withdraw(s, current_user, a, d["reason"]),
     "Firm: withdraw the application before accepting an offer, saying why."),
    ("offer", "offer", LENDER, fs.OfferIn,
     lambda s, a, d: lending.make_offer(s, current_user, a, d["amount"], d["rate"], str(d["term_days"])),
     "Institution: offer an amount, a yearly rate and a term in days."),
    ("decline", "decline", LENDER, schemas.ReasonIn, lambda s, a, d: lending.decline(s, current_user, a, d["reason"]),
     "Institution: decline to finance, saying why."),
    ("ask", "ask", LENDER, fs.QuestionIn, lambda s, a, d: lending.ask(s, current_user, a, d["question"]),
     "Institution: ask the firm for more before deciding."),
    ("withdraw_offer", "withdraw-offer", LENDER, schemas.ReasonIn,
     lambda s, a, d: lending.withdraw_offer(s, current_user, a, d["reason"]),
     "Institution: take back an offer not yet accepted, saying why."),
    ("paid", "paid", LENDER, fs.PaidIn,
     lambda s, a, d: lending.record_paid(s, current_user, a, d.get("paid_at") or ""),
     "Institution whose offer was accepted: record the money paid (放款), now or at a local time."),
    ("repaid", "repaid", LENDER, fs.RepaidIn,
     lambda s, a, d: lending.record_repaid(s, current_user, a, d.get("repaid_at") or ""),
     "Institution whose offer was accepted: record the financing repaid (还款)."),
    ("cancel", "cancel", LENDER, schemas.ReasonIn, lambda s, a, d: lending.cancel(s, current_user, a, d["reason"]),
     "Institution whose offer was accepted: cancel when it cannot pay after all, saying why."),
)  # fmt: skip


def _register_move(endpoint, part, roles, body_schema, call, summary) -> None:
    @bp.response(200, fs.ApplicationDetail, headers=etags.ETAG_HEADER)
    @bp.doc(summary=summary, parameters=[etags.IF_MATCH])
    @with_errors(bp, 403, 404, 409, 412, *((422,) if body_schema else ()))
    def view(*args, application_id: int):
        require_role(*roles)
        _check(application_id)
        call(get_session(), application_id, args[0] if args else {})
        commit()
        return _answer(application_id)

    view.__name__ = f"move_{endpoint}"
    if body_schema is not None:
        view = body(bp, body_schema)(view)
    bp.route(f"/applications/<int:application_id>/{part}", methods=["POST"], endpoint=endpoint)(view)


for _move in MOVES:
    _register_move(*_move)


def _offer_application(offer_id: int) -> int:
    """The application of an answer to one of the firm's applications; anyone else's: 404."""
    offer = get_session().get(FinancingOffer, offer_id)
    if offer is None or apps.side_of(current_user, offer.application) != apps.APPLICANT:
        raise NotFound("No answer %(id)s to your financing applications.", id=offer_id)
    _check(offer.application_id)
    return offer.application_id


@bp.route("/offers/<int:offer_id>/answer", methods=["POST"], endpoint="answer")
@body(bp, fs.AnswerIn)
@bp.response(200, fs.ApplicationDetail, headers=etags.ETAG_HEADER)
@bp.doc(parameters=[etags.IF_MATCH])
@with_errors(bp, 403, 404, 409, 412, 422)
def answer(data, offer_id: int):
    """Firm: answer an institution's question; it reviews again. If-Match is the application's ETag."""
    require_role(*FIRM)
    application_id = _offer_application(offer_id)
    apps.answer(get_session(), current_user, offer_id, data["answer"])
    commit()
    return _answer(application_id)


@bp.route("/offers/<int:offer_id>/accept", methods=["POST"], endpoint="accept")
@bp.response(200, fs.ApplicationDetail, headers=etags.ETAG_HEADER)
@bp.doc(parameters=[etags.IF_MATCH])
@with_errors(bp, 403, 404, 409, 412)
def accept(offer_id: int):
    """Firm: accept one institution's offer; every other open answer lapses. If-Match: the application's."""
    require_role(*FIRM)
    application_id = _offer_application(offer_id)
    apps.accept_offer(get_session(), current_user, offer_id)
    commit()
    return _answer(application_id)


@bp.route("/counters", methods=["GET"], endpoint="counters")
@bp.response(200, fs.FinancingCounters)
@with_errors(bp, 403)
def counters():
    """Staff: count and value applied, confirmed and paid, the median hours from application to money and
    the share paid within 48 hours, as on the dashboard."""
    require_role(*STAFF)
    return financing_counters(get_session()).as_dict()
