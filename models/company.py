"""Companies and institutions taking part in the programme, and the qualifications they hold."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, one_of

COMPANY_KINDS = ("large_firm", "small_firm", "incubator", "service_org", "financial")
SIZE_CLASSES = ("large", "medium", "small", "micro")
# A firm that signed itself up waits for staff (pending) before it may post; imported and created
# firms are verified. A rejected firm's users may log in and read the reason, not post.
VERIFICATION_STATES = ("pending", "verified", "rejected")


class Company(Timestamped, Base):
    """企业/机构. `credit_code` is the 统一社会信用代码; unique where known."""

    __tablename__ = "company"
    __table_args__ = (
        one_of("kind", COMPANY_KINDS, "kind_allowed"),
        one_of("size_class", SIZE_CLASSES, "size_allowed"),
        one_of("verification", VERIFICATION_STATES, "verification_allowed"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    industry_code: Mapped[str | None] = mapped_column(ForeignKey("industry.code"), index=True)
    size_class: Mapped[str | None] = mapped_column(String(10))
    founded_on: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)
    # Demo rows are composed, not real; the UI says so wherever it shows one.
    is_composed: Mapped[bool] = mapped_column(default=False)
    verification: Mapped[str] = mapped_column(String(10), default="verified", server_default="verified", index=True)
    verification_note: Mapped[str | None] = mapped_column(Text)  # the staff's reason for a rejection

    qualifications: Mapped[list[CompanyQualification]] = relationship(
        back_populates="company", cascade="all, delete-orphan"
    )  # loaded when read: most pages show a firm without them (lists that show them ask for selectinload)

    @property
    def is_verified(self) -> bool:
        return self.verification == "verified"

    @property
    def is_buyer(self) -> bool:
        return self.kind == "large_firm"

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name[:12]!r}>"


class CompanyQualification(Base):
    """资质: a certificate a company holds, e.g. 高新技术企业, ISO 9001, 建筑工程施工总承包 with grade 二级."""

    __tablename__ = "company_qualification"
    __table_args__ = (UniqueConstraint("company_id", "name", name="company_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # 1 is the highest grade (特级 0, 一级/甲级 1, 二级/乙级 2 ...); None where the certificate has no grade.
    grade: Mapped[int | None]
    company: Mapped[Company] = relationship(back_populates="qualifications")

    def __repr__(self) -> str:
        return f"<CompanyQualification {self.name!r} grade={self.grade}>"
