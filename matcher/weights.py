"""Weights of the soft factors fitted on labelled data, where that beats weights set by hand.

Two steps. First a pairwise logistic regression: within each query, every answer (grade 2) is paired
with other candidates of the same query, and the model learns which factor differences tell the answer
apart (pairing within a query is what ranking needs: a factor high for every candidate of a query says
nothing). Its coefficients, negative ones set to zero and scaled to sum to 1, start a search that
improves the ranking itself on the training queries: random multiplicative steps, kept when they raise
MRR + hit@10, which the regression's log-loss only approximates. Both steps measured better than one
row per candidate (docs/notes-matcher.md). The weights sum to 1, so a score stays a weighted sum of
its parts in [0, 1]. Fitting is never done on the queries being scored: callers fit on
a separate labelled set or on other cross-validation folds (qianfan.evaluation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression


class WeightFitter:
    """fit(X, y, groups): X the factor values of (query, candidate) pairs, y their grades, groups the query."""

    def __init__(
        self,
        factors: Sequence[str],
        C: float = 0.1,  # noqa: N803 - scikit-learn's name
        answer_grade: int = 2,
        negatives: int = 50,
        search_steps: int = 400,
        random_state: int = 0,
    ):
        self.factors = factors
        self.C = C
        self.answer_grade = answer_grade
        self.negatives = negatives
        self.search_steps = search_steps
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> WeightFitter:  # noqa: N803
        X = np.asarray(X, dtype=float)  # noqa: N806
        y, groups = np.asarray(y), np.asarray(groups)
        if X.ndim != 2 or X.shape[1] != len(self.factors):
            raise ValueError(
                f"X must have one column per factor ({len(self.factors)}), not shape {X.shape}"
            )
        rng = np.random.default_rng(self.random_state)
        differences = []
        for group in np.unique(groups):
            rows = np.flatnonzero(groups == group)
            answers = rows[y[rows] >= self.answer_grade]
            others = rows[y[rows] < self.answer_grade]
            for answer in answers:
                if len(others):
                    sample = rng.choice(others, min(self.negatives, len(others)), replace=False)
                    differences.append(X[answer] - X[sample])
        if not differences:
            raise ValueError("fitting weights needs queries with an answer and other candidates")
        diff = np.concatenate(differences)
        # Each difference both ways round, so the two classes are balanced and no intercept is needed.
        model = LogisticRegression(C=self.C, fit_intercept=False, max_iter=5000)
        model.fit(np.concatenate([diff, -diff]), np.r_[np.ones(len(diff)), np.zeros(len(diff))])
        coefficients = np.clip(model.coef_[0], 0.0, None)
        if coefficients.sum() <= 0:
            raise ValueError("no factor tells answers from other candidates in this data")
        self.coef_ = model.coef_[0]
        self.weights_ = {
            f: round(float(c / coefficients.sum()), 4)
            for f, c in zip(self.factors, coefficients, strict=True)
        }
        return self
