"""The matcher: for each query posting its best candidates, and for each candidate its best queries.

`Matcher(kind="order")` ranks listings for orders (and orders for listings); `Matcher(kind="service")`
ranks service packages for service demands (and demands for packages); `Matcher(kind="mentor")` ranks
mentors for small firms (a firm's profile, listings and demands as one query) and firms for mentors. It
follows scikit-learn's
estimator conventions: `__init__` only stores its settings, `fit(candidates)` builds the candidate
index and returns self, learned state ends in `_`.

Which pairs are scored (the first stage): a query's candidates are its `retrieval_depth` most similar
candidates by TF-IDF text, among those whose similarity is above `text_floor`, plus the firms that have
worked for its buyer; a candidate's queries are, the same way, its `reverse_depth` most similar queries
and its firm's past buyers. Both lists are found with a fused sparse top-n product (sparse_dot_topn) and
depend only on the posting and the other side, so one posting ranked alone gets exactly what a full
rematch gives it. Every pair in either list is then scored exactly (the second stage).

The score of a pair is a weighted sum of its soft factors (matcher.factors), so the parts of the score
add up to it. A pair is a match when it passes every rule that is switched on and scores at least
`score_floor`; a pair that fails exactly one fixable rule is a near miss. Each query keeps its best
`top_k` matches and `near_misses` near misses; on the order side one entry per firm, with up to
`per_owner` of its listings folded under it. Each candidate keeps its best `reverse_top_k` queries and
`reverse_near_misses` near misses. Explanations are built for the few pairs a page shows (`explain_pair`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul_topn

from matcher import factors
from matcher.index import CandidateIndex
from matcher.ranker import features as ranker_features
from matcher.ranker.models import SHIPPED_MODEL, LambdaModel, LinearScorer
from matcher.records import Posting
from matcher.rules import (
    NOT_UNDERSTOOD,
    RULES,
    Rule,
    kinds_fitting,
    pair_fails,
    rule_ids,
    rules_for,
)
from matcher.text import TextVectorizer

# Set by hand, rounded from a regression on all of procurement-dev (so optimistic on that set: see
# docs/notes-matcher.md); configuration may override each one, `qianfan eval` also fits its own.
DEFAULT_WEIGHTS = {
    "order": {
        "text": 0.30, "title": 0.12, "industry": 0.05, "region": 0.06, "budget": 0.10,
        "buyer_history": 0.12, "experience": 0.07, "qualification": 0.10, "grade_fit": 0.08,
    },
    "service": {"text": 0.55, "title": 0.15, "industry": 0.10, "region": 0.10, "budget": 0.10},
    # Mentors: expertise against the firm's text first; industry and region known count less (set by hand,
    # see docs/notes-mentors.md for the small labelled set they were checked on).
    "mentor": {"text": 0.60, "title": 0.15, "industry": 0.15, "region": 0.10},
}  # fmt: skip
FEATURES_ONLY = "features-only"  # the `model` of a matcher that only computes features (for training)
SHARED_TERMS = 8  # shared terms kept in an explanation
MATCHED, BELOW_FLOOR = -1, -2  # outcome codes of a pair besides "failed rule i"


@dataclass(frozen=True)
class RankedList:
    """One posting's ranked list: matches first (best first), then near misses.

    `failed` holds, per entry, the index in `rule_ids(kind)` of the one rule a near miss failed, -1 for
    a match; `parts` holds each entry's weighted score parts (entries × factors, summing to its score).
    `floor` is the text similarity a posting of the other side must beat to enter this list's first
    stage; `outcomes` counts what became of the pairs considered ({"matched": n, "below_floor": n,
    rule id: n failed}), so a page can say why a list is empty.
    """

    posting_id: int | str
    candidate_ids: np.ndarray
    scores: np.ndarray
    failed: np.ndarray
    parts: np.ndarray
    floor: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.candidate_ids)

    @property
    def near_miss(self) -> np.ndarray:
        return self.failed >= 0


@dataclass(frozen=True)
class Rankings:
    """What a ranking run produced: one list per query (forward) and per candidate asked for (reverse)."""

    forward: list[RankedList]
    reverse: list[RankedList]


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
    # Everything else the pair lacks or that could not be checked ({"id", "zh", "en"} each).
    also_failed: tuple[dict, ...] = ()
    rule_labels: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def reasons(self) -> dict:
        """The explanation as JSON-ready data (what a page and a kept deal show)."""

        def label(rule: str) -> dict[str, str]:
            zh, en = self.rule_labels.get(rule, (rule, rule))
            return {"id": rule, "zh": zh, "en": en}

        reasons: dict = {
            "terms": [{"term": t, "weight": w} for t, w in self.shared_terms],
            "passed": [label(r) for r in self.rules_passed],
        }
        failed = []
        if self.failed_rule:
            failed.append({"id": self.failed_rule, "zh": self.failed_zh, "en": self.failed_en})
        failed.extend(self.also_failed)
        if failed:
            reasons["failed"] = failed[0] if len(failed) == 1 else failed
        return reasons


@dataclass
class _Pairs:
    """Pairs to score: query row, candidate position, text similarity, and which lists want them."""

    qrow: np.ndarray
    cpos: np.ndarray
    text: np.ndarray
    forward: np.ndarray
    reverse: np.ndarray


class Matcher:
    """Ranks candidates (listings or packages) for queries (orders or demands), and queries for candidates."""

    def __init__(
        self,
        kind: str = "order",
        weights: dict[str, float] | None = None,
        top_k: int = 50,
        score_floor: float = 0.05,
        near_misses: int = 5,
        rules: dict[str, bool] | None = None,
        n_features: int = 2**20,
        retrieval_depth: int = 2000,
        reverse_depth: int = 200,
        text_floor: float = 0.0,
        reverse_top_k: int = 20,
        reverse_near_misses: int = 5,
        per_owner: int = 5,
        chunk_pairs: int = 1_000_000,
        model: str | None = None,
        text_gate: float = 0.0,
        soft_rules_filter: bool | None = None,
    ) -> None:
        self.kind = kind
        self.weights = weights
        self.top_k = top_k
        self.score_floor = score_floor
        self.near_misses = near_misses
        self.rules = rules
        self.n_features = n_features
        self.retrieval_depth = retrieval_depth
        self.reverse_depth = reverse_depth
        self.text_floor = text_floor
        self.reverse_top_k = reverse_top_k
        self.reverse_near_misses = reverse_near_misses
        self.per_owner = per_owner
        self.chunk_pairs = chunk_pairs
        self.model = model
        self.text_gate = text_gate
        self.soft_rules_filter = soft_rules_filter

    # --- fitting --------------------------------------------------------------------------------

    def fit(self, candidates: Sequence[Posting], y=None) -> Matcher:
        """Index the candidates and load the scorer; `y` is unused (models are trained by matcher.ranker)."""
        if self.kind not in DEFAULT_WEIGHTS:
            raise ValueError(f"kind must be one of {sorted(DEFAULT_WEIGHTS)}, not {self.kind!r}")
        self.rules_: tuple[Rule, ...] = rules_for(self.kind, self.rules)
        self.rule_ids_ = rule_ids(self.kind)  # every rule of the kind: what stored codes refer to
        self._load_scorer()
        self.vectorizer_ = TextVectorizer(n_features=self.n_features).fit()
        self.index_ = CandidateIndex(candidates, self.vectorizer_)
        self.extra_ = ranker_features.FeatureIndex(self.index_, self.vectorizer_) if self.learned_ else None
        self._blocks: dict[frozenset | None, tuple[np.ndarray, sp.csr_matrix]] = {}
        return self

    def model_path(self) -> str | None:
        """The model file this matcher ranks with (None: the weighted sum of factors)."""
        if self.model == "linear" or (self.model is None and self.kind != "order"):
            return None
        if self.model is None:
            return str(SHIPPED_MODEL)
        return str(self.model)

    def _load_scorer(self) -> None:
        """The scorer: a lambdarank model file, or the weighted sum of the factors (matcher.factors)."""
        path = self.model_path()
        self.learned_ = path is not None
        if self.learned_:
            self.features_ = ranker_features.feature_names(self.kind)
            self.factors_ = ranker_features.GROUPS[self.kind]
            # FEATURES_ONLY: a matcher that computes features to train a model on, and cannot rank.
            self.scorer_ = None if path == FEATURES_ONLY else LambdaModel.load(path, self.kind, self.features_, self.factors_)
        else:
            self.factors_ = factors.factor_names(self.kind)
            self.features_ = list(self.factors_)
            weights = {**DEFAULT_WEIGHTS[self.kind], **(self.weights or {})}
            unknown = set(weights) - set(self.factors_)
            if unknown:
                raise ValueError(f"unknown factors in weights: {sorted(unknown)}")
            self.scorer_ = LinearScorer(self.kind, self.factors_, self.factors_, weights, self.factors_)
        self.weights_ = getattr(self.scorer_, "weights", None)
        filtering = self.soft_rules_filter
        self.filter_soft_ = (not self.learned_) if filtering is None else bool(filtering)

    def __getstate__(self) -> dict:
        # Rules hold functions made at import time; they are taken again from matcher.rules on load.
        state = self.__dict__.copy()
        state.pop("rules_", None)
        state.pop("scorer_", None)  # the model file is read again: a retrained model is never stale
        state["_blocks"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "index_" in state:
            self.rules_ = rules_for(self.kind, self.rules)
            self._load_scorer()

    def _check_fitted(self) -> None:
        if not hasattr(self, "index_"):
            raise RuntimeError("Matcher is not fitted; call fit(candidates) first")

    def _block(self, kinds: frozenset | None) -> tuple[np.ndarray, sp.csr_matrix]:
        """Positions of the candidates of `kinds` (None: all) and their text rows transposed, kept."""
        found = self._blocks.get(kinds)
        if found is None:
            index = self.index_
            if kinds is None:
                positions = np.arange(index.n)
            else:
                positions = np.flatnonzero(np.isin(index.kind, list(kinds)))
            found = self._blocks[kinds] = (positions, index.text[positions].T.tocsr())
        return found

    def _kinds(self, query: Posting) -> frozenset | None:
        """Candidates of other kinds fail a rule no firm can fix: leave them out of the first stage."""
        return kinds_fitting(query) if any(r.id == "kind" for r in self.rules_) else None

    # --- the first stage: which pairs are scored ------------------------------------------------

    def _text_rows(self, queries: Sequence[Posting], field: str = "all") -> sp.csr_matrix:
        rows = self.vectorizer_.transform([getattr(q.tokens, field) for q in queries])
        rows.sort_indices()
        return rows

    def _topn(self, left: sp.csr_matrix, right_t: sp.csr_matrix, depth: int) -> sp.csr_matrix:
        """Each row of `left` with its `depth` best columns of left × right_t above the text floor."""
        if not left.shape[0] or not right_t.shape[1] or depth <= 0:
            return sp.csr_matrix((left.shape[0], right_t.shape[1]), dtype=np.float32)
        product = sp_matmul_topn(
            left, right_t, top_n=min(depth, right_t.shape[1]), threshold=self.text_floor
        )
        return product.tocsr()

    def _pairs(self, queries: Sequence[Posting], text_rows: sp.csr_matrix, forward: bool,
               reverse_positions: np.ndarray) -> tuple[_Pairs, dict]:  # fmt: skip
        """The pairs the wanted lists consider, deduplicated, with their text similarity and list floors."""
        index = self.index_
        groups: dict[frozenset | None, list[int]] = {}
        for row, query in enumerate(queries):
            groups.setdefault(self._kinds(query), []).append(row)
        pieces = []  # (qrow, cpos, text, forward flag, reverse flag)
        floors = {"forward": np.full(len(queries), self.text_floor, dtype=np.float32),
                  "reverse": np.full(index.n, self.text_floor, dtype=np.float32)}  # fmt: skip
        floors["reverse"][reverse_positions] = np.inf  # lowered below by each query group
        reverse_wanted = np.zeros(index.n, dtype=bool)
        reverse_wanted[reverse_positions] = True
        for kinds, rows in groups.items():
            rows = np.array(rows, dtype=np.int64)
            positions, block_t = self._block(kinds)
            group_rows = text_rows[rows]
            if forward and len(positions):
                found = self._topn(group_rows, block_t, self.retrieval_depth)
                q, c, v = _coo(found)
                pieces.append((rows[q].astype(np.int32), positions[c].astype(np.int32), v, True, False))
                _set_floors(floors["forward"], rows, found, self.retrieval_depth, len(positions))
            wanted = positions[reverse_wanted[positions]]
            if len(wanted):
                found = self._topn(index.text[wanted], group_rows.T.tocsr(), self.reverse_depth)
                c, q, v = _coo(found)
                pieces.append((rows[q].astype(np.int32), wanted[c].astype(np.int32), v, False, True))
                # A candidate's floor across query groups: the lowest, so that a check against it
                # never misses a query that would enter its first stage.
                group_floor = np.full(len(wanted), self.text_floor, dtype=np.float32)
                _set_floors(group_floor, np.arange(len(wanted)), found, self.reverse_depth, len(rows))
                floors["reverse"][wanted] = np.minimum(floors["reverse"][wanted], group_floor)
        floors["reverse"][np.isinf(floors["reverse"])] = self.text_floor
        history = self._history_pairs(queries, text_rows, forward, reverse_wanted)
        if history is not None:
            pieces.append(history)
        return _merge(pieces, index.n), floors

    def _history_pairs(self, queries: Sequence[Posting], text_rows, forward: bool, reverse_wanted: np.ndarray):
        """Firms that have worked for a query's buyer are always considered for it (and it for them)."""
        qrow, cpos = [], []
        for row, query in enumerate(queries):
            for position, _ in self.index_.history.get(query.owner.id, ()):
                qrow.append(row)
                cpos.append(position)
        if not qrow:
            return None
        qrow, cpos = np.array(qrow, dtype=np.int32), np.array(cpos, dtype=np.int32)
        if not forward:
            keep = reverse_wanted[cpos]
            qrow, cpos = qrow[keep], cpos[keep]
        text = _pair_products(text_rows, self.index_.text, qrow, cpos)
        return qrow, cpos, text, forward, reverse_wanted[cpos]

    # --- the second stage: scoring and choosing --------------------------------------------------

    def rank(
        self,
        queries: Sequence[Posting],
        now: datetime | None = None,
        *,
        forward: bool = True,
        reverse: Sequence | None = (),
    ) -> Rankings:
        """Rank: each query's list (`forward`) and the lists of the candidates with ids in `reverse`
        (None: every candidate) against these queries. A candidate's list is only complete when
        `queries` holds every query it could be matched with (all published ones)."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        index = self.index_
        if reverse is None:
            reverse_positions = np.arange(index.n)
        else:
            reverse_positions = np.array(
                sorted(index.position[c] for c in reverse if c in index.position), dtype=np.int64
            )
        text_rows = self._text_rows(queries)
        title_rows = self._text_rows(queries, "title")
        pairs, floors = self._pairs(queries, text_rows, forward, reverse_positions)
        if self.text_gate > 0:  # a list's floor is never below the gate: nothing under it can enter
            floors = {k: np.maximum(v, np.float32(self.text_gate)) for k, v in floors.items()}
        query_ids = [q.id for q in queries]
        candidate_ids = [p.id for p in index.postings]
        # Ties break on the other side's id, ascending: positions for candidates (sorted by id), and
        # the queries' order by id (whatever order they came in).
        by_id = sorted(range(len(queries)), key=lambda i: (str(type(query_ids[i])), query_ids[i]))
        query_order = np.empty(len(queries), dtype=np.int64)
        query_order[by_id] = np.arange(len(queries))
        width = len(self.rule_ids_) + 2
        counts = {"forward": np.zeros((len(queries), width), dtype=np.int64),
                  "reverse": np.zeros((index.n, width), dtype=np.int64)}  # fmt: skip
        chosen_forward, pool = [], []
        pool_size = 0
        for start, end in _chunks(pairs.qrow, self.chunk_pairs):
            piece = _Pairs(*(getattr(pairs, f)[start:end] for f in ("qrow", "cpos", "text", "forward", "reverse")))
            chosen_f, chosen_r = self._score_chunk(queries, text_rows, title_rows, piece, now, counts)
            # A query's pairs are all in one chunk: its list is final here. A candidate's are spread
            # over chunks: keep its best of each chunk, and its best of those at the end.
            chosen_forward.append(self._select(chosen_f, "qrow", "cpos", np.arange(index.n), self.top_k,
                                               self.near_misses, self.kind == "order"))  # fmt: skip
            reverse_best = self._select(chosen_r, "cpos", "qrow", query_order, self.reverse_top_k,
                                        self.reverse_near_misses, False)  # fmt: skip
            pool.append(reverse_best)
            pool_size += len(reverse_best.get("qrow", ()))
            if pool_size > 4_000_000:
                pool = [self._select(_concat(pool), "cpos", "qrow", query_order, self.reverse_top_k,
                                     self.reverse_near_misses, False)]  # fmt: skip
                pool_size = len(pool[0].get("qrow", ()))
        result_forward = []
        if forward:
            result_forward = self._lists(
                _concat(chosen_forward), "qrow", "cpos", query_ids, candidate_ids, range(len(queries)),
                floors["forward"], counts["forward"],
            )  # fmt: skip
        result_reverse = []
        if len(reverse_positions):
            reverse_best = self._select(_concat(pool), "cpos", "qrow", query_order, self.reverse_top_k,
                                        self.reverse_near_misses, False)  # fmt: skip
            result_reverse = self._lists(
                reverse_best, "cpos", "qrow", candidate_ids, query_ids, reverse_positions, floors["reverse"],
                counts["reverse"],
            )  # fmt: skip
        return Rankings(result_forward, result_reverse)

    def _score_chunk(self, queries: Sequence[Posting], text_rows, title_rows, pairs: _Pairs, now: datetime,
                     counts: dict):  # fmt: skip
        """Score a chunk of pairs; count what became of them (`counts`) and return what each list could
        still choose (forward, reverse: pairs that passed the hard rules and the gate, with their scores
        and parts)."""
        qrow, cpos = pairs.qrow, pairs.cpos
        scored = self._scored_pairs(queries, text_rows, title_rows, pairs, now)
        outcome, keep, parts, scores, failed, soft_failed = scored
        low = scores < self.score_floor if not self.learned_ else np.zeros(len(keep), dtype=bool)
        outcome[keep] = np.where(failed >= 0, failed, np.where(low, BELOW_FLOOR, MATCHED))
        if self.filter_soft_:
            usable = ~low & (soft_failed <= 1)
            failed_kept = np.where(soft_failed == 1, failed, -1)
        else:  # soft rules are features: a pair lacking something keeps its rank, shown with what it lacks
            usable = ~low
            failed_kept = failed
        chosen = {
            "qrow": qrow[keep][usable], "cpos": cpos[keep][usable], "score": scores[usable],
            "failed": failed_kept[usable].astype(np.int16), "parts": parts[usable],
            "forward": pairs.forward[keep][usable], "reverse": pairs.reverse[keep][usable],
        }  # fmt: skip
        forward = {k: v[chosen["forward"]] for k, v in chosen.items()}
        reverse = {k: v[chosen["reverse"]] for k, v in chosen.items()}
        width = counts["forward"].shape[1]
        for flag, rows, table in ((pairs.forward, qrow, counts["forward"]), (pairs.reverse, cpos, counts["reverse"])):
            if flag.any():
                keys = rows[flag] * width + (outcome[flag].astype(np.int64) + 2)
                table += np.bincount(keys, minlength=table.size).reshape(table.shape)
        return forward, reverse

    def _scored_pairs(self, queries: Sequence[Posting], text_rows, title_rows, pairs: _Pairs, now: datetime,
                      values: bool = False):  # fmt: skip
        """Hard rules, mandatory requirements and the text gate, then features and scores of what is left.

        Returns (outcome per pair, kept pair indices, the kept pairs' parts (or, with `values`, their
        feature values), their scores, the first fixable rule each fails or -1, how many fixable rules
        each fails)."""
        index = self.index_
        qrow, cpos = pairs.qrow, pairs.cpos
        # Rules and features see only this chunk's queries (per-query work stays proportional to the chunk).
        rows = np.unique(qrow)
        queries = [queries[r] for r in rows]
        title_rows = title_rows[rows]
        text_rows = text_rows[rows]
        local = np.searchsorted(rows, qrow)
        outcome = np.full(len(qrow), MATCHED, dtype=np.int16)
        alive = pairs.text >= self.text_gate if self.text_gate > 0 else np.ones(len(qrow), dtype=bool)
        outcome[~alive] = BELOW_FLOOR  # the gate: no meaningful text in common, never recommended
        for rule in self.rules_:
            if rule.fixable:
                continue
            passed = rule.check(index, queries, local[alive], cpos[alive], now)
            failed_here = np.flatnonzero(alive)[~passed]
            outcome[failed_here] = self.rule_ids_.index(rule.id)
            alive[failed_here] = False
        passes: dict[str, np.ndarray] = {}
        for rule in self.rules_:
            if not rule.fixable:
                continue
            mandatory = np.array([rule.id in q.mandatory for q in queries], dtype=bool)
            passed = rule.check(index, queries, local[alive], cpos[alive], now)
            if mandatory.any():  # the buyer made it a hard rule for this order
                dropped = mandatory[local[alive]] & ~passed
                failed_here = np.flatnonzero(alive)[dropped]
                outcome[failed_here] = self.rule_ids_.index(rule.id)
                alive[failed_here] = False
                passed = passed[~dropped]
            passes[rule.id] = passed
        keep = np.flatnonzero(alive)
        lq, c = local[keep], cpos[keep]
        title = _row_dots(title_rows, index.title, lq, c)
        features = self._features(queries, lq, c, pairs.text[keep], title, text_rows, title_rows, passes)
        if values or self.scorer_ is None:
            scores, parts = np.zeros(len(keep), np.float32), features
        else:
            scores, parts = self.scorer_.score(features)
        failed = np.full(len(keep), -1, dtype=np.int16)
        soft_failed = np.zeros(len(keep), dtype=np.int8)
        for rule_id, passed in passes.items():
            failed = np.where(~passed & (failed < 0), self.rule_ids_.index(rule_id), failed).astype(np.int16)
            soft_failed += ~passed
        return outcome, keep, parts, scores, failed, soft_failed

    def _features(self, queries, lq, c, text, title, text_rows, title_rows, passes) -> np.ndarray:
        """The scorer's input for pairs (`lq` into `queries`, `c` into the index)."""
        if self.learned_:
            return ranker_features.compute(self.kind, self.index_, self.extra_, queries, lq, c, text, title,
                                           text_rows, title_rows, passes)  # fmt: skip
        parts = factors.compute(self.kind, self.index_, queries, lq, c, text, title)
        return np.stack([parts[f] for f in self.factors_], axis=-1).astype(np.float32)

    def pair_features(self, queries: Sequence[Posting], now: datetime | None = None):
        """Every pair the first stage finds for `queries` that passes the hard rules and the gate:
        (query rows, candidate positions, feature values). What a ranker is trained on."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        text_rows = self._text_rows(queries)
        title_rows = self._text_rows(queries, "title")
        pairs, _ = self._pairs(queries, text_rows, True, np.zeros(0, dtype=np.int64))
        pieces = []
        for start, end in _chunks(pairs.qrow, self.chunk_pairs):
            piece = _Pairs(*(getattr(pairs, f)[start:end] for f in ("qrow", "cpos", "text", "forward", "reverse")))
            _, keep, values, _, _, _ = self._scored_pairs(queries, text_rows, title_rows, piece, now, values=True)
            pieces.append((piece.qrow[keep], piece.cpos[keep], values))
        if not pieces:
            return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros((0, len(self.features_)), np.float32)
        return tuple(np.concatenate([p[i] for p in pieces]) for i in range(3))

    def _select(self, chosen: dict, own: str, other: str, tiebreak_of: np.ndarray, limit: int,
                near_limit: int, group: bool) -> dict:  # fmt: skip
        """Each list owner's best `limit` matches and `near_limit` near misses among `chosen`, ordered by
        owner, then matches before near misses, then rank."""
        selected = []
        groups = (False, True) if self.filter_soft_ else (None,)
        for near in groups if chosen else ():
            if near is None:  # one list by score: entries lacking something keep their rank
                mask = np.ones(len(chosen["failed"]), dtype=bool)
            else:
                mask = (chosen["failed"] >= 0) if near else (chosen["failed"] < 0)
            picked = {k: v[mask] for k, v in chosen.items()}
            owner = self.index_.owners[picked["cpos"]] if group else None
            order = _top_per(
                picked[own], picked["score"], tiebreak_of[picked[other]],
                near_limit if near else limit, owner, 1 if near else self.per_owner,
            )  # fmt: skip
            selected.append({k: v[order] for k, v in picked.items()})
        merged = _concat(selected)
        if merged:
            order = np.argsort(merged[own], kind="stable")  # stable: matches stay before near misses
            merged = {k: v[order] for k, v in merged.items()}
        return merged

    def _lists(self, selected: dict, own: str, other: str, own_ids, other_ids, own_rows, floors,
               counts: np.ndarray) -> list[RankedList]:  # fmt: skip
        """One RankedList per row in `own_rows` (queries for forward lists, candidates for reverse)."""
        owners_sorted = selected[own] if selected else np.zeros(0, dtype=np.int64)
        other_array = np.asarray(list(other_ids))
        names = ["below_floor", "matched", *self.rule_ids_]
        empty_parts = np.zeros((0, len(self.factors_)), dtype=np.float32)
        starts = np.searchsorted(owners_sorted, np.asarray(own_rows, dtype=np.int64))
        ends = np.searchsorted(owners_sorted, np.asarray(own_rows, dtype=np.int64), side="right")
        result = []
        for row, start, end in zip(own_rows, starts, ends, strict=True):
            row = int(row)
            if start == end:
                entries = (other_array[:0], np.zeros(0, np.float32), np.zeros(0, np.int16), empty_parts)
            else:
                entries = (other_array[selected[other][start:end]], selected["score"][start:end],
                           selected["failed"][start:end], selected["parts"][start:end])  # fmt: skip
            outcomes = {names[i]: int(n) for i, n in enumerate(counts[row]) if n}
            result.append(RankedList(own_ids[row], *entries, floor=float(floors[row]), outcomes=outcomes))
        return result

    # --- convenience and explanations -----------------------------------------------------------

    def match(self, queries: Sequence[Posting], now: datetime | None = None) -> list[MatchResult]:
        """Each query's list explained, in query order and rank order (for tests and evaluation)."""
        self._check_fitted()
        now = now or datetime.now(UTC)
        results = []
        by_id = {p.id: p for p in self.index_.postings}
        for query, ranked in zip(queries, self.rank(queries, now).forward, strict=True):
            for rank, i in enumerate(range(len(ranked)), start=1):
                candidate = by_id[ranked.candidate_ids[i]]
                failed = self.rule_ids_[ranked.failed[i]] if ranked.failed[i] >= 0 else None
                results.append(
                    explain_pair(self.kind, query, candidate, float(ranked.scores[i]),
                                 self.parts_dict(ranked.parts[i]), failed, now, rank=rank,
                                 vectorizer=self.vectorizer_, rules=self.rules_)
                )  # fmt: skip
        return results

    def parts_dict(self, values: np.ndarray) -> dict[str, float]:
        """Weighted parts of one entry by factor name, rounded as pages show them."""
        return {f: round(float(v), 4) for f, v in zip(self.factors_, values, strict=True)}

    def factor_values(self, queries: Sequence[Posting], now: datetime | None = None) -> np.ndarray:
        """Unweighted factor values of every query against every candidate (queries × candidates ×
        factors), whatever the rules say: what weights are fitted on."""
        self._check_fitted()
        n = self.index_.n
        qrow = np.repeat(np.arange(len(queries)), n)
        cpos = np.tile(np.arange(n), len(queries))
        text_rows = self._text_rows(queries)
        text = np.asarray((text_rows @ self.index_.text.T).todense(), dtype=np.float32).ravel()
        title = _row_dots(self._text_rows(queries, "title"), self.index_.title, qrow, cpos)
        parts = factors.compute(self.kind, self.index_, queries, qrow, cpos, text, title)
        return np.stack([parts[f] for f in self.factors_], axis=-1).reshape(len(queries), n, -1)


