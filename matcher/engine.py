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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from matcher import factors
from matcher.index import CandidateIndex, CandidateView
from matcher.records import Posting
from matcher.rules import Rule, kinds_fitting, rules_for
from matcher.text import TextVectorizer

# Set by hand, rounded from a regression on all of procurement-dev (so optimistic on that set: see
# docs/notes-matcher.md); configuration may override each one, `qianfan eval` also fits its own.
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


@dataclass(frozen=True)
class Ranked:
    """Ranked pairs as arrays, in query order and rank order (matches, then near misses)."""

    queries: Sequence[Posting]
    rows: np.ndarray  # index into queries
    positions: np.ndarray  # candidate position in the index
    scores: np.ndarray
    near_miss: np.ndarray
    failed: np.ndarray  # index into the matcher's rules_ for a near miss, else -1
    values: np.ndarray  # factor values of each pair

    @classmethod
    def concatenate(cls, queries: Sequence[Posting], parts: list[tuple], n_factors: int) -> Ranked:
        if not parts:
            empty = np.array([], dtype=int)
            return cls(
                queries,
                empty,
                empty,
                np.array([]),
                empty.astype(bool),
                empty,
                np.zeros((0, n_factors)),
            )
        return cls(queries, *(np.concatenate(column) for column in zip(*parts, strict=True)))

    def __len__(self) -> int:
        return len(self.rows)

    def reordered(self, order: np.ndarray) -> Ranked:
        return Ranked(
            self.queries, self.rows[order], self.positions[order], self.scores[order],
            self.near_miss[order], self.failed[order], self.values[order],
        )  # fmt: skip


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
        chunk_size: int = 512,
        n_jobs: int | None = None,
        candidates_per_query: int | None = 1000,
        retrieval_terms: int = 16,
    ) -> None:
        self.kind = kind
        self.weights = weights
        self.top_k = top_k
        self.score_floor = score_floor
        self.near_misses = near_misses
        self.rules = rules
        self.n_features = n_features
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.candidates_per_query = candidates_per_query
        self.retrieval_terms = retrieval_terms

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
        self.blocks_: dict[frozenset, tuple[CandidateIndex, np.ndarray | None]] = {}
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise RuntimeError("Matcher is not fitted; call fit(candidates) first")

    def factor_chunks(
        self,
        queries: Sequence[Posting],
        now: datetime | None = None,
        index: CandidateIndex | None = None,
    ) -> Iterator[tuple[Sequence[Posting], dict[str, np.ndarray], dict[str, np.ndarray]]]:
        """Per chunk of queries: the queries, each factor's (queries × candidates) values, rule masks."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        index = index or self.index_
        # A chunk holds queries × candidates values per factor: fewer queries against many candidates.
        size = max(1, min(self.chunk_size, 2_000_000 // max(index.n, 1)))
        for start in range(0, len(queries), size):
            chunk = queries[start : start + size]
            yield chunk, *self._chunk(chunk, index, now)

    def _chunk(
        self, chunk: Sequence[Posting], index: CandidateIndex, now: datetime
    ) -> tuple[dict, dict]:
        text = self.vectorizer_.transform([q.tokens.all for q in chunk])
        title = self.vectorizer_.transform([q.tokens.title for q in chunk])
        parts = factors.compute(self.kind, index, chunk, text, title)
        masks = {rule.id: rule.check(index, chunk, now) for rule in self.rules_}
        return parts, masks

    def _scores(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Weighted sum of the parts, in float32 (elementwise, so a pair scores the same in any chunk)."""
        scores = np.zeros(parts["text"].shape, dtype=np.float32)
        for factor, weight in zip(self.factors_, self.weights_, strict=True):
            if weight:
                scores += np.float32(weight) * parts[factor]
        return np.round(scores, 6)

    def factor_values(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Parts as one (queries × candidates × factors) array, in `factors_` order."""
        return np.stack([parts[f] for f in self.factors_], axis=-1)

    def _block(self, query: Posting) -> tuple[CandidateIndex, np.ndarray | None]:
        """The candidates of the kinds that fit `query`, when the kind rule is on and leaves out many.

        Candidates of other kinds fail a rule no firm can fix, so they can never be matches or near
        misses; ranking only the rest gives the same result for less work. The block keeps the index's
        order, so ties break the same way. Returns the index and block -> index positions (None: all).
        """
        if not any(rule.id == "kind" for rule in self.rules_):
            return self.index_, None
        kinds = kinds_fitting(query)
        found = self.blocks_.get(kinds)
        if found is None:
            positions = np.flatnonzero(np.isin(self.index_.kind, list(kinds)))
            if len(positions) > self.index_.n // 2:
                found = (self.index_, None)
            else:
                block = CandidateIndex(
                    [self.index_.postings[p] for p in positions], self.vectorizer_
                )
                found = (block, positions)
            self.blocks_[kinds] = found
        return found

    def rank(self, queries: Sequence[Posting], now: datetime | None = None) -> Ranked:
        """Who matches whom, at what rank, as arrays: scoring, rules and top-K, without explanations."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        groups: dict[int, list[int]] = {}
        blocks: dict[int, tuple[CandidateIndex, np.ndarray | None]] = {}
        for row, query in enumerate(queries):
            block = self._block(query)
            blocks[id(block[0])] = block
            groups.setdefault(id(block[0]), []).append(row)
        work = []
        for key, rows in groups.items():
            index, positions = blocks[key]
            size = max(1, min(self.chunk_size, 2_000_000 // max(index.n, 1)))
            if self._generates(index):
                size = (
                    16  # each query brings its own candidates: small chunks keep their union small
                )
            for start in range(0, len(rows), size):
                work.append((np.array(rows[start : start + size]), index, positions))
        if self.n_jobs and self.n_jobs > 1 and len(work) > 1:
            with ThreadPoolExecutor(self.n_jobs) as pool:  # numpy and scipy release the GIL
                pieces = list(pool.map(lambda w: self._rank_chunk(queries, *w, now), work))
        else:
            pieces = [self._rank_chunk(queries, *w, now) for w in work]
        ranked = Ranked.concatenate(
            queries, [p for p in pieces if p is not None], len(self.factors_)
        )
        # Back to query order; each query's pairs stay in their rank order (a stable sort).
        return ranked.reordered(np.argsort(ranked.rows, kind="stable"))

    def _generates(self, index: CandidateIndex) -> bool:
        return bool(self.candidates_per_query) and index.n > 25 * self.candidates_per_query

    def _generate(
        self, chunk: Sequence[Posting], index: CandidateIndex
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate generation: each query's `candidates_per_query` best by its strongest terms.

        Only the query's `retrieval_terms` heaviest TF-IDF terms are looked up (the rare, telling
        ones), which touches a small part of a large index; candidates with history with the buyer
        are always added. Returns the chunk's candidate positions (ascending) and which of them each
        query may rank. It depends on the query and the index alone, so a query gets the same
        candidates in any chunk.
        """
        pruned = self.vectorizer_.transform([q.tokens.all for q in chunk]).tocsr()
        for r in range(pruned.shape[0]):
            start, end = pruned.indptr[r], pruned.indptr[r + 1]
            if end - start > self.retrieval_terms:
                data = pruned.data[start:end]
                data[np.lexsort((pruned.indices[start:end], -data))[self.retrieval_terms :]] = 0
        pruned.eliminate_zeros()
        first = (pruned @ index.text_t).tocsr()
        limit = self.candidates_per_query
        picks = []
        for r, query in enumerate(chunk):
            start, end = first.indptr[r], first.indptr[r + 1]
            positions, scores = first.indices[start:end], first.data[start:end]
            if len(positions) > limit:
                keys = (
                    scores.astype(np.float64) - positions * 1e-13
                )  # distinct; ties go to the lower position
                positions = positions[np.argpartition(-keys, limit - 1)[:limit]]
            history = np.array(
                [p for p, _ in index.history.get(query.owner.id, ())], dtype=np.int64
            )
            picks.append(np.union1d(positions.astype(np.int64), history))
        union = np.unique(np.concatenate(picks)) if picks else np.array([], dtype=np.int64)
        allowed = np.zeros((len(chunk), len(union)), dtype=bool)
        for r, positions in enumerate(picks):
            allowed[r, np.searchsorted(union, positions)] = True
        return union, allowed

    def _rank_chunk(
        self, queries, rows: np.ndarray, index: CandidateIndex, block_positions, now
    ) -> tuple | None:
        chunk = [queries[r] for r in rows]
        allowed = None
        if self._generates(index):
            union, allowed = self._generate(chunk, index)
            block_positions = union if block_positions is None else block_positions[union]
            index = CandidateView(index, union)
        parts, masks = self._chunk(chunk, index, now)
        scores = self._scores(parts)
        above = scores >= self.score_floor
        hard = [masks[r.id] for r in self.rules_ if not r.fixable]
        soft = [masks[r.id] for r in self.rules_ if r.fixable]
        hard_pass = np.logical_and.reduce(hard) if hard else np.ones(scores.shape, dtype=bool)
        if allowed is not None:
            hard_pass = hard_pass & allowed
        soft_failed = (
            np.add.reduce([~m for m in soft], dtype=np.int8)
            if soft
            else np.zeros(scores.shape, np.int8)
        )
        match_rows, match_positions = self._top(
            scores, hard_pass & (soft_failed == 0) & above, self.top_k
        )
        near_rows = near_positions = np.array([], dtype=int)
        if self.near_misses and soft:
            near_rows, near_positions = self._top(
                scores, hard_pass & (soft_failed == 1) & above, self.near_misses
            )
        fixable = [i for i, r in enumerate(self.rules_) if r.fixable]
        failed_rule = np.full(len(near_rows), -1)
        if len(near_rows):
            # The one rule a near miss failed: the first fixable rule whose mask is False at that pair.
            which = np.argmin(np.stack([m[near_rows, near_positions] for m in soft]), axis=0)
            failed_rule = np.array(fixable)[which]
        local_rows = np.concatenate([match_rows, near_rows])
        local_positions = np.concatenate([match_positions, near_positions])
        near = np.r_[np.zeros(len(match_rows), dtype=bool), np.ones(len(near_rows), dtype=bool)]
        order = np.lexsort((near, local_rows))  # by query, matches before near misses; stable
        local_rows, local_positions, near = local_rows[order], local_positions[order], near[order]
        failed = np.r_[np.full(len(match_rows), -1), failed_rule][order]
        values = np.stack([parts[f][local_rows, local_positions] for f in self.factors_], axis=-1)
        positions = local_positions if block_positions is None else block_positions[local_positions]
        return (
            rows[local_rows],
            positions,
            scores[local_rows, local_positions],
            near,
            failed,
            values,
        )

    def _top(
        self, scores: np.ndarray, selected: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, positions) of each row's best `limit` selected candidates, best first.

        Scores are rounded to 1e-6; the key subtracts position × 1e-13, so keys are distinct and order
        by score, then by candidate position: the same whichever queries are ranked together. A
        partition on distinct keys finds each row's limit-th best quickly; only those are sorted.
        """
        n_rows, n = scores.shape
        if n == 0 or limit <= 0:
            return np.array([], dtype=int), np.array([], dtype=int)
        keys = np.where(selected, scores.astype(np.float64), -1.0) - np.arange(n) * 1e-13
        keep = selected
        if limit < n:
            threshold = np.partition(keys, n - limit, axis=1)[:, n - limit]
            keep = selected & (keys >= threshold[:, None])
        rows, positions = np.nonzero(keep)
        order = np.lexsort((-keys[rows, positions], rows))
        return rows[order], positions[order]

    def explain(self, ranked: Ranked, now: datetime | None = None) -> list[MatchResult]:
        """Each ranked pair with its parts, shared terms and rules: what is stored and shown."""
        now = now or datetime.now(UTC)
        labels = {rule.id: (rule.zh, rule.en) for rule in self.rules_}
        rule_ids = tuple(rule.id for rule in self.rules_)
        results: list[MatchResult] = []
        explainer = None
        rank = 0
        for i in range(len(ranked.rows)):
            query = ranked.queries[ranked.rows[i]]
            if explainer is None or explainer.query is not query:
                explainer, rank = _Explainer(self, query), 0
            rank += 1
            position = int(ranked.positions[i])
            candidate = self.index_.postings[position]
            failed = self.rules_[ranked.failed[i]] if ranked.failed[i] >= 0 else None
            zh, en = failed.why(query, candidate, now) if failed else (None, None)
            results.append(
                MatchResult(
                    query_id=query.id,
                    candidate_id=candidate.id,
                    score=float(ranked.scores[i]),
                    rank=rank,
                    parts=self._parts(ranked.values[i]),
                    shared_terms=explainer.shared_terms(position),
                    rules_passed=tuple(r for r in rule_ids if failed is None or r != failed.id),
                    near_miss=bool(ranked.near_miss[i]),
                    failed_rule=failed.id if failed else None,
                    failed_zh=zh,
                    failed_en=en,
                    rule_labels=labels,
                )
            )
        return results

    def match(self, queries: Sequence[Posting], now: datetime | None = None) -> list[MatchResult]:
        """Matches then near misses of every query, in query order and rank order, explained."""
        now = now or datetime.now(UTC)
        return self.explain(self.rank(queries, now), now)

    def score_pairs(
        self, query: Posting, candidate_ids: Sequence, now: datetime | None = None
    ) -> dict[object, tuple[float, dict[str, float]]]:
        """Score and parts of given candidates for `query`, whatever the rules say (to refresh old matches)."""
        wanted = [(c, self.index_.position[c]) for c in candidate_ids if c in self.index_.position]
        if not wanted:
            return {}
        _, parts, _ = next(self.factor_chunks([query], now))
        scores = self._scores(parts)[0]
        values = self.factor_values(parts)[0]
        return {c: (float(scores[p]), self._parts(values[p])) for c, p in wanted}

    def _parts(self, values: np.ndarray) -> dict[str, float]:
        return {
            f: round(float(w * v), 4)
            for f, w, v in zip(self.factors_, self.weights_, values, strict=True)
        }


class _Explainer:
    """The terms a query shares with a candidate, weighted by their product in the two TF-IDF rows."""

    def __init__(self, matcher: Matcher, query: Posting) -> None:
        self.query = query
        self.index = matcher.index_
        vectorizer = matcher.vectorizer_
        weights = vectorizer.term_weights(query.tokens.all)
        terms = list(weights)
        columns = np.array([vectorizer.column(t) for t in terms], dtype=np.int64)
        order = np.argsort(columns, kind="stable")
        self.columns = columns[order]
        self.terms = [terms[i] for i in order]
        self.weights = np.array([weights[terms[i]] for i in order])

    def shared_terms(self, position: int) -> tuple[tuple[str, float], ...]:
        text = self.index.text
        start, end = text.indptr[position], text.indptr[position + 1]
        row_columns = text.indices[start:end]  # sorted (CandidateIndex sorts them)
        if not len(row_columns) or not len(self.columns):
            return ()
        at = np.minimum(np.searchsorted(row_columns, self.columns), len(row_columns) - 1)
        shared = np.flatnonzero(row_columns[at] == self.columns)
        products = self.weights[shared] * text.data[start:end][at[shared]]
        best = np.argsort(-products, kind="stable")[:SHARED_TERMS]
        return tuple(
            (self.terms[shared[i]], round(float(products[i]), 4)) for i in best if products[i] > 0
        )
