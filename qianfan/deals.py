"""The deal, from a recommendation to a signed and performed contract, as each side moves it.

Order deals (an order–listing match): the supplier (the small firm whose listing matched) marks a
recommendation seen, expresses interest or withdraws; the buyer (the large firm that posted the order)
invites, starts negotiating, records the intention signed (意向签约) or declines. From an intention the
buyer drafts the contract with its amount; each side confirms it, and only when both have confirmed is it
signed (正式签约, `signed_on` kept) and the match becomes `contract_signed`. Then it is performed and ends
completed, terminated early or cancelled, with a reason.

Service deals (a demand–package match): the small firm (applicant) applies; the incubator or service
organisation (provider) accepts, which takes one place of the package's quota, or declines with a reason.

Who sees what: each side sees its own deals, a supplier never another supplier's; staff see all and act
on none. Every status change goes through `models.lifecycle.transition`, which keeps the history.
"""

from __future__ import annotations

from datetime import datetime
from math import ceil

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from ingest.values import CHINA_TZ, parse_amount
from models import (
    AuditEvent,
    Contract,
    Listing,
    Match,
    Order,
    ServiceDemand,
    ServicePackage,
    User,
    transition,
)
from models.base import utcnow
from models.deal import MATCH_STATUSES
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from models.lifecycle import allowed_next
from qianfan.history import HistoryEntry, audit_trail
from qianfan.notify import events
from qianfan.paging import MAX_PER_PAGE, Page, PageRequest, paginate

# Statuses in which a match is only a suggestion, not yet a deal anyone acted on.
SUGGESTED = ("recommended", "seen")
# The others: a deal someone acted on. Listed as IN (…) so that the status index serves it.
ACTED_ON = tuple(status for status in MATCH_STATUSES if status not in SUGGESTED)
# An application's states, which the applicant's and the provider's lists keep showing.
APPLICATION_STATES = ("applied", "accepted", "declined")
# How the four sides of a deal are called.
BUYER, SUPPLIER, APPLICANT, PROVIDER = "buyer", "supplier", "applicant", "provider"


# --- who is who ---------------------------------------------------------------------------------


def sides(match: Match) -> dict[str, int]:
    """The company on each side of `match`: buyer and supplier, or applicant and provider."""
    if match.kind == "order":
        return {BUYER: match.order.buyer_id, SUPPLIER: match.listing.supplier_id}
    return {APPLICANT: match.demand.company_id, PROVIDER: match.package.provider_id}


def side_of(user: User, match: Match) -> str | None:
    """Which side `user` is on, or None (staff, or a stranger)."""
    if user.is_staff or user.company_id is None:
        return None
    for side, company_id in sides(match).items():
        if company_id == user.company_id:
            return side
    return None


def get_match(session: Session, user: User, match_id: int) -> Match:
    """The match if `user` is on one of its sides or is staff; otherwise NotFound, so ids reveal nothing."""
    match = session.get(Match, match_id)
    if match is None or not (user.is_staff or side_of(user, match)):
        raise NotFound("No deal %(id)s among yours.", id=match_id)
    return match


def _acting(session: Session, user: User, match_id: int, side: str | tuple[str, ...]) -> Match:
    match = get_match(session, user, match_id)
    wanted = (side,) if isinstance(side, str) else side
    if side_of(user, match) not in wanted:
        raise Forbidden("Only the %(side)s can do this.", side=" / ".join(wanted))
    return match


def contract_of(session: Session, match: Match) -> Contract | None:
    return session.scalar(select(Contract).where(Contract.match_id == match.id))


# --- lists --------------------------------------------------------------------------------------

_MATCH_SORTS = {"score": Match.score, "updated_at": Match.updated_at, "status": Match.status}


# What list pages show of each match, loaded in one query per relation instead of one per row.
def _with_firm(relation, firm):
    return selectinload(relation).joinedload(firm)


_ORDER_SIDES = (_with_firm(Match.order, Order.buyer), _with_firm(Match.listing, Listing.supplier))
_SERVICE_SIDES = (
    _with_firm(Match.demand, ServiceDemand.company),
    _with_firm(Match.package, ServicePackage.provider),
)


def _own_ids(session: Session, model, owner_column, company_id: int | None) -> list[int]:
    """Ids of the firm's own postings of one model, for the lists below to filter matches by."""
    return list(session.scalars(select(model.id).where(owner_column == company_id)))