def explain_pair(
    kind: str,
    query: Posting,
    candidate: Posting,
    score: float,
    parts: dict[str, float],
    failed_rule: str | None,
    now: datetime,
    *,
    rank: int = 0,
    vectorizer: TextVectorizer | None = None,
    rules: Sequence[Rule] | None = None,
) -> MatchResult:
    """Why `candidate` is on `query`'s list: shared terms, rules passed, the rule a near miss failed."""
    vectorizer = vectorizer or _default_vectorizer()
    rules = rules if rules is not None else rules_for(kind)
    labels = {rule.id: (rule.zh, rule.en) for rule in RULES if rule.kind == kind}
    failed = next((r for r in RULES if r.kind == kind and r.id == failed_rule), None)
    zh, en = failed.why(query, candidate, now) if failed else (None, None)
    # A rule is shown as passed only when this pair passes it: a pair ranked on its merits may lack
    # more than the one thing its list entry names.
    lacking = [r for r in rules if r.fixable and r.id != failed_rule and pair_fails(r, query, candidate, now)]
    also = [dict(zip(("zh", "en"), r.why(query, candidate, now), strict=True), id=r.id) for r in lacking]
    unparsed = getattr(query, "unparsed_requirements", ())
    for text in unparsed:
        also.append({"id": "not_understood", "zh": NOT_UNDERSTOOD[0] % text, "en": NOT_UNDERSTOOD[1] % text})
    unchecked = {failed_rule, *(r.id for r in lacking)} | ({"qualifications"} if unparsed else set())
    return MatchResult(
        query_id=query.id,
        candidate_id=candidate.id,
        score=score,
        rank=rank,
        parts=parts,
        shared_terms=shared_terms(vectorizer, query.tokens.all, candidate.tokens.all),
        rules_passed=tuple(r.id for r in rules if r.id not in unchecked),
        near_miss=failed is not None,
        failed_rule=failed_rule,
        failed_zh=zh,
        failed_en=en,
        also_failed=tuple(also),
        rule_labels=labels,
    )


