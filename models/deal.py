"""Matches and the contracts they become: the deal from recommendation to a signed, performed contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, non_negative, one_of
from models.company import Company
from models.posting import Listing, Order, ServiceDemand, ServicePackage

MATCH_KINDS = ("order", "service")
ORDER_MATCH_STATUSES = (
    "recommended", "seen", "interested", "invited", "negotiating", "intention_signed",
    "contract_signed", "declined", "withdrawn", "expired",
)  # fmt: skip
SERVICE_MATCH_STATUSES = ("applied", "accepted")
MATCH_STATUSES = ORDER_MATCH_STATUSES + SERVICE_MATCH_STATUSES
CONTRACT_STATUSES = ("pending", "signed", "performing", "completed", "terminated", "cancelled")


class Match(Timestamped, Base):
    """撮合: an order–listing pair (kind 'order') or a demand–package pair (kind 'service')."""

    __tablename__ = "match"
    __table_args__ = (
        one_of("kind", MATCH_KINDS, "kind_allowed"),
        one_of("status", MATCH_STATUSES, "status_allowed"),
        CheckConstraint(
            "(kind = 'order' AND order_id IS NOT NULL AND listing_id IS NOT NULL"
            " AND demand_id IS NULL AND package_id IS NULL)"
            " OR (kind = 'service' AND demand_id IS NOT NULL AND package_id IS NOT NULL"
            " AND order_id IS NULL AND listing_id IS NULL)",
            name="pair_fits_kind",
        ),
        UniqueConstraint("order_id", "listing_id", name="order_listing"),
        UniqueConstraint("demand_id", "package_id", name="demand_package"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("service_demand.id"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("service_package.id"), index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    rank: Mapped[int | None]
    # {"text": 0.41, "industry": 0.1, ...}; reasons: shared terms with weights, rules passed/failed.
    score_parts: Mapped[dict] = mapped_column(JSON, default=dict)
    reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    # A near miss scored well but failed one rule; it is shown to the supplier with that rule.
    near_miss: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="recommended", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    intention_signed_at: Mapped[datetime | None]

    order: Mapped[Order | None] = relationship()
    listing: Mapped[Listing | None] = relationship()
    demand: Mapped[ServiceDemand | None] = relationship()
    package: Mapped[ServicePackage | None] = relationship()

    @property
    def lifecycle(self) -> str:
        return "order_match" if self.kind == "order" else "service_match"

    def __repr__(self) -> str:
        pair = (self.order_id, self.listing_id) if self.kind == "order" else (self.demand_id, self.package_id)
        return f"<Match {self.id} {self.kind} {pair} {self.status}>"


class Contract(Timestamped, Base):
    """The deal a match became. Signed only when buyer and supplier have both confirmed."""

    __tablename__ = "contract"
    __table_args__ = (
        one_of("status", CONTRACT_STATUSES, "status_allowed"),
        non_negative("amount_yuan"),
        CheckConstraint(
            "status IN ('pending', 'cancelled') OR (buyer_confirmed_at IS NOT NULL"
            " AND supplier_confirmed_at IS NOT NULL AND signed_on IS NOT NULL)",
            name="signed_by_both",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    amount_yuan: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    buyer_confirmed_at: Mapped[datetime | None]
    supplier_confirmed_at: Mapped[datetime | None]
    signed_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    # Contracts recorded from outside the platform (e.g. past wins loaded for evaluation) have no match.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # The buyer said the order needs more suppliers: signing this contract does not close it.
    keeps_order_open: Mapped[bool] = mapped_column(default=False, server_default=false())

    match: Mapped[Match | None] = relationship()
    buyer: Mapped[Company] = relationship(foreign_keys=[buyer_id])
    supplier: Mapped[Company] = relationship(foreign_keys=[supplier_id])

    @property
    def both_confirmed(self) -> bool:
        return self.buyer_confirmed_at is not None and self.supplier_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<Contract {self.id} {self.title[:8]!r} {self.status}>"
