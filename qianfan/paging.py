"""Pages of a list: which page, how many per page and which sort key, checked against a whitelist.

Lists of postings and deals are long at programme scale (20,000 listings), so every list page asks for
one page at a time. The sort key comes from the URL, so it is only ever looked up in the list's own
whitelist of columns, never passed to SQL as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PageRequest:
    """Page number (from 1), rows per page, and the sort key ("-updated_at" sorts descending)."""

    page: int = 1
    per_page: int = 20
    sort: str = "-updated_at"

    @property
    def sort_key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


@dataclass
class Page:
    items: list
    total: int
    request: PageRequest
    sortable: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.request.per_page))

    @property
    def number(self) -> int:
        return self.request.page

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(
    session: Session,
    stmt: Select,
    request: PageRequest,
    sort_columns: Mapping[str, object],
    tiebreak,
) -> Page:
    """One page of `stmt` sorted by the whitelisted column `request.sort_key`, then by `tiebreak` (an id
    column) so that rows with equal keys keep their place from page to page.

    An unknown sort key falls back to the first key of `sort_columns`; a page past the end shows the last.
    """
    key = request.sort_key if request.sort_key in sort_columns else next(iter(sort_columns))
    column = sort_columns[key]
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    per_page = min(max(request.per_page, 1), MAX_PER_PAGE)
    pages = max(1, ceil(total / per_page))
    number = min(max(request.page, 1), pages)
    direction = column.desc() if request.descending else column.asc()
    tie = tiebreak.desc() if request.descending else tiebreak.asc()
    rows = session.scalars(
        stmt.order_by(direction, tie).limit(per_page).offset((number - 1) * per_page)
    ).unique()
    effective = PageRequest(number, per_page, ("-" if request.descending else "") + key)
    return Page(list(rows), total, effective, tuple(sort_columns))
