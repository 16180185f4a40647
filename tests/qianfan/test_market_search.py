"""Browsing and searching the open market: Chinese full text over the matcher's tokens, and the filters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.base import utcnow
from models.errors import ValidationError
from qianfan import matching
from qianfan.market.search import Filters, query_tokens, search
from qianfan.paging import PageRequest

PAGE = PageRequest(1, 20, "relevance")


def _titles(page) -> list[str]:
    return [posting.title for posting in page.items]


@pytest.fixture
def market(factory, session):
    """Three published orders and a draft, tokenised as the matcher keeps them."""
    soon = utcnow() + timedelta(days=10)
    water = factory.order(status="published", title="智慧水务数字化平台建设", region_code="110108",
                          budget_yuan=Decimal("7460365"), deadline=soon, published_at=utcnow())  # fmt: skip
    school = factory.order(status="published", title="校园安防监控系统采购",
                           description="视频监控、门禁与报警联动", region_code="350802",
                           budget_yuan=Decimal("500000"), deadline=soon + timedelta(days=30))  # fmt: skip
    factory.order(status="published", title="过期的水务监测项目", deadline=utcnow() - timedelta(days=1))
    factory.order(status="draft", title="草稿里的水务平台")
    matching.ensure_tokens(session)
    session.commit()
    return {"water": water, "school": school}


def test_chinese_words_find_orders_by_their_jieba_tokens(session, market):
    assert "水务" in query_tokens("水务平台")
    assert _titles(search(session, "order", Filters(q="水务平台"), PAGE)) == ["智慧水务数字化平台建设"]
    # Words only in the description count too, and every word typed must be there.
    assert _titles(search(session, "order", Filters(q="门禁 监控"), PAGE)) == ["校园安防监控系统采购"]
    assert _titles(search(session, "order", Filters(q="门禁 水务"), PAGE)) == []


def test_drafts_and_orders_past_their_deadline_are_not_found(session, market):
    found = _titles(search(session, "order", Filters(q="水务"), PAGE))
    assert found == ["智慧水务数字化平台建设"]
    everything = _titles(search(session, "order", Filters(), PageRequest(1, 20, "-published_at")))
    assert sorted(everything) == sorted(["智慧水务数字化平台建设", "校园安防监控系统采购"])


def test_an_edited_text_is_found_by_its_new_words_once_tokenised(session, market):
    order = market["school"]
    order.title, order.tokens = "实验室仪器设备采购", None
    matching.ensure_tokens(session)
    session.commit()
    assert _titles(search(session, "order", Filters(q="仪器设备"), PAGE)) == ["实验室仪器设备采购"]
    assert _titles(search(session, "order", Filters(q="安防"), PAGE)) == []


def test_a_single_character_is_looked_for_in_titles(session, market):
    assert _titles(search(session, "order", Filters(q="校"), PAGE)) == ["校园安防监控系统采购"]


def test_filters_by_region_name_budget_and_deadline(session, market):
    def titles(**typed):
        return sorted(_titles(search(session, "order", Filters(**typed), PAGE)))

    assert titles(region="北京市") == ["智慧水务数字化平台建设"]  # a district of Beijing is in Beijing
    assert titles(region="海淀区") == ["智慧水务数字化平台建设"]
    assert titles(region="龙岩市") == ["校园安防监控系统采购"]
    assert titles(amount_min="100万元") == ["智慧水务数字化平台建设"]
    assert titles(amount_max="50万元") == ["校园安防监控系统采购"]
    later = (utcnow() + timedelta(days=20)).date().isoformat()
    assert titles(deadline_from=later) == ["校园安防监控系统采购"]


def test_a_bad_filter_names_its_field(session, market):
    with pytest.raises(ValidationError) as err:
        search(session, "order", Filters(amount_min="很多钱"), PAGE)
    assert err.value.field == "amount_min"
    with pytest.raises(ValidationError) as err:
        search(session, "order", Filters(region="火星市"), PAGE)
    assert err.value.field == "region"
    with pytest.raises(ValidationError) as err:
        search(session, "order", Filters(amount_min="100万元", amount_max="1万元"), PAGE)
    assert err.value.field == "amount_max"


def test_search_syntax_typed_is_only_text(session, market):
    assert _titles(search(session, "order", Filters(q='水务" OR "监控'), PAGE)) == []
    assert _titles(search(session, "order", Filters(q="NEAR(水务 平台) *"), PAGE)) == []


def test_listings_by_words_region_served_and_capacity(session, factory):
    factory.listing(status="published", title="水务物联网监测系统", region_codes=["110000"],
                    max_contract_yuan=Decimal("5000000"))  # fmt: skip
    factory.listing(status="published", title="水质在线监测仪", region_codes=[],
                    max_contract_yuan=Decimal("200000"))  # fmt: skip
    factory.listing(status="published", title="福建水务监测服务", region_codes=["350800"])
    factory.listing(status="draft", title="草稿水务监测")
    matching.ensure_tokens(session)
    session.commit()

    def titles(**typed):
        return sorted(_titles(search(session, "listing", Filters(**typed), PAGE)))

    assert titles(q="监测") == ["水务物联网监测系统", "水质在线监测仪", "福建水务监测服务"]
    # Serving all of Beijing serves Haidian; serving everywhere too; Longyan's firm does not.
    assert titles(q="监测", region="海淀区") == ["水务物联网监测系统", "水质在线监测仪"]
    assert titles(q="监测", amount_min="100万元") == ["水务物联网监测系统"]
