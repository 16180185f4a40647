"""Who may read what of the other side: orders for suppliers, listings and firm profiles for buyers.

- A published order is readable by every small firm; an order in another state only by its buyer,
  staff, and a small firm that already has a deal on it (so a deal's order stays readable after it closes).
- A published listing is readable by every large firm; in another state by its supplier, staff and a
  large firm with a deal on it.
- A small firm's public profile (region, industry, size, qualifications, published listings, contracts
  signed on the platform) is readable by large firms, staff and the firm itself.
Anything else answers NotFound, so an id reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from models import Company, Contract, Listing, Match, Order, User
from models.errors import NotFound

SIGNED_STATUSES = ("signed", "performing", "completed")


def _has_deal(session: Session, order_id: int | None, listing_id: int | None, *, company_id: int, side: str):
    stmt = select(Match.id).join(Listing, Match.listing_id == Listing.id).join(Order, Match.order_id == Order.id)
    stmt = stmt.where(Match.kind == "order")
    if order_id is not None:
        stmt = stmt.where(Match.order_id == order_id)
    if listing_id is not None:
        stmt = stmt.where(Match.listing_id == listing_id)
    owner = Listing.supplier_id if side == "supplier" else Order.buyer_id
    return bool(session.scalar(select(exists(stmt.where(owner == company_id)))))


def may_read_order(session: Session, user: User, order: Order) -> bool:
    if user.is_staff or order.buyer_id == user.company_id:
        return True
    if user.role != "small_firm" or user.company_id is None:
        return False
    return order.status == "published" or _has_deal(
        session, order.id, None, company_id=user.company_id, side="supplier"
    )


def may_read_listing(session: Session, user: User, listing: Listing) -> bool:
    if user.is_staff or listing.supplier_id == user.company_id:
        return True
    if user.role != "large_firm" or user.company_id is None:
        return False
    return listing.status == "published" or _has_deal(
        session, None, listing.id, company_id=user.company_id, side="buyer"
    )


def order_for_reader(session: Session, user: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None or not may_read_order(session, user, order):
        raise NotFound("No order %(id)s is open to you.", id=order_id)
    return order


def listing_for_reader(session: Session, user: User, listing_id: int) -> Listing:
    listing = session.get(Listing, listing_id)
    if listing is None or not may_read_listing(session, user, listing):
        raise NotFound("No listing %(id)s is open to you.", id=listing_id)
    return listing


@dataclass
class FirmProfile:
    company: Company
    listings: list[Listing]
    contracts: list[Contract]


def firm_profile(session: Session, user: User, company_id: int) -> FirmProfile:
    """A small firm's public profile, for large firms, staff and the firm itself."""
    company = session.scalar(
        select(Company).where(Company.id == company_id).options(selectinload(Company.qualifications))
    )
    allowed = user.is_staff or user.role == "large_firm" or user.company_id == company_id
    if company is None or company.kind != "small_firm" or not allowed:
        raise NotFound("No firm %(id)s is open to you.", id=company_id)
    listings = session.scalars(
        select(Listing)
        .where(Listing.supplier_id == company_id, Listing.status == "published")
        .order_by(Listing.published_at.desc(), Listing.id.desc())
        .limit(50)
    ).all()
    contracts = session.scalars(
        select(Contract)
        .where(Contract.supplier_id == company_id, Contract.status.in_(SIGNED_STATUSES))
        .order_by(Contract.signed_on.desc(), Contract.id.desc())
        .limit(50)
    ).all()
    return FirmProfile(company, list(listings), list(contracts))


def own_published_listings(session: Session, user: User) -> list[Listing]:
    """The small firm's published listings, offered when it reads an order (to open a deal with one)."""
    if user.company_id is None:
        return []
    return list(
        session.scalars(
            select(Listing)
            .where(Listing.supplier_id == user.company_id, Listing.status == "published")
            .order_by(Listing.title, Listing.id)
            .limit(100)
        )
    )
