"""What each role sees first: its own postings and deals (reads only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Listing, MentorSession, Order, ServiceDemand, ServicePackage, User
from qianfan.mentors.matching import firm_mentors

RECENT = 10
MENTORS_SHOWN = 3


@dataclass
class Section:
    key: str
    items: list = field(default_factory=list)
    total: int = 0


def _section(session: Session, key: str, model, owner_column, company_id: int) -> Section:
    where = owner_column == company_id
    items = session.scalars(select(model).where(where).order_by(model.updated_at.desc(), model.id.desc()).limit(RECENT))
    total = session.scalar(select(func.count()).select_from(model).where(where)) or 0
    return Section(key, list(items), int(total))


def _screening_queue(session: Session) -> list[Section]:
    sections = []
    for key, model in (("orders", Order), ("listings", Listing), ("packages", ServicePackage), ("demands", ServiceDemand)):
        where = model.status == "submitted"
        items = session.scalars(select(model).where(where).order_by(model.updated_at).limit(RECENT))
        total = session.scalar(select(func.count()).select_from(model).where(where)) or 0
        sections.append(Section(key, list(items), int(total)))
    return sections


def home_sections(session: Session, user: User) -> list[Section]:
    """The sections of `user`'s home page, newest first, each with its total."""
    if user.is_staff:
        return _screening_queue(session)
    company_id = user.company_id
    if user.role == "large_firm":
        return [_section(session, "orders", Order, Order.buyer_id, company_id)]
    if user.role == "small_firm":
        from qianfan.paging import PageRequest
        from qianfan.recommendations import recommended_orders

        found = recommended_orders(session, user, PageRequest(1, RECENT, "-score"))
        mentors = firm_mentors(session, user.company, limit=MENTORS_SHOWN)
        return [
            Section("recommended_orders", list(found.page.items), found.page.total),
            Section("recommended_mentors", mentors, len(mentors)),
            _section(session, "listings", Listing, Listing.supplier_id, company_id),
            _section(session, "demands", ServiceDemand, ServiceDemand.company_id, company_id),
        ]
    if user.role == "mentor":
        return [_mentor_sessions(session, user)]
    return [_section(session, "packages", ServicePackage, ServicePackage.provider_id, company_id)]


def _mentor_sessions(session: Session, user: User) -> Section:
    """A mentor's sessions still to answer or to hold, oldest request first."""
    from qianfan.mentors.sessions import OPEN_STATUSES, mentor_of

    where = (MentorSession.mentor_id == mentor_of(session, user).id) & MentorSession.status.in_(OPEN_STATUSES)
    items = session.scalars(select(MentorSession).where(where).order_by(MentorSession.created_at).limit(RECENT))
    total = session.scalar(select(func.count()).select_from(MentorSession).where(where)) or 0
    return Section("mentor_sessions", list(items), int(total))
