"""A deal opened from an order a small firm found by browsing or search, not by recommendation.

The pair's deal row is the recommended pair's (qianfan.recommendations.pair_deal) when the matcher ranked
it; otherwise it is made here with no score and no reasons, marked as found by search. Either way the
firm then moves it on the deal page (interest, and what follows) like any other deal.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Listing, Match, User
from models.errors import Forbidden, NotFound
from qianfan import recommendations
from qianfan.market.pages import order_for_reader


def open_from_search(session: Session, user: User, order_id: int, listing_id: int) -> Match:
    """The deal row of (order, one of the firm's own published listings); the caller commits."""
    if user.role != "small_firm":
        raise Forbidden("Only a small firm can offer one of its listings for an order.")
    order = order_for_reader(session, user, order_id)
    listing = session.get(Listing, listing_id)
    if listing is None or listing.supplier_id != user.company_id:
        raise NotFound("No listing %(id)s among yours.", id=listing_id)
    if listing.status != "published" or order.status != "published":
        raise NotFound("This order or listing is no longer open.")
    try:
        return recommendations.pair_deal(session, "order", order, listing)
    except NotFound:
        pass
    match = Match(kind="order", order_id=order.id, listing_id=listing.id, score=0.0, score_parts={},
                  reasons={"found_by": "search"}, status="recommended")  # fmt: skip
    session.add(match)
    session.flush()
    return match
