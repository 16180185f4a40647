"""What firms post: orders (large firms), listings and service demands (small firms), service packages
(incubators and service organisations). All four share one screening lifecycle (models.lifecycle)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from models.base import Base, Timestamped, non_negative, one_of
from models.company import Company

POSTING_STATUSES = ("draft", "submitted", "published", "rejected", "closed", "expired", "withdrawn")
ORDER_KINDS = ("procurement", "investment", "tech_cooperation")
LISTING_KINDS = ("product", "technology", "service")
SERVICE_CATEGORIES = (
    "financing", "ip", "legal", "testing", "marketing", "space", "hr", "consulting", "tech_transfer", "other",
)  # fmt: skip


class Posting(Timestamped):
    """Columns every posting has: text, screening status and where it came from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why rejected, withdrawn or closed
    published_at: Mapped[datetime | None]
    # Stable key of the row it was imported from, so a re-import updates instead of duplicating.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    is_composed: Mapped[bool] = mapped_column(default=False)
    # Matcher tokens, computed once when the text changes and kept (see matcher.tokenize).
    tokens: Mapped[list[str] | None] = mapped_column(JSON)

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805 - SQLAlchemy passes the class
        return (one_of("status", POSTING_STATUSES, "status_allowed"), *cls._extra_checks())

    @classmethod
    def _extra_checks(cls) -> tuple:
        return ()

    def __repr__(self) -> str:
        short = self.title[:8] + ("…" if len(self.title) > 8 else "")
        return f"<{type(self).__name__} {self.id} {short!r}>"


class Order(Posting, Base):
    """订单需求 posted by a large firm."""

    __tablename__ = "purchase_order"
    buyer_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="procurement")
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industry.code"), index=True)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("procurement_category.code"))
    budget_yuan: Mapped[Decimal | None]
    budget_text: Mapped[str | None] = mapped_column(String(120))  # as written, e.g. "746.0365万元"
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    required_qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set by the buyer: the qualifications are a must (资质为必备条件) / the region is limited by law. Each
    # makes its rule a hard one for this order; otherwise firms lacking them are ranked, marked "缺少 …".
    qualifications_mandatory: Mapped[bool] = mapped_column(default=False)
    region_mandatory: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[datetime | None]
    delivery_period: Mapped[str | None] = mapped_column(String(120))
    source_url: Mapped[str | None] = mapped_column(String(500))

    buyer: Mapped[Company] = relationship(lazy="joined")

    @classmethod
    def _extra_checks(cls) -> tuple:
        return (one_of("kind", ORDER_KINDS, "kind_allowed"), non_negative("budget_yuan"))


class Listing(Posting, Base):
    """供给: a product, technology or service a small firm can supply."""

    __tablename__ = "listing"
    supplier_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="product")
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industry.code"), index=True)
    max_contract_yuan: Mapped[Decimal | None]
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: serves everywhere
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    supplier: Mapped[Company] = relationship(lazy="joined")

    @classmethod
    def _extra_checks(cls) -> tuple:
        return (one_of("kind", LISTING_KINDS, "kind_allowed"), non_negative("max_contract_yuan"))


class ServicePackage(Posting, Base):
    """服务包 registered by an incubator or service organisation, with a quota and eligibility."""

    __tablename__ = "service_package"
    provider_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    value_yuan: Mapped[Decimal | None]
    quota: Mapped[int] = mapped_column(default=1)
    quota_used: Mapped[int] = mapped_column(default=0)
    valid_until: Mapped[date | None]
    # Eligibility; an empty list or None means no restriction.
    max_company_age_years: Mapped[int | None]
    eligible_region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligible_industry_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    eligible_sizes: Mapped[list[str]] = mapped_column(JSON, default=list)

    provider: Mapped[Company] = relationship(lazy="joined")

    @property
    def quota_left(self) -> int:
        return self.quota - self.quota_used

    @classmethod
    def _extra_checks(cls) -> tuple:
        return (
            one_of("category", SERVICE_CATEGORIES, "category_allowed"),
            non_negative("value_yuan"),
            CheckConstraint("quota >= 0 AND quota_used >= 0 AND quota_used <= quota", name="quota_fits"),
        )


class ServiceDemand(Posting, Base):
    """服务需求 of a small firm: financing, IP, legal, testing, marketing, space ..."""

    __tablename__ = "service_demand"
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    budget_yuan: Mapped[Decimal | None]

    company: Mapped[Company] = relationship(lazy="joined")

    @classmethod
    def _extra_checks(cls) -> tuple:
        return (one_of("category", SERVICE_CATEGORIES, "category_allowed"), non_negative("budget_yuan"))
