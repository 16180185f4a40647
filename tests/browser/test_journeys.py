"""The programme's main journey in a real browser, in Chinese as people use it, with a screenshot of each page:
a large firm posts an order, staff publish it, a small firm sees it recommended and says it is interested,
the large firm invites it, both confirm the contract, and the staff dashboard counts the signing.

Every page photographed is also read (issue 11): no message of the other language on it, times in Beijing
time (a deadline typed as a date is 23:59 of that day; the history shows the clock of now in Beijing), and
places by name, never by code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.webapp.one_language import other_language

PASSWORD = "secret-pass-1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def people(live_db):
    """A buyer, a supplier whose published listing fits the order to come, and a staff member."""
    from qianfan import screening
    from tests.factories import Factory

    with live_db.session_scope() as session:
        factory = Factory(session)
        staff = factory.user("staff", username="staff", display_name="项目办小王")
        buyer = factory.user("large_firm", username="buyer", display_name="采购部张工")
        buyer.company.name = "北京市政路桥集团有限公司"
        supplier = factory.user("small_firm", username="supplier", display_name="销售部李经理")
        supplier.company.name = "北京慧眼巡检科技有限公司"
        supplier.company.region_code = "110108"
        listing = factory.listing(
            supplier=supplier.company, status="submitted", title="道路巡检机器人与病害识别系统",
            description="智慧道路巡检系统：巡检机器人、视频巡检、路面病害识别、养护数据平台",
        )  # fmt: skip
        screening.publish(session, staff, "listing", listing.id)


def _page(chromium, base: str, username: str, viewport=DESKTOP):
    """A logged-in page in its own browser context (cookies), accepting confirmation dialogs."""
    context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=base)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return page


def _post(page, action: str) -> None:
    """Press the button of the form that posts to `action`, and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f'form[action="{action}"] button[type=submit]')


def _shot(page, directory, name: str, language: str = "zh") -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    body = page.content()
    assert other_language(body, language) == [], f"{name}: {other_language(body, language)}"
    assert not re.search(r">\s*1101(08)?\s*<", body), f"{name} shows a region code"


