"""The programme's counters mean what their titles say: near misses are no matches, expired orders not open."""

from __future__ import annotations

import json

from models import Match
from qianfan import reports
from qianfan.cli import main
from qianfan.paging import PageRequest
from qianfan.stats import programme_counters


def test_a_near_miss_someone_acted_on_is_not_a_matched_order(session, factory):
    buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
    order = factory.order(buyer=buyer, status="published")
    listing = factory.listing(supplier=supplier, status="published")
    factory.ranking("order", order.id, [listing.id], failed=[2])  # its only candidate failed a rule
    session.add(Match(kind="order", order=order, listing=listing, status="interested", near_miss=True, score=0.4))
    session.flush()
    staff = factory.user("staff", username="analyst")
    counters = programme_counters(session)
    assert counters.orders_matched == 0
    funnel = {step.key: step for step in reports.dashboard(session, staff).funnel}
    assert (funnel["matched"].orders, funnel["matched"].matches) == (0, 0)
    assert funnel["interested"].orders == 1  # the deal itself still shows in the funnel


def test_a_real_match_counts_once_whether_listed_or_acted_on(session, factory):
    buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
    order = factory.order(buyer=buyer, status="published")
    listing = factory.listing(supplier=supplier, status="published")
    factory.ranking("order", order.id, [listing.id])
    session.add(Match(kind="order", order=order, listing=listing, status="interested", score=0.6))
    session.flush()
    assert programme_counters(session).orders_matched == 1


def test_expired_and_closed_orders_are_posted_but_not_open_and_the_lists_say_the_same(session, factory):
    buyer = factory.company("large_firm")
    for status in ("published", "expired", "closed", "draft", "submitted"):
        factory.order(buyer=buyer, status=status, budget_yuan=100)
    staff = factory.user("staff", username="analyst")
    counters = programme_counters(session)
    assert (counters.orders, counters.orders_open, counters.orders_value_yuan) == (3, 1, 300)

    def listed(status: str) -> int:
        filters = reports.ListFilters(status=status)
        return reports.report_page(session, staff, "orders", filters, PageRequest()).total

    assert listed("published") == counters.orders_open
    assert listed("ever_published") == counters.orders
    assert len(reports.report_table(session, staff, "orders", reports.ListFilters(status="ever_published")).rows) == 3


def test_qianfan_stats_prints_the_counters_as_a_table_and_as_json(db, factory, session, runner, monkeypatch):
    buyer = factory.company("large_firm")
    factory.order(buyer=buyer, status="published", budget_yuan=2_000_000)
    factory.order(buyer=buyer, status="expired", budget_yuan=500_000)
    session.commit()
    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    as_json = runner.invoke(main, ["stats", "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output)
    assert (figures["orders"], figures["orders_open"], figures["large_firms"]) == (2, 1, 1)
    assert figures["orders_value_yuan"] == "2500000.00"
    table = runner.invoke(main, ["stats"])
    assert table.exit_code == 0, table.output
    line = next(line for line in table.output.splitlines() if "Orders posted" in line)
    assert "累计发布订单" in line and " 2 " in line and "发布中 1" in line
