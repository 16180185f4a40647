"""Soft factors: what besides the text makes a candidate likely to fit, each a number in [0, 1].

Order side (query an order, candidate a listing): `text` and `title` similarity; `industry` agreement of
GB/T 4754 codes; `region`, the supplier's district against the order's; `budget`, the order's budget
against what the supplier has delivered before (median signed amount, on a log scale);
`buyer_history`, the buyer's past signed contracts with the supplier; `experience`, the supplier's
number of signed contracts; `qualification`, the share of the order's requirements the supplier meets; `grade_fit`, the share it
meets at exactly the grade asked (a 一级 firm meets a 二级 requirement, but firms of the grade asked are
the ones that usually bid for such work).
Service side (a demand against a package): text, title, industry, region, budget.
Mentor side (a small firm against a mentor): text, title, `industry` (the mentor lists the firm's GB/T 4754
industry or a broader one), `region` (the mentor lists the firm's district, its city or its province).
Each factor is computed for many (query, candidate) pairs at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from matcher.index import CandidateIndex, per_query
from matcher.records import Posting

ORDER_FACTORS = (
    "text", "title", "industry", "region", "budget", "buyer_history", "experience", "qualification", "grade_fit",
)  # fmt: skip
SERVICE_FACTORS = ("text", "title", "industry", "region", "budget")
MENTOR_FACTORS = ("text", "title", "industry", "region")


def factor_names(kind: str) -> tuple[str, ...]:
    return {"order": ORDER_FACTORS, "mentor": MENTOR_FACTORS}.get(kind, SERVICE_FACTORS)


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
    qrow: np.ndarray,
    cpos: np.ndarray,
    text: np.ndarray,
    title: np.ndarray,
) -> dict[str, np.ndarray]:
    """Each factor as one float32 value per pair (`qrow` into `queries`, `cpos` into `index`).

    `text` and `title` are the pairs' cosine similarities, computed by the caller with the candidates.
    """
    parts = {"text": text.astype(np.float32), "title": title.astype(np.float32)}
    budgets = np.array([_log(q.amount) for q in queries], dtype=float)
    if kind == "order":
        industries = [q.industry_code or q.owner.industry_code for q in queries]
        regions = [q.region_codes[0] if q.region_codes else q.owner.region_code for q in queries]
        parts["industry"] = per_query(index, "industry", industries, qrow, cpos, index.industry.agreement)
        parts["region"] = per_query(index, "region", regions, qrow, cpos, index.firm_region.agreement)
        parts["budget"] = _closeness(budgets[qrow], index.log_past_amount[cpos])
        counts = index.history_count([q.owner.id for q in queries], qrow, cpos)
        parts["buyer_history"] = counts / (1 + counts)
        parts["experience"] = index.experience[cpos]
        parts["qualification"] = _share(index, queries, qrow, cpos, exact=False)
        parts["grade_fit"] = _share(index, queries, qrow, cpos, exact=True)
    elif kind == "mentor":
        industries = [q.owner.industry_code for q in queries]
        regions = [q.owner.region_code for q in queries]
        listed_industry = index.industries_listed.listing_prefix_of
        listed_region = index.regions_listed.listing_prefix_of
        parts["industry"] = per_query(
            index, "listed-industry", industries, qrow, cpos, lambda c: listed_industry(c).astype(np.float32)
        )
        parts["region"] = per_query(
            index, "listed-region", regions, qrow, cpos, lambda c: listed_region(c).astype(np.float32)
        )
    else:
        listed = index.industries_listed.listing_prefix_of
        industries = [q.owner.industry_code for q in queries]
        parts["industry"] = per_query(
            index, "listed-industry", industries, qrow, cpos, lambda c: listed(c).astype(np.float32)
        )
        regions = [q.owner.region_code for q in queries]
        parts["region"] = per_query(index, "region", regions, qrow, cpos, index.firm_region.agreement)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log(index.amount[cpos])
        parts["budget"] = _closeness(budgets[qrow], values)
    return parts


def _share(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, exact: bool) -> np.ndarray:
    """The share of each pair's query requirements its candidate meets (at the very grade: `exact`)."""
    by_entries = {tuple(e for e in q.required_qualifications if e): q for q in queries}

    def share(entries) -> np.ndarray:
        if not entries:
            return np.zeros(index.n, dtype=np.float32)
        return _qualification_share(index, by_entries[entries], exact)

    values = [tuple(e for e in q.required_qualifications if e) for q in queries]
    return per_query(index, f"share-{exact}", values, qrow, cpos, share)


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
