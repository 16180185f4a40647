"""Ranked lists kept compactly: one row per posting and side, its candidates as arrays.

A full rematch writes a new generation of rows in short batches and then makes it current in one small
transaction (`RankingState.generation`), so readers never see half a rematch and a rematch killed at any
point leaves the previous generation whole. A pair only gets a row of its own (models.deal.Match) when
someone acts on it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, one_of, utcnow

# Whose list a row is: an order's listings, a listing's orders, a demand's packages, a package's demands,
# a small firm's mentors ("firm", posting_id = the company's id), a mentor's firms.
RANKED_KINDS = ("order", "listing", "demand", "package", "firm", "mentor")
RANKING_SIDES = ("order", "service", "mentor")


class Ranking(Base):
    """排名: one posting's ranked list of the other side (candidate ids, scores, parts, near misses)."""

    __tablename__ = "ranking"
    __table_args__ = (
        one_of("posting_kind", RANKED_KINDS, "posting_kind_allowed"),
        UniqueConstraint("posting_kind", "posting_id", "generation", name="one_per_generation"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_kind: Mapped[str] = mapped_column(String(10))
    posting_id: Mapped[int]
    generation: Mapped[int]
    # numpy arrays as bytes (see qianfan.matching.pack): int64 ids, float32 scores, int16 failed rule
    # (-1: a match), float32 weighted parts (entries × factors of the side's RankingState.factors).
    candidate_ids: Mapped[bytes] = mapped_column(LargeBinary)
    scores: Mapped[bytes] = mapped_column(LargeBinary)
    failed: Mapped[bytes] = mapped_column(LargeBinary)
    parts: Mapped[bytes] = mapped_column(LargeBinary)
    # Entries that are matches (the rest are near misses): what the counters count, without the arrays.
    n_matches: Mapped[int] = mapped_column(default=0)
    # The text similarity another posting must beat to enter this list's first stage.
    floor: Mapped[float] = mapped_column(default=0.0)
    # What became of the pairs considered: {"matched": n, "below_floor": n, "<rule id>": n}.
    outcomes: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Ranking {self.posting_kind} {self.posting_id} gen {self.generation}>"


class RankingState(Base):
    """Per side: the current generation, how its parts are named, and the lock held by a running rematch."""

    __tablename__ = "ranking_state"
    __table_args__ = (one_of("side", RANKING_SIDES, "side_allowed"),)
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    generation: Mapped[int] = mapped_column(default=0)
    factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Fingerprint of the weights, rules and word lists that made the current generation.
    settings_key: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RankingState {self.side} gen {self.generation}>"
