"""The candidate side held in memory as arrays, so rules and soft factors run over all candidates at once.

Built once from the candidate postings (listings for orders, packages for service demands) and their
kept tokens; queries are then scored against it in chunks. Per-value vectors (which candidates serve
region X, which hold certificate Y) are computed once and cached, since many queries share values.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, date, datetime

import numpy as np

from matcher.qualifications import Qualification, covers
from matcher.records import Posting
from matcher.text import TextVectorizer


def prefix_agreement(a: str | None, b: str | None, levels: Sequence[int]) -> float:
    """Share of levels two hierarchical codes agree on, out of the levels the shallower one has.

    A district inside the city asked for agrees fully; another district of the same city agrees on
    2 of 3 levels (region codes: province 2, city 4, district 6 digits).
    """
    if not a or not b:
        return 0.0
    depth = min(sum(len(a) >= n for n in levels), sum(len(b) >= n for n in levels))
    shared = 0
    for length in levels[:depth]:
        if a[:length] != b[:length]:
            break
        shared += 1
    return shared / depth if depth else 0.0


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
        self.text_t = self.text.T.tocsr()
        self.title_t = self.title.T.tocsr()
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
        self.firm_region = [f.region_code for f in firms]
        self.industry = [
            p.industry_code or f.industry_code for p, f in zip(self.postings, firms, strict=True)
        ]
        n_contracts = np.array([f.n_contracts for f in firms], dtype=float)
        self.experience = np.minimum(1.0, np.log1p(n_contracts) / math.log(21))
        self.log_past_amount = np.array(
            [_log_median([a for a in f.past_amounts if a and a > 0]) for f in firms]
        )
        self.history: dict[Hashable, list[tuple[int, int]]] = defaultdict(list)
        for i, firm in enumerate(firms):
            for buyer, count in firm.past_buyers:
                self.history[buyer].append((i, count))
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

    def cached(self, name: str, value: Hashable, compute: Callable[[], np.ndarray]) -> np.ndarray:
        key = (name, value)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = compute()
        return found

    def holders(self, required: Qualification, exact: bool = False) -> np.ndarray:
        """Which candidates' firms hold a certificate that covers `required` (`exact`: at its very grade)."""

        def compute_by_key() -> np.ndarray:
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

    def by_prefix(
        self, name: str, codes: Sequence[str | None], query: str | None, levels: Sequence[int]
    ):
        """Agreement of `query` with each candidate's code, cached per query value."""
        return self.cached(
            name,
            query,
            lambda: np.array(
                [prefix_agreement(query, code, levels) for code in codes], dtype=float
            ),
        )


def _log_median(amounts: Sequence[float]) -> float:
    return math.log(float(np.median(amounts))) if amounts else np.nan
