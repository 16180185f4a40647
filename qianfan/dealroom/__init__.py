"""The two sides of a deal talking to each other: the message thread and the contact persons.

- The thread: either side writes (staff read, never write); the other side is told (kind "message").
  It opens once someone acted on the deal and closes when the deal ended without a contract.
- Contact persons: the other firm's users (name and e-mail) are shown only once both sides have shown
  interest, i.e. the supplier asked (interest, or accepted an invitation) and the buyer invited; for a
  service deal, once the provider accepted the applicant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import AuditEvent, DealMessage, Match, User
from models.errors import DomainError, Forbidden, ValidationError
from qianfan.deals import get_match, side_of, sides
from qianfan.notify import events

MESSAGE_MAX = 2000
# A thread is open while the deal goes on, and after a contract (to perform it).
THREAD_OPEN = ("interested", "invited", "negotiating", "intention_signed", "contract_signed",
               "applied", "accepted")  # fmt: skip
# Statuses in which both sides have certainly shown interest.
BOTH_INTERESTED = ("negotiating", "intention_signed", "contract_signed", "accepted")


def thread(session: Session, user: User, match_id: int) -> list[DealMessage]:
    """The deal's messages, oldest first, for its two sides and staff."""
    get_match(session, user, match_id)
    return list(
        session.scalars(
            select(DealMessage)
            .options(selectinload(DealMessage.author))
            .where(DealMessage.match_id == match_id)
            .order_by(DealMessage.created_at, DealMessage.id)
        )
    )


def can_write(match: Match) -> bool:
    return match.status in THREAD_OPEN


def post_message(session: Session, user: User, match_id: int, body: str) -> DealMessage:
    """One side writes to the other; the other side is told."""
    match = get_match(session, user, match_id)
    if side_of(user, match) is None:
        raise Forbidden("Only the two sides of a deal write in its thread.")
    body = (body or "").strip()
    if not body:
        raise ValidationError("Write a message first.", field="body")
    if len(body) > MESSAGE_MAX:
        raise ValidationError("A message is at most %(n)s characters.", field="body", n=MESSAGE_MAX)
    if not can_write(match):
        raise DomainError("This deal has ended; its thread takes no more messages.")
    message = DealMessage(match_id=match.id, author_id=user.id, company_id=user.company_id, body=body)
    session.add(message)
    session.flush()
    events.message(session, match, user.company_id, body)
    return message


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None


def both_interested(session: Session, match: Match) -> bool:
    """Whether both sides have shown interest: the supplier asked and the buyer invited (or more)."""
    if match.status in BOTH_INTERESTED:
        return True
    if match.kind == "order" and match.status == "invited":
        asked = session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.object_type == "match",
                AuditEvent.object_id == match.id,
                AuditEvent.to_status == "interested",
            )
        )
        return asked is not None
    return False


def contacts(session: Session, user: User, match: Match) -> dict[str, list[Contact]] | None:
    """The contact persons of each side, or None while they stay hidden."""
    if not (user.is_staff or side_of(user, match)) or not both_interested(session, match):
        return None
    shown: dict[str, list[Contact]] = {}
    for side, company_id in sides(match).items():
        users = session.scalars(
            select(User).where(User.company_id == company_id, User.active.is_(True)).order_by(User.id)
        )
        shown[side] = [Contact(u.display_name, getattr(u, "email", None)) for u in users]
    return shown
