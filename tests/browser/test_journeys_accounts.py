"""Accounts in a real browser (issue 12, item 5), in Chinese, each e-mail caught by a real SMTP server:
a firm signs up with its credit code, cannot publish until the staff verify it, then can; a forgotten
password is reset through the e-mailed link; a company's admin invites a colleague, who joins.
Each new page is photographed at 1366 px and at 375 px (where it must not scroll sideways).
"""

from __future__ import annotations

import re

from ingest.credit_code import check_character
from tests.browser.people import PHONE, WIDE, log_in, new_page
from tests.webapp.one_language import other_language

CODE = "91110108MA01B2C3D" + check_character("91110108MA01B2C3D")
LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def _shot(page, directory, name: str) -> None:
    """The page at 1366 px and at 375 px, in Chinese only, not wider than a phone on the phone."""
    for label, viewport in (("1366", WIDE), ("375", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(directory / f"accounts-{name}-{label}.png"), full_page=True)
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a 375px screen"
    page.set_viewport_size(WIDE)
    assert other_language(page.content(), "zh") == [], f"{name}: {other_language(page.content(), 'zh')}"


def _link(message) -> str:
    return LINK.search(message.get_content()).group(1)


def test_a_firm_signs_up_is_verified_by_staff_and_then_publishes(chromium, mail_server, live_db, mail, screenshots):
    from tests.factories import Factory

    with live_db.session_scope() as session:
        Factory(session).user("staff", username="staff", display_name="项目办小王")

    firm = new_page(chromium, mail_server)
    firm.goto("/login")
    firm.click("text=企业注册")
    firm.select_option("select[name=kind]", "small_firm")
    firm.fill("input[name=company_name]", "北京星河智能科技有限公司")
    firm.fill("input[name=credit_code]", CODE[:17] + ("1" if CODE[17] != "1" else "2"))  # a mistyped code
    firm.fill("input[name=display_name]", "王芳")
    firm.fill("input[name=email]", "wang@xinghe.cn")
    firm.fill("input[name=username]", "wangfang")
    firm.fill("input[name=password]", "Xinghe-2026-ok")
    firm.fill("input[name=confirm]", "Xinghe-2026-ok")
    with firm.expect_navigation():
        firm.click("main form button[type=submit]")
    assert "校验位" in firm.inner_text("main")
    _shot(firm, screenshots, "signup-refused")
    firm.fill("input[name=credit_code]", CODE)
    firm.fill("input[name=password]", "Xinghe-2026-ok")
    firm.fill("input[name=confirm]", "Xinghe-2026-ok")
    with firm.expect_navigation():
        firm.click("main form button[type=submit]")
    assert "企业注册成功" in firm.inner_text("main")
    assert "wangfang" in mail.to("wang@xinghe.cn")[0].get_content()

    log_in(firm, "wangfang", "Xinghe-2026-ok")
    firm.goto("/company/users")
    assert "等待项目工作人员审核" in firm.inner_text("main")
    _shot(firm, screenshots, "colleagues-pending")
    with live_db.session_scope() as session:
        from sqlalchemy import select

        from models import Company

        company = session.scalar(select(Company).where(Company.credit_code == CODE))
        listing = Factory(session).listing(supplier=company, title="道路巡检机器人")
        company_id, listing_id = company.id, listing.id
    firm.goto(f"/supply/listings/{listing_id}")
    with firm.expect_navigation():
        firm.click(f'form[action="/supply/listings/{listing_id}/submit"] button[type=submit]')
    assert "等待项目工作人员审核" in firm.inner_text("main")

    staff = new_page(chromium, mail_server)
    log_in(staff, "staff")
    staff.click("nav >> text=新注册企业")
    assert CODE in staff.inner_text("main") and "wang@xinghe.cn" in staff.inner_text("main")
    _shot(staff, screenshots, "staff-new-firms")
    with staff.expect_navigation():
        staff.click(f'form[action="/staff/firms/{company_id}/verify"] button[type=submit]')
    assert "已通过审核" in staff.inner_text("main")
    assert "已通过" in mail.to("wang@xinghe.cn")[-1]["Subject"]

    firm.goto(f"/supply/listings/{listing_id}")
    with firm.expect_navigation():
        firm.click(f'form[action="/supply/listings/{listing_id}/submit"] button[type=submit]')
    assert "等待项目工作人员审核" not in firm.inner_text("main")
    assert "待审核" in firm.inner_text("main") or "已提交" in firm.inner_text("main")


def test_a_forgotten_password_is_reset_through_the_emailed_link(chromium, mail_server, live_db, mail, screenshots):
    from tests.factories import Factory

    with live_db.session_scope() as session:
        Factory(session).user("small_firm", username="li", display_name="李工", email="li@example.cn")
    page = new_page(chromium, mail_server)
    page.goto("/login")
    page.click("text=忘记密码？")
    _shot(page, screenshots, "forgot-password")
    page.fill("input[name=email]", "li@example.cn")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "重置密码的链接" in page.inner_text("main")
    [message] = mail.to("li@example.cn")
    page.goto(_link(message))
    _shot(page, screenshots, "reset-password")
    page.fill("input[name=password]", "Brand-new-2026")
    page.fill("input[name=confirm]", "Brand-new-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "密码已修改" in page.inner_text("main")
    log_in(page, "li", "Brand-new-2026")
    assert "李工" in page.inner_text("header")
    page.goto(_link(message))
    assert "已被使用" in page.inner_text("main")
    _shot(page, screenshots, "link-used")


def test_a_colleague_invited_by_the_company_admin_joins_the_company(chromium, mail_server, live_db, mail, screenshots):
    from tests.factories import Factory

    with live_db.session_scope() as session:
        boss = Factory(session).user("large_firm", username="boss", display_name="赵总", email="boss@big.cn",
                                     company_admin=True)  # fmt: skip
        boss.company.name = "北京市政路桥集团有限公司"
    admin = new_page(chromium, mail_server)
    log_in(admin, "boss")
    admin.click("nav >> text=同事")
    admin.fill("input[name=display_name]", "钱工")
    admin.fill("input[name=email]", "qian@big.cn")
    with admin.expect_navigation():
        admin.click('form[action="/company/users/invite"] button[type=submit]')
    assert "邀请已发送至 qian@big.cn" in admin.inner_text("main")
    _shot(admin, screenshots, "colleagues-admin")
    [invitation] = mail.to("qian@big.cn")
    assert "赵总" in invitation["Subject"]

    newcomer = new_page(chromium, mail_server)
    newcomer.goto(_link(invitation))
    assert "北京市政路桥集团有限公司" in newcomer.inner_text("main")
    _shot(newcomer, screenshots, "join")
    newcomer.fill("input[name=username]", "qian")
    newcomer.fill("input[name=password]", "Qian-pass-2026")
    newcomer.fill("input[name=confirm]", "Qian-pass-2026")
    with newcomer.expect_navigation():
        newcomer.click("main form button[type=submit]")
    log_in(newcomer, "qian", "Qian-pass-2026")
    newcomer.goto("/company/users")
    text = newcomer.inner_text("main")
    assert "赵总" in text and "钱工" in text and "邀请同事" not in text
