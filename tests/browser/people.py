"""What every browser journey does as a person: open a Chinese page at a screen's size, log in."""

from __future__ import annotations

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}
PASSWORD = "secret-pass-1"  # the password tests.factories gives every user


def new_page(chromium, base: str, viewport=WIDE, **options):
    """A page of its own (own cookies) in Chinese, that accepts the confirm() dialogs of forms."""
    page = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=base, **options).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form (not the header's language button)."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
