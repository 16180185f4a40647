"""The learned ranker at programme scale (issue 10, item 5): do listings written against an order's own
phrase reach that order's top 5, and how much text do the top 10 share with the order, before and after.

Run on a database holding a demo (`qianfan demo --scale programme`):

    .venv/bin/python bench/bench_ranker_demo.py --url sqlite:////tmp/qf1/qianfan.sqlite3

The demo writes a quarter of its listings against a real order's project phrase (qianfan.demo: the
order title without buyer, years and notice words, plus "产品与系统" / "解决方案" / "服务"). For every
published order with at least one such published listing of a kind that fits it, the bench ranks the
order side in process (the matcher alone, forward lists, no database writes) twice:
- before: the weighted sum of factors (MATCH_ORDER_MODEL=linear, no text gate, first stage 1,000 deep), as
  ranked before issue 10;
- after: the configured settings (the shipped lambdarank model and the text gate unless overridden).
Printed: the share of those orders where such a listing is in the top 5 (strict: a listed firm's own best
entry among the first 5 firms; folded: anywhere under the first 5 firms), the mean TF-IDF text similarity
of the top 10 firms' best entries against the order over all ranked orders, the ranking time per order,
and the example the issue names (储能告警监测维护开发服务). Reads only.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

import numpy as np  # noqa: E402
from machine import machine_details  # noqa: E402
from sqlalchemy import select  # noqa: E402

from matcher.engine import Matcher  # noqa: E402
from matcher.rules import kinds_fitting  # noqa: E402
from models import Listing, Order  # noqa: E402
from qianfan import matching  # noqa: E402
from qianfan.config import load_settings  # noqa: E402
from qianfan.db import Database  # noqa: E402
from qianfan.demo import _project_phrase  # noqa: E402

SUFFIXES = ("产品与系统", "解决方案", "服务")
EXAMPLE = "储能告警监测维护开发服务"


def phrase_listings(session) -> tuple[dict[int, set[int]], dict[int, str], dict[int, str]]:
    """Order id -> ids of published listings written against its phrase; titles of orders and listings."""
    orders = dict(
        session.execute(select(Order.id, Order.title).where(Order.status == "published")).all()
    )
    listings = dict(
        session.execute(
            select(Listing.id, Listing.title).where(Listing.status == "published")
        ).all()
    )
    by_phrase: dict[str, set[int]] = {}
    for listing_id, title in listings.items():
        for suffix in SUFFIXES:
            if title.endswith(suffix):
                by_phrase.setdefault(title.removesuffix(suffix), set()).add(listing_id)
    wanted = {}
    for order_id, title in orders.items():
        phrase = _project_phrase(title)
        if phrase and phrase in by_phrase:
            wanted[order_id] = by_phrase[phrase]
    return wanted, orders, listings


def measure(name: str, settings: dict, db, wanted: dict, now: datetime) -> dict:
    with db.session_scope() as session:
        matching.ensure_tokens(session)
        firms = matching._firms(session)
        listings = matching.load_postings(session, "listing", firms)
        orders = matching.load_postings(session, "order", firms)
    started = time.perf_counter()
    matcher = Matcher(**matching.matcher_options(settings, "order")).fit(listings)
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    ranked = matcher.rank(orders, now, forward=True, reverse=())
    seconds = time.perf_counter() - started
    by_id = {p.id: p for p in listings}
    owner = {p.id: p.owner.id for p in listings}
    kinds_ok = {o.id: kinds_fitting(o) for o in orders}
    strict = folded = counted = 0
    similarities = []
    vectorizer = matcher.vectorizer_
    order_rows = dict(
        zip(
            [o.id for o in orders],
            vectorizer.transform([o.tokens.all for o in orders]),
            strict=True,
        )
    )
    lists = {}
    for order, entries in zip(orders, ranked.forward, strict=True):
        ids = [int(c) for c in entries.candidate_ids]
        heads, firms_seen, under_top5 = [], [], set()
        for c in ids:
            if owner[c] not in firms_seen:
                firms_seen.append(owner[c])
                heads.append(c)
            if firms_seen.index(owner[c]) < 5:
                under_top5.add(c)
        lists[order.id] = heads
        if heads[:10]:
            rows = vectorizer.transform([by_id[c].tokens.all for c in heads[:10]])
            similarities.append(float((rows @ order_rows[order.id].T).toarray().mean()))
        targets = {
            c
            for c in wanted.get(order.id, ())
            if by_id.get(c) and by_id[c].kind in kinds_ok[order.id]
        }
        if targets:
            counted += 1
            strict += bool(targets & set(heads[:5]))
            folded += bool(targets & under_top5)
    return {
        "name": name, "orders": len(orders), "listings": len(listings), "counted": counted,
        "strict": strict / max(counted, 1), "folded": folded / max(counted, 1),
        "text_top10": float(np.mean(similarities)) if similarities else 0.0,
        "fit_seconds": fitted, "rank_seconds": seconds, "per_order_ms": 1000 * seconds / max(len(orders), 1),
        "lists": lists, "model": matcher.model_path() or "weighted sum",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    details = machine_details()
    print(
        "machine:",
        ", ".join(f"{k} {v}" for k, v in details.items()),
        f"| load average {os.getloadavg()}",
    )
    db = Database(args.url)
    now = datetime.now(UTC)
    settings = load_settings()
    with db.session_scope() as session:
        wanted, order_titles, listing_titles = phrase_listings(session)
    print(f"orders with a listing written against their phrase: {len(wanted):,}")
    # Before issue 10: the weighted sum, no gate, the first stage 1,000 deep and 30 back.
    old = {
        "MATCH_ORDER_MODEL": "linear",
        "MATCH_TEXT_GATE": 0.0,
        "MATCH_RETRIEVAL_DEPTH": 1000,
        "MATCH_REVERSE_DEPTH": 30,
    }
    before = measure("before", {**settings, **old}, db, wanted, now)
    after = measure("after", settings, db, wanted, now)
    print(f"\n{'':<8}{'orders':>8}{'counted':>9}{'top5 strict':>13}{'top5 folded':>13}{'text top10':>12}"
          f"{'fit s':>8}{'rank s':>8}{'ms/order':>10}  scorer")  # fmt: skip
    for r in (before, after):
        print(f"{r['name']:<8}{r['orders']:>8,}{r['counted']:>9,}{r['strict']:>13.1%}{r['folded']:>13.1%}"
              f"{r['text_top10']:>12.4f}{r['fit_seconds']:>8.1f}{r['rank_seconds']:>8.1f}{r['per_order_ms']:>10.2f}  {r['model']}")  # fmt: skip
    print("goal: top5 >= 90 %")
    example = [o for o, t in order_titles.items() if EXAMPLE in t]
    for order_id in example[:1]:
        print(f"\nexample order {order_id} {order_titles[order_id]}")
        for r in (before, after):
            top = [listing_titles[c] for c in r["lists"].get(order_id, [])[:5]]
            print(f"  {r['name']}: " + " | ".join(top))
    db.dispose()


if __name__ == "__main__":
    main()
