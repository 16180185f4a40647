"""The financing zone in a real browser, in Chinese (issue 14): a small firm with a signed contract applies
to finance its receivable and chooses one institution; the buyer confirms the receivable (确权); the
institution reads the contract and the firm's history and offers; the firm accepts; the institution records
the money paid; the staff dashboard counts it, with the hours from application to money.
The firm's application page, the institution's page and the dashboard are photographed at 1366 and 375 px.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.browser.people import PHONE, WIDE, log_in, new_page
from tests.webapp.one_language import other_language


@pytest.fixture
def signed(live_db):
    """A large firm and a small firm that signed a contract, two lenders, and a staff member."""
    from models import Contract
    from models.base import utcnow
    from tests.factories import Factory

    with live_db.session_scope() as session:
        factory = Factory(session)
        buyer = factory.user("large_firm", username="buyer", display_name="财务部张经理")
        supplier = factory.user("small_firm", username="supplier", display_name="财务部李工")
        buyer.company.name, supplier.company.name = "北京市政路桥集团有限公司", "北京星河智能科技有限公司"
        now = utcnow()
        session.add(Contract(buyer_id=buyer.company_id, supplier_id=supplier.company_id, title="道路智能巡检系统采购合同",
                             amount_yuan=Decimal("5000000"), status="performing", buyer_confirmed_at=now,
                             supplier_confirmed_at=now, signed_on=date(2026, 10, 12)))  # fmt: skip
        bank = factory.company("financial", name="北京科创银行中关村支行")
        factory.user("financial_institution", company=bank, username="bank", display_name="信贷部王经理")
        other = factory.company("financial", name="京创商业保理有限公司")
        factory.user("financial_institution", company=other, username="factor")
        factory.user("staff", username="clerk", display_name="管委会赵科长")


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def _shot(page, directory, name: str) -> None:
    for label, viewport in (("1366", WIDE), ("375", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(directory / f"financing-{name}-{label}.png"), full_page=True)
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a 375px screen"
    page.set_viewport_size(WIDE)
    assert other_language(page.content(), "zh") == [], f"{name}: {other_language(page.content(), 'zh')}"


def test_a_firm_finances_a_confirmed_receivable_and_the_dashboard_counts_it(
    chromium, live_server, live_db, signed, screenshots
):
    firm = new_page(chromium, live_server)
    log_in(firm, "supplier")
    firm.click("nav >> text=融资")
    assert "道路智能巡检系统采购合同" in firm.inner_text("#contracts")
    _submit(firm, "#contracts >> text=申请融资")
    firm.fill("#amount", "600万元")  # above the unpaid value: refused, the field says why
    firm.check("label:has-text('北京科创银行中关村支行')")
    _submit(firm, "main form button[type=submit]")
    assert "超过合同未付金额" in firm.inner_text("main")
    _shot(firm, screenshots, "apply")
    firm.fill("#amount", "300万元")
    _submit(firm, "main form button[type=submit]")
    application = firm.url
    assert "申请已提交" in firm.inner_text("main") and "已申请" in firm.inner_text(".page-head")

    buyer = new_page(chromium, live_server)
    log_in(buyer, "buyer")
    buyer.goto("/financing/")
    _submit(buyer, "#applications >> text=道路智能巡检系统采购合同")
    assert "北京星河智能科技有限公司 称贵司在本合同项下应付其" in buyer.inner_text("#confirm")
    _submit(buyer, "#confirm button.primary")
    assert "已确权" in buyer.inner_text(".page-head")

    factor = new_page(chromium, live_server)  # not chosen: sees nothing of it
    log_in(factor, "factor")
    factor.goto("/financing/")
    assert "道路智能巡检系统采购合同" not in factor.inner_text("main")
    assert factor.goto(application).status == 404

    bank = new_page(chromium, live_server)
    log_in(bank, "bank")
    bank.click("nav >> text=融资申请")
    _submit(bank, "#applications >> text=道路智能巡检系统采购合同")
    assert "企业在平台上的记录" in bank.inner_text("#firm-history")
    bank.fill("#offer-form [name=amount]", "280万元")
    bank.fill("#offer-form [name=rate]", "4.35")
    bank.fill("#offer-form [name=term_days]", "180")
    _submit(bank, "#offer-form button[type=submit]")
    assert "报价已发送给企业" in bank.inner_text("main")

    firm.goto(application)
    assert "北京科创银行中关村支行" in firm.inner_text("#offers")
    _shot(firm, screenshots, "firm-offer")
    _submit(firm, "#offers >> text=接受此报价")
    assert "已接受" in firm.inner_text(".page-head")

    bank.reload()
    _submit(bank, "#paid-form button[type=submit]")
    assert "已放款" in bank.inner_text(".page-head") and "申请后" in bank.inner_text("#application")
    _shot(bank, screenshots, "institution")

    staff = new_page(chromium, live_server)
    log_in(staff, "clerk")
    staff.goto("/staff/dashboard")
    section = staff.inner_text("#financing")
    assert "已放款融资" in section and "280.00万元" in section and "48 小时内放款占 100%" in section
    assert "300.00万元" in staff.inner_text("#counter-financing_applied")
    _shot(staff, screenshots, "dashboard")