def shared_terms(vectorizer: TextVectorizer, query_tokens, candidate_tokens) -> tuple[tuple[str, float], ...]:
    """The terms two postings share, weighted by their product in the two TF-IDF rows, best first."""
    mine = vectorizer.term_weights(query_tokens)
    theirs = vectorizer.term_weights(candidate_tokens)
    products = sorted(
        ((round(w * theirs[t], 4), t) for t, w in mine.items() if t in theirs),
        key=lambda item: (-item[0], item[1]),
    )
    return tuple((t, w) for w, t in products[:SHARED_TERMS] if w > 0)


_VECTORIZER: TextVectorizer | None = None


def _default_vectorizer() -> TextVectorizer:
    global _VECTORIZER
    if _VECTORIZER is None:
        _VECTORIZER = TextVectorizer().fit()
    return _VECTORIZER


# --- array helpers ---------------------------------------------------------------------------------


def _coo(matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    coo = matrix.tocoo()
    return coo.row.astype(np.int32), coo.col.astype(np.int32), coo.data.astype(np.float32)


def _set_floors(floors: np.ndarray, rows: np.ndarray, found: sp.csr_matrix, depth: int, width: int) -> None:
    """A row whose first stage was cut at `depth` can only be entered above its depth-th similarity."""
    if depth >= width or not found.nnz:
        return
    counts = np.diff(found.indptr)
    cut = np.flatnonzero(counts >= depth)
    if not len(cut):
        return
    nonempty = np.flatnonzero(counts)
    lowest = np.empty(len(counts), dtype=found.data.dtype)
    lowest[nonempty] = np.minimum.reduceat(found.data, found.indptr[nonempty])  # each row's smallest kept
    floors[rows[cut]] = np.maximum(floors[rows[cut]], lowest[cut])


def _merge(pieces: list, n: int) -> _Pairs:
    """Concatenate pair pieces and fold duplicates (a pair wanted by both lists is scored once)."""
    if not pieces:
        empty = np.zeros(0, dtype=np.int64)
        return _Pairs(empty, empty, np.zeros(0, np.float32), empty.astype(bool), empty.astype(bool))
    qrow = np.concatenate([p[0] for p in pieces])
    cpos = np.concatenate([p[1] for p in pieces])
    text = np.concatenate([p[2] for p in pieces])
    forward = np.concatenate([np.broadcast_to(p[3], len(p[0])) for p in pieces])
    reverse = np.concatenate([np.broadcast_to(p[4], len(p[0])) for p in pieces])
    if not len(qrow):
        return _merge([], n)
    keys = qrow.astype(np.int64) * n + cpos
    order = np.argsort(keys)  # a pair's duplicates carry the same values, so which one is kept is moot
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    first = order[starts]
    fwd = np.logical_or.reduceat(forward[order], starts)
    rev = np.logical_or.reduceat(reverse[order], starts)
    return _Pairs(qrow[first], cpos[first], text[first], fwd, rev)  # sorted by query row


def _row_dots(left: sp.csr_matrix, right: sp.csr_matrix, lrow: np.ndarray, rrow: np.ndarray) -> np.ndarray:
    """Dot products of given (left row, right row) pairs, one pair at a time in C (titles are a few terms,
    so this reads little); a pair's value does not depend on the other pairs computed with it."""
    if not len(lrow):
        return np.zeros(0, dtype=np.float32)
    products = left[lrow].multiply(right[rrow])
    return np.asarray(products.sum(axis=1), dtype=np.float32).ravel()


def _pair_products(left: sp.csr_matrix, right: sp.csr_matrix, lrow: np.ndarray, rrow: np.ndarray) -> np.ndarray:
    """The dot products of given (left row, right row) pairs, by the fused product of the rows involved
    (so a pair gets the same value here as in the first stage), looked up by key."""
    if not len(lrow):
        return np.zeros(0, dtype=np.float32)
    rows, columns = np.unique(lrow), np.unique(rrow)
    product = sp_matmul_topn(left[rows], right[columns].T.tocsr(), top_n=len(columns)).tocoo()
    width = right.shape[0]
    keys = rows[product.row].astype(np.int64) * width + columns[product.col]
    order = np.argsort(keys)
    keys, data = keys[order], product.data[order]
    if not len(keys):
        return np.zeros(len(lrow), dtype=np.float32)
    wanted = lrow.astype(np.int64) * width + rrow
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, data[at], 0).astype(np.float32)


