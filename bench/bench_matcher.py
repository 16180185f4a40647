"""Speed and size of the matcher at the programme's scale, 10× and 100× (issue 4, item 7).

Run: .venv/bin/python bench/bench_matcher.py [--scales 1,10,100] [--sample 40]

Corpora are synthetic but built deterministically (fixed seed) from real text the project ships:
orders from the 3,073 procurement notices, listings from the procurement catalogue and GB/T 4754
names and descriptions, service demands and packages from the catalogue's service entries; firms get
districts, industries, qualifications (parsed from the notices' requirements) and past contracts.
Text is tokenised once into a pool and postings are composed from pooled tokens, as the product keeps
tokens and never re-tokenises to rematch.

Figures printed:
- tokenizer against jieba.lcut on the same notice texts (first pass, then again with its run cache warm);
- per scale: index build, ranking both ways (each order's listings and each listing's orders; demands
  and packages) against a plain TF-IDF top-k peer (sparse_dot_topn) on the same rows, peak memory (RSS);
  at 100× the order side only, forward lists timed on a sample of orders and reverse lists on a sample
  of listings, extrapolated to all of them;
- at 1×, one new order through qianfan.matching.rematch_postings on an SQLite database of the full
  programme (tokenising, ranking, rules, saving both ways): median and 90th percentile.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jieba

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from machine import machine_details  # noqa: E402

from matcher.engine import Matcher  # noqa: E402
from matcher.qualifications import parse  # noqa: E402
from matcher.records import Firm, Posting  # noqa: E402
from matcher.tokenize import DomainTokenizer, PostingTokens  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "ingest" / "data" / "reference"
NOTICES = ROOT / "ingest" / "data" / "notices"
BASE = {"orders": 700, "listings": 20_000, "demands": 17_000, "packages": 2_000}
NOW = datetime(2026, 3, 1, tzinfo=UTC)
CATEGORIES = (
    "financing",
    "ip",
    "legal",
    "testing",
    "marketing",
    "space",
    "hr",
    "consulting",
    "tech_transfer",
)


def rss_gib() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


class Pools:
    """Texts from the shipped data, tokenised once."""

    def __init__(self, tokenizer: DomainTokenizer) -> None:
        self.notices = []
        for path in sorted(NOTICES.glob("*.json")):
            for notice in json.loads(path.read_text(encoding="utf-8"))["notices"]:
                body = " ".join(str(notice.get(k) or "") for k in ("category", "purchaseContent"))
                self.notices.append(
                    (notice.get("title") or "", body, notice.get("qualification") or "")
                )
        self.catalogue = []
        with (REFERENCE / "procurement_catalog_2022.csv").open(encoding="utf-8") as handle:
            self.catalogue = [
                row["name"] for row in csv.DictReader(handle) if int(row["level"]) >= 2
            ]
        with (REFERENCE / "gbt4754_2017.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        self.industries = [
            (r["code"], r["name"], r["description"]) for r in rows if r["level"] == "4"
        ]
        self.services = [n for n in self.catalogue if n.endswith("服务")] or self.catalogue
        from ingest.reference import region_rows

        regions = [r["code"] for r in region_rows() if r["level"] == 3]
        self.districts = [c for c in regions if c.startswith("4205")] + regions[
            :: max(1, len(regions) // 20)
        ]
        self.tokenizer = tokenizer
        self.order_tokens = [
            PostingTokens(tuple(tokenizer(t)), tuple(tokenizer(b))) for t, b, _ in self.notices
        ]
        self.name_tokens = [tuple(tokenizer(n)) for n in self.catalogue]
        self.industry_tokens = [tuple(tokenizer(f"{n} {d}")) for _, n, d in self.industries]
        self.service_tokens = [tuple(tokenizer(n)) for n in self.services]
        self.qualifications = [q for _, _, text in self.notices for q in parse(text)][
            :2000
        ] or parse("ISO 9001")


def tokenizer_speed(pools: Pools) -> dict:
    texts = [f"{t} {b}" for t, b, _ in pools.notices]
    fresh = DomainTokenizer()
    fresh("预热")
    jieba.lcut("预热")
    timings = {}
    for name, cut in (
        ("jieba.lcut", jieba.lcut),
        ("qianfan first pass", fresh),
        ("qianfan again", fresh),
    ):
        start = time.perf_counter()
        for text in texts:
            cut(text)
        timings[name] = time.perf_counter() - start
    chars = sum(map(len, texts))
    return {k: f"{v:.2f} s ({chars / v / 1e6:.2f} M chars/s)" for k, v in timings.items()} | {
        "texts": len(texts)
    }


class Market:
    """Deterministic synthetic postings at `scale` times the programme."""

    def __init__(self, pools: Pools, scale: float, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.pools = pools
        districts = pools.districts
        n = {k: int(v * scale) for k, v in BASE.items()}
        n_suppliers = max(1, n["listings"] // 3)
        buyers = [
            Firm(id=f"b{i}", region_code=rng.choice(districts))
            for i in range(max(1, int(170 * scale)))
        ]
        self.suppliers = []
        for i in range(n_suppliers):
            wins = rng.choice((0, 0, 1, 1, 2, 3, 5))
            self.suppliers.append(
                Firm(
                    id=f"s{i}",
                    region_code=rng.choice(districts),
                    industry_code=rng.choice(pools.industries)[0],
                    size_class=rng.choice(("micro", "small", "medium")),
                    founded_on=date(2010 + rng.randrange(16), 1 + rng.randrange(12), 1),
                    qualifications=tuple(
                        rng.sample(pools.qualifications, rng.choice((0, 1, 2, 3)))
                    ),
                    past_amounts=tuple(
                        float(rng.randrange(100_000, 20_000_000)) for _ in range(wins)
                    ),
                    past_buyers=tuple((rng.choice(buyers).id, 1) for _ in range(wins)),
                )
            )
        names, industries = pools.name_tokens, pools.industry_tokens
        self.listings = [
            Posting(
                id=i, side="listing", kind=rng.choice(("product", "technology", "service")),
                owner=self.suppliers[i % n_suppliers],
                tokens=PostingTokens(rng.choice(names), rng.choice(industries) + rng.choice(names) + rng.choice(names)),
                amount=float(rng.choice((None, 5e6, 5e7, 5e8)) or 0) or None,
            )
            for i in range(n["listings"])
        ]  # fmt: skip
        order_pool = pools.order_tokens
        quals = pools.qualifications
        self.orders = [
            Posting(
                id=i, side="order", kind="procurement", owner=rng.choice(buyers),
                tokens=order_pool[i % len(order_pool)], region_codes=(rng.choice(districts),),
                amount=float(rng.randrange(50_000, 50_000_000)),
                required_qualifications=((rng.choice(quals),),) if rng.random() < 0.4 else (),
                deadline=NOW + timedelta(days=30),
            )
            for i in range(n["orders"])
        ]  # fmt: skip
        services = pools.service_tokens
        providers = [
            Firm(id=f"p{i}", region_code=rng.choice(districts))
            for i in range(max(1, int(400 * scale)))
        ]
        self.packages = [
            Posting(
                id=i, side="package", kind=CATEGORIES[i % len(CATEGORIES)], owner=rng.choice(providers),
                tokens=PostingTokens(rng.choice(services), rng.choice(services) + rng.choice(industries)),
                amount=float(rng.randrange(10_000, 2_000_000)), quota_left=rng.randrange(0, 50),
                max_company_age_years=rng.choice((None, 3, 5)),
                region_codes=(rng.choice(districts),) if rng.random() < 0.3 else (),
            )
            for i in range(n["packages"])
        ]  # fmt: skip
        self.demands = [
            Posting(
                id=i, side="demand", kind=CATEGORIES[i % len(CATEGORIES)], owner=self.suppliers[i % n_suppliers],
                tokens=PostingTokens(rng.choice(services), rng.choice(services)),
                amount=float(rng.randrange(5_000, 500_000)),
            )
            for i in range(n["demands"])
        ]  # fmt: skip


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def bench_side(kind: str, queries, candidates, top_k: int, sample: int | None) -> dict:
    """Ranking both ways (the first stage and the scoring), against a plain TF-IDF top-k peer.

    With `sample`, forward lists are timed for a sample of queries and reverse lists for a sample of
    candidates (against all queries, as a rematch ranks them), and both are extrapolated."""
    from sparse_dot_topn import sp_matmul_topn

    matcher, build = timed(Matcher(kind=kind, top_k=top_k).fit, candidates)
    figures = {"queries": len(queries), "candidates": len(candidates), "index build s": round(build, 2)}
    if sample is None:
        _, ranking = timed(lambda: matcher.rank(queries, NOW, forward=True, reverse=None))
        rows = matcher.vectorizer_.transform([q.tokens.all for q in queries])
        _, peer = timed(lambda: (sp_matmul_topn(rows, matcher.index_.text.T.tocsr(), top_n=top_k),
                                 sp_matmul_topn(matcher.index_.text, rows.T.tocsr(), top_n=matcher.reverse_top_k)))
        figures |= {"rank both ways s": round(ranking, 2), "tf-idf top-k peer s": round(peer, 2),
                    "ratio": round(ranking / peer, 2)}
    else:
        chosen = queries[:: max(1, len(queries) // sample)][:sample]
        matcher.rank(chosen[:2], NOW, forward=True, reverse=())  # builds the per-kind blocks once
        _, forward = timed(lambda: matcher.rank(chosen, NOW, forward=True, reverse=()))
        picked = [p.id for p in matcher.index_.postings[:: max(1, matcher.index_.n // (sample * 50))][: sample * 50]]
        _, reverse = timed(lambda: matcher.rank(queries, NOW, forward=False, reverse=picked))
        forward_all = forward / len(chosen) * len(queries)
        reverse_all = reverse / len(picked) * len(candidates)
        figures |= {
            "sampled queries": len(chosen), "forward s for the sample": round(forward, 2),
            "sampled candidates": len(picked), "reverse s for the sample": round(reverse, 2),
            "forward s extrapolated to all": round(forward_all, 1),
            "reverse s extrapolated to all": round(reverse_all, 1),
            "rank both ways s extrapolated": round(forward_all + reverse_all, 1),
        }
    return figures


def single_order_through_the_database(pools: Pools, market: Market, trials: int = 30) -> dict:
    """One new order (tokenising, ranking, rules, saving) on an SQLite database of the programme."""
    from decimal import Decimal

    from sqlalchemy import insert

    from ingest.reference import load_reference
    from models import Company, Listing, Order
    from qianfan import matching
    from qianfan.config import DEFAULTS
    from qianfan.db import Database
    from qianfan.schema import upgrade

    settings = dict(DEFAULTS)
    with tempfile.TemporaryDirectory(prefix="qianfan-bench-") as workdir:
        db = Database(f"sqlite:///{workdir}/bench.sqlite3")
        upgrade(db)
        started = time.perf_counter()
        with db.session_scope() as session:
            load_reference(session)
            suppliers = {f.id: i + 1 for i, f in enumerate(market.suppliers)}
            session.execute(
                insert(Company),
                [{"id": i, "name": f"供应商{i}", "kind": "small_firm", "region_code": f.region_code}
                 for f, i in ((f, suppliers[f.id]) for f in market.suppliers)],
            )  # fmt: skip
            buyer_id = len(suppliers) + 1
            session.execute(
                insert(Company), [{"id": buyer_id, "name": "采购方", "kind": "large_firm"}]
            )
            rows = []
            for listing in market.listings:
                title = pools.catalogue[listing.id % len(pools.catalogue)]
                body = " ".join(pools.industries[listing.id % len(pools.industries)][1:])
                rows.append(
                    {"supplier_id": suppliers[listing.owner.id], "kind": listing.kind, "status": "published",
                     "title": title, "description": body, "tokens": pools.tokenizer.pack(title, body)}
                )  # fmt: skip
            session.execute(insert(Listing), rows)
        loading = time.perf_counter() - started
        timings = []
        for trial in range(trials + 1):
            title, body, _ = pools.notices[trial]
            start = time.perf_counter()
            with db.session_scope() as session:
                order = Order(buyer_id=buyer_id, status="published", title=title[:300], description=body,
                              budget_yuan=Decimal("1000000"))  # fmt: skip
                session.add(order)
                session.flush()
                order_id = order.id
            matching.rematch_postings(db, [("order", order_id)], settings=settings, now=NOW)
            if trial:  # the first call builds the cached index
                timings.append(time.perf_counter() - start)
        db.dispose()
    timings.sort()
    return {
        "database": f"SQLite, {len(market.listings)} published listings (loaded in {loading:.1f} s)",
        "trials": trials,
        "median ms": round(statistics.median(timings) * 1000, 1),
        "p90 ms": round(timings[int(0.9 * len(timings)) - 1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument(
        "--sample", type=int, default=40, help="orders timed at 100× (then extrapolated)"
    )
    args = parser.parse_args()
    print(json.dumps({"machine": machine_details()}, ensure_ascii=False))
    tokenizer = DomainTokenizer()
    pools, seconds = timed(Pools, tokenizer)
    print(
        json.dumps(
            {"pools tokenised s": round(seconds, 1), "tokenizer": tokenizer_speed(pools)},
            ensure_ascii=False,
        )
    )
    for scale in (float(s) for s in args.scales.split(",")):
        market, seconds = timed(Market, pools, scale)
        report: dict = {"scale": f"{scale:g}×", "composed s": round(seconds, 1)}
        big = scale >= 100
        report["orders × listings"] = bench_side(
            "order", market.orders, market.listings, 50, args.sample if big else None
        )
        if not big:
            report["demands × packages"] = bench_side(
                "service", market.demands, market.packages, 10, None
            )
        if scale == 1:
            report["one new order through the database"] = single_order_through_the_database(
                pools, market
            )
        report["peak RSS GiB"] = round(rss_gib(), 2)
        print(json.dumps(report, ensure_ascii=False))
        del market
        gc.collect()


if __name__ == "__main__":
    main()
