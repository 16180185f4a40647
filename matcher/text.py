"""TF-IDF vectors of postings from their kept tokens, with term weights that do not depend on the live data.

Inverse document frequencies come from a background corpus the project ships (matcher/data/
background_df.tsv: the real procurement notices and the reference catalogues, counted by
`matcher.build_dictionary`), not from the postings being matched. A pair's similarity therefore depends
on the two postings alone, which is what lets a rematch of one posting give exactly what a full rematch
gives. Tokens are hashed (scikit-learn's HashingVectorizer) so a word the background never saw still
counts, with the highest weight, and no vocabulary has to be kept in step with the data.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

from matcher import lexicon

BACKGROUND_DF = lexicon.DATA_DIR / "background_df.tsv"


def _identity(tokens):
    return tokens


@lru_cache(maxsize=4)
def read_background(path: Path = BACKGROUND_DF) -> tuple[int, dict[str, int]]:
    """(number of documents, term -> document frequency) of the shipped background corpus."""
    lines = path.read_text(encoding="utf-8").splitlines()
    n_documents = int(lines[0].split("\t")[1])
    frequencies = {}
    for line in lines[1:]:
        term, count = line.rsplit("\t", 1)
        frequencies[term] = int(count)
    return n_documents, frequencies


@lru_cache(maxsize=4)
def _idf(background: Path, n_features: int) -> np.ndarray:
    """The smoothed idf of scikit-learn, ln((1 + n) / (1 + df)) + 1, per hashed column; unseen: highest."""
    n_documents, frequencies = read_background(background)
    hasher = HashingVectorizer(
        analyzer=_identity, n_features=n_features, alternate_sign=False, norm=None
    )
    df = np.zeros(n_features)
    terms = list(frequencies)
    np.add.at(df, hasher.transform([[t] for t in terms]).indices, [frequencies[t] for t in terms])
    idf = np.log((1 + n_documents) / (1 + df)) + 1
    idf.setflags(write=False)
    return idf


class TextVectorizer:
    """Token lists -> l2-normalised TF-IDF rows; raw term counts (sublinear_tf=False) measured best."""

    def __init__(
        self, n_features: int = 2**20, sublinear_tf: bool = False, background: Path = BACKGROUND_DF
    ):
        self.n_features = n_features
        self.sublinear_tf = sublinear_tf
        self.background = background

    def fit(self, X=None, y=None) -> TextVectorizer:
        """Load the background document frequencies; `X` is ignored (weights never come from live data)."""
        self.hasher_ = HashingVectorizer(
            analyzer=_identity, n_features=self.n_features, alternate_sign=False, norm=None
        )
        transformer = TfidfTransformer(sublinear_tf=self.sublinear_tf, norm=None)
        transformer.idf_ = _idf(self.background, self.n_features)
        self.transformer_ = transformer
        self._columns: dict[str, int] = {}
        return self

    def _check(self) -> None:
        if not hasattr(self, "transformer_"):
            raise RuntimeError("TextVectorizer is not fitted; call fit() first")

    def transform(self, documents: Sequence[Sequence[str]]) -> sp.csr_matrix:
        self._check()
        if not len(documents):
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        counts = self.hasher_.transform(documents)
        return normalize(self.transformer_.transform(counts), copy=False).astype(np.float32)

    def column(self, term: str) -> int:
        """The hashed column of `term`, as HashingVectorizer computes it (murmurhash3, absolute value)."""
        found = self._columns.get(term)
        if found is None:
            h = murmurhash3_32(term, seed=0)
            found = self._columns[term] = (2**31 - 1 if h == -(2**31) else abs(h)) % self.n_features
        return found

    def term_weights(self, tokens: Sequence[str]) -> dict[str, float]:
        """Each distinct token's weight in the l2-normalised TF-IDF row of `tokens` (for explanations)."""
        self._check()
        counts = Counter(tokens)
        by_column: Counter = Counter()
        columns = {term: self.column(term) for term in counts}
        for term, count in counts.items():
            by_column[columns[term]] += count
        idf = self.transformer_.idf_
        raw = {
            c: (1 + math.log(n) if self.sublinear_tf else n) * idf[c] for c, n in by_column.items()
        }
        norm = math.sqrt(sum(v * v for v in raw.values())) or 1.0
        return {term: raw[columns[term]] / norm for term in counts}