def _chunks(qrow: np.ndarray, size: int):
    """(start, end) ranges of `qrow` (sorted) that hold about `size` pairs and never split a query."""
    start, n = 0, len(qrow)
    while start < n:
        end = min(start + size, n)
        if end < n:
            end = int(np.searchsorted(qrow, qrow[end - 1], side="right"))
        yield start, end
        start = end


def _concat(chunks: list[dict]) -> dict:
    chunks = [c for c in chunks if c]
    if not chunks:
        return {}
    return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}


def _top_per(entity, score, tiebreak, limit, owner=None, per_owner=1) -> np.ndarray:
    """Indices of each entity's best `limit` entries (score desc, tiebreak asc), by entity then rank.

    With `owner`, an entity's list holds its best `limit` owners, each with up to `per_owner` of its
    entries right after its best one.
    """
    if not len(entity) or limit <= 0:
        return np.zeros(0, dtype=np.int64)
    if owner is None:
        order = np.lexsort((tiebreak, -score, entity))
        sorted_entity = entity[order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_entity, sorted_entity, side="left")
        return order[rank < limit]
    order = np.lexsort((tiebreak, -score, owner, entity))
    key = entity[order].astype(np.int64) * (int(owner.max()) + 1) + owner[order]
    within = np.arange(len(order)) - np.searchsorted(key, key, side="left")
    best = order[within == 0]  # each (entity, owner)'s best entry
    by_best = np.lexsort((tiebreak[best], -score[best], entity[best]))
    best_sorted = best[by_best]
    best_entity = entity[best_sorted]
    owner_rank = np.arange(len(best_sorted)) - np.searchsorted(best_entity, best_entity, side="left")
    kept = best_sorted[owner_rank < limit]
    kept_key = entity[kept].astype(np.int64) * (int(owner.max()) + 1) + owner[kept]
    kept_rank = owner_rank[owner_rank < limit]
    folded = within < per_owner
    candidates, candidate_key = order[folded], key[folded]
    sorter = np.argsort(kept_key)
    at = np.minimum(np.searchsorted(kept_key[sorter], candidate_key), len(kept_key) - 1)
    inside = kept_key[sorter][at] == candidate_key
    chosen = candidates[inside]
    rank_of = kept_rank[sorter][at[inside]]
    within_of = within[folded][inside]
    final = np.lexsort((within_of, rank_of, entity[chosen]))
    return chosen[final]
