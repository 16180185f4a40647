"""The firms' pages as people use them: forms that say what is wrong, the deal from recommendation to a
contract both sides confirmed, service packages whose quota counts down, and what each firm sees."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from models import Contract, Match, Order, ServicePackage, transition


@pytest.fixture
def firms(factory, session):
    buyer = factory.user("large_firm", username="buyer", display_name="采购部")
    supplier = factory.user("small_firm", username="supplier", display_name="销售部")
    provider = factory.user("service_org", username="provider", display_name="孵化器")
    factory.user("staff", username="staff")
    session.commit()
    return buyer, supplier, provider


def _english(client):
    client.submit("/language/en", {"next": "/"})


def _publish(session, posting):
    transition(posting, "submitted")
    transition(posting, "published")
    session.commit()


def _recommend(session, factory, order, listing, failed=-1):
    """The pair in both kept lists, as a rematch leaves it: the order's candidates, the listing's orders."""
    factory.ranking("order", order.id, [listing.id], scores=[0.72], failed=[failed])
    factory.ranking("listing", listing.id, [order.id], scores=[0.72], failed=[failed])
    session.commit()


def _deal(session, order, listing) -> Match:
    session.expire_all()
    return session.scalar(select(Match).where(Match.order_id == order.id, Match.listing_id == listing.id))


def test_the_order_form_names_each_wrong_field_and_keeps_what_was_typed(client, firms):
    client.login("buyer")
    _english(client)
    response = client.submit(
        "/orders/new", {"title": "", "budget": "很多钱", "region": "火星", "kind": "procurement"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        "A title is required." in page
        and "is not an amount of money" in page
        and "No division is called" in page
    )
    assert 'value="很多钱"' in page  # nothing typed is lost


def test_a_large_firm_posts_edits_and_submits_an_order(client, firms, session):
    client.login("buyer")
    _english(client)
    response = client.submit(
        "/orders/new",
        {
            "title": "工业云PaaS平台",
            "kind": "procurement",
            "budget": "300万元",
            "required_qualifications": "ISO 9001",
        },
    )
    assert response.status_code == 302
    order_url = response.location
    page = client.get(order_url).get_data(as_text=True)
    assert (
        "工业云PaaS平台" in page and "Saved as a draft" in page and "Submit for screening" in page
    )
    client.submit(
        order_url + "/edit",
        {"title": "工业云PaaS平台(二期)", "kind": "procurement", "budget": "300万元"},
    )
    client.submit(order_url + "/submit")
    page = client.get(order_url).get_data(as_text=True)
    assert "Awaiting screening" in page and "Submitted. Staff will screen it" in page
    assert "edited: Qualifications required, Title" in page  # the history says what changed, in words
    listing = client.get("/orders/?sort=-budget_yuan").get_data(as_text=True)
    assert "工业云PaaS平台(二期)" in listing and "¥3,000,000" in listing


def test_withdrawing_asks_for_a_reason_and_then_ends_the_order(client, firms, factory, session):
    buyer = firms[0]
    order = factory.order(buyer=buyer.company)
    session.commit()
    client.login("buyer")
    _english(client)
    client.submit(f"/orders/{order.id}/withdraw", {"reason": ""})
    assert "needs a reason" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    client.submit(f"/orders/{order.id}/withdraw", {"reason": "项目取消"})
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Withdrawn." in page and "项目取消" in page and "This posting is final" in page


def test_the_deal_from_recommendation_to_a_contract_both_sides_confirmed(
    client, firms, factory, session
):
    buyer, supplier, _ = firms
    order = factory.order(buyer=buyer.company, title="智慧道路巡检系统")
    listing = factory.listing(supplier=supplier.company, title="道路巡检机器人")
    _publish(session, order)
    _publish(session, listing)
    _recommend(session, factory, order, listing)

    client.login("supplier")
    _english(client)
    page = client.get("/supply/recommended").get_data(as_text=True)
    # The explanation is built on view: the shared terms, the rules passed.
    assert (
        "智慧道路巡检系统" in page
        and "巡检" in page
        and "Holds the required qualifications" in page
        and "0.72" in page
    )
    assert _deal(session, order, listing) is None  # nobody acted on the pair yet: no deal row
    client.submit(f"/deals/pair/order/{order.id}/{listing.id}/interest", {"next": "/supply/recommended"})
    match = _deal(session, order, listing)
    assert match.status == "interested" and match.score == pytest.approx(0.72)
    client.submit("/logout")

    client.login("buyer")
    _english(client)
    page = client.get(f"/orders/{order.id}/candidates").get_data(as_text=True)
    assert "道路巡检机器人" in page and "Interested" in page and "巡检" in page
    for move in ("invite", "negotiate", "intention"):
        assert client.submit(f"/deals/{match.id}/{move}").status_code == 302
    client.submit(f"/deals/{match.id}/contract", {"amount": "120万元", "title": "巡检系统采购合同"})
    contract = session.scalar(select(Contract).where(Contract.match_id == match.id))
    client.submit(f"/contracts/{contract.id}/confirm")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert (
        "Awaiting confirmation" in page and "not yet confirmed" in page
    )  # the supplier has not confirmed
    client.submit("/logout")

    client.login("supplier")
    _english(client)
    client.submit(f"/contracts/{contract.id}/confirm")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert "Contract signed by both sides." in page
    assert page.count("✓ confirmed") == 2 and "Contract signed" in page
    history = page[page.index("History") :]
    assert history.index("销售部") < history.index(
        "采购部"
    )  # interest came first, then the invitation
    session.expire_all()
    assert session.get(Match, match.id).status == "contract_signed"
    assert session.get(Contract, contract.id).signed_on is not None


def test_a_near_miss_shows_what_is_missing(client, firms, factory, session):
    buyer, supplier, _ = firms
    order = factory.order(buyer=buyer.company, title="数字政府大数据平台", status="published")
    listing = factory.listing(supplier=supplier.company, status="published")
    session.get(Order, order.id).required_qualifications = ["ISO 9001"]
    _recommend(session, factory, order, listing, failed=3)  # rule 3 of the order side: qualifications
    client.login("supplier")
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "缺少 iso9001" in page.lower() and "数字政府大数据平台" in page


def test_service_packages_apply_accept_and_the_quota_counts_down(client, firms, factory, session):
    _, supplier, provider = firms
    client.login("provider")
    _english(client)
    response = client.submit(
        "/packages/new",
        {
            "title": "知识产权服务包",
            "category": "ip",
            "value": "20万元",
            "quota": "1",
            "eligible_sizes": ["small", "micro"],
        },
    )
    assert response.status_code == 302
    package = session.scalar(select(ServicePackage))
    assert package.eligible_sizes == ["small", "micro"] and package.quota == 1
    _publish(session, package)
    demand = factory.demand(company=supplier.company, status="published")
    factory.ranking("demand", demand.id, [package.id])
    session.commit()
    client.submit("/logout")

    client.login("supplier")
    _english(client)
    assert "1 of 1 places left" in client.get("/supply/packages").get_data(as_text=True)
    client.submit(f"/deals/pair/service/{demand.id}/{package.id}/apply")
    session.expire_all()
    match = session.scalar(select(Match).where(Match.demand_id == demand.id))
    assert match.status == "applied"
    client.submit("/logout")

    client.login("provider")
    _english(client)
    assert demand.title in client.get("/packages/applicants").get_data(as_text=True)
    client.submit(f"/deals/{match.id}/accept")
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert "0 of 1 places left" in page and "Accepted" in page


def test_another_firms_ids_lead_nowhere(client, firms, factory, session):
    other_order = factory.order(title="别人的订单")
    session.commit()
    client.login("buyer")
    for url in (
        f"/orders/{other_order.id}",
        f"/orders/{other_order.id}/edit",
        f"/orders/{other_order.id}/candidates",
    ):
        response = client.get(url)
        assert response.status_code == 404 and "别人的订单" not in response.get_data(as_text=True)
    assert client.submit(f"/orders/{other_order.id}/submit").status_code == 404
    assert session.get(Order, other_order.id).status == "draft"


def test_lists_are_paged_sorted_and_say_what_to_do_when_empty(client, firms, factory, session):
    buyer = firms[0]
    client.login("buyer")
    _english(client)
    assert "You have not posted an order yet" in client.get("/orders/").get_data(as_text=True)
    for n in range(25):
        factory.order(buyer=buyer.company, title=f"订单{n:02d}")
    session.commit()
    page = client.get("/orders/?sort=title&page=2").get_data(as_text=True)
    titles = re.findall(r"订单\d\d", page)
    assert titles == ["订单20", "订单21", "订单22", "订单23", "订单24"]
    assert "Page 2 of 2" in page


def test_the_small_firm_keeps_its_profile(client, firms, session):
    client.login("supplier")
    _english(client)
    response = client.submit(
        "/supply/profile",
        {"region": "海淀区", "size_class": "small", "qualifications": "ISO 9001\n高新技术企业"},
    )
    assert response.status_code == 302
    page = client.get("/supply/profile").get_data(as_text=True)
    assert "Profile saved" in page and "高新技术企业" in page
    bad = client.submit("/supply/profile", {"founded_on": "2999-01-01"})
    assert bad.status_code == 422 and "cannot be in the future" in bad.get_data(as_text=True)


def test_score_parts_are_named_and_empty_ones_left_out(client, firms, factory, session):
    buyer, supplier, _ = firms
    order = factory.order(buyer=buyer.company, status="published")
    listing = factory.listing(supplier=supplier.company, status="published")
    match = Match(kind="order", order_id=order.id, listing_id=listing.id, score=0.38, status="interested",
                  score_parts={"text": 0.28, "buyer_history": 0.1, "region": 0.0})  # fmt: skip
    session.add(match)
    session.commit()
    client.login("buyer")
    _english(client)
    page = client.get(f"/deals/{match.id}").get_data(as_text=True)
    assert "text similarity" in page and "history with this buyer" in page and ">region<" not in page


def test_a_changed_listing_is_matched_again_in_the_background_with_progress(
    client, app, firms, factory, session
):
    buyer, supplier, _ = firms
    factory.order(buyer=buyer.company, status="published", title="智慧水务数字化平台建设")
    listing = factory.listing(supplier=supplier.company, status="published", title="园林绿化养护")
    session.commit()
    client.login("supplier")
    _english(client)
    values = {
        "title": "水务物联网监测系统",
        "description": "管网漏损监测、远传水表与数据分析",
        "kind": "product",
    }
    response = client.submit(f"/supply/listings/{listing.id}/edit", values)
    assert response.status_code == 302 and "matching=" in response.location
    job_id = response.location.split("matching=")[1]
    page = client.get(response.location).get_data(as_text=True)
    assert "Updating the recommendations" in page and f"/matching/{job_id}" in page
    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(timeout=60)
    assert client.get(f"/matching/{job_id}").get_json()["state"] == "finished"
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "智慧水务数字化平台建设" in page  # the edited listing now fits the order
    client.submit("/logout")
    client.login("provider")
    assert client.get(f"/matching/{job_id}").status_code == 404  # only who started it follows it


def test_a_firm_without_recommendations_is_told_why(client, firms, factory, session, db):
    from qianfan import matching
    from qianfan.config import DEFAULTS

    buyer, supplier, _ = firms
    factory.order(buyer=buyer.company, status="published", title="智慧水务漏损监测平台",
                  description="供水管网漏损监测", region_code="110108")  # fmt: skip
    listing = factory.listing(supplier=supplier.company, status="published", title="办公家具", description="办公桌椅")
    session.commit()
    settings = {**DEFAULTS, "MATCH_PROCESSES": 1}
    matching.rematch_all(db, settings=settings)
    client.login("supplier")
    _english(client)
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "No open order shares the key words of your listings" in page

    # Now the text fits, but the listing serves another region only: the rule is named.
    edited = session.get(type(listing), listing.id)
    edited.title, edited.description, edited.region_codes = "水务漏损监测系统", "管网漏损监测", ["310000"]
    session.commit()
    matching.rematch_postings(db, [("listing", listing.id)], settings=settings)
    page = client.get("/supply/recommended").get_data(as_text=True)
    assert "excluded by the rule “Serves the order&#39;s region”" in page or "Serves the order" in page
    assert "1 open orders fit the text of your listings" in page
