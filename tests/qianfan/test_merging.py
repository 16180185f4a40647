"""The company review queue: merging moves everything to the company that stays; keeping apart sticks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, Company, CompanyMergeCandidate, CompanyQualification
from models.errors import Forbidden, ValidationError
from qianfan import merging
from qianfan.paging import PageRequest


@pytest.fixture
def staff(factory):
    return factory.user("staff", username="reviewer")


def _pair(session, company, candidate, score=82.0) -> CompanyMergeCandidate:
    pair = CompanyMergeCandidate(company_id=company.id, candidate_id=candidate.id, score=score)
    session.add(pair)
    session.flush()
    return pair


def test_merging_moves_postings_accounts_and_qualifications_and_fills_gaps(session, factory, staff):
    existing = factory.company("large_firm", name="中国移动通信集团福建有限公司")
    imported = factory.company(
        "large_firm", name="福建移动", credit_code="91350000158142711F", region_code="350102"
    )
    imported.qualifications.append(CompanyQualification(name="ISO 9001"))
    order = factory.order(buyer=imported)
    user = factory.user("large_firm", company=imported)
    pair = _pair(session, imported, existing)

    stays = merging.merge(session, staff, pair.id)
    session.expire_all()
    assert stays.id == existing.id and session.get(Company, imported.id) is None
    assert (order.buyer_id, user.company_id) == (existing.id, existing.id)
    assert (stays.credit_code, stays.region_code) == ("91350000158142711F", "350102")
    assert [q.name for q in stays.qualifications] == ["ISO 9001"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "merge")).one()
    assert (event.actor_id, event.detail["merged_name"]) == (staff.id, "福建移动")


def test_other_pairs_of_the_merged_company_now_concern_the_one_that_stays(session, factory, staff):
    existing, imported, third = (factory.company("small_firm") for _ in range(3))
    pair = _pair(session, imported, existing)
    other = _pair(session, third, imported)
    merging.merge(session, staff, pair.id)
    session.expire_all()
    assert (other.company_id, other.candidate_id, other.status) == (
        third.id,
        existing.id,
        "pending",
    )


def test_keeping_apart_is_recorded_and_leaves_both_companies(session, factory, staff):
    a, b = factory.company("small_firm"), factory.company("small_firm")
    pair = _pair(session, a, b)
    merging.keep_apart(session, staff, pair.id)
    assert pair.status == "kept_apart" and pair.decided_by_id == staff.id
    assert merging.pending_page(session, staff, PageRequest(sort="-score")).total == 0
    with pytest.raises(ValidationError):
        merging.merge(session, staff, pair.id)


def test_companies_of_different_kinds_are_not_merged(session, factory, staff):
    pair = _pair(session, factory.company("small_firm"), factory.company("large_firm"))
    with pytest.raises(ValidationError) as err:
        merging.merge(session, staff, pair.id)
    assert err.value.field == "kind" and pair.status == "pending"


def test_firms_cannot_decide(session, factory):
    pair = _pair(session, factory.company("small_firm"), factory.company("small_firm"))
    with pytest.raises(Forbidden):
        merging.keep_apart(session, factory.user("small_firm"), pair.id)
