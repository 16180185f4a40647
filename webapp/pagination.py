"""Lists in pages: read page, per-page and sort from the query string, and build the links back.

The sort key is checked against the list's whitelist by `qianfan.paging.paginate`; here it is only
read and passed on. Templates use `_pagination.html` (`pager(page)` and `sort_link(page, key, label)`).
"""

from __future__ import annotations

from flask import current_app, request, url_for

from qianfan.paging import MAX_PER_PAGE, PageRequest


def _int(name: str, default: int) -> int:
    value = request.args.get(name, "")
    # At most nine ASCII digits: `paginate` clamps the page, but int() of thousands of digits fails.
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        return default
    return int(value) or default


def page_request(default_sort: str = "-updated_at") -> PageRequest:
    """The page the URL asks for (?page=2&per_page=50&sort=-title)."""
    per_page = min(_int("per_page", current_app.config.get("PAGE_SIZE", 20)), MAX_PER_PAGE)
    sort = request.args.get("sort", "")[:40] or default_sort
    return PageRequest(page=_int("page", 1), per_page=per_page, sort=sort)


def page_url(**changes) -> str:
    """This page's URL with some query arguments changed (e.g. page=3, or a new sort)."""
    args = {**request.view_args, **request.args.to_dict(), **changes}
    return url_for(request.endpoint, **args)


def init_app(app) -> None:
    app.jinja_env.globals["page_url"] = page_url
