"""One language at a time (issue 11): every page each role reaches, in Chinese and in English, holds no
message of the other language (tests/webapp/one_language.py says what counts), and the examples the
issue names are gone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from matcher.rules import rule_ids
from models import Contract, Match, transition
from qianfan import jobs
from tests.webapp.one_language import other_language

PAGES_PER_ROLE = 40
LINK = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture
def world(factory, session):
    """One of everything a page can show: an order with a region, a rejected order whose reason ends
    with 。, a near miss for a region, a package for small and micro firms, a contract one side confirmed,
    a finished rematch."""
    buyer = factory.user("large_firm", username="buyer1")
    supplier = factory.user("small_firm", username="supplier1")
    provider = factory.user("service_org", username="provider1")
    staff = factory.user("staff", username="staff1")
    buyer.company.region_code = "110108"
    supplier.company.region_code = "350102"
    deadline = datetime.now(UTC) + timedelta(days=30)
    order = factory.order(buyer=buyer.company, status="published", region_code="3302",
                          industry_code="6511", deadline=deadline, category_code="C16000000")  # fmt: skip
    far = factory.order(buyer=buyer.company, status="published", title="宁波的订单", region_code="3302")
    rejected = factory.order(buyer=buyer.company, status="submitted", title="被退回的订单")
    transition(rejected, "rejected", actor=staff, reason="预算写法不对。")
    listing = factory.listing(supplier=supplier.company, status="published", region_codes=["35"],
                              industry_code="6511", max_contract_yuan=Decimal("9000000"))  # fmt: skip
    demand = factory.demand(company=supplier.company, status="published")
    package = factory.package(provider=provider.company, status="published",
                              eligible_region_codes=["35"], eligible_sizes=["small", "micro"])  # fmt: skip
    region_rule = rule_ids("order").index("region")
    factory.ranking("order", order.id, [listing.id], scores=[0.7])
    factory.ranking("order", far.id, [listing.id], scores=[0.4], failed=[region_rule])
    factory.ranking("listing", listing.id, [order.id, far.id], scores=[0.7, 0.4], failed=[-1, region_rule])
    factory.ranking("demand", demand.id, [package.id], scores=[0.5])
    factory.ranking("package", package.id, [demand.id], scores=[0.5])
    deal = Match(kind="order", order=order, listing=listing, score=0.7, status="intention_signed",
                 intention_signed_at=datetime.now(UTC))  # fmt: skip
    session.add(deal)
    session.add(Match(kind="service", demand=demand, package=package, score=0.5, status="applied"))
    session.flush()
    contract = Contract(match_id=deal.id, buyer_id=buyer.company_id, supplier_id=supplier.company_id,
                        title="水务平台建设合同", amount_yuan=Decimal("100000"))  # fmt: skip
    session.add(contract)
    job = jobs.create(session, kind="rematch", task="rematch_all", started_by_id=staff.id)
    summary = {"queries": 2, "candidates": 1, "matches": 1, "near_misses": 1, "orders_with_match": 1,
               "listings_with_match": 1, "peak_mib": 300}  # fmt: skip
    jobs.finish(session, job.id, {"summary": {"order": summary}})
    session.commit()
    return {"order": order, "far": far, "rejected": rejected, "deal": deal, "job": job.id,
            "contract": contract.id}  # fmt: skip


def _switch(client, username: str, language: str) -> None:
    client.submit("/logout")
    client.login(username)
    client.submit(f"/language/{language}", {"next": "/"})


def _crawl(client, start: list[str]) -> dict[str, str]:
    """Pages reached by following links from `start`: {url: body}, at most PAGES_PER_ROLE, each kind of
    address once or twice (not all 20 rows of a list)."""
    seen, todo, kinds, pages = set(), list(start), {}, {}
    while todo and len(pages) < PAGES_PER_ROLE:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        pages[url] = body
        for href in LINK.findall(body):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.path.startswith(("/static", "/logout", "/language")) or "export" in parts.path:
                continue
            kind = re.sub(r"\d+", "N", parts.path) + re.sub(r"=[^&]*", "", parts.query)
            if kinds.get(kind, 0) < 2:
                kinds[kind] = kinds.get(kind, 0) + 1
                todo.append(href)
    return pages


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_page_of_any_role_holds_a_message_of_the_other_language(client, world, language):
    starts = {
        "buyer1": ["/", f"/deals/{world['deal'].id}", f"/orders/{world['rejected'].id}"],
        "supplier1": ["/", "/supply/recommended", f"/deals/{world['deal'].id}"],
        "provider1": ["/"],
        "staff1": ["/", f"/staff/jobs/{world['job']}", "/staff/screening"],
    }
    found = {}
    for username, start in starts.items():
        _switch(client, username, language)
        pages = _crawl(client, start)
        assert len(pages) >= 5, f"{username} reached only {list(pages)}"
        for url, body in pages.items():
            if slips := other_language(body, "en" if language == "en" else "zh"):
                found[f"{username} {url}"] = slips
    assert not found, found


def test_the_examples_of_the_issue_are_in_one_language(client, world, factory, session):
    other = factory.order(status="published", title="别家的订单")
    session.commit()
    _switch(client, "buyer1", "zh_CN")
    missing = client.get(f"/orders/{other.id}/edit").get_data(as_text=True)
    assert f"您名下没有订单 {other.id}" in missing and "order" not in other_language(missing, "zh")
    typed = client.submit("/orders/new", {"title": "水务", "kind": "procurement", "industry": "水务"})
    assert "没有名称或代码为“水务”的行业" in typed.get_data(as_text=True)
    deal = client.get(f"/deals/{world['deal'].id}").get_data(as_text=True)
    assert "查看订单" in deal and "开放中" not in deal
    client.submit(f"/contracts/{world['contract']}/confirm")
    deal = client.get(f"/deals/{world['deal'].id}").get_data(as_text=True)
    assert "已确认合同 (采购方)" in deal and "(buyer)" not in deal
    rejected = client.get(f"/orders/{world['rejected'].id}").get_data(as_text=True)
    assert "预算写法不对。请修改" in rejected and "。。" not in rejected
    _switch(client, "staff1", "zh_CN")
    job = client.get(f"/staff/jobs/{world['job']}").get_data(as_text=True)
    assert "已排序的信息 2" in job and "queries" not in job and "peak_mib" not in job


def test_a_region_near_miss_names_the_region_and_gives_region_advice(client, world):
    _switch(client, "supplier1", "zh_CN")
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "服务地区不含 浙江省宁波市" in page and "服务地区不含 3302" not in page
    assert "加入供给的服务地区" in page and "资质" not in page.split("差一点匹配")[-1].split("</section>")[0]
    _switch(client, "supplier1", "en")
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "Does not serve region Ningbo, Zhejiang" in page


def test_a_language_chosen_on_the_login_page_survives_the_login(client, world, session):
    client.submit("/language/en", {"next": "/login"})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.login("buyer1")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.submit("/logout")
    # It is the account's language now: a new session starts in it.
    client.login("buyer1")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
