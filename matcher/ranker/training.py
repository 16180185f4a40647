"""Fitting a LightGBM lambdarank model on labelled pairs (features, grade, query).

Grades as in the labelled sets and the platform's outcomes: 2 the answer (the winner, a signed
contract), 1 a near answer (another shortlisted bidder; an invitation, interest or shortlisting), 0 a
candidate shown and not taken. Queries without any graded candidate teach a ranker nothing and are
left out. The parameters were chosen on procurement-dev with 5 folds (docs/notes-ranker.md); the fit
is deterministic (fixed seeds, deterministic LightGBM).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from matcher.ranker.models import LambdaModel, now_iso

PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "label_gain": [0, 1, 3],
    "lambdarank_truncation_level": 10,
    "num_leaves": 7,
    "min_data_in_leaf": 20,
    "learning_rate": 0.1,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
ROUNDS = 80


def fit(
    X: np.ndarray,  # noqa: N803
    y: np.ndarray,
    groups: np.ndarray,
    kind: str,
    features: Sequence[str],
    feature_groups: Sequence[str],
    group_names: Sequence[str],
    data: dict | None = None,
    params: dict | None = None,
    rounds: int = ROUNDS,
) -> LambdaModel:
    """A lambdarank model of pairs `X` (rows grouped by `groups`, any order) graded `y`."""
    import lightgbm

    X, y, groups = (
        np.asarray(X, dtype=np.float32),
        np.asarray(y, dtype=np.int32),
        np.asarray(groups),
    )  # noqa: N806
    if X.ndim != 2 or X.shape[1] != len(features):
        raise ValueError(
            f"X must have one column per feature ({len(features)}), not shape {X.shape}"
        )
    order = np.argsort(groups, kind="stable")
    X, y, groups = X[order], y[order], groups[order]  # noqa: N806
    _, starts, sizes = np.unique(groups, return_index=True, return_counts=True)
    useful = np.array(
        [y[s : s + c].max() > 0 for s, c in zip(starts, sizes, strict=True)], dtype=bool
    )
    if not useful.any():
        raise ValueError("training needs queries with at least one graded candidate")
    keep = np.repeat(useful, sizes)
    X, y = X[keep], y[keep]  # noqa: N806
    sizes = sizes[useful]
    started = time.perf_counter()
    settings = {**PARAMS, **(params or {})}
    dataset = lightgbm.Dataset(X, y, group=sizes, feature_name=list(features), free_raw_data=True)
    booster = lightgbm.train(settings, dataset, num_boost_round=rounds)
    metadata = {
        "kind": kind,
        "scorer": "lambdarank",
        "features": list(features),
        "groups": list(feature_groups),
        "trained_at": now_iso(),
        "training_seconds": round(time.perf_counter() - started, 2),
        "data": {**(data or {}), "queries": int(len(sizes)), "pairs": int(len(y)),
                 "grades": {str(g): int((y == g).sum()) for g in np.unique(y)}},
        "params": {**settings, "rounds": rounds},
        "importance": {f: int(v) for f, v in zip(features, booster.feature_importance("gain"), strict=True) if v},
    }  # fmt: skip
    return LambdaModel(booster, metadata, group_names)
