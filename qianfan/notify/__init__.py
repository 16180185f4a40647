"""Calling users back: the in-app inbox and e-mail per each user's choice (issue 12, item 4).

    notify(session, user_id, kind, params={...}, link="/deals/12", match_id=12)

adds one line to the user's inbox and, when the user wants that kind by e-mail and has an address,
queues an e-mail through the outbox (`qianfan.mail.queue_mail`), in the user's language. `kind` is one of
`models.notification.NOTIFICATION_KINDS`; `params` fill its sentence (qianfan.notify.texts), e.g.
{"title": ..., "firm": ..., "reason": ..., "variant": "accepted"}. `notify_company` tells every active
user of a company. A `dedupe_key` makes a notification once-only (a scheduled job run twice tells once).
Nothing is committed here: the caller's transaction keeps the event and its notification together.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import User
from models.base import utcnow
from models.errors import NotFound, ValidationError
from models.notification import NOTIFICATION_KINDS, Notification, NotificationSetting
from qianfan.notify import texts
from qianfan.paging import Page, PageRequest, paginate

log = logging.getLogger(__name__)


def notify(
    session: Session,
    user_id: int,
    kind: str,
    *,
    params: dict | None = None,
    link: str | None = None,
    match_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell one user; None when `dedupe_key` was already used (told before)."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if dedupe_key is not None and session.scalar(
        select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    ):
        return None
    note = Notification(
        user_id=user_id, kind=kind, params=dict(params or {}), link=link, match_id=match_id,
        dedupe_key=dedupe_key,
    )  # fmt: skip
    session.add(note)
    session.flush()
    user = session.get(User, user_id)
    if user is not None and wants_email(session, user_id, kind):
        _email(session, user, note)
    return note


def notify_company(session: Session, company_id: int | None, kind: str, **kwargs) -> list[Notification]:
    """Tell every active user of a company (a deal's other side is a firm, not one person)."""
    if company_id is None:
        return []
    users = session.scalars(
        select(User.id).where(User.company_id == company_id, User.active.is_(True)).order_by(User.id)
    ).all()
    key = kwargs.pop("dedupe_key", None)
    told = []
    for user_id in users:
        note = notify(session, user_id, kind, dedupe_key=f"{key}:{user_id}" if key else None, **kwargs)
        if note is not None:
            told.append(note)
    return told


def _email(session: Session, user: User, note: Notification) -> None:
    address = getattr(user, "email", None)
    if not address:
        return
    try:
        from qianfan.mail import queue_mail
    except ImportError:  # the outbox (issue 12, part 3) is not there yet
        log.info("no outbox: notification %s not e-mailed", note.id)
        return
    locale = user.locale if user.locale in ("zh_CN", "en") else "zh_CN"
    body = texts.sentence(note.kind, note.params, locale)
    if note.link:
        body += "\n\n" + note.link
    queue_mail(session, address, texts.subject(note.kind, locale), body, user_id=user.id, kind="notification")


# --- the user's choices -------------------------------------------------------------------------


def wants_email(session: Session, user_id: int, kind: str) -> bool:
    """Every kind arrives by e-mail unless the user said otherwise."""
    chosen = session.scalar(
        select(NotificationSetting.by_email).where(
            NotificationSetting.user_id == user_id, NotificationSetting.kind == kind
        )
    )
    return True if chosen is None else bool(chosen)


def email_choices(session: Session, user_id: int) -> dict[str, bool]:
    stored = dict(
        session.execute(
            select(NotificationSetting.kind, NotificationSetting.by_email).where(
                NotificationSetting.user_id == user_id
            )
        ).all()
    )
    return {kind: bool(stored.get(kind, True)) for kind in NOTIFICATION_KINDS}


def set_email_choices(session: Session, user_id: int, by_email: set[str]) -> None:
    """The kinds in `by_email` arrive by e-mail, the others only in the inbox."""
    unknown = set(by_email) - set(NOTIFICATION_KINDS)
    if unknown:
        raise ValidationError("Unknown notification kind %(kind)s.", field="kinds", kind=sorted(unknown)[0])
    existing = {
        s.kind: s
        for s in session.scalars(select(NotificationSetting).where(NotificationSetting.user_id == user_id))
    }
    for kind in NOTIFICATION_KINDS:
        wanted = kind in by_email
        if kind in existing:
            existing[kind].by_email = wanted
        elif not wanted:
            session.add(NotificationSetting(user_id=user_id, kind=kind, by_email=False))
    session.flush()


# --- the inbox ----------------------------------------------------------------------------------


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def inbox(session: Session, user_id: int, request: PageRequest) -> Page:
    """The user's notifications, newest first."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    return paginate(session, stmt, request, {"created_at": Notification.created_at}, Notification.id)


def open_notification(session: Session, user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read and hand it back (its link is where to go)."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound("No notification %(id)s among yours.", id=notification_id)
    if note.read_at is None:
        note.read_at = utcnow()
        session.flush()
    return note


def mark_all_read(session: Session, user_id: int) -> int:
    return session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


__all__ = [
    "email_choices",
    "inbox",
    "mark_all_read",
    "notify",
    "notify_company",
    "open_notification",
    "set_email_choices",
    "unread_count",
    "wants_email",
]
