"""Features of (query, candidate) pairs for the learned ranker, computed for many pairs at once.

Each feature has a name and a group; the groups are the readable parts pages show ("text similarity",
"worked for this buyer" ...), and a model's per-feature contributions are summed by group. Values are
float32, NaN where unknown (LightGBM learns where unknowns go). A pair's features depend only on the two
postings, their firms and the fitted candidate index, never on which other pairs are scored with it, so
one posting ranked alone gets what a full rematch gives it.

History is dated: contracts count only when signed before the query's `published_on`, and never the
contract of a deal made on the query itself (a rematch after a deal must not call that deal "曾与该采购方合作").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import scipy.sparse as sp

from matcher.index import CandidateIndex, per_query
from matcher.records import Posting
from matcher.text import TextVectorizer

GROUPS = {
    "order": ("text", "title", "work_type", "industry", "region", "budget", "buyer_history", "experience",
              "qualification", "grade_fit"),
    "service": ("text", "title", "industry", "region", "budget"),
}  # fmt: skip

# (feature, group) in column order.
ORDER_FEATURES = (
    ("text_cosine", "text"), ("bm25", "text"), ("bm25_share", "text"), ("term_coverage", "text"),
    ("query_terms", "text"),
    ("title_cosine", "title"), ("query_title_in_text", "title"), ("query_text_in_title", "title"),
    ("work_type_share", "work_type"), ("work_type_any", "work_type"), ("query_work_type", "work_type"),
    ("industry", "industry"),
    ("region_agreement", "region"), ("serves_region", "region"), ("region_asked", "region"),
    ("budget_closeness", "budget"), ("log_budget", "budget"), ("budget_over_median", "budget"),
    ("budget_over_largest", "budget"), ("capacity_ok", "budget"), ("log_median_amount", "budget"),
    ("buyer_contracts", "buyer_history"), ("buyer_share", "buyer_history"),
    ("contracts_before", "experience"), ("distinct_buyers", "experience"), ("log_amount_total", "experience"),
    ("qualification_share", "qualification"), ("requirements", "qualification"),
    ("requirements_not_understood", "qualification"), ("same_kind_held", "qualification"),
    ("certificates_held", "qualification"), ("qualified", "qualification"),
    ("grade_share", "grade_fit"), ("grade_gap", "grade_fit"),
)  # fmt: skip
SERVICE_FEATURES = (
    ("text_cosine", "text"), ("bm25_share", "text"), ("term_coverage", "text"),
    ("title_cosine", "title"), ("query_title_in_text", "title"),
    ("industry", "industry"), ("region_agreement", "region"), ("budget_closeness", "budget"),
)  # fmt: skip
FEATURES = {"order": ORDER_FEATURES, "service": SERVICE_FEATURES}

# Kinds of work, by words of a title; what a firm has done before says which tenders it bids for.
WORK_TYPES = (
    ("监理",), ("设计",), ("勘察", "勘查", "测绘", "测量"), ("造价", "咨询", "审计", "评估", "可研", "规划", "招标代理"),
    ("检测", "监测", "检验"), ("施工", "改造", "建设", "修缮", "维修", "整治", "安装", "新建", "扩建"),
    ("采购", "设备", "购置", "供货", "货物"), ("运维", "物业", "保洁", "维护", "服务", "运营"),
)  # fmt: skip
BM25_K1, BM25_B = 1.2, 0.75
BM25_AVERAGE_LENGTH = (
    100.0  # tokens; between a listing's few dozen and a tender profile's few hundred
)
_DAY0 = date(2000, 1, 1).toordinal()
_NO_DATE = 2**15 - 1  # "no date": after every real one (days since 2000 fit in 15 bits until 2089)
_NAN = np.float32("nan")


def feature_names(kind: str) -> list[str]:
    return [name for name, _ in FEATURES[kind]]


def feature_groups(kind: str) -> list[str]:
    return [group for _, group in FEATURES[kind]]


def _day(ordinal: int | None) -> int:
    return _NO_DATE if ordinal is None else max(0, min(_NO_DATE - 1, ordinal - _DAY0))


def work_type(title_tokens: Sequence[str]) -> np.ndarray:
    """How often each kind of work is named in a title (one count per WORK_TYPES entry)."""
    text = "".join(title_tokens)
    return np.array(
        [sum(text.count(word) for word in words) for words in WORK_TYPES], dtype=np.float32
    )


def query_work_type(title_tokens: Sequence[str]) -> int:
    """The kind of work a query's title names first-most specifically (-1: none)."""
    counts = work_type(title_tokens)
    return int(np.argmax(counts)) if counts.any() else -1


