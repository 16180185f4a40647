"""The open market in a real browser (issue 12, part 1), in Chinese, photographed at 1366 px and 375 px:
a buyer attaches a tender document to its published order; a small firm finds the order by Chinese words,
reads all of it (notice link, qualifications, delivery period), downloads the document, keeps the search
with a subscription and opens a deal on it; the buyer finds the firm's listing and reads its profile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser.test_journeys import PASSWORD, PHONE, _shot

WIDE = {"width": 1366, "height": 900}
TENDER = b"%PDF-1.4\n% tender document of the browser journey\n"


@pytest.fixture
def market_people(live_db):
    """A buyer with a published order, a small firm with a published listing that fits it, and staff."""
    from models.base import utcnow
    from qianfan import matching, screening
    from tests.factories import Factory

    with live_db.session_scope() as session:
        factory = Factory(session)
        staff = factory.user("staff", username="staff", display_name="项目办小王")
        buyer = factory.user("large_firm", username="buyer", display_name="采购部张工")
        buyer.company.name = "北京市政路桥集团有限公司"
        supplier = factory.user("small_firm", username="supplier", display_name="销售部李经理")
        supplier.company.name = "北京慧眼巡检科技有限公司"
        supplier.company.region_code = "110108"
        order = factory.order(
            buyer=buyer.company, status="submitted", title="城市道路智能巡检系统采购",
            description="道路巡检机器人、视频巡检与路面病害识别，含养护数据平台", region_code="110105",
            required_qualifications=["ISO 9001"], delivery_period="合同签订后120日内",
            deadline=utcnow() + timedelta(days=30), source_url="https://example.com/notice/road-inspection",
        )  # fmt: skip
        listing = factory.listing(
            supplier=supplier.company, status="submitted", title="道路巡检机器人与病害识别系统",
            description="智慧道路巡检系统：巡检机器人、视频巡检、路面病害识别、养护数据平台",
        )  # fmt: skip
        screening.publish(session, staff, "order", order.id)
        screening.publish(session, staff, "listing", listing.id)
        matching.ensure_tokens(session)
        ids = {"order": order.id, "listing": listing.id, "firm": supplier.company_id}
    return ids


def _login(chromium, base, username, viewport):
    context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=base, accept_downloads=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


def _fits(page, name: str, screenshots) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name} is {width}px wide"
    _shot(page, screenshots, name)


def test_a_small_firm_finds_reads_and_subscribes_to_an_order_and_a_buyer_reads_the_firm(
    chromium, live_server, market_people, screenshots, tmp_path
):
    ids = market_people
    tender = tmp_path / "招标文件.pdf"
    tender.write_bytes(TENDER)

    buyer = _login(chromium, live_server, "buyer", WIDE)
    buyer.goto(f"/market/orders/{ids['order']}")
    buyer.set_input_files("#attach-file", str(tender))
    with buyer.expect_navigation():
        buyer.click("form[enctype] button[type=submit]")
    assert "附件已上传" in buyer.inner_text("main") and "招标文件.pdf" in buyer.inner_text("main")

    supplier = _login(chromium, live_server, "supplier", WIDE)
    supplier.click("nav >> text=公开订单")
    supplier.fill("#f-q", "道路巡检")
    with supplier.expect_navigation():
        supplier.click("form.search-form button[type=submit]")
    assert "共找到 1 条" in supplier.inner_text("main")
    _fits(supplier, "market-01-search-orders", screenshots)

    with supplier.expect_navigation():
        supplier.click("text=城市道路智能巡检系统采购")
    main = supplier.inner_text("main")
    for shown in ("ISO 9001", "合同签订后120日内", "北京市朝阳区", "https://example.com/notice/road-inspection"):
        assert shown in main
    _fits(supplier, "market-02-order", screenshots)
    with supplier.expect_download() as download:
        supplier.click("text=招标文件.pdf")
    assert download.value.suggested_filename == "招标文件.pdf"
    assert Path(download.value.path()).read_bytes() == TENDER

    supplier.go_back()
    supplier.fill("#save-name", "道路巡检项目")
    with supplier.expect_navigation():
        supplier.click("form.save-search button[type=submit]")
    assert "搜索已保存" in supplier.inner_text("main")
    supplier.goto("/market/searches")
    assert "道路巡检项目" in supplier.inner_text("main") and "已订阅" in supplier.inner_text("main")
    _fits(supplier, "market-03-saved-searches", screenshots)

    supplier.goto(f"/market/orders/{ids['order']}")
    with supplier.expect_navigation():
        supplier.click("text=进入撮合")
    assert "/deals/" in supplier.url and "城市道路智能巡检系统采购" in supplier.inner_text("main")

    buyer.click("nav >> text=查找供给")
    buyer.fill("#f-q", "病害识别")
    with buyer.expect_navigation():
        buyer.click("form.search-form button[type=submit]")
    _fits(buyer, "market-04-search-listings", screenshots)
    with buyer.expect_navigation():
        buyer.click("text=道路巡检机器人与病害识别系统")
    _fits(buyer, "market-05-listing", screenshots)
    with buyer.expect_navigation():
        buyer.click("main >> text=北京慧眼巡检科技有限公司")
    assert "在平台上签订的合同" in buyer.inner_text("main")
    _fits(buyer, "market-06-firm-profile", screenshots)

    phone = _login(chromium, live_server, "supplier", PHONE)
    for url, name in (("/market/orders?q=道路巡检&region=北京市", "search-orders"),
                      (f"/market/orders/{ids['order']}", "order"), ("/market/searches", "saved-searches")):  # fmt: skip
        phone.goto(url)
        _fits(phone, "phone-market-" + name, screenshots)
    phone_buyer = _login(chromium, live_server, "buyer", PHONE)
    for url, name in (("/market/listings?q=病害识别", "search-listings"), (f"/market/firms/{ids['firm']}", "firm")):
        phone_buyer.goto(url)
        _fits(phone_buyer, "phone-market-" + name, screenshots)
