"""征集和筛选: programme staff publish what firms submit, or reject it with a reason they can act on.

Orders, listings, service packages and service demands share one screening lifecycle
(models.lifecycle.POSTING): submitted → published or rejected. Publishing a posting makes it visible and
matchable, so it is rematched at once (qianfan.postings.rematch_posting → qianfan.matching). Bulk actions apply the same rule to each posting
and report which ones could not move (e.g. another staff member got there first) instead of failing all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Company, Listing, Order, ServiceDemand, ServicePackage, User, transition
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from qianfan import localtime
from qianfan.notify import events
from qianfan.paging import Page, PageRequest, paginate
from qianfan.postings import rematch_posting

# Posting kind (as used in URLs and forms) → model, and the column naming the company that posted it.
POSTING_KINDS = {
    "order": (Order, Order.buyer_id),
    "listing": (Listing, Listing.supplier_id),
    "package": (ServicePackage, ServicePackage.provider_id),
    "demand": (ServiceDemand, ServiceDemand.company_id),
}
MAX_BULK = 200  # postings in one bulk action; a screen of the queue is far fewer
MAX_REASON_CHARS = 1000


@dataclass
class BulkResult:
    """What a bulk action did: the postings moved, and those refused with the error saying why."""

    done: list = field(default_factory=list)
    refused: list[tuple[int, DomainError]] = field(default_factory=list)


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only programme staff screen postings.")


def posting_model(kind: str):
    """The model of a posting kind ("order", "listing", "package", "demand")."""
    if kind not in POSTING_KINDS:
        raise NotFound("Unknown kind of posting '%(kind)s'.", kind=kind)
    return POSTING_KINDS[kind][0]


def queue_page(
    session: Session, actor: User, kind: str, request: PageRequest, search: str | None = None
) -> Page:
    """One page of the postings of `kind` awaiting screening, oldest first unless sorted otherwise."""
    _require_staff(actor)
    model = posting_model(kind)
    owner = POSTING_KINDS[kind][1]
    stmt = select(model).join(Company, Company.id == owner).where(model.status == "submitted")
    if search and search.strip():
        pattern = f"%{search.strip()}%"
        stmt = stmt.where(or_(model.title.ilike(pattern), Company.name.ilike(pattern)))
    sort_columns = {"updated_at": model.updated_at, "title": model.title, "poster": Company.name}
    return paginate(session, stmt, request, sort_columns, model.id)


def queue_counts(session: Session) -> dict[str, int]:
    """How many postings of each kind await screening."""
    return {
        kind: int(
            session.scalar(
                select(func.count()).select_from(model).where(model.status == "submitted")
            )
            or 0
        )
        for kind, (model, _owner) in POSTING_KINDS.items()
    }


def _get(session: Session, kind: str, posting_id: int):
    posting = session.get(posting_model(kind), posting_id)
    if posting is None:
        raise NotFound("No %(kind)s with id %(id)s.", kind=kind, id=posting_id)
    return posting


def _check_still_valid(posting) -> None:
    """A posting whose deadline has passed would be published only to expire: refuse it with the date."""
    deadline = getattr(posting, "deadline", None)
    if deadline is not None and localtime.local_date(deadline) < localtime.local_today():
        raise ValidationError(
            "The response deadline %(date)s has passed; ask the firm to change it first.",
            field="deadline",
            date=localtime.local_date(deadline).isoformat(),
        )
    valid_until = getattr(posting, "valid_until", None)
    if valid_until is not None and valid_until < date.today():
        raise ValidationError(
            "The package was valid until %(date)s; ask the provider to change it first.",
            field="valid_until",
            date=valid_until.isoformat(),
        )


def publish(session: Session, actor: User, kind: str, posting_id: int):
    """Publish a submitted posting and rematch it, so that it is recommended at once."""
    _require_staff(actor)
    posting = _get(session, kind, posting_id)
    _check_still_valid(posting)
    transition(posting, "published", actor=actor)
    session.flush()
    events.screening(session, posting, published=True)
    rematch_posting(session, kind, posting)
    return posting


def reject(session: Session, actor: User, kind: str, posting_id: int, reason: str):
    """Send a submitted posting back to its firm with the reason; the firm may edit and resubmit it."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            "Say why it is rejected, so that the firm knows what to change.", field="reason"
        )
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            "The reason is too long (at most %(n)s characters).", field="reason", n=MAX_REASON_CHARS
        )
    posting = _get(session, kind, posting_id)
    transition(posting, "rejected", actor=actor, reason=reason)
    session.flush()
    events.screening(session, posting, published=False, reason=reason)
    return posting


def _bulk(ids: list[int], action) -> BulkResult:
    if not ids:
        raise ValidationError("Choose at least one posting.", field="ids")
    if len(ids) > MAX_BULK:
        raise ValidationError("At most %(n)s postings at a time.", field="ids", n=MAX_BULK)
    result = BulkResult()
    for posting_id in dict.fromkeys(ids):  # each once, in the order given
        try:
            result.done.append(action(posting_id))
        except DomainError as err:
            # Nothing changed for this posting: transition refuses before it writes anything.
            result.refused.append((posting_id, err))
    return result


def publish_many(session: Session, actor: User, kind: str, ids: list[int]) -> BulkResult:
    """Publish each of `ids`; those that cannot be published are reported, the others go ahead."""
    _require_staff(actor)
    return _bulk(ids, lambda posting_id: publish(session, actor, kind, posting_id))


def reject_many(
    session: Session, actor: User, kind: str, ids: list[int], reason: str
) -> BulkResult:
    """Reject each of `ids` with the same reason."""
    _require_staff(actor)
    if not (reason or "").strip():
        raise ValidationError(
            "Say why it is rejected, so that the firm knows what to change.", field="reason"
        )
    return _bulk(ids, lambda posting_id: reject(session, actor, kind, posting_id, reason))