def _status_in(statuses: tuple[str, ...]):
    """`Match.status IN (...)` written so that no index is used for it (`status || ''`).

    A firm's matches are found through its postings' ids (indexed); SQLite, which keeps no statistics
    here, would otherwise prefer the status index and walk every recommended match (230,000 at
    programme scale, ~200 ms) to find a firm's few hundred, twice per page view.
    """
    return Match.status.concat("").in_(statuses)


def _sort_key(request: PageRequest) -> str:
    return request.sort_key if request.sort_key in _MATCH_SORTS else "score"


def _firm_page(
    session: Session, keys: list[tuple], request: PageRequest, options: tuple, also: list[int] = ()
) -> tuple[Page, dict[int, Match]]:
    """One page of a firm's matches from their (sort value, id) `keys`; loads that page's matches and
    those of `also` whole, in one query.

    A firm's lists are a few hundred to a few thousand matches. Reading their keys once and sorting
    them here costs one pass over them; counting and paging in SQL cost two, over rows made wide by
    the stored explanations, and were most of these pages' time at programme scale.
    """
    key = _sort_key(request)
    ordered = sorted(keys, reverse=request.descending)
    per_page = min(max(request.per_page, 1), MAX_PER_PAGE)
    number = min(max(request.page, 1), max(1, ceil(len(ordered) / per_page)))
    ids = [match_id for _, match_id in ordered[(number - 1) * per_page : number * per_page]]
    wanted = ids + list(also)
    loaded = {
        m.id: m
        for m in session.scalars(select(Match).options(*options).where(Match.id.in_(wanted)))
    }
    effective = PageRequest(number, per_page, ("-" if request.descending else "") + key)
    return Page([loaded[i] for i in ids], len(ordered), effective, tuple(_MATCH_SORTS)), loaded


def package_applicants(session: Session, user: User, request: PageRequest) -> Page:
    """For a provider: the small firms that applied for its packages, waiting for an answer or answered
    (accepted or declined applicants stay listed with their state)."""
    _require_role(user, "service_org")
    packages = _own_ids(session, ServicePackage, ServicePackage.provider_id, user.company_id)
    keys = session.execute(
        select(_MATCH_SORTS[_sort_key(request)], Match.id).where(
            Match.kind == "service", Match.package_id.in_(packages), _status_in(APPLICATION_STATES)
        )
    ).all()
    return _firm_page(session, [tuple(k) for k in keys], request, _SERVICE_SIDES)[0]


def my_deals(
    session: Session, user: User, request: PageRequest, *, status: str | None = None
) -> Page:
    """Every deal the firm is a side of that someone has acted on (staff: all of them)."""
    statuses = (status,) if status else ACTED_ON
    if user.is_staff:
        stmt = (
            select(Match).options(*_ORDER_SIDES, *_SERVICE_SIDES).where(Match.status.in_(statuses))
        )
        return paginate(session, stmt, request, _MATCH_SORTS, Match.id)
    mine = user.company_id
    keys = session.execute(
        select(_MATCH_SORTS[_sort_key(request)], Match.id).where(
            or_(
                Match.order_id.in_(_own_ids(session, Order, Order.buyer_id, mine)),
                Match.listing_id.in_(_own_ids(session, Listing, Listing.supplier_id, mine)),
                Match.demand_id.in_(
                    _own_ids(session, ServiceDemand, ServiceDemand.company_id, mine)
                ),
                Match.package_id.in_(
                    _own_ids(session, ServicePackage, ServicePackage.provider_id, mine)
                ),
            ),
            _status_in(statuses),
        )
    ).all()
    return _firm_page(session, [tuple(k) for k in keys], request, (*_ORDER_SIDES, *_SERVICE_SIDES))[
        0
    ]


def _require_role(user: User, role: str) -> None:
    if user.role != role:
        raise Forbidden("This page is for %(role)s accounts.", role=role)


# --- history ------------------------------------------------------------------------------------


def history(session: Session, match: Match) -> list[HistoryEntry]:
    """The full history of a deal and its contract, oldest first."""
    contract = contract_of(session, match)
    return audit_trail(session, [match] if contract is None else [match, contract])


def deal_page(
    session: Session, user: User, match_id: int
) -> tuple[Match, Contract | None, list[HistoryEntry], set[str]]:
    """Everything the deal page shows `user`: the deal, its contract, its history and the moves open to them."""
    match = get_match(session, user, match_id)
    return (
        match,
        contract_of(session, match),
        history(session, match),
        available_actions(session, user, match),
    )