class FeatureIndex:
    """What the features need of the candidates beyond matcher.index: BM25 rows, kinds of work, dated history."""

    def __init__(self, index: CandidateIndex, vectorizer: TextVectorizer) -> None:
        self.idf = vectorizer.transformer_.idf_.astype(np.float32)
        self.hasher = vectorizer.hasher_
        documents = [p.tokens.all for p in index.postings]
        counts = (vectorizer.hasher_.transform(documents).astype(np.float32).tocsr() if documents
                  else sp.csr_matrix((0, len(self.idf)), dtype=np.float32))  # fmt: skip
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        # A fixed average length, not the candidates' own: a pair's BM25 must not change when another
        # listing is published (one posting ranked alone gets what a full rematch gives it).
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / BM25_AVERAGE_LENGTH)
        saturated = counts.copy()
        row_norm = np.repeat(norm, np.diff(counts.indptr)).astype(np.float32)
        saturated.data = counts.data * (BM25_K1 + 1) / (counts.data + row_norm)
        saturated.sort_indices()
        self.bm25 = saturated
        binary = counts.copy()
        binary.data[:] = 1.0
        binary.sort_indices()
        self.binary = binary
        works = np.array(
            [work_type(p.tokens.title) for p in index.postings], dtype=np.float32
        ).reshape(-1, len(WORK_TYPES))
        totals = works.sum(axis=1, keepdims=True)
        self.work_share = np.divide(works, totals, out=np.zeros_like(works), where=totals > 0)
        firms = [p.owner for p in index.postings]
        self.n_certificates = np.array([len(f.qualifications) for f in firms], dtype=np.float32)
        self.kinds_held: dict[str, np.ndarray] = {}
        for position, firm in enumerate(firms):
            for held in firm.qualifications:
                kind = held.key.partition(":")[0]
                mask = self.kinds_held.setdefault(kind, np.zeros(index.n, dtype=bool))
                mask[position] = True
        amounts = [[a for a in f.past_amounts if a and a > 0] for f in firms]
        self.log_largest = np.array(
            [math.log(max(a)) if a else np.nan for a in amounts], dtype=np.float32
        )
        self.log_total = np.array(
            [math.log1p(sum(a)) if a else 0.0 for a in amounts], dtype=np.float32
        )
        # Dated history: keys (buyer code × n + position) × 2^15 + day, sorted; and position × 2^15 + day.
        buyer_code: dict = {}
        history, experience, own = [], [], {}
        for position, firm in enumerate(firms):
            contracts = firm.contracts or tuple(
                (b, None, None) for b, c in firm.past_buyers for _ in range(c)
            )
            for buyer, signed, order in contracts:
                code = buyer_code.setdefault(buyer, len(buyer_code))
                history.append((code * index.n + position) * 2**15 + _day(signed))
                experience.append(position * 2**15 + _day(signed))
                if order is not None:
                    own[(order, position)] = own.get((order, position), 0) + 1
        self.buyer_code = buyer_code
        self.history_keys = np.sort(np.array(history, dtype=np.int64))
        self.experience_keys = np.sort(np.array(experience, dtype=np.int64))
        # Contracts made from a deal on an order, by (order, position): never history for that order.
        self.own_order = {order: i for i, order in enumerate(sorted({o for o, _ in own}, key=repr))}
        own_keys = sorted((self.own_order[o] * index.n + p, c) for (o, p), c in own.items())
        self.own_keys = np.array([k for k, _ in own_keys], dtype=np.int64)
        self.own_counts = np.array([c for _, c in own_keys], dtype=np.float32)
        self.distinct_buyers = np.array(
            [len({b for b, _ in f.past_buyers}) for f in firms], dtype=np.float32
        )


