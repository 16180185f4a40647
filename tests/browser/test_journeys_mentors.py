"""A small firm finds a mentor and a session is held, in a real browser, in Chinese (issue 14, item 2).

The firm's profile and listing share words with one mentor's expertise; after the mentor side is ranked,
the firm sees that mentor first on its mentors page with the reasons, opens the profile (示例 shown for a
composed mentor), requests a session; the mentor logs in, finds the request in its inbox and on its
home page, accepts it, and records it as held with a note; the firm is told; the staff dashboard counts
the request, the acceptance and the session held. Pages are photographed at 1366 and 375 px.
"""

from __future__ import annotations

import pytest

from tests.browser.people import PHONE, WIDE, log_in, new_page
from tests.webapp.one_language import other_language


@pytest.fixture
def world(live_db):
    from qianfan.config import DEFAULTS
    from qianfan.mentors import matching, registry
    from tests.factories import Factory

    with live_db.session_scope() as session:
        factory = Factory(session)
        staff = factory.user("staff", username="staff", display_name="管委会刘老师")
        firm_user = factory.user("small_firm", username="firm", display_name="创始人陈总")
        firm = firm_user.company
        firm.name, firm.industry_code, firm.region_code = "北京清泉物联科技有限公司", "6513", "110108"
        firm.description = "专注供水管网漏损监测的物联网初创企业，正在准备首轮融资"
        factory.listing(firm, "published", title="水务物联网漏损监测系统", description="管网漏损监测、远传水表与数据分析")
        fits = registry.create_mentor(session, staff, registry.MentorForm(
            name="王海涛", title="水务科技集团 前首席技术官", expertise="智慧水务与物联网漏损监测产品规划；融资路演辅导",
            bio="二十年供水行业信息化经历，辅导过三十家水务科技初创企业。", industries="65；46", regions="北京市",
            sessions_per_month="3", mode="both"))  # fmt: skip
        fits.is_composed = True
        registry.create_mentor(session, staff, registry.MentorForm(
            name="李餐饮", expertise="连锁餐饮门店运营与供应链管理", industries="62", regions="上海市"))  # fmt: skip
        registry.give_login(session, staff, fits.id, "wanght", "secret-pass-1")
    matching.rank_mentors(live_db, {**DEFAULTS, "MATCH_LOCK_WAIT_SECONDS": 0})
    return {"mentor": fits.id}


def _shot(chromium, base, username, path, screenshots, name):
    """The page at 1366 and 375 px, checked to be in one language."""
    for label, viewport in (("1366", WIDE), ("375", PHONE)):
        page = new_page(chromium, base, viewport)
        log_in(page, username)
        page.goto(path)
        text = page.inner_text("main")
        assert not other_language(text, "zh_CN"), f"{name} is not all in Chinese"
        page.screenshot(path=str(screenshots / f"mentors-{name}-{label}.png"), full_page=True)
        page.context.close()


def test_a_small_firm_finds_a_mentor_and_a_session_is_held(chromium, live_server, world, screenshots):
    firm = new_page(chromium, live_server)
    log_in(firm, "firm")
    firm.click("nav.mainnav >> text=创业导师")
    first = firm.locator("#recommended-mentors tbody tr").first
    assert "王海涛" in first.inner_text() and "李餐饮" not in firm.inner_text("#recommended-mentors")
    first.locator("summary").click()  # why recommended: the shared words
    assert "漏损" in first.inner_text() and "物联网" in first.inner_text()
    _shot(chromium, live_server, "firm", "/mentors/", screenshots, "recommended")
    with firm.expect_navigation():
        first.get_by_role("link", name="预约辅导").click()
    assert "合成" in firm.inner_text("h1")  # the composed badge, as on every composed row
    assert "推荐该导师的理由" in firm.inner_text("main") and "北京市" in firm.inner_text("main")
    _shot(chromium, live_server, "firm", f"/mentors/{world['mentor']}", screenshots, "profile")
    firm.fill("#topic", "首轮融资路演材料")
    firm.fill("#message", "想请您看看我们的商业计划书")
    with firm.expect_navigation():
        firm.click("text=发送预约")
    assert "预约已发送给导师" in firm.inner_text("main") and "已预约" in firm.inner_text("h1")
    session_path = firm.url.split(live_server)[1]

    mentor = new_page(chromium, live_server)
    log_in(mentor, "wanght")
    assert "首轮融资路演材料" in mentor.inner_text("main")  # on the mentor's home page
    assert mentor.inner_text(".unread-count") == "1"
    mentor.goto(session_path)
    with mentor.expect_navigation():
        mentor.click("#answer button:has-text('接受')")
    assert "已接受" in mentor.inner_text("main")
    mentor.fill("#note", "逐页修改了路演材料，建议补充两个水务标杆案例，两周后回访。")
    with mentor.expect_navigation():
        mentor.click("text=记录为已完成")
    assert "已完成" in mentor.inner_text("h1") and "逐页修改了路演材料" in mentor.inner_text("main")
    _shot(chromium, live_server, "wanght", session_path, screenshots, "session-held")

    firm.goto("/notifications/")
    assert "已记录关于“首轮融资路演材料”的辅导完成" in firm.inner_text("main")

    staff = new_page(chromium, live_server)
    log_in(staff, "staff")
    staff.goto("/staff/dashboard")
    counts = {key: staff.inner_text(f"#counter-{key} .counter-value") for key in (
        "mentors", "mentors_active", "mentor_requests", "mentor_sessions_accepted", "mentor_sessions_held")}
    assert counts == {"mentors": "2", "mentors_active": "2", "mentor_requests": "1",
                      "mentor_sessions_accepted": "1", "mentor_sessions_held": "1"}  # fmt: skip
    _shot(chromium, live_server, "staff", "/staff/mentors", screenshots, "staff-register")
    for page in (firm, mentor, staff):
        page.context.close()
