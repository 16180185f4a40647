"""The candidate side held in memory as arrays, so rules and soft factors run over many pairs at once.

Built once from the candidate postings (listings for orders, packages for service demands) and their
kept tokens; pairs of (query, candidate) are then scored against it in chunks. Per-value vectors (which
candidates serve region X, which hold certificate Y) are computed once over all candidates and cached,
since many queries share values; a pair reads its candidate's entry (`per_query`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, date, datetime

import numpy as np

from matcher.qualifications import Qualification, covers
from matcher.records import Posting
from matcher.text import TextVectorizer


class PrefixCodes:
    """One hierarchical code per candidate as integer arrays per level, for agreement with a query's code.

    Agreement is the share of levels two codes agree on, out of the levels the shallower one has: a
    district inside the city asked for agrees fully; another district of the same city agrees on 2 of
    3 levels (region codes: province 2, city 4, district 6 digits).
    """

    def __init__(self, codes: Sequence[str | None], levels: Sequence[int]) -> None:
        self.levels = levels
        self.maps: list[dict[str, int]] = [{} for _ in levels]
        self.arrays = [
            np.array(
                [m.setdefault(c[:n], len(m)) if c and len(c) >= n else -1 for c in codes],
                dtype=np.int64,
            )
            for m, n in zip(self.maps, levels, strict=True)
        ]
        self.depth = np.array(
            [sum(len(c or "") >= n for n in levels) for c in codes], dtype=np.int64
        )

    def agreement(self, code: str | None) -> np.ndarray:
        """The agreement of `code` with every candidate's code."""
        if not code:
            return np.zeros(len(self.depth), dtype=np.float32)
        depth = np.minimum(self.depth, sum(len(code) >= n for n in self.levels))
        shared = np.zeros(len(self.depth))
        run = np.ones(len(self.depth), dtype=bool)
        for i, (mapping, n) in enumerate(zip(self.maps, self.levels, strict=True)):
            wanted = mapping.get(code[:n], -2) if len(code) >= n else -2
            run &= (self.arrays[i] == wanted) & (depth > i)
            shared += run
        return np.where(depth > 0, shared / np.maximum(depth, 1), 0.0).astype(np.float32)


class ListedCodes:
    """A list of codes per candidate (regions served, industries or sizes eligible); empty means any."""

    def __init__(self, lists: Sequence[Sequence[str]]) -> None:
        self.n = len(lists)
        self.empty = np.array([not codes for codes in lists], dtype=bool)
        self.by_code: dict[str, list[int]] = defaultdict(list)
        for position, codes in enumerate(lists):
            for code in codes:
                self.by_code[code].append(position)

    def _mark(self, codes: Iterable[str]) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for code in codes:
            if code in self.by_code:
                mask[self.by_code[code]] = True
        return mask

    def listing_prefix_of(self, value: str | None) -> np.ndarray:
        """Candidates listing `value` or a broader code of it ("42" lists "420506")."""
        if not value:
            return np.zeros(self.n, dtype=bool)
        return self._mark(value[:k] for k in range(1, len(value) + 1))

    def listing_related(self, value: str) -> np.ndarray:
        """Candidates listing a code broader or narrower than `value`."""
        return self.listing_prefix_of(value) | self._mark(
            c for c in self.by_code if c.startswith(value)
        )

    def listing_exactly(self, value: str | None) -> np.ndarray:
        return self._mark([value]) if value else np.zeros(self.n, dtype=bool)


REGION_LEVELS = (2, 4, 6)  # province, city, district (统计用区划代码)
INDUSTRY_LEVELS = (2, 3, 4)  # 大类, 中类, 小类 (GB/T 4754)