def available_actions(session: Session, user: User, match: Match) -> set[str]:
    """The actions `user` may take on the deal now; the deal page shows a button for each."""
    side = side_of(user, match)
    if side is None:
        return set()
    possible = allowed_next(match)
    actions: set[str] = set()
    if side == SUPPLIER:
        if match.status == "recommended":
            actions.add("mark_seen")
        if "interested" in possible and not match.near_miss:
            actions.add("express_interest")
        if match.status == "invited":
            actions |= {"accept_invitation", "decline_invitation"}
        if "withdrawn" in possible:
            actions.add("withdraw")
    elif side == BUYER:
        for status, action in (("invited", "invite"), ("negotiating", "negotiate"),
                               ("intention_signed", "record_intention"), ("declined", "decline")):  # fmt: skip
            if status in possible:
                actions.add(action)
    elif side == APPLICANT:
        if "applied" in possible:
            actions.add("apply")
        if "withdrawn" in possible and match.status == "applied":
            actions.add("withdraw")
    elif side == PROVIDER and match.status == "applied":
        actions |= {"accept", "decline"}
    contract = contract_of(session, match) if match.kind == "order" else None
    if side == BUYER and match.status == "intention_signed" and contract is None:
        actions.add("create_contract")
    if contract is not None:
        actions |= _contract_actions(side, contract)
    return actions


def _contract_actions(side: str, contract: Contract) -> set[str]:
    actions = set()
    if contract.status == "pending":
        confirmed = contract.buyer_confirmed_at if side == BUYER else contract.supplier_confirmed_at
        if confirmed is None:
            actions.add("confirm_contract")
    for status in allowed_next(contract) - {"signed"}:
        actions.add(f"contract_{status}")
    return actions


# --- the supplier's and applicant's moves -------------------------------------------------------


def mark_seen(session: Session, user: User, match_id: int) -> Match:
    """The supplier or applicant has looked at a recommendation (nothing happens if it is past that)."""
    match = _acting(session, user, match_id, (SUPPLIER, APPLICANT))
    if match.status == "recommended":
        transition(match, "seen", actor=user)
        session.flush()
    return match


def express_interest(session: Session, user: User, match_id: int) -> Match:
    """The supplier tells the buyer it would like to take the order."""
    match = _acting(session, user, match_id, SUPPLIER)
    if match.near_miss:
        raise DomainError(
            "This order asks for something your firm does not have yet (%(missing)s); it can only be "
            "followed, not answered.",
            missing=near_miss_label(match, "en"),
        )
    _require_open(match.order)
    transition(match, "interested", actor=user)
    session.flush()
    events.interest(session, match)
    return match


def withdraw(session: Session, user: User, match_id: int, reason: str) -> Match:
    """The supplier (or the applicant) steps back from the deal, saying why."""
    match = _acting(session, user, match_id, (SUPPLIER, APPLICANT))
    transition(match, "withdrawn", actor=user, reason=reason)
    _cancel_pending_contract(session, user, match, reason)
    session.flush()
    events.withdrawn(session, match, user.company_id, match.status_reason)
    return match


def accept_invitation(session: Session, user: User, match_id: int) -> Match:
    """The supplier accepts the buyer's invitation: the two sides negotiate."""
    match = _acting(session, user, match_id, SUPPLIER)
    if match.status != "invited":
        raise DomainError("There is no invitation to answer on this deal; it is %(status)s.",
                          status=match.status)  # fmt: skip
    _require_open(match.order)
    transition(match, "negotiating", actor=user)
    session.flush()
    events.answer(session, match, accepted=True)
    return match


def decline_invitation(session: Session, user: User, match_id: int, reason: str) -> Match:
    """The supplier declines the buyer's invitation, saying why; the deal ends (withdrawn)."""
    match = _acting(session, user, match_id, SUPPLIER)
    if match.status != "invited":
        raise DomainError("There is no invitation to answer on this deal; it is %(status)s.",
                          status=match.status)  # fmt: skip
    transition(match, "withdrawn", actor=user, reason=reason)
    session.flush()
    events.answer(session, match, accepted=False, reason=match.status_reason)
    return match


