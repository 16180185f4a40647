"""The match service against a real database: explanations stored, batch equals incremental, acted-on
matches kept, a full rematch replaced in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import CompanyQualification, Contract, Match
from qianfan import matching
from qianfan.config import DEFAULTS

SETTINGS = dict(DEFAULTS)
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _pairs(session, kind="order") -> dict:
    """Every match of `kind` as comparable data, keyed by its pair."""
    columns = ("order_id", "listing_id") if kind == "order" else ("demand_id", "package_id")
    rows = session.execute(select(Match).where(Match.kind == kind)).scalars()
    return {
        (getattr(m, columns[0]), getattr(m, columns[1])): (
            round(m.score, 6), m.rank, m.near_miss, m.status, m.reasons, m.score_parts
        )
        for m in rows
    }  # fmt: skip


def _market(factory):
    """Two buyers' orders and four suppliers' listings, published."""
    water_buyer = factory.company("large_firm", name="宜昌水务集团有限公司")
    city_buyer = factory.company("large_firm", name="宜昌城发集团有限公司")
    water_firm = factory.company(name="三峡智慧水务科技有限公司")
    road_firm = factory.company(name="宜昌道路巡检科技有限公司")
    cloud_firm = factory.company(name="湖北工业云科技有限公司")
    orders = [
        factory.order(water_buyer, "published", title="智慧水务漏损监测平台",
                      description="供水管网漏损监测、远传水表与物联网数据分析平台建设"),
        factory.order(city_buyer, "published", title="智慧道路巡检系统",
                      description="城市道路病害巡检、视频识别与养护工单平台", budget_yuan=Decimal("900000")),
        factory.order(city_buyer, "published", title="工业云PaaS平台建设",
                      description="面向园区企业的工业云PaaS平台与数据中台"),
    ]  # fmt: skip
    listings = [
        factory.listing(water_firm, "published", title="水务物联网监测系统",
                        description="管网漏损监测、远传水表、物联网平台与数据分析", kind="product"),
        factory.listing(road_firm, "published", title="道路巡检AI识别系统",
                        description="基于人工智能视频识别的道路病害巡检与养护工单", kind="technology"),
        factory.listing(cloud_firm, "published", title="工业云PaaS平台",
                        description="工业云PaaS、数据中台与园区企业上云服务", kind="service"),
        factory.listing(water_firm, "published", title="智慧水务数据分析服务",
                        description="供水数据分析与漏损治理咨询", kind="service"),
    ]  # fmt: skip
    return orders, listings


def test_full_rematch_stores_ranked_explained_matches(db, session, factory):
    orders, listings = _market(factory)
    summary = matching.rematch_all(session, settings=SETTINGS, now=NOW)
    session.commit()

    assert summary["order"]["queries"] == 3 and summary["order"]["candidates"] == 4
    water = session.execute(
        select(Match).where(Match.order_id == orders[0].id).order_by(Match.rank)
    ).scalars().all()  # fmt: skip
    assert water[0].listing_id in (listings[0].id, listings[3].id)
    best = water[0]
    assert best.rank == 1 and best.status == "recommended" and not best.near_miss
    assert best.score == pytest.approx(sum(best.score_parts.values()), abs=1e-3)
    terms = [t["term"] for t in best.reasons["terms"]]
    assert "漏损" in terms or "物联网" in terms
    assert {p["id"] for p in best.reasons["passed"]} >= {
        "open",
        "not_own",
        "kind",
        "qualifications",
    }
    assert all(p["zh"] and p["en"] for p in best.reasons["passed"])
    # The road order's best supplier is the road firm: AI and 人工智能 meet as one term.
    road = (
        session.execute(select(Match).where(Match.order_id == orders[1].id).order_by(Match.rank))
        .scalars()
        .first()
    )
    assert road.listing_id == listings[1].id


def test_near_miss_names_the_missing_qualification(db, session, factory):
    buyer = factory.company("large_firm")
    holder = factory.company(name="持证水务科技有限公司")
    lacking = factory.company(name="无证水务科技有限公司")
    session.add(
        CompanyQualification(company_id=holder.id, name="ISO9001质量管理体系认证", grade=None)
    )
    order = factory.order(buyer, "published", required_qualifications=["ISO 9001"])
    factory.listing(holder, "published")
    near = factory.listing(lacking, "published")
    session.flush()

    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    rows = {
        m.listing_id: m
        for m in session.execute(select(Match).where(Match.order_id == order.id)).scalars()
    }
    assert rows[near.id].near_miss
    assert rows[near.id].reasons["failed"]["id"] == "qualifications"
    assert (
        "缺少" in rows[near.id].reasons["failed"]["zh"]
        and "9001" in rows[near.id].reasons["failed"]["zh"]
    )
    assert rows[near.id].rank > max(m.rank for m in rows.values() if not m.near_miss)


def test_rematch_of_one_posting_equals_a_full_rematch(db, session, factory):
    orders, listings = _market(factory)
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    # New data: a new order, a changed listing, a withdrawn listing, a contract that adds history.
    new_order = factory.order(
        orders[0].buyer, "published", title="水务数据分析平台", description="漏损治理与数据分析"
    )
    listings[2].description = "园区能耗监测与节能服务"
    listings[2].tokens = None
    listings[3].status = "withdrawn"
    session.flush()
    for kind, posting in (("order", new_order), ("listing", listings[2]), ("listing", listings[3])):
        matching.rematch_posting(session, kind, posting, settings=SETTINGS, now=NOW)
    incremental = _pairs(session)

    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    assert _pairs(session) == incremental
    assert any(order_id == new_order.id for order_id, _ in incremental)
    assert not any(listing_id == listings[3].id for _, listing_id in incremental)


def test_full_rematch_keeps_what_people_did(db, session, factory):
    orders, listings = _market(factory)
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    seen = session.execute(
        select(Match).where(Match.order_id == orders[0].id, Match.rank == 1)
    ).scalar_one()
    seen.status = "seen"
    acted = session.execute(
        select(Match).where(Match.order_id == orders[1].id, Match.rank == 1)
    ).scalar_one()
    acted.status = "interested"
    # The supplier rewrites its listing so that it no longer fits the order it showed interest in.
    changed = session.get(type(acted.listing), acted.listing_id)
    changed.title, changed.description, changed.tokens = "办公家具", "办公桌椅与文件柜", None
    session.flush()
    old_score = acted.score

    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    session.expire_all()
    assert session.get(Match, seen.id).status == "seen"
    kept = session.get(Match, acted.id)
    assert kept.status == "interested" and kept.rank is None
    assert kept.score < old_score


def test_full_rematch_is_replaced_in_one_transaction(db, session, factory):
    orders, listings = _market(factory)
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    session.commit()
    before = _pairs(session)

    for listing in listings[:2]:
        listing.status = "withdrawn"
    session.flush()
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    with db.sessionmaker() as reader:
        assert _pairs(reader) == before  # nothing of the new result shows before the commit
    session.rollback()
    with db.sessionmaker() as reader:
        assert _pairs(reader) == before  # a failed rematch leaves the old set whole

    for listing in listings[:2]:
        session.get(type(listing), listing.id).status = "withdrawn"
    session.flush()
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    session.commit()
    with db.sessionmaker() as reader:
        after = _pairs(reader)
    assert after and not any(
        listing_id in (listings[0].id, listings[1].id) for _, listing_id in after
    )


def test_history_with_the_buyer_lifts_a_supplier(db, session, factory):
    buyer = factory.company("large_firm")
    order = factory.order(buyer, "published", title="水务监测平台", description="管网漏损监测")
    known, unknown = (
        factory.company(name="老供应商有限公司"),
        factory.company(name="新供应商有限公司"),
    )
    a = factory.listing(known, "published", title="水务监测平台", description="管网漏损监测")
    b = factory.listing(unknown, "published", title="水务监测平台", description="管网漏损监测")
    session.add(Contract(buyer_id=buyer.id, supplier_id=known.id, title="往年合同", amount_yuan=Decimal("7000000"),
                         status="signed", buyer_confirmed_at=NOW, supplier_confirmed_at=NOW, signed_on=date(2025, 5, 1)))  # fmt: skip
    session.flush()
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    ranks = {
        m.listing_id: m
        for m in session.execute(select(Match).where(Match.order_id == order.id)).scalars()
    }
    assert ranks[a.id].rank == 1 and ranks[b.id].rank == 2
    assert ranks[a.id].score_parts["buyer_history"] > 0 == ranks[b.id].score_parts["buyer_history"]


def test_service_demand_meets_packages_it_is_eligible_for(db, session, factory):
    young = factory.company(name="新创科技有限公司", founded_on=date(2024, 6, 1))
    old = factory.company(name="老牌科技有限公司", founded_on=date(2010, 6, 1))
    package = factory.package(status="published", title="专利申请代理服务包", description="发明专利申请代理与布局",
                              max_company_age_years=3, quota=5)  # fmt: skip
    young_demand = factory.demand(
        young, "published", title="专利申请代理", description="发明专利申请"
    )
    old_demand = factory.demand(old, "published", title="专利申请代理", description="发明专利申请")
    session.flush()

    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    rows = {
        m.demand_id: m
        for m in session.execute(select(Match).where(Match.package_id == package.id)).scalars()
    }
    assert not rows[young_demand.id].near_miss
    assert rows[old_demand.id].near_miss and rows[old_demand.id].reasons["failed"]["id"] == "age"


def test_closed_order_loses_its_recommendations(db, session, factory):
    orders, _ = _market(factory)
    matching.rematch_all(session, settings=SETTINGS, now=NOW)
    orders[0].deadline = NOW - timedelta(days=1)
    session.flush()
    matching.rematch_posting(session, "order", orders[0], settings=SETTINGS, now=NOW)
    assert not session.execute(select(Match).where(Match.order_id == orders[0].id)).scalars().all()


def test_tokens_are_kept_and_recomputed_when_the_text_changes(db, session, factory):
    _, listings = _market(factory)
    assert matching.ensure_tokens(session) == 7
    assert matching.ensure_tokens(session) == 0
    listing = listings[0]
    assert "物联网" in listing.tokens
    listing.description = "工业云PaaS平台"
    assert matching.ensure_tokens(session) == 1
    assert "paas" in listing.tokens and "漏损" not in listing.tokens


def test_a_new_order_finds_listings_that_were_loaded_without_a_rematch(db, session, factory):
    """Bulk loads and imports publish listings without tokens; the first order still finds them."""
    orders, listings = _market(factory)
    assert all(listing.tokens is None for listing in listings)
    matching.rematch_posting(session, "order", orders[0], settings=SETTINGS, now=NOW)
    found = session.execute(select(Match.listing_id).where(Match.order_id == orders[0].id)).scalars().all()
    assert listings[0].id in found
