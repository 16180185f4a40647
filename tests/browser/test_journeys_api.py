"""The API as a person sets it up, in a real browser: a large firm makes a token on the settings page
(shown once), tries the API from the documentation page with it (the page's own script, under the CSP),
then revokes it, after which the same request is refused. Screenshots at 1366 px and 375 px, in Chinese.
"""

from __future__ import annotations

import json

from tests.browser.people import PHONE, WIDE, log_in, new_page
from tests.webapp.one_language import other_language


def _shot(page, directory, name: str) -> None:
    for label, viewport in (("1366", WIDE), ("375", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(directory / f"api-{name}-{label}.png"), full_page=True)
        if viewport is PHONE:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a 375px screen"
    page.set_viewport_size(WIDE)


def test_a_firm_makes_a_token_tries_the_api_and_revokes_it(chromium, live_server, live_db, screenshots):
    from tests.factories import Factory

    with live_db.session_scope() as session:
        Factory(session).user("large_firm", username="buyer", display_name="采购部 张工")
    page = new_page(chromium, live_server)
    problems = []
    # Console errors (a script the Content-Security-Policy refuses shows here), and failed requests (the
    # browser's own favicon aside; the console reports those without their address).
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load") and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and problems.append(r.url))
    log_in(page, "buyer")
    page.click("text=API 令牌")
    page.fill("input[name=name]", "采购系统")
    page.select_option("select[name=scope]", "write")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    token = page.inner_text("#new-token").strip()
    assert token.startswith("qf_") and "只显示这一次" in page.content()
    assert other_language(page.content(), "zh") == []
    _shot(page, screenshots, "tokens")
    page.goto("/account/api-tokens/")  # shown once: a second look shows only its first characters
    assert token not in page.content() and token[:10] in page.content()

    page.goto("/api/v1/docs")
    page.wait_for_selector("details.api-op")
    page.fill("#api-token", token)
    create = page.locator("#op-post-api-v1-orders")
    create.locator("summary").click()
    create.locator("textarea").fill(json.dumps({"title": "智慧水务数字化平台建设", "budget": "746.0365万元"}, ensure_ascii=False))
    create.locator("button", has_text="发送").click()
    result = create.locator("pre.api-result")
    result.wait_for()
    page.wait_for_function("el => el.textContent.startsWith('201')", arg=result.element_handle())
    assert '"budget_yuan": "7460365.00"' in result.inner_text()
    _shot(page, screenshots, "docs")
    assert not problems, problems

    page.goto("/account/api-tokens/")
    with page.expect_navigation():
        page.click("table.tokens button:has-text('撤销')")
    assert "已撤销" in page.content()
    status = page.evaluate(
        "t => fetch('/api/v1/orders', {headers: {Authorization: 'Bearer ' + t}, credentials: 'omit'}).then(r => r.status)",
        token,
    )
    assert status == 401
