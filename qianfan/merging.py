"""The company de-duplication review queue: staff decide whether two similar names are one firm.

The importer (qianfan.importing, ingest.dedup) queues a `CompanyMergeCandidate` when a name it imports
is likely, not surely, a company already known ("福建移动" beside "中国移动通信集团福建有限公司"). Staff
either keep the two apart, or merge the newly imported company into the existing one: its postings,
contracts, accounts and qualifications move over, fields the existing one lacks are filled from it,
and it is deleted. Both decisions leave an audit record naming both companies.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import (
    AuditEvent,
    Company,
    CompanyMergeCandidate,
    CompanyQualification,
    Contract,
    Listing,
    Order,
    ServiceDemand,
    ServicePackage,
    User,
)
from models.errors import Forbidden, NotFound, ValidationError
from qianfan.paging import Page, PageRequest, paginate

# Where a company is referred to: (model, column); all of them move to the company that stays.
_REFERENCES = (
    (Order, Order.buyer_id),
    (Listing, Listing.supplier_id),
    (ServicePackage, ServicePackage.provider_id),
    (ServiceDemand, ServiceDemand.company_id),
    (Contract, Contract.buyer_id),
    (Contract, Contract.supplier_id),
    (User, User.company_id),
)
_FILLABLE = (
    "credit_code",
    "region_code",
    "industry_code",
    "size_class",
    "founded_on",
    "description",
)


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only programme staff decide whether two companies are one.")


def pending_page(session: Session, actor: User, request: PageRequest) -> Page:
    """Pairs awaiting a decision, the closest names first."""
    _require_staff(actor)
    stmt = select(CompanyMergeCandidate).where(CompanyMergeCandidate.status == "pending")
    sort = {"score": CompanyMergeCandidate.score, "created_at": CompanyMergeCandidate.created_at}
    return paginate(session, stmt, request, sort, CompanyMergeCandidate.id)


def _pending(session: Session, candidate_id: int) -> CompanyMergeCandidate:
    pair = session.get(CompanyMergeCandidate, candidate_id)
    if pair is None:
        raise NotFound("No pair %(id)s in the review queue.", id=candidate_id)
    if pair.status != "pending":
        raise ValidationError("This pair was already decided.", field="status")
    return pair


def keep_apart(session: Session, actor: User, candidate_id: int) -> CompanyMergeCandidate:
    """Record that the two names are different firms; the pair is not proposed again."""
    _require_staff(actor)
    pair = _pending(session, candidate_id)
    pair.status, pair.decided_by_id = "kept_apart", actor.id
    session.add(AuditEvent(actor_id=actor.id, action="keep_apart", object_type="company",
                           object_id=pair.candidate_id, detail={"other_id": pair.company_id}))  # fmt: skip
    session.flush()
    return pair


def merge(session: Session, actor: User, candidate_id: int) -> Company:
    """Merge the imported company into the existing one it resembles; returns the company that stays."""
    _require_staff(actor)
    pair = _pending(session, candidate_id)
    gone, stays = pair.company, pair.candidate
    if gone.kind != stays.kind:
        raise ValidationError(
            "The two are different kinds of company (%(a)s, %(b)s); keep them apart, or correct one first.",
            field="kind",
            a=gone.kind,
            b=stays.kind,
        )
    pair.status, pair.decided_by_id = "merged", actor.id
    detail = {"merged_id": gone.id, "merged_name": gone.name, "pair_id": pair.id}
    for model, column in _REFERENCES:
        session.execute(update(model).where(column == gone.id).values({column.key: stays.id}))
    held = {q.name for q in stays.qualifications}
    for qualification in list(gone.qualifications):
        if qualification.name not in held:
            stays.qualifications.append(
                CompanyQualification(name=qualification.name, grade=qualification.grade)
            )
    filled = {
        name: getattr(gone, name)
        for name in _FILLABLE
        if getattr(stays, name) is None and getattr(gone, name)
    }
    # Other pairs that named the merged company now concern the one that stays, unless that makes them moot.
    _repoint_other_pairs(session, gone.id, stays.id, pair.id)
    session.add(AuditEvent(actor_id=actor.id, action="merge", object_type="company", object_id=stays.id,
                           detail={**detail, "filled": sorted(filled)}))  # fmt: skip
    session.flush()
    session.delete(gone)
    session.flush()  # the credit code is unique: the merged company must be gone before it moves
    for name, value in filled.items():
        setattr(stays, name, value)
    session.flush()
    return stays


def _repoint_other_pairs(session: Session, gone_id: int, stays_id: int, decided_id: int) -> None:
    others = session.scalars(
        select(CompanyMergeCandidate).where(
            CompanyMergeCandidate.id != decided_id,
            (CompanyMergeCandidate.company_id == gone_id)
            | (CompanyMergeCandidate.candidate_id == gone_id),
        )
    ).all()
    taken = {
        (c.company_id, c.candidate_id)
        for c in session.scalars(
            select(CompanyMergeCandidate).where(
                (CompanyMergeCandidate.company_id == stays_id)
                | (CompanyMergeCandidate.candidate_id == stays_id)
            )
        )
    }
    for other in others:
        pair = tuple(
            stays_id if x == gone_id else x for x in (other.company_id, other.candidate_id)
        )
        if pair[0] == pair[1] or pair in taken or other.status != "pending":
            session.delete(other)
        else:
            other.company_id, other.candidate_id = pair
            taken.add(pair)
