"""Financing applications: who sees one, the small firm's moves and the buyer's confirmation (确权).

Who sees an application: the applicant (the contract's supplier), the contract's buyer, staff, and, once
the buyer has confirmed it, the institutions the firm chose (or every institution, when it chose all).
Anyone else gets NotFound, so an id reveals nothing. Only the contract's buyer confirms or disputes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ingest.values import parse_amount
from models import AuditEvent, Company, Contract, User, transition
from models.base import utcnow
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from models.financing import LIVE_STATUSES, FinancingApplication, FinancingChoice, FinancingOffer
from qianfan.financing import DEFAULT_MAX_PER_CONTRACT, events
from qianfan.history import HistoryEntry, audit_trail

# A receivable exists on a contract both sides signed and that was not ended early.
FINANCEABLE_CONTRACT = ("signed", "performing", "completed")
NOTE_MAX = 2000
REASON_MAX = 500
# Kept as data, like a reason a person typed (the programme's language): the offers' history shows it.
ANOTHER_OFFER_TAKEN = "企业已接受其他机构的报价"
APPLICATION_ENDED = "融资申请已结束"
APPLICANT, BUYER, INSTITUTION = "applicant", "buyer", "institution"


# --- who is who ---------------------------------------------------------------------------------


def side_of(user: User, application: FinancingApplication) -> str | None:
    """The user's part in the application: applicant, buyer, institution (one that may see it) or None."""
    if user.is_staff or user.company_id is None:
        return None
    if user.role == "small_firm" and user.company_id == application.applicant_id:
        return APPLICANT
    if user.role == "large_firm" and user.company_id == application.buyer_id:
        return BUYER
    if user.role == "financial_institution" and institution_may_see(application, user.company_id):
        return INSTITUTION
    return None


def institution_may_see(application: FinancingApplication, institution_id: int) -> bool:
    """Confirmed by the buyer, and the institution is among those the firm chose (or it chose all)."""
    if application.confirmed_at is None:
        return False
    return application.all_institutions or any(c.institution_id == institution_id for c in application.choices)


def get_application(session: Session, user: User, application_id: int) -> FinancingApplication:
    """The application if `user` may see it; otherwise NotFound, whatever the reason."""
    application = session.get(FinancingApplication, application_id)
    if application is None or not (user.is_staff or side_of(user, application)):
        raise NotFound("No financing application %(id)s among yours.", id=application_id)
    return application


def _acting(session: Session, user: User, application_id: int, side: str) -> FinancingApplication:
    application = get_application(session, user, application_id)
    if side_of(user, application) == side:
        return application
    if side == APPLICANT:
        raise Forbidden("Only the firm that applied can do this.")
    if side == BUYER:
        raise Forbidden("Only the contract's buyer can confirm or dispute the receivable.")
    raise Forbidden("Only a financial institution the firm chose can do this.")


# --- what may be financed -----------------------------------------------------------------------


def settled_yuan(session: Session, contract_id: int) -> Decimal:
    """What financing already settled on the contract: the amounts of its applications repaid."""
    return Decimal(
        session.scalar(
            select(func.sum(FinancingApplication.paid_amount_yuan)).where(
                FinancingApplication.contract_id == contract_id, FinancingApplication.status == "repaid"
            )
        )
        or 0
    )


def unpaid_yuan(session: Session, contract: Contract) -> Decimal:
    """The contract's unpaid value: its amount less what financing already settled (see the notes)."""
    return max(Decimal(contract.amount_yuan or 0) - settled_yuan(session, contract.id), Decimal(0))


def live_application(session: Session, contract_id: int) -> FinancingApplication | None:
    return session.scalar(
        select(FinancingApplication).where(
            FinancingApplication.contract_id == contract_id, FinancingApplication.status.in_(LIVE_STATUSES)
        )
    )


@dataclass(frozen=True)
class Financeable:
    """One of the firm's signed contracts as the applying page shows it."""

    contract: Contract
    unpaid_yuan: Decimal
    live: FinancingApplication | None  # the application already holding its receivable, if any


def financeable_contracts(session: Session, user: User) -> list[Financeable]:
    """The small firm's signed contracts as supplier, each with its unpaid value and live application."""
    _require_role(user, "small_firm")
    contracts = session.scalars(
        select(Contract).options(selectinload(Contract.buyer))
        .where(Contract.supplier_id == user.company_id, Contract.status.in_(FINANCEABLE_CONTRACT))
        .order_by(Contract.signed_on.desc(), Contract.id.desc())
    ).all()  # fmt: skip
    return [Financeable(c, unpaid_yuan(session, c), live_application(session, c.id)) for c in contracts]


def institutions(session: Session) -> list[Company]:
    """The lenders a firm may choose: verified financial companies with at least one active account."""
    has_user = exists().where(
        User.company_id == Company.id, User.role == "financial_institution", User.active.is_(True)
    )
    return list(
        session.scalars(
            select(Company).where(Company.kind == "financial", Company.verification == "verified", has_user)
            .order_by(Company.name)
        )
    )  # fmt: skip


