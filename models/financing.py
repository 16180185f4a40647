"""Receivables financing (金融服务专区): a small firm's application on a signed contract, and each lender's answer.

Glossary:
- 应收账款融资 receivable financing: a lender pays the supplier now against what the buyer owes it under a
  signed contract; the buyer's payment later repays the lender.
- 确权 confirmation: the contract's buyer (核心企业, the large firm) confirms that it owes the receivable;
  without it no lender sees the application. The buyer may dispute it instead, with a reason.
- 金融机构 institution: a company of kind "financial" whose users have the role `financial_institution`.
- 放款 paid: the lender recorded the money paid to the firm; 还款 repaid: the loan was paid back.

`FinancingApplication` moves applied → confirmed → accepted → paid → repaid (or disputed, withdrawn,
cancelled; models.lifecycle.FINANCING). `FinancingOffer` is one institution's answer to one application:
reviewing → offered / declined / info_requested → … (models.lifecycle.FINANCING_OFFER).

No receivable is financed twice: at most one *live* application per contract, enforced by the partial
unique index `uq_financing_application_live_contract` (SQLite and PostgreSQL both have partial indexes).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, one_of
from models.company import Company
from models.deal import Contract

APPLICATION_STATUSES = ("applied", "confirmed", "disputed", "accepted", "paid", "repaid", "withdrawn", "cancelled")
# An application in one of these holds its contract's receivable: no second one may be made on it.
LIVE_STATUSES = ("applied", "confirmed", "accepted", "paid")
OFFER_STATUSES = ("reviewing", "info_requested", "offered", "declined", "accepted", "lapsed", "withdrawn")
_LIVE_SQL = "status IN (" + ", ".join(f"'{s}'" for s in LIVE_STATUSES) + ")"


class FinancingApplication(Timestamped, Base):
    """融资申请: a small firm asks to finance the receivable of a contract it signed as the supplier."""

    __tablename__ = "financing_application"
    __table_args__ = (
        one_of("status", APPLICATION_STATUSES, "status_allowed"),
        CheckConstraint("amount_yuan > 0", name="amount_positive"),
        CheckConstraint("paid_amount_yuan IS NULL OR paid_amount_yuan > 0", name="paid_amount_positive"),
        Index(
            "uq_financing_application_live_contract", "contract_id", unique=True,
            sqlite_where=text(_LIVE_SQL), postgresql_where=text(_LIVE_SQL),
        ),  # fmt: skip
    )
    lifecycle = "financing"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    # The contract's supplier (who applies) and buyer (who confirms), kept as they were when it applied.
    applicant_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    amount_yuan: Mapped[Decimal]
    # True: every institution on the platform may see it once confirmed; False: only those in `choices`.
    all_institutions: Mapped[bool] = mapped_column(default=False, server_default=false())
    note: Mapped[str | None] = mapped_column(Text)  # what the firm tells the lenders (use of the money ...)
    status: Mapped[str] = mapped_column(String(20), default="applied", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The clock from application to money: each step's time, kept.
    applied_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    paid_amount_yuan: Mapped[Decimal | None]
    repaid_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship()
    applicant: Mapped[Company] = relationship(foreign_keys=[applicant_id])
    buyer: Mapped[Company] = relationship(foreign_keys=[buyer_id])
    choices: Mapped[list[FinancingChoice]] = relationship(cascade="all, delete-orphan")
    offers: Mapped[list[FinancingOffer]] = relationship(back_populates="application", order_by="FinancingOffer.id")

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<FinancingApplication {self.id} contract={self.contract_id} {self.status}>"


class FinancingChoice(Base):
    """An institution the firm chose to see its application (none when it chose all of them)."""

    __tablename__ = "financing_choice"
    application_id: Mapped[int] = mapped_column(
        ForeignKey("financing_application.id", ondelete="CASCADE"), primary_key=True
    )
    institution_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True, index=True)

    institution: Mapped[Company] = relationship()


class FinancingOffer(Timestamped, Base):
    """One institution's answer to one application: under review, a question, an offer, or a refusal."""

    __tablename__ = "financing_offer"
    __table_args__ = (
        one_of("status", OFFER_STATUSES, "status_allowed"),
        UniqueConstraint("application_id", "institution_id", name="application_institution"),
        CheckConstraint(
            "status NOT IN ('offered', 'accepted') OR (amount_yuan > 0 AND rate_percent > 0 AND term_days > 0)",
            name="offer_has_terms",
        ),
        # One accepted offer per application, whatever the application layer does.
        Index(
            "uq_financing_offer_accepted", "application_id", unique=True,
            sqlite_where=text("status = 'accepted'"), postgresql_where=text("status = 'accepted'"),
        ),  # fmt: skip
    )
    lifecycle = "financing_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("financing_application.id", ondelete="CASCADE"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="reviewing")
    status_reason: Mapped[str | None] = mapped_column(Text)
    amount_yuan: Mapped[Decimal | None]
    rate_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))  # yearly interest rate, e.g. 4.350
    term_days: Mapped[int | None]
    offered_at: Mapped[datetime | None]
    # The last question asked and its answer; every one of them stays in the audit trail.
    question: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)

    application: Mapped[FinancingApplication] = relationship(back_populates="offers")
    institution: Mapped[Company] = relationship()

    @property
    def rate_text(self) -> str:
        """The yearly rate as people write it: 4.35, not 4.350."""
        return "" if self.rate_percent is None else f"{self.rate_percent.normalize():f}"

    def __repr__(self) -> str:
        return f"<FinancingOffer {self.id} application={self.application_id} {self.status}>"
