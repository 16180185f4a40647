"""Name changes an import proposed for a known company: staff accept (rename) or decline (keep the name).

An import that finds a company by its credit code, or by a sure name match, under another name than the
one on record never renames it (qianfan.importing): it queues a `CompanyNameChange`. Both decisions leave
an audit record on the company with the names before and after.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent, CompanyNameChange, User
from models.base import utcnow
from models.errors import Forbidden, NotFound, ValidationError
from qianfan.paging import Page, PageRequest, paginate


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only programme staff decide on a company's name.")


def pending_count(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(CompanyNameChange).where(CompanyNameChange.status == "pending")
        )
        or 0
    )


def pending_page(session: Session, actor: User, request: PageRequest) -> Page:
    """Name changes awaiting a decision, the oldest first."""
    _require_staff(actor)
    stmt = select(CompanyNameChange).where(CompanyNameChange.status == "pending")
    sort = {"created_at": CompanyNameChange.created_at}
    return paginate(session, stmt, request, sort, CompanyNameChange.id)


def _pending(session: Session, change_id: int) -> CompanyNameChange:
    change = session.get(CompanyNameChange, change_id)
    if change is None:
        raise NotFound("No name change %(id)s in the review queue.", id=change_id)
    if change.status != "pending":
        raise ValidationError("This name change was already decided.", field="status")
    return change


def accept(session: Session, actor: User, change_id: int) -> CompanyNameChange:
    """Rename the company as the import proposed."""
    _require_staff(actor)
    change = _pending(session, change_id)
    company = change.company
    before = company.name
    company.name = change.proposed_name
    company.updated_at = utcnow()
    change.status, change.decided_by_id = "accepted", actor.id
    session.add(AuditEvent(actor_id=actor.id, action="rename", object_type="company", object_id=company.id,
                           detail={"changes": {"name": [before, company.name]}, "name_change_id": change.id,
                                   "batch_id": change.batch_id}))  # fmt: skip
    session.flush()
    return change


def decline(session: Session, actor: User, change_id: int) -> CompanyNameChange:
    """Keep the company's name; the proposal is closed."""
    _require_staff(actor)
    change = _pending(session, change_id)
    change.status, change.decided_by_id = "declined", actor.id
    session.add(AuditEvent(actor_id=actor.id, action="rename_declined", object_type="company",
                           object_id=change.company_id,
                           detail={"kept": change.company.name, "proposed": change.proposed_name,
                                   "name_change_id": change.id, "batch_id": change.batch_id}))  # fmt: skip
    session.flush()
    return change
