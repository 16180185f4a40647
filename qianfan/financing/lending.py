"""The institution's moves on an application it may see: offer, decline, ask for more, record the money.

An institution's answer is one `FinancingOffer` row per application, made at its first move. Only an
institution the firm chose (or any, when the firm chose all) reaches these, and only once the buyer has
confirmed the receivable; the money is recorded by the institution whose offer the firm accepted.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.values import parse_amount
from models import AuditEvent, User, transition
from models.base import utcnow
from models.errors import DomainError, ValidationError
from models.financing import FinancingApplication, FinancingOffer
from qianfan import localtime
from qianfan.financing import events
from qianfan.financing.applications import INSTITUTION, NOTE_MAX, _acting, _reason, _require_status

MAX_RATE_PERCENT = Decimal("36")  # a yearly rate above this is not a loan the programme carries
MAX_TERM_DAYS = 3650


def own_offer(session: Session, application: FinancingApplication, institution_id: int) -> FinancingOffer | None:
    return session.scalar(
        select(FinancingOffer).where(
            FinancingOffer.application_id == application.id, FinancingOffer.institution_id == institution_id
        )
    )


def _answer_row(session: Session, user: User, application_id: int) -> FinancingOffer:
    """The institution's answer to a confirmed application, made (status reviewing) at its first move."""
    application = _acting(session, user, application_id, INSTITUTION)
    _require_status(application, ("confirmed",))
    offer = own_offer(session, application, user.company_id)
    if offer is None:
        offer = FinancingOffer(application=application, institution_id=user.company_id, status="reviewing")
        session.add(offer)
        session.flush()
    elif offer.status not in ("reviewing", "info_requested"):
        raise DomainError("Your institution has already answered this application: %(status)s.", status=offer.status)
    return offer


def make_offer(session: Session, user: User, application_id: int, amount: str, rate: str, term_days: str
               ) -> FinancingOffer:  # fmt: skip
    """The institution offers an amount (at most what was applied for), a yearly rate and a term in days."""
    offer = _answer_row(session, user, application_id)
    application = offer.application
    yuan = parse_amount(amount, field="amount").yuan
    if yuan is None or yuan <= 0:
        raise ValidationError("Write the amount offered, e.g. 80万元.", field="amount")
    if yuan > application.amount_yuan:
        raise ValidationError(
            "The offer (%(amount)s yuan) is above the amount applied for (%(applied)s yuan).",
            field="amount", amount=f"{yuan:,.2f}", applied=f"{application.amount_yuan:,.2f}",
        )  # fmt: skip
    percent = _rate(rate)
    days = _term(term_days)
    transition(offer, "offered", actor=user)
    offer.amount_yuan, offer.rate_percent, offer.term_days, offer.offered_at = yuan, percent, days, utcnow()
    session.add(AuditEvent(actor_id=user.id, action="offer", object_type=offer.__tablename__, object_id=offer.id,
                           detail={"amount_yuan": str(yuan), "rate_percent": offer.rate_text, "term_days": days}))  # fmt: skip
    session.flush()
    events.offered(session, offer)
    return offer


def _rate(text: str | None) -> Decimal:
    written = (text or "").strip().rstrip("%％").strip()
    try:
        percent = Decimal(written)
    except InvalidOperation:
        raise ValidationError("Write the yearly rate in percent, e.g. 4.35.", field="rate") from None
    if not (Decimal(0) < percent <= MAX_RATE_PERCENT):
        raise ValidationError("The yearly rate must be above 0 and at most %(max)s%%.", field="rate",
                              max=MAX_RATE_PERCENT)  # fmt: skip
    return percent.quantize(Decimal("0.001"))


def _term(text: str | None) -> int:
    try:
        days = int((text or "").strip())
    except ValueError:
        raise ValidationError("Write the term in days, e.g. 180.", field="term_days") from None
    if not 1 <= days <= MAX_TERM_DAYS:
        raise ValidationError("The term must be 1 to %(max)s days.", field="term_days", max=MAX_TERM_DAYS)
    return days


