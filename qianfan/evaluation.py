"""Matching quality measured on a labelled set, through the product's own code from end to end.

A labelled set is a folder in the format of shared/data/eval/procurement-dev (orders.jsonl,
suppliers.jsonl, qrels.tsv; its README describes them). `evaluate` loads it into a fresh temporary
SQLite database as the product's own rows: each supplier becomes a small firm with one published
listing built from its text, its qualifications as CompanyQualification rows and its past wins as
signed Contracts with their buyer (a large firm, by name) and amount; each order becomes a published
Order of its buyer with its required qualifications. Then `qianfan.matching.rematch_all` runs as in
production and each order's kept list, in rank order (matches, then near misses), is the ranking
that is scored. A plain BM25 (bm25s) over the same kept tokens is the baseline.

Weights are never fitted on the orders they score: with a training folder they are fitted there,
otherwise each of `folds` cross-validation folds is ranked with weights fitted on the other folds.
The configured weights are reported too; the defaults were fitted on procurement-dev itself, so on
that set their figures are optimistic (docs/notes-matcher.md).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import bm25s
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.reference import load_reference, region_rows
from ingest.resolve import short_place
from matcher.factors import factor_names
from matcher.metrics import mean_metrics
from matcher.qualifications import parse
from matcher.tokenize import unpack
from matcher.weights import WeightFitter
from models import Company, CompanyQualification, Contract, Listing, Order
from models.errors import DomainError
from qianfan import matching
from qianfan.config import load_settings
from qianfan.db import Database
from qianfan.schema import upgrade

UNNAMED_BUYER = "未具名招标人"  # a past win whose buyer the set does not name


@dataclass
class LabelledSet:
    orders: list[dict]
    suppliers: list[dict]
    qrels: dict[str, dict[str, int]]


def read_labelled_set(directory: str | Path) -> LabelledSet:
    """The three files of a labelled set; a missing file is a DomainError naming it."""
    directory = Path(directory)
    for name in ("orders.jsonl", "suppliers.jsonl", "qrels.tsv"):
        if not (directory / name).is_file():
            raise DomainError(
                "The labelled set %(dir)s has no %(file)s.", dir=str(directory), file=name
            )

    def jsonl(name: str) -> list[dict]:
        lines = (directory / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (directory / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        if line.strip():
            order_id, supplier_id, grade = line.split("\t")
            qrels[order_id][supplier_id] = int(grade)
    return LabelledSet(jsonl("orders.jsonl"), jsonl("suppliers.jsonl"), dict(qrels))


class PlaceFinder:
    """The most precise division named anywhere in a free-text place ("夷陵区乐天溪镇..." -> 420506)."""

    def __init__(self, rows: list[dict]) -> None:
        self._codes: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row["level"] >= 2 and row["name"] not in ("市辖区", "县"):
                for name in {row["name"], short_place(row["name"])}:
                    if len(name) >= 2:
                        self._codes[name].add(row["code"])
        names = sorted(self._codes, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, names)))

    def find(self, text: str | None) -> str | None:
        found = [self._codes[m.group(0)] for m in self._pattern.finditer(text or "")]
        mentioned = set().union(*found) if found else set()
        best = None
        for codes in found:
            if (
                len(codes) > 1
            ):  # an ambiguous name counts where the text also names its city or province
                codes = {c for c in codes if any(o != c and c.startswith(o) for o in mentioned)}
            if len(codes) == 1:
                code = next(iter(codes))
                if best is None or (len(code) > len(best) and code.startswith(best[:2])):
                    best = code
        return best


def _best_qualifications(texts: list[str]) -> dict[str, tuple[str, int | None]]:
    """Certificate name -> (name, best grade) over every text (one row per name and company)."""
    best: dict[str, tuple[str, int | None]] = {}
    for text in texts:
        for qualification in parse(text):
            name = qualification.name[:120]
            grade = qualification.grade
            if name not in best or (
                grade is not None and (best[name][1] is None or grade < best[name][1])
            ):
                best[name] = (name, grade)
    return best


def load_labelled_set(
    session: Session, labelled: LabelledSet
) -> tuple[dict[str, int], dict[int, str]]:
    """Write the set as the product's rows; returns (order key -> Order id, Listing id -> supplier key)."""
    places = PlaceFinder(region_rows())
    buyers: dict[str, Company] = {}

    def buyer(name: str | None) -> Company:
        name = (name or UNNAMED_BUYER)[:200]
        if name not in buyers:
            buyers[name] = Company(name=name, kind="large_firm", size_class="large")
            session.add(buyers[name])
        return buyers[name]

    first_order = min((o["date"] for o in labelled.orders), default="20250101")
    signed_on = datetime.strptime(first_order, "%Y%m%d").date() - timedelta(days=1)
    confirmed = datetime.combine(signed_on, datetime.min.time(), tzinfo=UTC)
    listings: dict[int, str] = {}
    for supplier in labelled.suppliers:
        lines = [line for line in supplier["text"].split("\n") if line.strip()]
        regions = Counter(
            code for code in map(places.find, supplier.get("locations") or []) if code
        )
        company = Company(
            name=supplier["name"][:200],
            kind="small_firm",
            # Where the firm is registered: the place in its name, else where it has worked most.
            region_code=places.find(supplier["name"])
            or (regions.most_common(1)[0][0] if regions else None),
        )
        session.add(company)
        session.flush()
        for name, grade in _best_qualifications(supplier.get("quals") or []).values():
            session.add(CompanyQualification(company_id=company.id, name=name, grade=grade))
        listing = Listing(
            supplier_id=company.id,
            kind="service",
            status="published",
            title="；".join(line.split(" ", 1)[0] for line in lines)[:300],
            description=supplier["text"],
            source_key=f"eval:{supplier['id']}"[:120],
        )
        session.add(listing)
        past_buyers, amounts = supplier.get("buyers") or [], supplier.get("amounts") or []
        for i, line in enumerate(lines):
            amount = amounts[i] if i < len(amounts) else None
            session.add(
                Contract(
                    buyer=buyer(past_buyers[i] if i < len(past_buyers) else None),
                    supplier_id=company.id,
                    title=line.split(" ", 1)[0][:300],
                    amount_yuan=None if amount is None else Decimal(str(amount)),
                    status="signed",
                    buyer_confirmed_at=confirmed,
                    supplier_confirmed_at=confirmed,
                    signed_on=signed_on,
                )
            )
        session.flush()
        listings[listing.id] = supplier["id"]
    orders: dict[str, int] = {}
    for item in labelled.orders:
        order = Order(
            buyer=buyer(item.get("buyer")),
            kind="procurement",
            status="published",
            title=item["title"][:300],
            description=item["text"],
            budget_yuan=None
            if item.get("budget_yuan") is None
            else Decimal(str(item["budget_yuan"])),
            region_code=places.find(item.get("location")) or places.find(item["text"]),
            required_qualifications=[item["required_quals"]] if item.get("required_quals") else [],
            source_key=f"eval:{item['id']}"[:120],
            # The notice's date: history after it is never used to rank it.
            published_at=datetime.strptime(item["date"], "%Y%m%d").replace(tzinfo=UTC) if item.get("date") else None,
        )
        session.add(order)
        session.flush()
        orders[item["id"]] = order.id
    return orders, listings


