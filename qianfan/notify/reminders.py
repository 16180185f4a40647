"""What the scheduler tells users once a day: the digest of new recommendations, and deadlines 3 days ahead.

Both are safe to run twice: each notification has a dedupe key (the day, the firm or order, the user),
so a second run, or a second scheduler, tells no one twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.values import CHINA_TZ
from models import Company, Listing, Match, Order
from models.base import utcnow
from qianfan import matching
from qianfan.notify import notify_company

DEADLINE_AHEAD = timedelta(days=3)
# The deals whose supplier is still in the running, so wants to hear of the deadline.
_RUNNING = ("interested", "invited", "negotiating")


def daily_digest(session: Session, now: datetime | None = None) -> int:
    """Tell each small firm how many open orders were newly recommended to it in the last day; how many
    firms were told. "New": published in the last 24 hours and in the kept list of one of its listings."""
    now = now or utcnow()
    since = now - timedelta(days=1)
    day = now.astimezone(CHINA_TZ).date().isoformat()
    fresh = {
        order_id
        for order_id in session.scalars(
            select(Order.id).where(Order.status == "published", Order.published_at >= since)
        )
    }
    if not fresh:
        return 0
    told = 0
    firms = session.scalars(select(Company.id).where(Company.kind == "small_firm").order_by(Company.id))
    for company_id in list(firms):
        listing_ids = list(
            session.scalars(
                select(Listing.id).where(Listing.supplier_id == company_id, Listing.status == "published")
            )
        )
        if not listing_ids:
            continue
        found: set[int] = set()
        for ranked in matching.ranked_lists(session, "listing", listing_ids).values():
            for i, candidate in enumerate(ranked.candidate_ids):
                if int(candidate) in fresh and ranked.failed_rule(i) is None:
                    found.add(int(candidate))
        if found and notify_company(session, company_id, "recommendations", params={"count": len(found)},
                                    link="/recommended", dedupe_key=f"digest:{day}:{company_id}"):  # fmt: skip
            told += 1
    return told


def deadlines_ahead(session: Session, now: datetime | None = None) -> int:
    """Tell the suppliers still in the running on an open order whose deadline is within 3 days, and its
    buyer; how many notifications."""
    now = now or utcnow()
    orders = session.scalars(
        select(Order).where(
            Order.status == "published", Order.deadline > now, Order.deadline <= now + DEADLINE_AHEAD
        )
    )
    told = 0
    for order in list(orders):
        date = order.deadline.astimezone(CHINA_TZ).date().isoformat()
        params = {"title": order.title, "date": date}
        for match in session.scalars(
            select(Match).where(Match.order_id == order.id, Match.status.in_(_RUNNING))
        ):
            told += len(notify_company(session, match.listing.supplier_id, "deadline", params=params,
                                       link=f"/deals/{match.id}", match_id=match.id,
                                       dedupe_key=f"deadline:{order.id}:{match.listing.supplier_id}"))  # fmt: skip
        told += len(notify_company(session, order.buyer_id, "deadline", params=params,
                                   link=f"/orders/{order.id}", dedupe_key=f"deadline:{order.id}:buyer"))  # fmt: skip
    return told