# --- the small firm's moves ---------------------------------------------------------------------


def apply(
    session: Session,
    user: User,
    contract_id: int,
    amount: str,
    institution_ids: list[int] | None,
    *,
    all_institutions: bool = False,
    note: str | None = None,
    max_per_contract: Decimal = DEFAULT_MAX_PER_CONTRACT,
) -> FinancingApplication:
    """The small firm applies to finance the receivable of a contract it signed as the supplier."""
    _require_role(user, "small_firm")
    contract = session.get(Contract, contract_id)
    if contract is None or contract.supplier_id != user.company_id:
        raise NotFound("No signed contract %(id)s of yours as the supplier.", id=contract_id)
    if contract.status not in FINANCEABLE_CONTRACT:
        raise DomainError(
            "Only a signed contract has a receivable to finance; this one is %(status)s.", status=contract.status
        )
    yuan = parse_amount(amount, field="amount").yuan
    if yuan is None or yuan <= 0:
        raise ValidationError("Write the amount to finance, e.g. 80万元.", field="amount")
    unpaid = unpaid_yuan(session, contract)
    if yuan > unpaid:
        raise ValidationError(
            "The amount (%(amount)s yuan) is above the contract's unpaid value (%(unpaid)s yuan).",
            field="amount", amount=f"{yuan:,.2f}", unpaid=f"{unpaid:,.2f}",
        )  # fmt: skip
    if yuan > max_per_contract:
        raise ValidationError(
            "The amount (%(amount)s yuan) is above the most financed on one contract, %(cap)s yuan.",
            field="amount", amount=f"{yuan:,.2f}", cap=f"{max_per_contract:,.2f}",
        )  # fmt: skip
    chosen = _chosen_institutions(session, institution_ids or [], all_institutions)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise ValidationError("The note is longer than %(n)s characters.", field="note", n=NOTE_MAX)
    if live_application(session, contract.id) is not None:
        raise _double_financing(contract)
    application = FinancingApplication(
        contract_id=contract.id, applicant_id=contract.supplier_id, buyer_id=contract.buyer_id, amount_yuan=yuan,
        all_institutions=all_institutions, note=note, status="applied", applied_at=utcnow(),
        choices=[FinancingChoice(institution_id=c.id) for c in chosen],
    )  # fmt: skip
    try:
        # A savepoint: two requests that both passed the check above meet the database's unique index here.
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError as err:
        if "live_contract" not in str(err.orig) and "financing_application.contract_id" not in str(err.orig):
            raise
        raise _double_financing(contract) from None
    session.add(
        AuditEvent(actor_id=user.id, action="create", object_type=application.__tablename__, object_id=application.id,
                   to_status="applied", detail={"amount_yuan": str(yuan), "contract_id": contract.id,
                                                "institutions": "all" if all_institutions else [c.name for c in chosen]})
    )  # fmt: skip
    session.flush()
    events.applied(session, application)
    return application


def _double_financing(contract: Contract) -> DomainError:
    return DomainError(
        "The receivable of the contract “%(title)s” already has a financing application under way; "
        "one receivable is financed once.",
        title=contract.title,
    )


def _chosen_institutions(session: Session, ids: list[int], all_institutions: bool) -> list[Company]:
    if all_institutions:
        return []
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise ValidationError("Choose at least one financial institution, or all of them.", field="institutions")
    found = {c.id: c for c in institutions(session) if c.id in wanted}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationError(
            "No financial institution %(id)s on the platform.", field="institutions", id=missing[0]
        )
    return [found[i] for i in wanted]


def withdraw(session: Session, user: User, application_id: int, reason: str) -> FinancingApplication:
    """The firm withdraws before accepting an offer, saying why; every answer still open ends."""
    application = _acting(session, user, application_id, APPLICANT)
    transition(application, "withdrawn", actor=user, reason=_reason(reason))
    _lapse_open_offers(session, user, application, APPLICATION_ENDED)
    session.flush()
    events.withdrawn(session, application)
    return application


def answer(session: Session, user: User, offer_id: int, text: str) -> FinancingOffer:
    """The firm answers an institution's question; the institution reviews again."""
    offer = _offer_for_applicant(session, user, offer_id)
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write your answer.", field="answer")
    if len(text) > NOTE_MAX:
        raise ValidationError("The answer is longer than %(n)s characters.", field="answer", n=NOTE_MAX)
    if offer.status != "info_requested":
        raise DomainError("%(firm)s asked no question that waits for an answer.", firm=offer.institution.name)
    _require_status(offer.application, ("confirmed",))
    transition(offer, "reviewing", actor=user)
    offer.answer = text
    session.add(AuditEvent(actor_id=user.id, action="answer", object_type=offer.__tablename__, object_id=offer.id,
                           detail={"answer": text}))  # fmt: skip
    session.flush()
    events.answered(session, offer)
    return offer


