"""The deal loop in a real browser (issue 12, items 3 and 4), in Chinese, each e-mail caught by a real SMTP
server: a small firm shows interest in a recommended order; the buyer reads it in its inbox and invites;
the supplier accepts; they write to each other and see each other's contact persons; the buyer records the
intention and drafts the contract; both confirm; the order closes and a rival supplier still talking about
it is told. Each step's notification arrives in the inbox (unread count in the header) and by e-mail.
The inbox, the deal page with its thread, and the e-mail settings are photographed at 1366 and 375 px.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.people import PHONE, WIDE, log_in, new_page
from tests.webapp.one_language import other_language


@pytest.fixture
def market(live_db):
    """A published order, the supplier's listing it is recommended for, and a rival already interested."""
    from models import Match
    from qianfan import deals
    from tests.factories import Factory

    with live_db.session_scope() as session:
        factory = Factory(session)
        buyer = factory.user("large_firm", username="buyer", display_name="采购部张经理", email="zhang@big.cn")
        supplier = factory.user("small_firm", username="supplier", display_name="销售部李工", email="li@small.cn")
        rival = factory.user("small_firm", username="rival", display_name="王工", email="wang@rival.cn")
        buyer.company.name, supplier.company.name = "北京市政路桥集团有限公司", "北京星河智能科技有限公司"
        order = factory.order(buyer=buyer.company, status="published", title="道路智能巡检系统采购")
        listing = factory.listing(supplier=supplier.company, status="published", title="道路巡检机器人")
        other = factory.listing(supplier=rival.company, status="published", title="巡检无人机")
        factory.ranking("listing", listing.id, [order.id])
        rival_match = Match(kind="order", order=order, listing=other, score=0.6)
        session.add(rival_match)
        session.flush()
        deals.express_interest(session, rival, rival_match.id)
        return {"order": order.id, "listing": listing.id, "rival_match": rival_match.id}


def _unread(page) -> int:
    badge = page.query_selector("header .unread-count")
    return int(badge.inner_text()) if badge else 0


def _post(page, action: str, **fields) -> None:
    form = f'form[action="{action}"]'
    for name, value in fields.items():
        page.fill(f"{form} [name={name}]", value)
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def _open_newest(page, words: str) -> None:
    """From the inbox, open the newest notification that says `words` (it leads to its deal)."""
    page.click("header .inbox-link")
    with page.expect_navigation():
        page.click(f"main .inbox-item.unread button:has-text('{words}')")


def _shot(page, directory, name: str) -> None:
    for label, viewport in (("1366", WIDE), ("375", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(directory / f"deal-loop-{name}-{label}.png"), full_page=True)
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a 375px screen"
    page.set_viewport_size(WIDE)
    assert other_language(page.content(), "zh") == [], f"{name}: {other_language(page.content(), 'zh')}"


def _subjects(mail, address) -> list[str]:
    return [m["Subject"] for m in mail.to(address)]


def test_both_sides_move_the_deal_to_a_signed_contract_and_are_told_each_step(
    chromium, mail_server, live_db, mail, market, screenshots
):
    from models import Contract, Match

    supplier = new_page(chromium, mail_server)
    log_in(supplier, "supplier")
    supplier.goto("/supply/recommended")
    assert "道路智能巡检系统采购" in supplier.inner_text("main")
    _post(supplier, f"/deals/pair/order/{market['order']}/{market['listing']}/interest")
    with live_db.session_scope() as session:
        match_id = session.scalar(select(Match.id).where(Match.listing_id == market["listing"]))
    deal = f"/deals/{match_id}"

    buyer = new_page(chromium, mail_server)
    log_in(buyer, "buyer")
    assert _unread(buyer) == 2  # the rival's interest and this one
    _open_newest(buyer, "北京星河智能科技有限公司")
    assert buyer.url.endswith(deal)
    assert "双方都表达意向后" in buyer.inner_text("#contacts")  # not yet: the buyer has not invited
    _post(buyer, f"{deal}/invite")
    assert "千帆：供应商对您的订单感兴趣" in _subjects(mail, "zhang@big.cn")

    supplier.reload()
    assert _unread(supplier) == 1
    _open_newest(supplier, "邀请您洽谈")
    assert "zhang@big.cn" in supplier.inner_text("#contacts")  # both sides showed interest
    _post(supplier, f"{deal}/accept-invitation")
    _post(supplier, f"{deal}/messages", body="我们下周三可以到现场演示巡检机器人。")
    assert "千帆：采购方邀请您洽谈" in _subjects(mail, "li@small.cn")
    _shot(supplier, screenshots, "deal-thread")

    buyer.reload()
    _open_newest(buyer, "下周三")
    assert "我们下周三可以到现场演示巡检机器人。" in buyer.inner_text("#thread")
    assert "li@small.cn" in buyer.inner_text("#contacts")
    _post(buyer, f"{deal}/messages", body="好的，请带上检测报告。")
    _post(buyer, f"{deal}/intention")
    _post(buyer, f"{deal}/contract", amount="120万元")
    with live_db.session_scope() as session:
        contract_id = session.scalar(select(Contract.id).where(Contract.match_id == match_id))
    _post(buyer, f"/contracts/{contract_id}/confirm")
    assert {"千帆：供应商答复您的邀请", "千帆：撮合中的新留言"} <= set(_subjects(mail, "zhang@big.cn"))

    supplier.reload()
    _open_newest(supplier, "待您确认")
    _post(supplier, f"/contracts/{contract_id}/confirm")
    assert "已签约" in supplier.inner_text("main")
    buyer.goto(f"/orders/{market['order']}")
    assert "已关闭" in buyer.inner_text("main")
    assert "千帆：合同已签约" in _subjects(mail, "li@small.cn")
    assert "千帆：您洽谈中的订单已与其他供应商签约" in _subjects(mail, "wang@rival.cn")

    rival = new_page(chromium, mail_server)
    log_in(rival, "rival")
    rival.click("header .inbox-link")
    assert "已与其他供应商签约，现已关闭" in rival.inner_text("main")
    _shot(rival, screenshots, "inbox")
    rival.click("text=邮件通知设置")
    rival.uncheck("input[value=message]")
    with rival.expect_navigation():
        rival.click("main form button[type=submit]")
    assert not rival.is_checked("input[value=message]") and rival.is_checked("input[value=invitation]")
    _shot(rival, screenshots, "settings")
    with live_db.session_scope() as session:
        assert session.get(Match, market["rival_match"]).status == "expired"