def apply_to_package(session: Session, user: User, match_id: int) -> Match:
    """The small firm applies for a service package recommended for one of its demands."""
    match = _acting(session, user, match_id, APPLICANT)
    package = match.package
    _require_open(package)
    if package.valid_until is not None and package.valid_until < datetime.now(CHINA_TZ).date():
        raise DomainError(
            "This service package expired on %(date)s.", date=package.valid_until.isoformat()
        )
    if package.quota_left <= 0:
        raise DomainError("This service package has no places left.")
    transition(match, "applied", actor=user)
    session.flush()
    events.applied(session, match)
    return match


# --- the buyer's and provider's moves -----------------------------------------------------------


def invite(session: Session, user: User, match_id: int) -> Match:
    """The buyer invites a candidate supplier to talk about the order."""
    match = _acting(session, user, match_id, BUYER)
    _require_open(match.order)
    transition(match, "invited", actor=user)
    session.flush()
    events.invitation(session, match)
    return match


def start_negotiating(session: Session, user: User, match_id: int) -> Match:
    match = _acting(session, user, match_id, BUYER)
    transition(match, "negotiating", actor=user)
    session.flush()
    return match


def record_intention(session: Session, user: User, match_id: int) -> Match:
    """The buyer records that both sides signed an intention (意向签约)."""
    match = _acting(session, user, match_id, BUYER)
    transition(match, "intention_signed", actor=user)
    match.intention_signed_at = utcnow()
    session.flush()
    return match


def decline(session: Session, user: User, match_id: int, reason: str) -> Match:
    """The buyer declines a candidate, or the provider an applicant, saying why."""
    match = _acting(session, user, match_id, (BUYER, PROVIDER))
    transition(match, "declined", actor=user, reason=reason)
    _cancel_pending_contract(session, user, match, reason)
    session.flush()
    events.withdrawn(session, match, user.company_id, match.status_reason)
    return match