def accept_offer(session: Session, user: User, offer_id: int) -> FinancingOffer:
    """The firm accepts one institution's offer; every other answer still open ends."""
    offer = _offer_for_applicant(session, user, offer_id)
    application = offer.application
    if offer.status != "offered":
        raise DomainError("%(firm)s has made no offer to accept; its answer is %(status)s.",
                          firm=offer.institution.name, status=offer.status)  # fmt: skip
    transition(application, "accepted", actor=user)
    application.accepted_at = utcnow()
    transition(offer, "accepted", actor=user)
    _lapse_open_offers(session, user, application, ANOTHER_OFFER_TAKEN)
    session.flush()
    events.offer_accepted(session, offer)
    return offer


def _offer_for_applicant(session: Session, user: User, offer_id: int) -> FinancingOffer:
    offer = session.get(FinancingOffer, offer_id)
    if offer is None:
        raise NotFound("No answer %(id)s to your financing applications.", id=offer_id)
    try:
        _acting(session, user, offer.application_id, APPLICANT)
    except (NotFound, Forbidden):
        raise NotFound("No answer %(id)s to your financing applications.", id=offer_id) from None
    return offer


def _lapse_open_offers(session: Session, user: User, application: FinancingApplication, reason: str) -> None:
    for other in application.offers:
        if other.status in ("reviewing", "info_requested", "offered"):
            transition(other, "lapsed", actor=user, reason=reason)
            events.lapsed(session, other)


# --- the buyer's confirmation (确权) --------------------------------------------------------------


def confirm(session: Session, user: User, application_id: int) -> FinancingApplication:
    """The contract's buyer confirms it owes the receivable; the chosen institutions now see the application."""
    application = _acting(session, user, application_id, BUYER)
    transition(application, "confirmed", actor=user)
    application.confirmed_at = utcnow()
    session.flush()
    events.confirmed(session, application)
    return application


def dispute(session: Session, user: User, application_id: int, reason: str) -> FinancingApplication:
    """The contract's buyer disputes the receivable, saying why; the application ends there."""
    application = _acting(session, user, application_id, BUYER)
    transition(application, "disputed", actor=user, reason=_reason(reason))
    session.flush()
    events.disputed(session, application)
    return application


# --- lists and pages ----------------------------------------------------------------------------


_LIST_OPTIONS = (
    selectinload(FinancingApplication.contract),
    selectinload(FinancingApplication.applicant),
    selectinload(FinancingApplication.buyer),
    selectinload(FinancingApplication.choices),
    selectinload(FinancingApplication.offers),
)


def applications_for(session: Session, user: User, status: str | None = None) -> list[FinancingApplication]:
    """The applications the user has a part in, newest first: the firm's, the buyer's to confirm, those an
    institution may see (confirmed, chosen), or all of them for staff."""
    stmt = select(FinancingApplication).options(*_LIST_OPTIONS)
    if user.is_staff:
        pass
    elif user.role == "small_firm":
        stmt = stmt.where(FinancingApplication.applicant_id == user.company_id)
    elif user.role == "large_firm":
        stmt = stmt.where(FinancingApplication.buyer_id == user.company_id)
    elif user.role == "financial_institution":
        chosen = exists().where(
            FinancingChoice.application_id == FinancingApplication.id,
            FinancingChoice.institution_id == user.company_id,
        )
        stmt = stmt.where(
            FinancingApplication.confirmed_at.is_not(None), or_(FinancingApplication.all_institutions, chosen)
        )
    else:
        raise Forbidden("The financing zone is for small firms, their buyers, financial institutions and staff.")
    if status:
        stmt = stmt.where(FinancingApplication.status == status)
    return list(session.scalars(stmt.order_by(FinancingApplication.updated_at.desc(), FinancingApplication.id.desc())))


def history(session: Session, application: FinancingApplication, user: User) -> list[HistoryEntry]:
    """The application's history, and that of the answers the user may read (an institution: its own)."""
    return audit_trail(session, [application, *visible_offers(application, user)])


def visible_offers(application: FinancingApplication, user: User) -> list[FinancingOffer]:
    """Every answer for the firm and staff; an institution reads its own only; the buyer none."""
    if user.is_staff or side_of(user, application) == APPLICANT:
        return list(application.offers)
    if side_of(user, application) == INSTITUTION:
        return [o for o in application.offers if o.institution_id == user.company_id]
    return []


def _require_role(user: User, role: str) -> None:
    if user.role != role:
        raise Forbidden("This page is for %(role)s accounts.", role=role)


def _require_status(application: FinancingApplication, statuses: tuple[str, ...]) -> None:
    if application.status not in statuses:
        raise DomainError("The financing application is %(status)s; this step is no longer possible.",
                          status=application.status)  # fmt: skip


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationError("The reason is longer than %(n)s characters.", field="reason", n=REASON_MAX)
    return reason
