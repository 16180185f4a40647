"""Fitting a ranker model and writing its versioned model file.

From a labelled set (the format of shared/data/eval/procurement-dev): the set is loaded into a temporary
database through the product's rows (qianfan.evaluation) and the model is fitted on the features of the
pairs a rematch scores there. From the platform's own outcomes: every order (or service demand) with at
least one pair someone acted on; grades: a signed contract 2 (a package: application accepted 2), an
invitation, interest, negotiation or intention 1 (a package: applied 1), everything else shown in its
list or declined 0. Features that depend on history use only what was known before the order was
published, and never the pair's own deal, so a model learns what it will see when ranking.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

from matcher.metrics import mean_metrics
from matcher.ranker import training
from matcher.ranker.features import GROUPS, feature_groups
from matcher.ranker.models import LambdaModel
from models import Contract, Match
from models.errors import DomainError
from qianfan import matching
from qianfan.config import instance_dir

ORDER_GRADES = {
    "contract_signed": 2,
    "intention_signed": 1,
    "negotiating": 1,
    "invited": 1,
    "interested": 1,
}
SERVICE_GRADES = {"accepted": 2, "applied": 1}
MIN_QUERIES = 5  # fewer queries with an outcome than this teach a model nothing worth shipping


def default_output(side: str) -> Path:
    return instance_dir() / "models" / f"ranker-{side}.json.gz"


def _in_sample(model: LambdaModel, values, grades, groups) -> dict:
    """The model's metrics on the data it was fitted on (what the file records; optimistic by nature)."""
    scores = model.predict(values)
    ranked: dict = defaultdict(list)
    qrels: dict = defaultdict(dict)
    order = np.lexsort((-scores, groups))
    for i in order:
        ranked[groups[i]].append(i)
        if grades[i] > 0:
            qrels[groups[i]][i] = int(grades[i])
    return mean_metrics(ranked, {k: v for k, v in qrels.items() if v})


def train_from_set(
    directory: str | Path, output: Path, settings: dict, folds: int = 5
) -> tuple[LambdaModel, int]:
    """Fit the order side's model on a labelled set; write it to `output`. Returns (model, file size).
    With `folds` > 1 the file also records cross-validated figures (each fold scored by a model fitted on
    the others, through a full rematch), which takes `folds` more fits."""
    from qianfan.evaluation import LoadedSet, _protocol

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="qianfan-train-") as workdir:
        loaded = LoadedSet(directory, Path(workdir), "train")
        try:
            values, grades, groups, features = loaded.pairs(settings, now)
            metrics = {}
            if (
                folds > 1
            ):  # honest figures for the file: each fold scored by a model fitted on the others
                keys = sorted(loaded.labelled.qrels)
                splits = [({k for i, k in enumerate(keys) if i % folds != f}, {k for i, k in enumerate(keys) if i % folds == f})
                          for f in range(folds)]  # fmt: skip
                done = _protocol(
                    loaded,
                    settings,
                    now,
                    Path(workdir),
                    splits,
                    loaded.bm25(),
                    False,
                    f"{folds}-fold",
                )
                metrics = {f"{folds}-fold": done["ranker"], "bm25": done["bm25"]}
        finally:
            loaded.dispose()
    data = {"source": "labelled set", "set": str(directory), "orders_in_set": len(loaded.labelled.qrels),
            "suppliers": len(loaded.labelled.suppliers)}  # fmt: skip
    return _fit_and_write("order", values, grades, groups, features, data, output, metrics)


def train_from_outcomes(
    db, side_kind: str, output: Path, settings: dict
) -> tuple[LambdaModel, int]:
    """Fit a side's model on the platform's outcomes (see the module docstring); write it to `output`."""
    side = matching.ORDER_SIDE if side_kind == "order" else matching.SERVICE_SIDE
    now = datetime.now(UTC)
    with db.session_scope() as session:
        grades_of = _outcome_grades(session, side_kind)
        table = matching.pair_table(session, side, settings, now)
    asked = {q for q, _ in grades_of}
    chosen = (
        np.isin(table.query_ids, list(asked))
        if asked
        else np.zeros(len(table.query_ids), dtype=bool)
    )
    values, queries, candidates = (
        table.values[chosen],
        table.query_ids[chosen],
        table.candidate_ids[chosen],
    )
    grades = np.array(
        [grades_of.get((int(q), int(c)), 0) for q, c in zip(queries, candidates, strict=True)],
        dtype=np.int32,
    )
    useful = {int(q) for q, g in zip(queries, grades, strict=True) if g > 0}
    if len(useful) < MIN_QUERIES:
        raise DomainError(
            "Only %(n)s %(what)s have an outcome the ranker can learn from (at least %(min)s are needed): "
            "keep the shipped model until more deals have been made.",
            n=len(useful),
            what=side.query_name + "s",
            min=MIN_QUERIES,
        )
    data = {"source": "platform outcomes", "side": side_kind, "queries_with_outcome": len(useful),
            "grades": "contract signed / application accepted 2; invited, interested, negotiating, applied 1; "
                      "shown or declined 0"}  # fmt: skip
    return _fit_and_write(side_kind, values, grades, queries, table.features, data, output, {})


def _outcome_grades(session, side_kind: str) -> dict[tuple[int, int], int]:
    """(query id, candidate id) -> grade, from the deals (Match rows) and their contracts."""
    grades: dict[tuple[int, int], int] = {}
    if side_kind == "order":
        signed = set(session.scalars(
            select(Contract.match_id).where(Contract.status.in_(matching.SIGNED_CONTRACT), Contract.match_id.is_not(None))
        ))  # fmt: skip
        rows = session.execute(
            select(Match.id, Match.order_id, Match.listing_id, Match.status).where(
                Match.kind == "order"
            )
        )
        for match_id, query, candidate, status in rows:
            grade = 2 if match_id in signed else ORDER_GRADES.get(status, 0)
            grades[(query, candidate)] = grade
    else:
        rows = session.execute(
            select(Match.demand_id, Match.package_id, Match.status).where(Match.kind == "service")
        )
        for query, candidate, status in rows:
            grades[(query, candidate)] = SERVICE_GRADES.get(status, 0)
    return grades


def _fit_and_write(
    kind, values, grades, groups, features, data, output: Path, metrics: dict
) -> tuple[LambdaModel, int]:
    if not len(values):
        raise DomainError(
            "There are no pairs to train on: nothing passed the first stage and the text gate."
        )
    started = time.perf_counter()
    model = training.fit(
        values, grades, groups, kind, features, feature_groups(kind), GROUPS[kind], data=data
    )
    model.metadata["training_seconds"] = round(time.perf_counter() - started, 2)
    model.metadata["metrics"] = {
        **metrics,
        "in_sample": _in_sample(model, values, grades, np.asarray(groups)),
    }
    size = model.save(output)
    return model, size
