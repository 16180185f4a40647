"""The audit trail of one or more objects as people read it: when, who (for which firm), what and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from models import AuditEvent, User


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    actor_company: str | None
    object_type: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    detail: dict | None


def audit_trail(session: Session, objects: Iterable[object]) -> list[HistoryEntry]:
    """Every audit event about `objects` (model instances), oldest first, with the actor's name."""
    about = false()
    for obj in objects:
        about = or_(
            about, and_(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == obj.id)
        )
    rows = session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id).where(about)
        .order_by(AuditEvent.at, AuditEvent.id)
    )  # fmt: skip
    return [
        HistoryEntry(
            at=event.at,
            actor=actor.display_name if actor else None,
            actor_company=actor.company.name if actor and actor.company else None,
            object_type=event.object_type,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            detail=event.detail,
        )
        for event, actor in rows
    ]
