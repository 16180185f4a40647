"""Where a pair's score stands among this round's recommendations, 0 to 100, for people to read.

The order side's learned ranker scores on no fixed scale (most of its scores are below zero); the service
and mentor sides score weighted sums. Neither reads well on a page ("score -1.65" for a buyer's best
candidate). `Strength.of(score)` says what share of the recommended pairs of the same side in the
current generation scored lower: 90 means better than 90 % of this round's recommendations.

The scores are read once per side and generation (and its finishing time) and kept in the process: a
full rematch makes a new generation; a posting ranked on its own between rematches joins the current one
and moves the shares too little to matter until the next.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Ranking, RankingState

# The side each kind of pair is ranked in, and the kind of the lists that side keeps for its queries.
SIDE_OF_KIND = {"order": "order", "service": "service", "mentor": "mentor"}
QUERY_LISTS = {"order": "order", "service": "demand", "mentor": "firm"}

_kept: dict[tuple[str, str], tuple[tuple, Strength]] = {}
_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class Strength:
    """The sorted scores of one side's recommended pairs in one generation."""

    scores: np.ndarray

    def of(self, score: float | None) -> int | None:
        """The share (0-100) of this round's recommendations that scored lower; None with nothing to compare."""
        if score is None or not len(self.scores):
            return None
        return int(100 * np.searchsorted(self.scores, np.float32(score), side="left") / len(self.scores))


def strength_scale(session: Session, kind: str) -> Strength:
    """The current generation's scale of the side that ranks pairs of `kind` (order, service, mentor)."""
    side = SIDE_OF_KIND[kind]
    state = session.get(RankingState, side)  # read by the page already, mostly: no second query
    version = (state.generation, state.finished_at) if state else (0, None)
    key = (str(session.get_bind().url), side)
    kept = _kept.get(key)
    if kept and kept[0] == version:
        return kept[1]
    scale = Strength(_recommended_scores(session, QUERY_LISTS[side], version[0]))
    with _lock:
        _kept[key] = (version, scale)
    return scale


def forget() -> None:
    """Drop every kept scale (a new app on a database that may have been emptied and filled again)."""
    with _lock:
        _kept.clear()


def _recommended_scores(session: Session, kind: str, generation: int) -> np.ndarray:
    """Every kept pair's score in the lists of `kind` of this generation, near misses left out."""
    rows = session.execute(
        select(Ranking.scores, Ranking.failed).where(Ranking.posting_kind == kind, Ranking.generation == generation)
    )  # fmt: skip
    parts = [
        np.frombuffer(scores, dtype=np.float32)[np.frombuffer(failed, dtype=np.int16) < 0] for scores, failed in rows
    ]  # fmt: skip
    found = np.concatenate(parts) if parts else np.empty(0, dtype=np.float32)
    found.sort()
    return found
