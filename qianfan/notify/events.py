"""Who is told of each deal event, and with what: the calls `qianfan.deals` makes after each move.

A deal's other side is a firm: every active user of that company is told (`notify_company`). The sentence
parameters carry names and titles as they are now, so that the inbox reads the same later on.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Contract, Match
from qianfan.notify import notify_company


def _deal_link(match: Match) -> str:
    return f"/deals/{match.id}"


def _title(match: Match) -> str:
    return match.order.title if match.kind == "order" else match.package.title


def _tell(session: Session, company_id: int | None, kind: str, match: Match, **params) -> None:
    params = {"title": _title(match), **params}
    notify_company(session, company_id, kind, params=params, link=_deal_link(match), match_id=match.id)


def interest(session: Session, match: Match) -> None:
    _tell(session, match.order.buyer_id, "interest", match, firm=match.listing.supplier.name)


def invitation(session: Session, match: Match) -> None:
    _tell(session, match.listing.supplier_id, "invitation", match, firm=match.order.buyer.name)


def answer(session: Session, match: Match, accepted: bool, reason: str | None = None) -> None:
    _tell(session, match.order.buyer_id, "answer", match, firm=match.listing.supplier.name,
          variant="accepted" if accepted else "declined", reason=reason or "")  # fmt: skip


def withdrawn(session: Session, match: Match, by_company_id: int, reason: str) -> None:
    """One side stepped back (withdrew, or declined the other): the other side is told why."""
    from qianfan.deals import sides

    companies = sides(match)
    others = [c for c in companies.values() if c != by_company_id]
    firm = _firm_name(match, by_company_id)
    for company_id in others:
        if match.kind == "service" and match.status == "declined":
            _tell(session, company_id, "application", match, variant="declined", reason=reason)
        else:
            _tell(session, company_id, "withdrawn", match, firm=firm, reason=reason)


def _firm_name(match: Match, company_id: int) -> str:
    if match.kind == "order":
        firms = (match.order.buyer, match.listing.supplier)
    else:
        firms = (match.demand.company, match.package.provider)
    return next((f.name for f in firms if f.id == company_id), "")


def message(session: Session, match: Match, from_company_id: int, body: str) -> None:
    from qianfan.deals import sides

    excerpt = body if len(body) <= 80 else body[:79] + "…"
    for company_id in sides(match).values():
        if company_id != from_company_id:
            _tell(session, company_id, "message", match, firm=_firm_name(match, from_company_id),
                  excerpt=excerpt)  # fmt: skip


def contract_to_confirm(session: Session, contract: Contract) -> None:
    """Each side that has not confirmed yet is asked to."""
    for company_id, confirmed in (
        (contract.buyer_id, contract.buyer_confirmed_at),
        (contract.supplier_id, contract.supplier_confirmed_at),
    ):
        if confirmed is None:
            notify_company(session, company_id, "contract", params={"title": contract.title},
                           link=_contract_link(contract), match_id=contract.match_id)  # fmt: skip


def signed(session: Session, contract: Contract) -> None:
    for company_id in (contract.buyer_id, contract.supplier_id):
        notify_company(session, company_id, "signed", params={"title": contract.title},
                       link=_contract_link(contract), match_id=contract.match_id)  # fmt: skip


def order_signed_elsewhere(session: Session, match: Match, closed: bool) -> None:
    """The suppliers of the order's other open deals learn that it was signed (and closed, or kept open)."""
    _tell(session, match.listing.supplier_id, "order_closed", match, variant="closed" if closed else "open")


def applied(session: Session, match: Match) -> None:
    _tell(session, match.package.provider_id, "application", match, variant="applied",
          firm=match.demand.company.name)  # fmt: skip


def application_accepted(session: Session, match: Match) -> None:
    _tell(session, match.demand.company_id, "application", match, variant="accepted")


def screening(session: Session, posting, published: bool, reason: str | None = None) -> None:
    """The firm that posted is told whether staff published its posting."""
    owner = getattr(posting, "buyer_id", None) or getattr(posting, "supplier_id", None) \
        or getattr(posting, "provider_id", None) or getattr(posting, "company_id", None)  # fmt: skip
    notify_company(session, owner, "screening",
                   params={"title": posting.title, "variant": "published" if published else "rejected",
                           "reason": reason or ""})  # fmt: skip


def _contract_link(contract: Contract) -> str:
    return f"/deals/{contract.match_id}" if contract.match_id else f"/contracts/{contract.id}"


def open_deals_on(session: Session, match: Match) -> list[Match]:
    """The order's other deals that are still going (someone acted on them, none ended them)."""
    return list(
        session.scalars(
            select(Match).where(
                Match.order_id == match.order_id,
                Match.id != match.id,
                Match.status.in_(("interested", "invited", "negotiating", "intention_signed")),
            )
        )
    )
