"""Soft factors: what besides the text makes a candidate likely to fit, each a number in [0, 1].

Order side (query an order, candidate a listing): `text` and `title` similarity; `industry` agreement of
GB/T 4754 codes; `region`, the supplier's district against the order's; `budget`, the order's budget
against what the supplier has delivered before (median signed amount, on a log scale);
`buyer_history`, the buyer's past signed contracts with the supplier; `experience`, the supplier's
number of signed contracts; `qualification`, the share of the order's requirements the supplier meets; `grade_fit`, the share it
meets at exactly the grade asked (a 一级 firm meets a 二级 requirement, but firms of the grade asked are
the ones that usually bid for such work).
Service side (a demand against a package): text, title, industry, region, budget.
Each factor is computed for a chunk of queries against all candidates at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.index import CandidateIndex
from matcher.records import Posting

ORDER_FACTORS = (
    "text", "title", "industry", "region", "budget", "buyer_history", "experience", "qualification", "grade_fit",
)  # fmt: skip
SERVICE_FACTORS = ("text", "title", "industry", "region", "budget")


def factor_names(kind: str) -> tuple[str, ...]:
    return ORDER_FACTORS if kind == "order" else SERVICE_FACTORS


def _closeness(log_a: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """exp(-|ln a - ln b| / 2): 1 for equal amounts, 0.5 for a factor of e^1.4 ≈ 4 apart; 0 if unknown."""
    log_a, log_b = log_a.astype(np.float32), log_b.astype(np.float32)
    if np.isnan(log_a).all() or np.isnan(log_b).all():
        return np.zeros(np.broadcast_shapes(log_a.shape, log_b.shape), dtype=np.float32)
    with np.errstate(invalid="ignore"):
        value = np.exp(np.float32(-0.5) * np.abs(log_a - log_b))
    value[np.isnan(value)] = 0.0
    return value


def _log(amount: float | None) -> float:
    return math.log(amount) if amount and amount > 0 else np.nan


def compute(
    kind: str,
    index: CandidateIndex,
    queries: Sequence[Posting],
    text: sp.csr_matrix,
    title: sp.csr_matrix,
) -> dict[str, np.ndarray]:
    """Each factor as a (queries × candidates) float32 matrix; `text`/`title`: the queries' TF-IDF rows."""
    rows, n = len(queries), index.n
    parts = {"text": index.similarity(text, "text"), "title": index.similarity(title, "title")}
    if kind == "order":
        industries = [q.industry_code or q.owner.industry_code for q in queries]
        regions = [q.region_codes[0] if q.region_codes else q.owner.region_code for q in queries]
        parts["industry"] = _rows(index, "industry", industries, index.industry.agreement)
        parts["region"] = _rows(index, "region", regions, index.firm_region.agreement)
        budgets = np.array([_log(q.amount) for q in queries])
        parts["budget"] = _closeness(budgets[:, None], index.log_past_amount[None, :])
        history = np.zeros((rows, n), dtype=np.float32)
        for row, query in enumerate(queries):
            for position, count in index.history.get(query.owner.id, ()):
                history[row, position] = count / (1 + count)
        parts["buyer_history"] = history
        parts["experience"] = np.broadcast_to(index.experience[None, :], (rows, n))
        parts["qualification"] = _share_rows(index, queries, exact=False)
        parts["grade_fit"] = _share_rows(index, queries, exact=True)
    else:
        listed = index.industries_listed.listing_prefix_of
        industries = [q.owner.industry_code for q in queries]
        parts["industry"] = _rows(
            index, "listed-industry", industries, lambda c: listed(c).astype(np.float32)
        )
        parts["region"] = _rows(
            index, "region", [q.owner.region_code for q in queries], index.firm_region.agreement
        )
        budgets = np.array([_log(q.amount) for q in queries])
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log(index.amount)
        parts["budget"] = _closeness(budgets[:, None], values[None, :])
    return parts


def _rows(index: CandidateIndex, name: str, values: Sequence, compute) -> np.ndarray:
    """One cached vector per distinct query value, as a (queries × candidates) matrix."""
    return np.stack(
        [index.cached(name, value, lambda full, value=value: compute(value)) for value in values]
    )


def _share_rows(index: CandidateIndex, queries: Sequence[Posting], exact: bool) -> np.ndarray:
    if not any(q.required_qualifications for q in queries):
        return np.zeros((len(queries), index.n), dtype=np.float32)
    return np.stack([_qualification_share(index, q, exact) for q in queries])


def _qualification_share(index: CandidateIndex, query: Posting, exact: bool = False) -> np.ndarray:
    entries = [entry for entry in query.required_qualifications if entry]
    if not entries:
        return np.zeros(index.n, dtype=np.float32)

    def share(full: CandidateIndex) -> np.ndarray:
        met = [
            np.logical_or.reduce([full.holders(need, exact) for need in entry]) for entry in entries
        ]
        return np.mean(met, axis=0).astype(np.float32)

    return index.cached("qualification-share", (tuple(entries), exact), share)