def decline(session: Session, user: User, application_id: int, reason: str) -> FinancingOffer:
    """The institution will not finance this application, saying why."""
    offer = _answer_row(session, user, application_id)
    transition(offer, "declined", actor=user, reason=_reason(reason))
    session.flush()
    events.declined(session, offer)
    return offer


def ask(session: Session, user: User, application_id: int, question: str) -> FinancingOffer:
    """The institution asks the firm for more information before it decides."""
    offer = _answer_row(session, user, application_id)
    question = (question or "").strip()
    if not question:
        raise ValidationError("Write what you need to know.", field="question")
    if len(question) > NOTE_MAX:
        raise ValidationError("The question is longer than %(n)s characters.", field="question", n=NOTE_MAX)
    transition(offer, "info_requested", actor=user)
    offer.question, offer.answer = question, None
    session.add(AuditEvent(actor_id=user.id, action="ask", object_type=offer.__tablename__, object_id=offer.id,
                           detail={"question": question}))  # fmt: skip
    session.flush()
    events.asked(session, offer)
    return offer


def withdraw_offer(session: Session, user: User, application_id: int, reason: str) -> FinancingOffer:
    """The institution takes back an offer the firm has not accepted yet, saying why."""
    application = _acting(session, user, application_id, INSTITUTION)
    offer = own_offer(session, application, user.company_id)
    if offer is None or offer.status != "offered":
        raise DomainError("You have no open offer on this application.")
    transition(offer, "withdrawn", actor=user, reason=_reason(reason))
    session.flush()
    events.offer_withdrawn(session, offer)
    return offer


def _accepted_offer(session: Session, user: User, application_id: int) -> FinancingOffer:
    application = _acting(session, user, application_id, INSTITUTION)
    offer = own_offer(session, application, user.company_id)
    if offer is None or offer.status != "accepted":
        raise DomainError("The firm accepted another institution's offer, or none yet; the money is recorded by "
                          "the institution whose offer it accepted.")  # fmt: skip
    return offer


def record_paid(session: Session, user: User, application_id: int, paid_at: str | None = None) -> FinancingApplication:
    """The institution records the money paid to the firm (放款), now or at the local time it says."""
    offer = _accepted_offer(session, user, application_id)
    application = offer.application
    when = _moment(paid_at, "paid_at", not_before=application.accepted_at)
    transition(application, "paid", actor=user)
    application.paid_at, application.paid_amount_yuan = when, offer.amount_yuan
    session.flush()
    events.paid(session, application)
    return application


def record_repaid(session: Session, user: User, application_id: int, repaid_at: str | None = None
                  ) -> FinancingApplication:  # fmt: skip
    """The institution records that the financing was paid back (还款)."""
    offer = _accepted_offer(session, user, application_id)
    application = offer.application
    when = _moment(repaid_at, "repaid_at", not_before=application.paid_at)
    transition(application, "repaid", actor=user)
    application.repaid_at = when
    session.flush()
    events.repaid(session, application)
    return application


def cancel(session: Session, user: User, application_id: int, reason: str) -> FinancingApplication:
    """The institution cannot pay after all (e.g. its final review failed): the accepted financing ends."""
    offer = _accepted_offer(session, user, application_id)
    application = offer.application
    transition(application, "cancelled", actor=user, reason=_reason(reason))
    session.flush()
    events.cancelled(session, application)
    return application


def _moment(text: str | None, field: str, not_before: datetime | None) -> datetime:
    """A time typed in the programme's zone ("2026-11-27 14:30"), or now; never in the future."""
    text = (text or "").strip().replace("T", " ")
    if not text:
        return utcnow()
    try:
        moment = localtime.local_to_utc(datetime.strptime(text[:16], "%Y-%m-%d %H:%M"))
    except ValueError:
        raise ValidationError("Write the time as 2026-11-27 14:30.", field=field) from None
    if moment > utcnow():
        raise ValidationError("The time is in the future.", field=field)
    if not_before is not None and moment < not_before.replace(second=0, microsecond=0):
        raise ValidationError("The time is before the step it follows (%(time)s).", field=field,
                              time=localtime.to_local(not_before).strftime("%Y-%m-%d %H:%M"))  # fmt: skip
    return moment
