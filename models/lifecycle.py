"""Lifecycles of PRODUCT.md as data: which status may follow which, and which need a reason.

`transition` is the only way statuses change; it refuses what the lifecycle does not allow with a
`TransitionError` that says what was asked and what is possible, and leaves an audit record.
"""

from __future__ import annotations

from sqlalchemy.orm import object_session

from models.audit import AuditEvent
from models.base import utcnow
from models.errors import DomainError

POSTING = {
    "draft": {"submitted", "withdrawn"},
    "submitted": {"published", "rejected", "withdrawn"},
    "rejected": {"submitted", "withdrawn"},  # edited and sent back for screening
    "published": {"closed", "expired", "withdrawn"},
    "closed": set(),
    "expired": set(),
    "withdrawn": set(),
}
_ORDER_MATCH_ENDS = {"declined", "withdrawn", "expired"}
ORDER_MATCH = {
    "recommended": {"seen", "interested", "invited"} | _ORDER_MATCH_ENDS,
    "seen": {"interested", "invited"} | _ORDER_MATCH_ENDS,
    "interested": {"invited"} | _ORDER_MATCH_ENDS,
    "invited": {"negotiating"} | _ORDER_MATCH_ENDS,
    "negotiating": {"intention_signed"} | _ORDER_MATCH_ENDS,
    "intention_signed": {"contract_signed", "declined", "withdrawn"},
    "contract_signed": set(),
    "declined": set(),
    "withdrawn": set(),
    "expired": set(),
}
SERVICE_MATCH = {
    "recommended": {"seen", "applied", "declined", "withdrawn", "expired"},
    "seen": {"applied", "declined", "withdrawn", "expired"},
    "applied": {"accepted", "declined", "withdrawn"},
    "accepted": set(),
    "declined": set(),
    "withdrawn": set(),
    "expired": set(),
}
CONTRACT = {
    "pending": {"signed", "cancelled"},
    "signed": {"performing", "cancelled"},
    "performing": {"completed", "terminated"},
    "completed": set(),
    "terminated": set(),
    "cancelled": set(),
}
# A small firm asks a mentor for a session; the mentor answers, and records it held (or cancels it).
MENTOR_SESSION = {
    "requested": {"accepted", "declined", "withdrawn"},
    "accepted": {"held", "cancelled"},
    "held": set(),
    "declined": set(),
    "withdrawn": set(),
    "cancelled": set(),
}
# Receivables financing (models.financing): the application, and each institution's answer to it.
FINANCING = {
    "applied": {"confirmed", "disputed", "withdrawn"},
    "confirmed": {"accepted", "withdrawn"},
    "accepted": {"paid", "cancelled"},
    "paid": {"repaid"},
    "repaid": set(),
    "disputed": set(),
    "withdrawn": set(),
    "cancelled": set(),
}
FINANCING_OFFER = {
    "reviewing": {"offered", "declined", "info_requested", "lapsed"},
    "info_requested": {"reviewing", "offered", "declined", "lapsed"},
    "offered": {"accepted", "withdrawn", "lapsed"},
    "accepted": set(),
    "declined": set(),
    "withdrawn": set(),
    "lapsed": set(),
}
LIFECYCLES = {
    "posting": POSTING,
    "order_match": ORDER_MATCH,
    "service_match": SERVICE_MATCH,
    "contract": CONTRACT,
    "mentor_session": MENTOR_SESSION,
    "financing": FINANCING,
    "financing_offer": FINANCING_OFFER,
}
# Ending or refusing something is always explained to the other side.
NEEDS_REASON = {"rejected", "declined", "withdrawn", "expired", "terminated", "cancelled", "disputed", "lapsed"}


class TransitionError(DomainError):
    """A status change the lifecycle does not allow, or one that lacks its reason."""

    http_status = 409

    def __init__(self, obj: object, to_status: str, message: str, **params: object) -> None:
        self.obj = obj
        self.to_status = to_status
        super().__init__(message, **params)


def lifecycle_of(obj: object) -> dict[str, set[str]]:
    name = getattr(obj, "lifecycle", None) or _LIFECYCLE_BY_TABLE.get(obj.__tablename__, "posting")
    return LIFECYCLES[name]


_LIFECYCLE_BY_TABLE = {"contract": "contract"}


def allowed_next(obj: object) -> set[str]:
    """The statuses `obj` may move to from where it is now."""
    return set(lifecycle_of(obj).get(obj.status, set()))


def transition(obj, to_status: str, *, actor=None, reason: str | None = None) -> AuditEvent:
    """Move `obj` to `to_status` if its lifecycle allows it, and record who did it and why."""
    lifecycle = lifecycle_of(obj)
    if to_status not in lifecycle:
        raise TransitionError(obj, to_status, "Unknown status '%(to)s'.", to=to_status)
    allowed = lifecycle.get(obj.status, set())
    if to_status not in allowed:
        possible = ", ".join(sorted(allowed)) or "none: it is final"
        raise TransitionError(
            obj,
            to_status,
            "%(object)s cannot go from '%(from)s' to '%(to)s'; possible next: %(possible)s.",
            object=repr(obj),
            possible=possible,
            to=to_status,
            **{"from": obj.status},
        )
    reason = (reason or "").strip() or None
    if to_status in NEEDS_REASON and not reason:
        raise TransitionError(
            obj, to_status, "Moving %(object)s to '%(to)s' needs a reason.", object=repr(obj), to=to_status
        )
    from_status = obj.status
    obj.status = to_status
    if hasattr(obj, "status_reason"):
        obj.status_reason = reason
    if to_status == "published" and hasattr(obj, "published_at"):
        obj.published_at = utcnow()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action="status",
        object_type=obj.__tablename__,
        object_id=obj.id,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
    )
    session = object_session(obj)
    if session is not None:
        session.add(event)
    return event
