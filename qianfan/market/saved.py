"""Saved searches and their subscriptions.

A small firm keeps searches of open orders, a large firm searches of listings. A subscribed search is run
by `send_alerts` (a periodic job, qianfan.tasks.schedule) over what was published since it last looked:
when it finds something, its user is told through `qianfan.notify.notify` (kind "saved_search": in the
inbox, and by e-mail if the user chose so).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import User
from models.base import utcnow
from models.errors import Forbidden, NotFound, ValidationError
from models.market import SavedSearch
from qianfan.market import search as searching
from qianfan.paging import PageRequest

log = logging.getLogger(__name__)
NAME_MAX = 100
MAX_PER_USER = 50
KIND_FOR_ROLE = {"small_firm": "order", "large_firm": "listing"}


def kind_for(user: User) -> str:
    kind = KIND_FOR_ROLE.get(user.role)
    if kind is None:
        raise Forbidden("Only firms can keep searches.")
    return kind


def list_saved(session: Session, user: User) -> list[SavedSearch]:
    return list(
        session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id))
    )


def save_search(
    session: Session, user: User, name: str, filters: searching.Filters, *, subscribe: bool = False
) -> SavedSearch:
    """Keep `filters` under `name` (every filter checked first); the caller commits."""
    kind = kind_for(user)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Give the search a name.", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError("At most %(limit)s characters.", field="name", limit=NAME_MAX)
    if filters.empty:
        raise ValidationError("Set at least one filter or type some words before saving.", field="q")
    searching.read(kind, filters)
    count = session.scalar(select(func.count()).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_PER_USER:
        raise ValidationError("You can keep at most %(limit)s searches; remove one first.", field="name",
                              limit=MAX_PER_USER)  # fmt: skip
    saved = SavedSearch(
        user_id=user.id, kind=kind, name=name, filters=filters.as_dict(), subscribed=subscribe,
        checked_at=utcnow() if subscribe else None,
    )  # fmt: skip
    session.add(saved)
    session.flush()
    return saved


def get_saved(session: Session, user: User, saved_id: int) -> SavedSearch:
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound("No saved search %(id)s among yours.", id=saved_id)
    return saved


def set_subscribed(session: Session, user: User, saved_id: int, subscribed: bool) -> SavedSearch:
    """Subscribe (alerts cover what is published from now on) or unsubscribe."""
    saved = get_saved(session, user, saved_id)
    if subscribed and not saved.subscribed:
        saved.checked_at = utcnow()
    saved.subscribed = subscribed
    session.flush()
    return saved


def delete_saved(session: Session, user: User, saved_id: int) -> None:
    session.delete(get_saved(session, user, saved_id))
    session.flush()


def filters_of(saved: SavedSearch) -> searching.Filters:
    return searching.Filters.from_mapping(saved.filters or {})


def _tell(session: Session, saved: SavedSearch, count: int, first_title: str) -> None:
    from qianfan.notify import notify

    link = f"/market/{'orders' if saved.kind == 'order' else 'listings'}?saved={saved.id}"
    notify(
        session, saved.user_id, "saved_search",
        params={"count": count, "title": saved.name, "first": first_title}, link=link,
        dedupe_key=f"saved_search:{saved.id}:{saved.checked_at.isoformat() if saved.checked_at else ''}",
    )  # fmt: skip


def send_alerts(session: Session, now: datetime | None = None) -> int:
    """Run every subscribed search over what was published since its last check; tell the users with
    news. Returns how many were told. The caller commits (the checks and the notifications together)."""
    now = now or utcnow()
    told = 0
    subscribed = session.scalars(
        select(SavedSearch).where(SavedSearch.subscribed.is_(True)).order_by(SavedSearch.id)
    ).all()
    for saved in subscribed:
        user = session.get(User, saved.user_id)
        if user is None or not getattr(user, "active", True) or KIND_FOR_ROLE.get(user.role) != saved.kind:
            continue
        since = saved.checked_at or now
        try:
            page = searching.search(
                session, saved.kind, filters_of(saved), PageRequest(1, 1, "-published_at"),
                published_after=since, published_before=now,
            )  # fmt: skip
        except ValidationError as err:  # e.g. a region renamed since: the search is kept, not run
            log.warning("saved search %s not run: %s", saved.id, err)
            continue
        if page.total:
            _tell(session, saved, page.total, page.items[0].title)
            told += 1
        saved.checked_at = now
    session.flush()
    return told
