"""The programme's counters (PRODUCT.md "What staff monitor"), computed from the database each time."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from models import Company, Contract, Listing, Match, Order, ServicePackage

# A posting counts once staff have published it, whatever happened to it afterwards.
PUBLISHED_EVER = ("published", "closed", "expired")
SIGNED_CONTRACT = ("signed", "performing", "completed", "terminated")
INTENTION_OR_BEYOND = ("intention_signed", "contract_signed")


@dataclass(frozen=True)
class ProgrammeCounters:
    large_firms: int
    orders: int
    orders_value_yuan: Decimal
    listings: int
    service_orgs: int
    packages: int
    packages_value_yuan: Decimal
    orders_matched: int
    demands_matched: int
    intentions_signed: int
    contracts_signed: int
    signed_value_yuan: Decimal

    def as_dict(self) -> dict:
        return asdict(self)


def _count(session: Session, stmt) -> int:
    return int(session.scalar(stmt) or 0)


def _sum(session: Session, stmt) -> Decimal:
    return Decimal(session.scalar(stmt) or 0)


def programme_counters(session: Session) -> ProgrammeCounters:
    published_order = Order.status.in_(PUBLISHED_EVER)
    published_package = ServicePackage.status.in_(PUBLISHED_EVER)
    signed = Contract.status.in_(SIGNED_CONTRACT)
    return ProgrammeCounters(
        large_firms=_count(session, select(func.count(distinct(Order.buyer_id))).where(published_order)),
        orders=_count(session, select(func.count()).select_from(Order).where(published_order)),
        orders_value_yuan=_sum(session, select(func.sum(Order.budget_yuan)).where(published_order)),
        listings=_count(
            session, select(func.count()).select_from(Listing).where(Listing.status.in_(PUBLISHED_EVER))
        ),
        service_orgs=_count(
            session,
            select(func.count()).select_from(Company).where(Company.kind.in_(("incubator", "service_org"))),
        ),
        packages=_count(session, select(func.count()).select_from(ServicePackage).where(published_package)),
        packages_value_yuan=_sum(session, select(func.sum(ServicePackage.value_yuan)).where(published_package)),
        # "order_id IS NOT NULL" means kind 'order' (CHECK pair_fits_kind) and lets the database read only
        # the order_id index; filtering on kind would read the whole match table with its reasons JSON.
        orders_matched=_count(
            session, select(func.count(distinct(Match.order_id))).where(Match.order_id.is_not(None))
        ),
        demands_matched=_count(
            session, select(func.count(distinct(Match.demand_id))).where(Match.demand_id.is_not(None))
        ),
        intentions_signed=_count(
            session, select(func.count()).select_from(Match).where(Match.status.in_(INTENTION_OR_BEYOND))
        ),
        contracts_signed=_count(session, select(func.count()).select_from(Contract).where(signed)),
        signed_value_yuan=_sum(session, select(func.sum(Contract.amount_yuan)).where(signed)),
    )