def accept_application(session: Session, user: User, match_id: int) -> Match:
    """The provider accepts an applicant; one place of the quota is taken, or none is left and it refuses."""
    match = _acting(session, user, match_id, PROVIDER)
    if match.status != "applied":
        transition(match, "accepted", actor=user)  # raises, saying what is possible from here
    # One conditional UPDATE, so that two providers' clerks accepting at once cannot overfill the quota.
    taken = session.execute(
        update(ServicePackage)
        .where(
            ServicePackage.id == match.package_id, ServicePackage.quota_used < ServicePackage.quota
        )
        .values(quota_used=ServicePackage.quota_used + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise DomainError(
            "No places are left in this service package (quota %(quota)s).",
            quota=match.package.quota,
        )
    session.refresh(match.package, ["quota_used"])
    transition(match, "accepted", actor=user)
    # The package's own history records each acceptance (issue 12, item 6).
    session.add(
        AuditEvent(actor_id=user.id, action="accept_applicant", object_type=match.package.__tablename__,
                   object_id=match.package_id,
                   detail={"applicant": match.demand.company.name, "match_id": match.id,
                           "quota_used": match.package.quota_used})
    )  # fmt: skip
    session.flush()
    events.application_accepted(session, match)
    return match


def _require_open(posting) -> None:
    if posting.status != "published":
        raise DomainError("“%(title)s” is no longer open.", title=posting.title)


# --- the contract -------------------------------------------------------------------------------


CONTRACT_TITLE_MAX = Contract.__table__.c.title.type.length


def create_contract(
    session: Session, user: User, match_id: int, amount: str, title: str | None = None,
    keeps_order_open: bool = False,
) -> Contract:
    """The buyer drafts the contract of an intention-signed deal; it waits for both sides to confirm.

    `keeps_order_open`: the buyer needs more suppliers, so signing this contract leaves the order open.
    """
    match = _acting(session, user, match_id, BUYER)
    if match.status != "intention_signed":
        raise DomainError(
            "A contract follows a signed intention; this deal is %(status)s.", status=match.status
        )
    if contract_of(session, match) is not None:
        raise DomainError("This deal already has a contract.")
    result = parse_amount(amount, field="amount")
    if result.yuan is None:
        raise ValidationError("Write the contract amount, e.g. 120万元.", field="amount")
    title = (title or "").strip() or match.order.title
    if len(title) > CONTRACT_TITLE_MAX:
        raise ValidationError("The contract title is longer than %(n)s characters.", field="title", n=CONTRACT_TITLE_MAX)
    contract = Contract(
        match_id=match.id,
        buyer_id=match.order.buyer_id,
        supplier_id=match.listing.supplier_id,
        title=title,
        amount_yuan=result.yuan,
        keeps_order_open=bool(keeps_order_open),
    )
    session.add(contract)
    session.flush()
    events.contract_to_confirm(session, contract)
    session.add(
        AuditEvent(actor_id=user.id, action="create", object_type="contract", object_id=contract.id,
                   to_status="pending", detail={"amount_yuan": str(result.yuan)})
    )  # fmt: skip
    return contract


def get_contract(session: Session, user: User, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None or not (
        user.is_staff or user.company_id in (contract.buyer_id, contract.supplier_id)
    ):
        raise NotFound("No contract %(id)s among yours.", id=contract_id)
    return contract


def _contract_side(user: User, contract: Contract) -> str:
    if user.is_staff:
        raise Forbidden("Staff follow contracts; only the two firms confirm them.")
    return BUYER if user.company_id == contract.buyer_id else SUPPLIER


def confirm_contract(session: Session, user: User, contract_id: int) -> Contract:
    """One side confirms the contract; when the other side already has, it is signed today."""
    contract = get_contract(session, user, contract_id)
    side = _contract_side(user, contract)
    if contract.status != "pending":
        raise DomainError(
            "This contract is %(status)s; there is nothing to confirm.", status=contract.status
        )
    attr = "buyer_confirmed_at" if side == BUYER else "supplier_confirmed_at"
    if getattr(contract, attr) is not None:
        raise DomainError("You have already confirmed this contract; it waits for the other side.")
    setattr(contract, attr, utcnow())
    session.add(
        AuditEvent(actor_id=user.id, action="confirm", object_type="contract", object_id=contract.id,
                   detail={"side": side})
    )  # fmt: skip
    if contract.both_confirmed:
        contract.signed_on = datetime.now(CHINA_TZ).date()
        transition(contract, "signed", actor=user)
        if contract.match is not None:
            transition(contract.match, "contract_signed", actor=user)
            _after_signing(session, user, contract)
        session.flush()
        events.signed(session, contract)
    else:
        session.flush()
        events.contract_to_confirm(session, contract)
    return contract


SIGNED_ELSEWHERE = "订单已与其他供应商签约并关闭"


def _after_signing(session: Session, user: User, contract: Contract) -> None:
    """The order closes, unless the buyer said it needs more suppliers; its other open deals are told.

    When it closes, those deals end (expired, with the reason), so no one goes on talking about an order
    that is taken; when it stays open, they go on and only learn that a contract was signed.
    """
    match = contract.match
    order = match.order
    closes = not contract.keeps_order_open and order.status == "published"
    if closes:
        transition(order, "closed", actor=user)
    session.flush()
    for other in events.open_deals_on(session, match):
        if closes:
            # Kept as data, like a reason typed by a user (the programme's language): the history shows it.
            transition(other, "expired", actor=user, reason=SIGNED_ELSEWHERE)
        events.order_signed_elsewhere(session, other, closed=closes)


CONTRACT_MOVES = ("performing", "completed", "terminated", "cancelled")


def advance_contract(
    session: Session, user: User, contract_id: int, to_status: str, reason: str | None = None
):
    """Either side moves a contract on: performing, then completed or terminated early; or cancelled."""
    contract = get_contract(session, user, contract_id)
    _contract_side(user, contract)
    if to_status not in CONTRACT_MOVES:
        raise ValidationError("Unknown contract step '%(step)s'.", field="status", step=to_status)
    transition(contract, to_status, actor=user, reason=reason)
    if to_status in ("completed", "terminated"):
        contract.ended_on = datetime.now(CHINA_TZ).date()
    session.flush()
    return contract


def _cancel_pending_contract(session: Session, user: User, match: Match, reason: str) -> None:
    contract = contract_of(session, match) if match.kind == "order" else None
    if contract is not None and contract.status == "pending":
        transition(contract, "cancelled", actor=user, reason=reason)


# --- explanations -------------------------------------------------------------------------------


def near_miss_label(match: Match, locale: str) -> str:
    """What a near miss lacks, in `locale` ("缺少 ISO 9001" / "missing ISO 9001"), from the match's reasons."""
    failed = (match.reasons or {}).get("failed") or {}
    if isinstance(failed, list):
        failed = failed[0] if failed else {}
    if isinstance(failed, str):
        return failed
    language = "en" if locale == "en" else "zh"
    return str(failed.get(language) or failed.get("label_" + language) or "")