def timestamp(moment: datetime) -> float:
    """Seconds since the epoch; a naive datetime is read as UTC (SQLite hands back naive ones)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def age_in_years(founded_on: date | None, today: date) -> float:
    if founded_on is None:
        return math.inf
    return (today - founded_on).days / 365.25


class CandidateIndex:
    """Arrays over candidate postings, sorted by id so ties always break the same way."""

    def __init__(self, candidates: Sequence[Posting], vectorizer: TextVectorizer) -> None:
        self.postings = sorted(candidates, key=lambda p: (str(type(p.id)), p.id))
        self.position = {p.id: i for i, p in enumerate(self.postings)}
        self.n = len(self.postings)
        self.text = vectorizer.transform([p.tokens.all for p in self.postings])
        self.title = vectorizer.transform([p.tokens.title for p in self.postings])
        self.text.sort_indices()
        self.title.sort_indices()
        self.owner_code: dict[Hashable, int] = {}
        self.owners = np.array(
            [self.owner_code.setdefault(p.owner.id, len(self.owner_code)) for p in self.postings]
        )
        self.kind = np.array([p.kind for p in self.postings], dtype=object)
        self.is_published = np.array([p.status == "published" for p in self.postings], dtype=bool)
        self.deadline = np.array(
            [timestamp(p.deadline) if p.deadline else np.inf for p in self.postings]
        )
        self.valid_until = np.array(
            [p.valid_until.toordinal() if p.valid_until else np.inf for p in self.postings]
        )
        self.quota_left = np.array(
            [1 if p.quota_left is None else p.quota_left for p in self.postings]
        )
        self.amount = np.array(
            [np.nan if p.amount is None else p.amount for p in self.postings], dtype=float
        )
        self.max_age = np.array(
            [
                np.inf if p.max_company_age_years is None else p.max_company_age_years
                for p in self.postings
            ]
        )
        firms = [p.owner for p in self.postings]
        self.firm_region = PrefixCodes([f.region_code for f in firms], REGION_LEVELS)
        self.regions_listed = ListedCodes([p.region_codes for p in self.postings])
        self.industries_listed = ListedCodes([p.eligible_industry_codes for p in self.postings])
        self.sizes_listed = ListedCodes([p.eligible_sizes for p in self.postings])
        self.industry = PrefixCodes(
            [p.industry_code or f.industry_code for p, f in zip(self.postings, firms, strict=True)],
            INDUSTRY_LEVELS,
        )
        n_contracts = np.array([f.n_contracts for f in firms], dtype=float)
        self.experience = np.minimum(1.0, np.log1p(n_contracts) / math.log(21)).astype(np.float32)
        self.log_past_amount = np.array(
            [_log_median([a for a in f.past_amounts if a and a > 0]) for f in firms]
        )
        self.history: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
        for i, firm in enumerate(firms):
            for buyer, count in firm.past_buyers:
                self.history[buyer].append((i, count))
        # The same as sorted keys (buyer number × n + position) with their counts, for lookups by pair.
        self.buyer_code = {buyer: code for code, buyer in enumerate(self.history)}
        keys = [(self.buyer_code[b] * self.n + p, c) for b, entries in self.history.items() for p, c in entries]
        keys.sort()
        self.history_keys = np.array([k for k, _ in keys], dtype=np.int64)
        self.history_counts = np.array([c for _, c in keys], dtype=np.float32)
        self._held: dict[str, list[tuple[int, Qualification]]] = defaultdict(list)
        for i, firm in enumerate(firms):
            for held in firm.qualifications:
                self._held[held.key].append((i, held))
        self._cache: dict[tuple, np.ndarray] = {}

    def open_mask(self, now: datetime) -> np.ndarray:
        """Candidates published, before their deadline and still valid at `now`."""
        return (
            self.is_published
            & (self.deadline > timestamp(now))
            & (self.valid_until >= now.date().toordinal())
        )

    def cached(
        self, name: str, value: Hashable, compute: Callable[[CandidateIndex], np.ndarray]
    ) -> np.ndarray:
        """A per-candidate vector computed once per (name, value) by compute(full index)."""
        key = (name, value)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = compute(self)
        return found

    def history_count(self, buyers: Sequence[Hashable], qrow: np.ndarray, cpos: np.ndarray) -> np.ndarray:
        """Signed contracts of each pair's candidate firm with its query's buyer (`buyers`: one per query)."""
        codes = np.array([self.buyer_code.get(b, -1) for b in buyers], dtype=np.int64)
        if not len(self.history_keys) or not len(qrow):
            return np.zeros(len(qrow), dtype=np.float32)
        pair_codes = codes[qrow]
        keys = pair_codes * self.n + cpos
        at = np.minimum(np.searchsorted(self.history_keys, keys), len(self.history_keys) - 1)
        found = (self.history_keys[at] == keys) & (pair_codes >= 0)
        return np.where(found, self.history_counts[at], 0).astype(np.float32)

    def holders(self, required: Qualification, exact: bool = False) -> np.ndarray:
        """Which candidates' firms hold a certificate that covers `required` (`exact`: at its very grade)."""

        def compute_by_key(full: CandidateIndex) -> np.ndarray:
            mask = np.zeros(self.n, dtype=bool)
            for key, entries in self._held.items():
                if not covers(
                    Qualification(name="", key=key), Qualification(name="", key=required.key)
                ):
                    continue
                for i, held in entries:
                    if covers(held, required) and (
                        not exact
                        or held.grade is None
                        or required.grade is None
                        or held.grade == required.grade
                    ):
                        mask[i] = True
            return mask

        return self.cached("holders", (required.key, required.grade, exact), compute_by_key)


def _log_median(amounts: Sequence[float]) -> float:
    return math.log(float(np.median(amounts))) if amounts else np.nan


def per_query(
    index: CandidateIndex,
    name: str,
    values: Sequence[Hashable],
    qrow: np.ndarray,
    cpos: np.ndarray,
    compute: Callable[[Hashable], np.ndarray],
    dtype=np.float32,
) -> np.ndarray:
    """Each pair's entry in the cached candidate vector of its query's value (`values`: one per query).

    Pairs are grouped by value, so each distinct value's vector is computed (or found) once.
    """
    out = np.zeros(len(qrow), dtype=dtype)
    if not len(qrow):
        return out
    codes: dict[Hashable, int] = {}
    query_code = np.array([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)
    pair_code = query_code[qrow]
    order = np.argsort(pair_code, kind="stable")
    bounds = np.searchsorted(pair_code[order], np.arange(len(codes) + 1))
    for value, code in codes.items():
        chosen = order[bounds[code] : bounds[code + 1]]
        if len(chosen):
            vector = index.cached(name, value, lambda full, value=value: compute(value))
            out[chosen] = vector[cpos[chosen]]
    return out
