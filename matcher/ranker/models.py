"""Scorers of pair features, all with one interface: `predict(X)` and `contributions(X)` by group.

`LambdaModel` is a LightGBM lambdarank booster kept in a versioned model file (gzipped JSON: the
format and its version, the side, the feature list with each feature's group, the training date, what
it was fitted on, its metrics and parameters, and LightGBM's own model text). Its score is the
booster's raw output minus its expected value (the sum of the trees' root values), and the score is
split into per-feature contributions by path attribution: in each tree, every split on the way to the
pair's leaf changes the expected value, and that change is credited to the split's feature (Saabas'
method). The contributions add up to the score exactly, so the parts a page shows add up to it too.
LightGBM's `pred_contrib` (TreeSHAP) gives Shapley values instead, but measured 1.1 ms per pair: about
7 minutes for the pairs of a 1× rematch, where this costs one `pred_leaf` pass and one sparse product
(`contributions_shap` keeps it for a single pair, e.g. to check the two agree in sign).

`LinearScorer` is a weighted sum of feature values (NaN counts as 0) with weights set by hand: the
service side's scorer, since no labelled outcomes exist for it yet, and the order side's fallback.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

MODEL_FORMAT = "qianfan-ranker"
MODEL_VERSION = 1
SHIPPED_MODEL = Path(__file__).resolve().parent.parent / "data" / "ranker-order.json.gz"


class ModelFileError(ValueError):
    """A model file that cannot be used: missing, unreadable, of another format or side, or stale features."""


def _group_matrix(
    features: Sequence[str], groups: Sequence[str], names: Sequence[str]
) -> np.ndarray:
    """features × groups, 1 where a feature belongs to a group."""
    matrix = np.zeros((len(features), len(names)), dtype=np.float32)
    for i, group in enumerate(groups):
        matrix[i, names.index(group)] = 1.0
    return matrix


class LinearScorer:
    """Σ weight × feature; contributions are the weighted values summed by group."""

    def __init__(self, kind: str, features: Sequence[str], groups: Sequence[str], weights: dict[str, float],
                 group_names: Sequence[str]) -> None:  # fmt: skip
        unknown = set(weights) - set(features)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")
        self.kind = kind
        self.features = list(features)
        self.groups = list(groups)
        self.group_names = list(group_names)
        self.weights = np.array(
            [float(weights.get(f, 0.0)) for f in self.features], dtype=np.float32
        )
        self._by_group = _group_matrix(self.features, self.groups, self.group_names)
        self.metadata = {"kind": kind, "scorer": "linear", "weights": dict(weights)}

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return np.round((np.nan_to_num(X) * self.weights).sum(axis=1, dtype=np.float32), 6).astype(
            np.float32
        )

    def score(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
        return self.predict(X), self.contributions(X)

    def contributions(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return ((np.nan_to_num(X) * self.weights) @ self._by_group).astype(np.float32)


class LambdaModel:
    """A LightGBM lambdarank booster with its metadata (see the module docstring)."""

    def __init__(self, booster, metadata: dict, group_names: Sequence[str]) -> None:
        self.booster = booster
        self.metadata = metadata
        self.kind = metadata["kind"]
        self.features = list(metadata["features"])
        self.groups = list(metadata["groups"])
        self.group_names = list(group_names)
        self._by_group = _group_matrix(self.features, self.groups, self.group_names)
        self._tables()

    def _tables(self) -> None:
        """Per leaf of every tree: its value, and its path's contributions by group; the trees' offsets."""
        group_of = [self.group_names.index(g) for g in self.groups]
        values, parts, offsets, expected = [], [], [], 0.0
        for tree in self.booster.dump_model()["tree_info"]:
            root = tree["tree_structure"]
            leaves: dict[int, tuple[float, np.ndarray]] = {}
            base = float(root.get("internal_value", root.get("leaf_value", 0.0)))
            expected += base
            stack = [(root, base, np.zeros(len(self.group_names)))]
            while stack:
                node, value, path = stack.pop()
                if (
                    "split_feature" not in node
                ):  # a leaf (a tree without splits is one leaf, index 0)
                    leaves[node.get("leaf_index", 0)] = (float(node["leaf_value"]), path)
                    continue
                for child in (node["left_child"], node["right_child"]):
                    child_value = float(child.get("internal_value", child.get("leaf_value", 0.0)))
                    step = path.copy()
                    step[group_of[node["split_feature"]]] += child_value - value
                    stack.append((child, child_value, step))
            offsets.append(len(values))
            for index in range(len(leaves)):
                value, path = leaves[index]
                values.append(value)
                parts.append(path)
        self.expected = expected
        self._offsets = np.array(offsets, dtype=np.int64)
        self._leaf_values = np.array(values, dtype=np.float64)
        self._leaf_parts = np.array(parts, dtype=np.float32).reshape(
            len(values), len(self.group_names)
        )

    def score(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: N803
        """(scores, parts by group) of many pairs: one pass down the trees, then two sparse products."""
        if not len(X):
            return np.zeros(0, dtype=np.float32), np.zeros(
                (0, len(self.group_names)), dtype=np.float32
            )
        import scipy.sparse as sp

        leaves = self.booster.predict(X, pred_leaf=True, num_threads=_threads(len(X)))
        leaves = np.asarray(leaves, dtype=np.int32).reshape(len(X), -1)
        leaves += self._offsets.astype(np.int32)
        trees = leaves.shape[1]
        onehot = sp.csr_matrix(
            (
                np.ones(leaves.size, dtype=np.float32),
                leaves.ravel(),
                np.arange(0, leaves.size + 1, trees, dtype=np.int32),
            ),
            shape=(len(X), len(self._leaf_values)),
        )
        parts = np.asarray(onehot @ self._leaf_parts, dtype=np.float32)
        scores = parts.sum(
            axis=1, dtype=np.float32
        )  # = raw score - expected value, to float32 rounding
        return np.round(scores, 6).astype(np.float32), parts

    def predict(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        if not len(X):
            return np.zeros(0, dtype=np.float32)
        raw = self.booster.predict(X, raw_score=True, num_threads=_threads(len(X)))
        return np.round(raw - self.expected, 6).astype(np.float32)

    def contributions(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        return self.score(X)[1]

    def contributions_shap(self, X: np.ndarray) -> np.ndarray:  # noqa: N803
        """TreeSHAP contributions by group (LightGBM's pred_contrib): exact Shapley values, ~1 ms a pair."""
        contrib = self.booster.predict(X, pred_contrib=True, num_threads=1)
        return (np.asarray(contrib)[:, :-1] @ self._by_group).astype(np.float32)

    # --- the model file ----------------------------------------------------------------------------

    def save(self, path: str | Path) -> int:
        """Write the model file (gzipped JSON); returns its size in bytes."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": MODEL_FORMAT, "version": MODEL_VERSION, **self.metadata,
                   "model": self.booster.model_to_string()}  # fmt: skip
        data = gzip.compress(
            json.dumps(payload, ensure_ascii=False, sort_keys=True).encode(), mtime=0
        )
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_bytes(data)
        temporary.replace(path)
        return len(data)

    @classmethod
    def load(
        cls, path: str | Path, kind: str, features: Sequence[str], group_names: Sequence[str]
    ) -> LambdaModel:
        import lightgbm

        path = Path(path)
        try:
            payload = json.loads(gzip.decompress(path.read_bytes()).decode())
        except FileNotFoundError as error:
            raise ModelFileError(f"no model file at {path}") from error
        except (OSError, ValueError, EOFError) as error:
            raise ModelFileError(f"{path} is not a ranker model file ({error})") from error
        if payload.get("format") != MODEL_FORMAT:
            raise ModelFileError(f"{path} is not a ranker model file")
        if payload.get("version") != MODEL_VERSION:
            raise ModelFileError(
                f"{path} is model format version {payload.get('version')}, this program reads {MODEL_VERSION}"
            )
        if payload.get("kind") != kind:
            raise ModelFileError(
                f"{path} ranks the {payload.get('kind')} side, not the {kind} side"
            )
        if list(payload.get("features", ())) != list(features):
            raise ModelFileError(
                f"{path} was trained on other features than this program computes; train it again"
            )
        booster = lightgbm.Booster(model_str=payload.pop("model"))
        return cls(booster, payload, group_names)


def _threads(rows: int) -> int:
    # One thread: a rematch already runs its two sides in two processes, and OpenMP threads spinning on
    # a shared, loaded machine made training 7× slower with 2 threads than with 1 (docs/notes-ranker.md).
    return 1


def describe(metadata: dict) -> dict:
    """What a model file says of itself, without its trees (for `qianfan train` and `qianfan eval`)."""
    return {k: v for k, v in metadata.items() if k not in ("model", "features", "groups")}


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