def _beijing_now_shown(page) -> bool:
    """Whether the page shows the current Beijing time to the minute (or the minute before)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    text = page.inner_text("main")
    return any((now - timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M") in text for m in range(3))


def test_an_order_goes_from_posting_to_a_signed_contract_counted_on_the_dashboard(
    chromium, live_server, people, screenshots
):
    buyer = _page(chromium, live_server, "buyer")
    _shot(buyer, screenshots, "01-large-firm-home")
    buyer.goto("/orders/new")
    buyer.fill("input[name=title]", "智慧道路巡检系统")
    buyer.fill(
        "textarea[name=description]",
        "采购道路巡检机器人与视频巡检服务，路面病害识别，养护数据平台对接",
    )
    buyer.fill("input[name=budget]", "120万元")
    deadline = date.today() + timedelta(days=40)
    buyer.fill("input[name=deadline]", deadline.isoformat())
    # The region is found by name: typing proposes the divisions, the proposal is taken as it is.
    buyer.locator("input[name=region]").press_sequentially("海淀")
    buyer.locator("#region-names option").first.wait_for(state="attached")
    buyer.fill("input[name=region]", buyer.locator("#region-names option").first.get_attribute("value"))
    _shot(buyer, screenshots, "02-order-form")
    with buyer.expect_navigation():
        buyer.click("main form button[type=submit]")
    order_id = int(re.search(r"/orders/(\d+)", buyer.url).group(1))
    _post(buyer, f"/orders/{order_id}/submit")
    facts = buyer.inner_text("dl.facts")
    assert f"{deadline.isoformat()} 23:59" in facts and "北京市海淀区" in facts
    assert _beijing_now_shown(buyer)  # the history's "submitted" entry, in Beijing time
    _shot(buyer, screenshots, "03-order-submitted")

    staff = _page(chromium, live_server, "staff")
    staff.goto("/staff/screening?kind=order")
    assert staff.locator(f"#posting-{order_id}").is_visible()
    assert "北京市海淀区 (110108)" in staff.inner_text(f"#posting-{order_id}")  # staff see the code too
    _shot(staff, screenshots, "04-screening-queue")
    _post(staff, f"/staff/screening/order/{order_id}/publish")
    assert staff.locator(f"#posting-{order_id}").count() == 0

    supplier = _page(chromium, live_server, "supplier")
    supplier.goto("/supply/recommended")
    assert supplier.get_by_text("智慧道路巡检系统").first.is_visible()
    _shot(supplier, screenshots, "05-recommended-orders")
    interest = supplier.locator('form[action$="/interest"]').first.get_attribute("action")
    assert re.search(rf"/deals/pair/order/{order_id}/\d+/interest", interest)  # no deal row until now
    _post(supplier, interest)
    links = supplier.locator('main a[href^="/deals/"]').evaluate_all("links => links.map(a => a.getAttribute('href'))")
    match_id = next(int(m.group(1)) for href in links if (m := re.fullmatch(r"/deals/(\d+)", href)))

    buyer.goto(f"/orders/{order_id}/candidates")
    _shot(buyer, screenshots, "06-order-candidates")
    _post(buyer, f"/deals/{match_id}/invite")
    buyer.goto(f"/deals/{match_id}")
    for step in ("negotiate", "intention"):
        _post(buyer, f"/deals/{match_id}/{step}")
    buyer.fill("input[name=amount]", "118万元")
    _post(buyer, f"/deals/{match_id}/contract")
    confirm = buyer.locator('form[action$="/confirm"]').first.get_attribute("action")
    _post(buyer, confirm)
    _shot(buyer, screenshots, "07-deal-buyer-confirmed")

    supplier.goto(f"/deals/{match_id}")
    _post(supplier, confirm)
    assert (
        supplier.locator('form[action$="/confirm"]').count() == 0
    )  # nothing left to confirm: signed
    _shot(supplier, screenshots, "08-deal-signed")

    staff.goto("/staff/dashboard")
    staff.wait_for_selector('[data-chart="funnel"].drawn svg')
    contracts_signed = staff.locator(".counter").nth(8).locator(".counter-value")
    assert contracts_signed.inner_text() == "1"
    funnel_rows = staff.locator("#funnel tbody tr")
    assert (
        funnel_rows.last.locator("td").nth(1).text_content() == "1"
    )  # one order reached a signed contract
    _shot(staff, screenshots, "09-dashboard")
    staff.goto("/staff/lists/contracts")
    assert staff.get_by_text("智慧道路巡检系统").first.is_visible()
    _shot(staff, screenshots, "10-contracts-list")


def test_a_language_chosen_on_the_login_page_holds_on_every_page(chromium, live_server, people, screenshots):
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server)
    page = context.new_page()
    page.goto("/login")
    with page.expect_navigation():
        page.click('form[action="/language/en"] button')
    page.fill("input[name=username]", "supplier")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    for url in ("/", "/supply/listings/", "/supply/profile", "/deals/"):
        page.goto(url)
        assert page.get_attribute("html", "lang") == "en"
        _shot(page, screenshots, "en-" + (url.strip("/").replace("/", "-") or "home"), language="en")
    page.goto("/supply/profile")
    assert page.input_value("input[name=region]") == "北京市海淀区"  # a name the form reads back


def test_the_main_pages_fit_a_phone_screen(chromium, live_server, people, screenshots):
    pages = {
        "staff": ("/staff/dashboard", "/staff/screening", "/staff/lists/orders", "/staff/imports"),
        "supplier": ("/supply/recommended",),
        "buyer": ("/orders/",),
    }
    for username, urls in pages.items():
        page = _page(chromium, live_server, username, viewport=PHONE)
        for url in urls:
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{url} is {width}px wide on a 375px screen"
            _shot(page, screenshots, "phone-" + url.strip("/").replace("/", "-"))
