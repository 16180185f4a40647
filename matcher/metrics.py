"""Ranking metrics over labelled data: MRR, nDCG@10, hit@k and recall@50, averaged over queries.

Labels are graded as in trec qrels: 2 for the answer (the firm that won), 1 for another relevant
candidate (a shortlisted bidder), 0 or absent for the rest. MRR and hit@k look for the first grade-2
candidate; nDCG uses linear gains (trec_eval); recall@50 counts grade 1 and 2 alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

METRICS = ("mrr", "ndcg@10", "hit@1", "hit@5", "hit@10", "recall@50")


def query_metrics(ranking: Sequence, relevance: Mapping) -> dict[str, float]:
    """Metrics of one ranked list of candidate ids against {candidate id: grade}."""
    first = next((i for i, c in enumerate(ranking) if relevance.get(c, 0) >= 2), None)
    dcg = sum(relevance.get(c, 0) / math.log2(i + 2) for i, c in enumerate(ranking[:10]))
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = [c for c, g in relevance.items() if g > 0]
    top50 = set(ranking[:50])
    return {
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "hit@1": float(first is not None and first < 1),
        "hit@5": float(first is not None and first < 5),
        "hit@10": float(first is not None and first < 10),
        "recall@50": sum(c in top50 for c in relevant) / len(relevant) if relevant else 0.0,
    }


def mean_metrics(rankings: Mapping, qrels: Mapping[object, Mapping]) -> dict[str, float]:
    """Average over every labelled query; a query with no ranking counts as all misses."""
    totals = dict.fromkeys(METRICS, 0.0)
    for query, relevance in qrels.items():
        for name, value in query_metrics(list(rankings.get(query, ())), relevance).items():
            totals[name] += value
    return {name: round(total / max(len(qrels), 1), 4) for name, total in totals.items()}
