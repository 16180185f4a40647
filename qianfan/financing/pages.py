"""What the financing pages show each user (reads only): the application with the moves open to them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import User
from models.financing import FinancingApplication, FinancingOffer
from qianfan.financing import applications as apps
from qianfan.financing import facts
from qianfan.financing.lending import own_offer
from qianfan.history import HistoryEntry


@dataclass(frozen=True)
class ApplicationPage:
    application: FinancingApplication
    side: str | None  # applicant, buyer, institution, or None for staff
    contract: facts.ContractFacts
    firm: facts.FirmHistory | None  # the firm's history: for lenders, the firm itself and staff
    offers: list[FinancingOffer]  # the answers this user may read
    own_offer: FinancingOffer | None  # an institution's own answer
    actions: set[str]
    history: list[HistoryEntry]


def application_page(session: Session, user: User, application_id: int) -> ApplicationPage:
    application = apps.get_application(session, user, application_id)
    side = apps.side_of(user, application)
    mine = own_offer(session, application, user.company_id) if side == apps.INSTITUTION else None
    return ApplicationPage(
        application=application,
        side=side,
        contract=facts.contract_facts(session, application),
        firm=None if side == apps.BUYER else facts.firm_history(session, application),
        offers=apps.visible_offers(application, user),
        own_offer=mine,
        actions=available_actions(application, side, mine),
        history=apps.history(session, application, user),
    )


def available_actions(application: FinancingApplication, side: str | None, mine: FinancingOffer | None) -> set[str]:
    """The moves the page offers a button for; the services check each again."""
    status = application.status
    actions: set[str] = set()
    if side == apps.BUYER and status == "applied":
        actions |= {"confirm", "dispute"}
    elif side == apps.APPLICANT:
        if status in ("applied", "confirmed"):
            actions.add("withdraw")
        if status == "confirmed":
            for offer in application.offers:
                if offer.status == "offered":
                    actions.add(f"accept:{offer.id}")
                if offer.status == "info_requested":
                    actions.add(f"answer:{offer.id}")
    elif side == apps.INSTITUTION:
        answer = mine.status if mine else "reviewing"
        if status == "confirmed" and answer in ("reviewing", "info_requested"):
            actions |= {"offer", "decline"}
            if answer == "reviewing":
                actions.add("ask")
        if status == "confirmed" and answer == "offered":
            actions.add("withdraw_offer")
        if answer == "accepted":
            actions |= {"paid", "cancel"} if status == "accepted" else ({"repaid"} if status == "paid" else set())
    return actions