class LoadedSet:
    """A labelled set in its own temporary database."""

    def __init__(self, directory: str | Path, workdir: Path, name: str) -> None:
        self.labelled = read_labelled_set(directory)
        self.db = Database(f"sqlite:///{workdir / name}.sqlite3")
        upgrade(self.db)
        with self.db.session_scope() as session:
            load_reference(session)
            self.orders, self.listings = load_labelled_set(session, self.labelled)
            matching.ensure_tokens(session)
        self.order_keys = {v: k for k, v in self.orders.items()}

    def rankings(self, settings: dict, now: datetime) -> dict[str, list[str]]:
        """Run the product's full rematch; each order's stored matches in rank order, as set keys."""
        matching.rematch_all(self.db, settings={**settings, "MATCH_PROCESSES": 1}, now=now)
        ranked: dict[str, list[str]] = defaultdict(list)
        with self.db.session_scope() as session:
            for order_id, entries in matching.ranked_lists(session, "order", self.order_keys).items():
                for listing_id in entries.candidate_ids:
                    ranked[self.order_keys[order_id]].append(self.listings[int(listing_id)])
        return dict(ranked)

    def factor_rows(
        self, settings: dict, now: datetime
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Factor values of every (order, listing) pair, their grades and their order (for fitting)."""
        with self.db.session_scope() as session:
            table = matching.factor_table(session, matching.ORDER_SIDE, settings, now)
        grades = np.array(
            [
                [
                    self.labelled.qrels.get(self.order_keys[q], {}).get(self.listings[c], 0)
                    for c in table.candidate_ids
                ]
                for q in table.query_ids
            ]
        )
        groups = np.repeat([self.order_keys[q] for q in table.query_ids], len(table.candidate_ids))
        return table.values.reshape(-1, table.values.shape[-1]), grades.reshape(-1), groups

    def bm25(self) -> dict[str, list[str]]:
        """A plain BM25 ranking of every supplier for every order, over the same kept tokens."""
        with self.db.session_scope() as session:
            listings = session.execute(
                select(Listing.id, Listing.tokens).order_by(Listing.id)
            ).all()
            orders = session.execute(select(Order.id, Order.tokens).order_by(Order.id)).all()
        retriever = bm25s.BM25()
        retriever.index([list(unpack(tokens).all) for _, tokens in listings], show_progress=False)
        keys = [self.listings[listing_id] for listing_id, _ in listings]
        ranked = {}
        for order_id, tokens in orders:
            scores = retriever.get_scores(list(unpack(tokens).all))
            order = np.lexsort((np.arange(len(scores)), -scores))[:100]
            ranked[self.order_keys[order_id]] = [keys[i] for i in order]
        return ranked

    def pairs(self, settings: dict, now: datetime, keys: set[str] | None = None):
        """Ranker features of the pairs a rematch scores, their grades and their order (set keys)."""
        with self.db.session_scope() as session:
            table = matching.pair_table(session, matching.ORDER_SIDE, settings, now)
        order_keys = np.array([self.order_keys[int(q)] for q in table.query_ids], dtype=object)
        supplier_keys = [self.listings[int(c)] for c in table.candidate_ids]
        grades = np.array([self.labelled.qrels.get(o, {}).get(s, 0) for o, s in zip(order_keys, supplier_keys, strict=True)],
                          dtype=np.int32)  # fmt: skip
        chosen = np.ones(len(order_keys), dtype=bool) if keys is None else np.isin(order_keys, list(keys))
        return table.values[chosen], grades[chosen], order_keys[chosen], table.features

    def dispose(self) -> None:
        self.db.dispose()


def fit_weights(
    loaded: LoadedSet, settings: dict, now: datetime, keys: set[str] | None = None
) -> dict[str, float]:
    """Weights of the weighted sum of factors (the ranking before the learned ranker) fitted on the
    orders of `loaded` (only those in `keys`, when given)."""
    values, grades, groups = loaded.factor_rows(_linear(settings, {}), now)
    if keys is not None:
        chosen = np.isin(groups, list(keys))
        values, grades, groups = values[chosen], grades[chosen], groups[chosen]
    return WeightFitter(factor_names("order")).fit(values, grades, groups).weights_


def fit_model(loaded: LoadedSet, settings: dict, now: datetime, keys: set[str] | None = None, data: dict | None = None):
    """A lambdarank model (matcher.ranker) fitted on the orders of `loaded` (only those in `keys`)."""
    from matcher.ranker import training
    from matcher.ranker.features import GROUPS, feature_groups

    values, grades, groups, features = loaded.pairs(settings, now, keys)
    return training.fit(values, grades, groups, "order", features, feature_groups("order"), GROUPS["order"],
                        data=data)  # fmt: skip


def _linear(settings: dict, weights: dict) -> dict:
    """Settings of the ranking before the learned ranker: the weighted sum, no text gate."""
    return {**settings, "MATCH_ORDER_MODEL": "linear", "MATCH_ORDER_WEIGHTS": weights, "MATCH_TEXT_GATE": 0.0}


def _with_model(settings: dict, model, workdir: Path, name: str) -> dict:
    path = workdir / f"{name}.json.gz"
    model.save(path)
    return {**settings, "MATCH_ORDER_MODEL": str(path)}


def chronological_blocks(labelled: LabelledSet, blocks: int) -> list[list[str]]:
    """The labelled orders sorted by date (then id) in `blocks` consecutive blocks of near equal size."""
    dates = {o["id"]: o.get("date") or "" for o in labelled.orders}
    keys = sorted(labelled.qrels, key=lambda k: (dates.get(k, ""), k))
    return [list(part) for part in np.array_split(np.array(keys, dtype=object), blocks)]


def evaluate(
    directory: str | Path,
    train: str | Path | None = None,
    settings: dict | None = None,
    folds: int = 5,
    blocks: int = 5,
    before: bool = True,
) -> dict:
    """Metrics of the learned ranker, of the ranking before it (weighted sum of factors with weights
    fitted the same way) and of BM25 on a labelled set.

    With `train`, models are fitted on that set and score all of `directory`. Otherwise two protocols
    within the set: `folds`-fold cross-validation (each fold scored by a model fitted on the others),
    and forward in time (the orders in `blocks` + 1 blocks by date; each block after the first scored
    by a model fitted on all earlier blocks). The configured model (the shipped one unless settings say
    otherwise) is scored on the whole set too; it may have been fitted on it (then it is optimistic)."""
    settings = dict(settings if settings is not None else load_settings())
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="qianfan-eval-") as workdir:
        workdir = Path(workdir)
        loaded = LoadedSet(directory, workdir, "eval")
        try:
            qrels = loaded.labelled.qrels
            bm25 = loaded.bm25()
            result: dict = {"set": str(directory), "orders": len(qrels), "suppliers": len(loaded.labelled.suppliers)}
            protocols: dict[str, dict] = {}
            if train is not None:
                trained = LoadedSet(train, workdir, "train")
                try:
                    started = time.perf_counter()
                    model = fit_model(trained, settings, now, data={"set": str(train)})
                    training_seconds = time.perf_counter() - started
                    weights = fit_weights(trained, settings, now) if before else None
                finally:
                    trained.dispose()
                started = time.perf_counter()
                ranked = loaded.rankings(_with_model(settings, model, workdir, "trained"), now)
                scoring_seconds = time.perf_counter() - started
                protocols["trained"] = {
                    "how": f"fitted on {train}, scoring every order of {directory}",
                    "orders": len(qrels),
                    "ranker": mean_metrics(ranked, qrels),
                    "before": mean_metrics(loaded.rankings(_linear(settings, weights), now), qrels) if before else None,
                    "bm25": mean_metrics(bm25, qrels),
                    "training_seconds": round(training_seconds, 2),
                    "rematch_seconds": round(scoring_seconds, 2),
                }
            else:
                keys = sorted(qrels)
                fold_of = {key: i % folds for i, key in enumerate(keys)}
                splits = [({k for k in keys if fold_of[k] != f}, {k for k in keys if fold_of[k] == f}) for f in range(folds)]
                protocols["folds"] = _protocol(loaded, settings, now, workdir, splits, bm25, before,
                                               f"{folds}-fold cross-validation within the set")  # fmt: skip
                chunks = chronological_blocks(loaded.labelled, blocks + 1)
                splits = [({k for chunk in chunks[:i] for k in chunk}, set(chunks[i])) for i in range(1, len(chunks))]
                dates = {o["id"]: o.get("date") for o in loaded.labelled.orders}
                first_scored = min(dates.get(k) or "" for k in chunks[1]) if len(chunks) > 1 else ""
                protocols["forward"] = _protocol(
                    loaded, settings, now, workdir, splits, bm25, before,
                    f"forward in time: {blocks} blocks by date from {first_scored}, each scored by a model "
                    f"fitted on all earlier orders (the first {len(chunks[0])} orders only train)",
                )  # fmt: skip
            configured = mean_metrics(loaded.rankings(settings, now), qrels)
        finally:
            loaded.dispose()
    model_path = _model_path(settings)
    return {**result, "protocols": protocols,
            "configured": {"model": model_path, **configured}}  # fmt: skip


def _model_path(settings: dict) -> str | None:
    from matcher.engine import Matcher

    return Matcher(**matching.matcher_options(settings, "order")).model_path()


def _protocol(loaded: LoadedSet, settings: dict, now: datetime, workdir: Path, splits, bm25: dict,
              before: bool, how: str) -> dict:  # fmt: skip
    """Rank each split's scored orders with a model (and weights) fitted on its training orders."""
    ranker: dict[str, list[str]] = {}
    linear: dict[str, list[str]] = {}
    scored: set[str] = set()
    training_seconds, rematch_seconds = [], []
    for i, (training, scoring) in enumerate(splits):
        started = time.perf_counter()
        model = fit_model(loaded, settings, now, training)
        training_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        ranked = loaded.rankings(_with_model(settings, model, workdir, f"split{i}"), now)
        rematch_seconds.append(time.perf_counter() - started)
        ranker.update({k: v for k, v in ranked.items() if k in scoring})
        if before:
            weights = fit_weights(loaded, settings, now, training)
            ranked = loaded.rankings(_linear(settings, weights), now)
            linear.update({k: v for k, v in ranked.items() if k in scoring})
        scored |= scoring
    qrels = {k: v for k, v in loaded.labelled.qrels.items() if k in scored}
    return {
        "how": how,
        "orders": len(qrels),
        "ranker": mean_metrics(ranker, qrels),
        "before": mean_metrics(linear, qrels) if before else None,
        "bm25": mean_metrics(bm25, qrels),
        "training_seconds": round(float(np.mean(training_seconds)), 2),
        "rematch_seconds": round(float(np.mean(rematch_seconds)), 2),
    }


def table(result: dict) -> str:
    """The evaluation as a readable table: one block per protocol, one row per ranking."""
    names = ["mrr", "ndcg@10", "hit@1", "hit@5", "hit@10", "recall@50"]
    lines = [f"{result['set']}: {result['orders']} orders, {result['suppliers']} suppliers", ""]
    header = f"{'':<28}" + "".join(f"{n:>10}" for n in names)
    for protocol in result["protocols"].values():
        lines += [f"{protocol['how']} ({protocol['orders']} orders scored)", header]
        rows = [("learned ranker (lambdarank)", protocol["ranker"]),
                ("before: weighted sum", protocol.get("before")), ("BM25 baseline", protocol["bm25"])]  # fmt: skip
        for label, metrics in rows:
            if metrics:
                lines.append(f"{label:<28}" + "".join(f"{metrics[n]:>10.4f}" for n in names))
        lines.append(f"training {protocol['training_seconds']:.1f} s per model, rematch {protocol['rematch_seconds']:.1f} s")
        lines.append("")
    configured = result["configured"]
    lines += [f"configured model ({configured['model'] or 'weighted sum'}) on every order, "
              "optimistic when it was fitted on this set", header,
              f"{'configured':<28}" + "".join(f"{configured[n]:>10.4f}" for n in names)]  # fmt: skip
    return "\n".join(lines)