def pair_products(left: sp.csr_matrix, right: sp.csr_matrix, lrow: np.ndarray, rrow: np.ndarray,
                  block_cells: int = 16_000_000) -> np.ndarray:  # fmt: skip
    """Dot products of given (left row, right row) pairs: the product of a block of left rows with every
    right row, made dense (at most `block_cells` cells) and read at the pairs, block after block."""
    out = np.zeros(len(lrow), dtype=np.float32)
    if not len(lrow):
        return out
    order = np.argsort(lrow, kind="stable")
    sorted_rows = lrow[order]
    rows = np.unique(sorted_rows)
    right_t = right.T.tocsr()
    per_block = max(1, block_cells // max(right.shape[0], 1))
    for start in range(0, len(rows), per_block):
        block = rows[start : start + per_block]
        dense = (left[block] @ right_t).toarray()
        lo = np.searchsorted(sorted_rows, block[0])
        hi = np.searchsorted(sorted_rows, block[-1], side="right")
        at = order[lo:hi]
        out[at] = dense[np.searchsorted(block, lrow[at]), rrow[at]]
    return out


def _counts_before(keys: np.ndarray, base: np.ndarray, day: np.ndarray) -> np.ndarray:
    """How many of `keys` (sorted, base × 2^15 + day) share a pair's base and fall before its day."""
    if not len(keys):
        return np.zeros(len(base), dtype=np.float32)
    start = np.searchsorted(keys, base * 2**15, side="left")
    end = np.searchsorted(keys, base * 2**15 + day, side="left")
    return (end - start).astype(np.float32)


def _log(amount: float | None) -> float:
    return math.log(amount) if amount and amount > 0 else np.nan


def compute(
    kind: str,
    index: CandidateIndex,
    extra: FeatureIndex,
    queries: Sequence[Posting],
    qrow: np.ndarray,
    cpos: np.ndarray,
    text: np.ndarray,
    title: np.ndarray,
    text_rows: sp.csr_matrix,
    title_rows: sp.csr_matrix,
    passed: dict[str, np.ndarray],
) -> np.ndarray:
    """The feature matrix (pairs × FEATURES[kind]) of pairs (`qrow` into `queries`, `cpos` into `index`).

    `text` and `title` are the pairs' TF-IDF cosines; `text_rows`/`title_rows` the queries' TF-IDF rows
    (one per query, in `queries` order); `passed` the fixable rules' results per pair.
    """
    from matcher.factors import _closeness, _share  # the factors the weighted sum used, shared

    n = len(qrow)
    out: dict[str, np.ndarray] = {
        "text_cosine": text.astype(np.float32),
        "title_cosine": title.astype(np.float32),
    }
    query_tokens = [sorted(set(q.tokens.all)) for q in queries]
    if n:
        hashed = extra.hasher.transform(query_tokens).astype(np.float32).tocsr()
        hashed.data[:] = 1.0
        weighted = hashed.multiply(extra.idf).tocsr()
        idf_sums = np.asarray(weighted.sum(axis=1)).ravel().astype(np.float32)
        extra_rows = sp.csr_matrix(
            weighted.multiply(1.0 / np.maximum(idf_sums, 1e-6)[:, None]), dtype=np.float32
        )
        extra_rows.sort_indices()
        out["bm25_share"] = pair_products(extra_rows, extra.bm25, qrow, cpos) / (BM25_K1 + 1)
        out["bm25"] = out["bm25_share"] * idf_sums[qrow]
        out["term_coverage"] = pair_products(extra_rows, extra.binary, qrow, cpos)
        out["query_title_in_text"] = pair_products(title_rows, index.text, qrow, cpos)
        out["query_text_in_title"] = pair_products(text_rows, index.title, qrow, cpos)
    else:
        for name in (
            "bm25_share",
            "bm25",
            "term_coverage",
            "query_title_in_text",
            "query_text_in_title",
        ):
            out[name] = np.zeros(0, dtype=np.float32)
    out["query_terms"] = (
        np.log1p(np.array([len(t) for t in query_tokens], dtype=np.float32))[qrow]
        if n
        else np.zeros(0, np.float32)
    )
    budgets = np.array([_log(q.amount) for q in queries], dtype=np.float32)
    if kind == "order":
        industries = [q.industry_code or q.owner.industry_code for q in queries]
        regions = [q.region_codes[0] if q.region_codes else q.owner.region_code for q in queries]
    else:
        industries = [q.owner.industry_code for q in queries]
        regions = [q.owner.region_code for q in queries]
    out["industry"] = per_query(index, "industry", industries, qrow, cpos, index.industry.agreement)
    out["region_agreement"] = per_query(
        index, "region", regions, qrow, cpos, index.firm_region.agreement
    )
    if kind == "order":
        out["budget_closeness"] = _closeness(budgets[qrow], index.log_past_amount[cpos])
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log(index.amount[cpos])
        out["budget_closeness"] = _closeness(budgets[qrow], values)
    if kind == "order":
        work = np.array([query_work_type(q.tokens.title) for q in queries], dtype=np.int64)
        pair_work = work[qrow]
        out["query_work_type"] = pair_work.astype(np.float32)
        share = extra.work_share[cpos, np.maximum(pair_work, 0)] if n else np.zeros(0, np.float32)
        out["work_type_share"] = np.where(pair_work >= 0, share, _NAN).astype(np.float32)
        out["work_type_any"] = np.where(pair_work >= 0, share > 0, _NAN).astype(np.float32)
        out["serves_region"] = passed.get("region", np.ones(n, dtype=bool)).astype(np.float32)
        out["region_asked"] = np.array([bool(q.region_codes) for q in queries], dtype=np.float32)[
            qrow
        ]
        pair_budget = budgets[qrow]
        out["log_budget"] = pair_budget
        out["budget_over_median"] = (pair_budget - index.log_past_amount[cpos]).astype(np.float32)
        out["budget_over_largest"] = (pair_budget - extra.log_largest[cpos]).astype(np.float32)
        capacity = passed.get("capacity", np.ones(n, dtype=bool))
        with np.errstate(invalid="ignore"):
            known = ~np.isnan(index.amount[cpos]) & ~np.isnan(pair_budget)
        out["capacity_ok"] = np.where(known, capacity, _NAN).astype(np.float32)
        out["log_median_amount"] = index.log_past_amount[cpos].astype(np.float32)
        days = np.array(
            [_day(q.published_on.toordinal() if q.published_on else None) for q in queries],
            dtype=np.int64,
        )
        pair_day = days[qrow]
        codes = np.array([extra.buyer_code.get(q.owner.id, -1) for q in queries], dtype=np.int64)[
            qrow
        ]
        with_buyer = _counts_before(
            extra.history_keys, np.maximum(codes, 0) * index.n + cpos, pair_day
        )
        with_buyer = np.where(codes >= 0, with_buyer, 0).astype(np.float32)
        contracts = _counts_before(extra.experience_keys, cpos.astype(np.int64), pair_day)
        if len(extra.own_keys):
            own_code = np.array([extra.own_order.get(q.id, -1) for q in queries], dtype=np.int64)[
                qrow
            ]
            keys = np.maximum(own_code, 0) * index.n + cpos
            at = np.minimum(np.searchsorted(extra.own_keys, keys), len(extra.own_keys) - 1)
            own = np.where(
                (own_code >= 0) & (extra.own_keys[at] == keys), extra.own_counts[at], 0
            ).astype(np.float32)
            with_buyer = np.maximum(0, with_buyer - own)
            contracts = np.maximum(0, contracts - own)
        out["buyer_contracts"] = with_buyer
        out["buyer_share"] = with_buyer / np.maximum(contracts, 1)
        out["contracts_before"] = contracts
        out["distinct_buyers"] = extra.distinct_buyers[cpos]
        out["log_amount_total"] = extra.log_total[cpos]
        out["qualification_share"] = _share(index, queries, qrow, cpos, exact=False)
        out["grade_share"] = _share(index, queries, qrow, cpos, exact=True)
        asked = np.array(
            [sum(1 for e in q.required_qualifications if e) for q in queries], dtype=np.float32
        )
        out["requirements"] = asked[qrow]
        out["requirements_not_understood"] = np.array(
            [len(q.unparsed_requirements) for q in queries], dtype=np.float32
        )[qrow]
        kinds = [
            frozenset(need.key.partition(":")[0] for e in q.required_qualifications for need in e)
            for q in queries
        ]
        out["same_kind_held"] = per_query(
            index, "kinds-held", kinds, qrow, cpos, lambda k: _held_any(extra, index.n, k)
        )
        out["same_kind_held"][asked[qrow] == 0] = np.nan
        out["certificates_held"] = extra.n_certificates[cpos]
        out["qualified"] = np.where(
            asked[qrow] > 0, passed.get("qualifications", np.ones(n, bool)), _NAN
        ).astype(np.float32)
        gaps = [_grade_need(q) for q in queries]
        out["grade_gap"] = per_query(
            index, "grade-gap", gaps, qrow, cpos, lambda need: _grade_gap(index, need)
        )
        for name in ("qualification_share", "grade_share"):
            out[name][asked[qrow] == 0] = np.nan
    names = feature_names(kind)
    return (
        np.stack([out[name] for name in names], axis=-1).astype(np.float32)
        if n
        else np.zeros((0, len(names)), np.float32)
    )


def _held_any(extra: FeatureIndex, n: int, kinds: frozenset) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for kind in kinds:
        if kind in extra.kinds_held:
            mask |= extra.kinds_held[kind]
    return mask.astype(np.float32)


def _grade_need(query: Posting) -> tuple:
    """The graded certificates a query asks for, as hashable (key, grade) pairs."""
    return tuple(sorted({(need.key, need.grade) for e in query.required_qualifications for need in e
                         if need.grade is not None}))  # fmt: skip


def _grade_gap(index: CandidateIndex, need: tuple) -> np.ndarray:
    """Required grade minus the best grade held of the same certificate (positive: a higher grade held);
    NaN when nothing graded is asked or the firm holds none of it."""
    best = np.full(index.n, np.nan, dtype=np.float32)
    for key, grade in need:
        for position, held in index._held.get(key, ()):
            if held.grade is not None:
                gap = grade - held.grade
                if np.isnan(best[position]) or gap > best[position]:
                    best[position] = gap
    return best
