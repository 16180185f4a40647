"""The matcher: for each query posting, the candidates that pass the rules, ranked, each match explained.

`Matcher(kind="order")` ranks listings for orders; `Matcher(kind="service")` ranks service packages for
service demands. It follows scikit-learn's estimator conventions: `__init__` only stores its settings,
`fit(candidates)` builds the candidate index and returns self, learned state ends in `_`.

The score of a pair is a weighted sum of its soft factors (matcher.factors), so the parts of the score
add up to it; weights are set in configuration or fitted on labelled data (matcher.weights). A
candidate is a match when it passes every rule that is switched on and scores at least `score_floor`;
the best `top_k` are kept. A candidate that scores at least the floor but fails exactly one fixable rule
is a near miss; the best `near_misses` of them are kept too, ranked after the matches, with the rule
they failed. Every query is ranked against the same candidates with weights that do not depend on the
other queries, so matching one query gives exactly what matching all of them gives for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from matcher import factors
from matcher.index import CandidateIndex
from matcher.records import Posting
from matcher.rules import Rule, rules_for
from matcher.text import TextVectorizer

# Fitted on procurement-dev (see docs/notes-matcher.md); configuration may override each one.
DEFAULT_WEIGHTS = {
    "order": {
        "text": 0.30, "title": 0.12, "industry": 0.05, "region": 0.06, "budget": 0.10,
        "buyer_history": 0.12, "experience": 0.07, "qualification": 0.10, "grade_fit": 0.08,
    },
    "service": {"text": 0.55, "title": 0.15, "industry": 0.10, "region": 0.10, "budget": 0.10},
}  # fmt: skip
SHARED_TERMS = 8  # shared terms kept in an explanation


@dataclass(frozen=True)
class MatchResult:
    """One ranked candidate for one query, with everything needed to explain it."""

    query_id: int | str
    candidate_id: int | str
    score: float
    rank: int
    parts: dict[str, float]
    shared_terms: tuple[tuple[str, float], ...]
    rules_passed: tuple[str, ...]
    near_miss: bool = False
    failed_rule: str | None = None
    failed_zh: str | None = None
    failed_en: str | None = None
    rule_labels: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def reasons(self) -> dict:
        """The explanation as JSON-ready data (kept in Match.reasons, read by webapp.explain)."""

        def label(rule: str) -> dict[str, str]:
            zh, en = self.rule_labels.get(rule, (rule, rule))
            return {"id": rule, "zh": zh, "en": en}

        reasons: dict = {
            "terms": [{"term": t, "weight": w} for t, w in self.shared_terms],
            "passed": [label(r) for r in self.rules_passed],
        }
        if self.failed_rule:
            reasons["failed"] = {"id": self.failed_rule, "zh": self.failed_zh, "en": self.failed_en}
        return reasons


class Matcher:
    """Ranks candidates (listings or packages) for queries (orders or demands)."""

    def __init__(
        self,
        kind: str = "order",
        weights: dict[str, float] | None = None,
        top_k: int = 50,
        score_floor: float = 0.05,
        near_misses: int = 5,
        rules: dict[str, bool] | None = None,
        n_features: int = 2**20,
        chunk_size: int = 64,
    ) -> None:
        self.kind = kind
        self.weights = weights
        self.top_k = top_k
        self.score_floor = score_floor
        self.near_misses = near_misses
        self.rules = rules
        self.n_features = n_features
        self.chunk_size = chunk_size

    def fit(self, candidates: Sequence[Posting], y=None) -> Matcher:
        """Index the candidates; `y` is unused (weights are fitted by matcher.weights)."""
        if self.kind not in ("order", "service"):
            raise ValueError(f"kind must be 'order' or 'service', not {self.kind!r}")
        self.factors_ = factors.factor_names(self.kind)
        weights = {**DEFAULT_WEIGHTS[self.kind], **(self.weights or {})}
        unknown = set(weights) - set(self.factors_)
        if unknown:
            raise ValueError(f"unknown factors in weights: {sorted(unknown)}")
        self.weights_ = np.array([float(weights[f]) for f in self.factors_])
        self.rules_: tuple[Rule, ...] = rules_for(self.kind, self.rules)
        self.vectorizer_ = TextVectorizer(n_features=self.n_features).fit()
        self.index_ = CandidateIndex(candidates, self.vectorizer_)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise RuntimeError("Matcher is not fitted; call fit(candidates) first")

    def factor_chunks(
        self, queries: Sequence[Posting], now: datetime | None = None
    ) -> Iterator[tuple[Sequence[Posting], np.ndarray, dict[str, np.ndarray]]]:
        """Per chunk of queries: the queries, factor values (queries × candidates × factors), rule masks."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        for start in range(0, len(queries), self.chunk_size):
            chunk = queries[start : start + self.chunk_size]
            text = self.vectorizer_.transform([q.tokens.all for q in chunk])
            title = self.vectorizer_.transform([q.tokens.title for q in chunk])
            parts = factors.compute(self.kind, self.index_, chunk, text, title)
            values = np.stack([parts[f] for f in self.factors_], axis=-1)
            masks = {rule.id: rule.check(self.index_, chunk, now) for rule in self.rules_}
            yield chunk, values, masks

    def match(self, queries: Sequence[Posting], now: datetime | None = None) -> list[MatchResult]:
        """Matches then near misses of every query, in query order and rank order."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        results: list[MatchResult] = []
        labels = {rule.id: (rule.zh, rule.en) for rule in self.rules_}
        for chunk, values, masks in self.factor_chunks(queries, now):
            scores = np.round(values @ self.weights_, 6)
            failed = np.zeros(scores.shape, dtype=np.int8)
            for mask in masks.values():
                failed += ~mask
            above = scores >= self.score_floor
            for row, query in enumerate(chunk):
                results.extend(
                    self._rank_one(
                        query,
                        values[row],
                        scores[row],
                        failed[row],
                        above[row],
                        masks,
                        row,
                        now,
                        labels,
                    )
                )
        return results

    def score_pairs(
        self, query: Posting, candidate_ids: Sequence, now: datetime | None = None
    ) -> dict[object, tuple[float, dict[str, float]]]:
        """Score and parts of given candidates for `query`, whatever the rules say (to refresh old matches)."""
        wanted = [(c, self.index_.position[c]) for c in candidate_ids if c in self.index_.position]
        if not wanted:
            return {}
        _, values, _ = next(self.factor_chunks([query], now))
        scores = np.round(values[0] @ self.weights_, 6)
        return {c: (float(scores[p]), self._parts(values[0][p])) for c, p in wanted}

    def _parts(self, values: np.ndarray) -> dict[str, float]:
        return {
            f: round(float(w * v), 4)
            for f, w, v in zip(self.factors_, self.weights_, values, strict=True)
        }

    def _best(self, selected: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
        positions = np.flatnonzero(selected)
        if len(positions) > limit:
            # argpartition first: only the best few need a full, deterministic sort.
            cut = np.argpartition(-scores[positions], limit - 1)[:limit]
            threshold = scores[positions[cut]].min()
            positions = positions[scores[positions] >= threshold]
        order = np.lexsort((positions, -scores[positions]))
        return positions[order][:limit]

    def _rank_one(
        self, query, values, scores, failed, above, masks, row, now, labels
    ) -> list[MatchResult]:
        best = self._best((failed == 0) & above, scores, self.top_k)
        near: np.ndarray = np.array([], dtype=int)
        fixable = [rule for rule in self.rules_ if rule.fixable]
        if self.near_misses and fixable:
            fixable_failed = np.zeros(len(scores), dtype=bool)
            for rule in fixable:
                fixable_failed |= ~masks[rule.id][row]
            near = self._best((failed == 1) & fixable_failed & above, scores, self.near_misses)
        explain = _Explainer(self, query)
        passed_all = tuple(rule.id for rule in self.rules_)
        out = []
        for rank, position in enumerate([*best, *near], start=1):
            candidate = self.index_.postings[position]
            is_near = rank > len(best)
            failed_rule = None
            if is_near:
                failed_rule = next(rule for rule in fixable if not masks[rule.id][row][position])
            zh, en = failed_rule.why(query, candidate, now) if failed_rule else (None, None)
            out.append(
                MatchResult(
                    query_id=query.id,
                    candidate_id=candidate.id,
                    score=float(scores[position]),
                    rank=rank,
                    parts=self._parts(values[position]),
                    shared_terms=explain.shared_terms(position),
                    rules_passed=tuple(
                        r for r in passed_all if failed_rule is None or r != failed_rule.id
                    ),
                    near_miss=is_near,
                    failed_rule=failed_rule.id if failed_rule else None,
                    failed_zh=zh,
                    failed_en=en,
                    rule_labels=labels,
                )
            )
        return out


class _Explainer:
    """The terms a query shares with a candidate, weighted by their product in the two TF-IDF rows."""

    def __init__(self, matcher: Matcher, query: Posting) -> None:
        self.index = matcher.index_
        weights = matcher.vectorizer_.term_weights(query.tokens.all)
        terms = list(weights)
        columns = (
            matcher.vectorizer_.hasher_.transform([[t] for t in terms]).indices
            if terms
            else np.array([], dtype=int)
        )
        order = np.argsort(columns, kind="stable")
        self.columns = columns[order]
        self.terms = [terms[i] for i in order]
        self.weights = np.array([weights[terms[i]] for i in order])

    def shared_terms(self, position: int) -> tuple[tuple[str, float], ...]:
        text = self.index.text
        start, end = text.indptr[position], text.indptr[position + 1]
        _, in_query, in_row = np.intersect1d(
            self.columns, text.indices[start:end], return_indices=True
        )
        products = self.weights[in_query] * text.data[start:end][in_row]
        best = np.argsort(-products, kind="stable")[:SHARED_TERMS]
        return tuple(
            (self.terms[in_query[i]], round(float(products[i]), 4)) for i in best if products[i] > 0
        )
