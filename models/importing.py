"""What imports leave behind: one row per committed import, and the staff review queue of companies
that may be the same firm written two ways (ingest.dedup says "likely", a person decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, one_of, utcnow
from models.company import Company

IMPORT_KINDS = ("companies", "orders", "listings", "packages", "demands", "notices", "mentors")
MERGE_STATUSES = ("pending", "merged", "kept_apart")


class ImportBatch(Base):
    """One committed import: which file, by whom, and what it did (failed imports leave no row)."""

    __tablename__ = "import_batch"
    __table_args__ = (
        one_of("kind", IMPORT_KINDS, "kind_allowed"),
        CheckConstraint(
            "inserted >= 0 AND updated >= 0 AND unchanged >= 0 AND rejected >= 0", name="counts"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # The report's counts beyond the columns: set-aside reasons, companies created and queued ...
    summary: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.kind} {self.filename!r}>"


class CompanyMergeCandidate(Timestamped, Base):
    """Two companies whose names say they are likely one firm; staff merge them or keep them apart."""

    __tablename__ = "company_merge_candidate"
    __table_args__ = (
        UniqueConstraint("company_id", "candidate_id", name="pair"),
        CheckConstraint("company_id <> candidate_id", name="two_companies"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        one_of("status", MERGE_STATUSES, "status_allowed"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The company the import created, and the existing one it may be.
    company_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float]  # rapidfuzz ratio of the names' distinctive cores
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    company: Mapped[Company] = relationship(foreign_keys=[company_id], lazy="joined")
    candidate: Mapped[Company] = relationship(foreign_keys=[candidate_id], lazy="joined")

    def __repr__(self) -> str:
        return f"<CompanyMergeCandidate {self.company_id}~{self.candidate_id} {self.status}>"


NAME_CHANGE_STATUSES = ("pending", "accepted", "declined")


class CompanyNameChange(Timestamped, Base):
    """An import would rename a company already known: the new name waits here until staff accept it
    (the company is renamed) or decline it (the name stays). An import never renames a company itself."""

    __tablename__ = "company_name_change"
    __table_args__ = (one_of("status", NAME_CHANGE_STATUSES, "status_allowed"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    current_name: Mapped[str] = mapped_column(String(200))  # the name when the change was proposed
    proposed_name: Mapped[str] = mapped_column(String(200))
    # How the import recognised the company: "credit_code" (the same code) or "name" (a sure name match).
    matched_by: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
    row: Mapped[int | None]  # the row of the file that asked for it
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    company: Mapped[Company] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CompanyNameChange {self.company_id} {self.current_name!r}→{self.proposed_name!r} {self.status}>"
