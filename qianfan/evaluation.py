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
        )
        session.add(order)
        session.flush()
        orders[item["id"]] = order.id
    return orders, listings


class _Loaded:
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

    def dispose(self) -> None:
        self.db.dispose()


def fit_weights(
    loaded: _Loaded, settings: dict, now: datetime, keys: set[str] | None = None
) -> dict[str, float]:
    """Weights fitted on the orders of `loaded` (only those in `keys`, when given)."""
    values, grades, groups = loaded.factor_rows(settings, now)
    if keys is not None:
        chosen = np.isin(groups, list(keys))
        values, grades, groups = values[chosen], grades[chosen], groups[chosen]
    return WeightFitter(factor_names("order")).fit(values, grades, groups).weights_


def evaluate(
    directory: str | Path,
    train: str | Path | None = None,
    settings: dict | None = None,
    folds: int = 5,
) -> dict:
    """Metrics of the product's matcher and of the BM25 baseline on a labelled set (see module docstring)."""
    settings = dict(settings if settings is not None else load_settings())
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="qianfan-eval-") as workdir:
        loaded = _Loaded(directory, Path(workdir), "eval")
        try:
            qrels = loaded.labelled.qrels
            configured = mean_metrics(loaded.rankings(settings, now), qrels)
            if train is not None:
                trained = _Loaded(train, Path(workdir), "train")
                try:
                    weights = fit_weights(trained, settings, now)
                finally:
                    trained.dispose()
                fitted = mean_metrics(
                    loaded.rankings({**settings, "MATCH_ORDER_WEIGHTS": weights}, now), qrels
                )
                how = f"fitted on {train}"
            else:
                fitted, weights = _cross_validated(loaded, settings, now, folds)
                how = f"{folds}-fold cross-validation within the set"
            baseline = mean_metrics(loaded.bm25(), qrels)
        finally:
            loaded.dispose()
    return {
        "set": str(directory),
        "orders": len(qrels),
        "suppliers": len(loaded.labelled.suppliers),
        **fitted,
        "weights": how,
        "fitted_weights": weights,
        "configured": configured,
        "bm25": baseline,
    }


def _cross_validated(
    loaded: _Loaded, settings: dict, now: datetime, folds: int
) -> tuple[dict, dict]:
    keys = sorted(loaded.labelled.qrels)
    fold_of = {key: i % folds for i, key in enumerate(keys)}
    merged: dict[str, list[str]] = {}
    last_weights: dict[str, float] = {}
    for fold in range(folds):
        training = {k for k in keys if fold_of[k] != fold}
        last_weights = fit_weights(loaded, settings, now, training)
        ranked = loaded.rankings({**settings, "MATCH_ORDER_WEIGHTS": last_weights}, now)
        merged.update({k: v for k, v in ranked.items() if fold_of.get(k) == fold})
    return mean_metrics(merged, loaded.labelled.qrels), last_weights
