"""The programme's counters (PRODUCT.md "What staff monitor"), computed from the database each time."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import distinct, func, select, union
from sqlalchemy.orm import Session

from models import Company, Contract, Listing, Match, Order, Ranking, RankingState, ServicePackage

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
        orders_matched=matched_postings(session, "order"),
        demands_matched=matched_postings(session, "demand"),
        intentions_signed=_count(
            session, select(func.count()).select_from(Match).where(Match.status.in_(INTENTION_OR_BEYOND))
        ),
        contracts_signed=_count(session, select(func.count()).select_from(Contract).where(signed)),
        signed_value_yuan=_sum(session, select(func.sum(Contract.amount_yuan)).where(signed)),
    )


def matched_postings(session: Session, kind: str) -> int:
    """Orders (or service demands) matched by the platform: those whose current ranked list holds at least
    one match (near misses do not count), and those with a deal someone acted on."""
    column = Match.order_id if kind == "order" else Match.demand_id
    side = "order" if kind == "order" else "service"
    generation = select(RankingState.generation).where(RankingState.side == side).scalar_subquery()
    listed = select(Ranking.posting_id.label("posting_id")).where(
        Ranking.posting_kind == kind, Ranking.generation == generation, Ranking.n_matches > 0
    )
    acted = select(column.label("posting_id")).where(column.is_not(None))
    return _count(session, select(func.count()).select_from(union(listed, acted).subquery()))
