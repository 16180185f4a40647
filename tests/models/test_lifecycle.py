"""Status changes follow PRODUCT.md's lifecycles; anything else is refused with a clear error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, Contract, Match, TransitionError, transition
from models.base import utcnow


def test_posting_goes_from_draft_to_published_and_records_each_step(session, factory):
    staff = factory.user("staff")
    order = factory.order()
    transition(order, "submitted", actor=staff)
    transition(order, "published", actor=staff)
    session.flush()
    assert order.status == "published" and order.published_at is not None
    steps = session.scalars(
        select(AuditEvent.to_status).where(AuditEvent.object_type == "purchase_order", AuditEvent.object_id == order.id)
    ).all()
    assert steps == ["submitted", "published"]


@pytest.mark.parametrize(
    ("start", "target"),
    [("draft", "published"), ("published", "draft"), ("closed", "published"), ("withdrawn", "submitted")],
)
def test_posting_refuses_transitions_the_lifecycle_does_not_allow(factory, start, target):
    order = factory.order(status=start)
    with pytest.raises(TransitionError, match=f"cannot go from '{start}' to '{target}'"):
        transition(order, target)
    assert order.status == start


def test_rejection_needs_a_reason_and_keeps_it(factory):
    listing = factory.listing(status="submitted")
    with pytest.raises(TransitionError, match="needs a reason"):
        transition(listing, "rejected")
    transition(listing, "rejected", reason="描述过于简略")
    assert listing.status == "rejected" and listing.status_reason == "描述过于简略"
    transition(listing, "submitted")  # edited and sent back for screening
    assert listing.status == "submitted"


def test_order_match_walks_from_recommendation_to_contract_signed(session, factory):
    order = factory.order(status="published")
    listing = factory.listing(status="published")
    match = Match(kind="order", order=order, listing=listing, score=0.5)
    session.add(match)
    session.flush()
    for step in ("seen", "interested", "invited", "negotiating", "intention_signed", "contract_signed"):
        transition(match, step)
    assert match.status == "contract_signed"
    with pytest.raises(TransitionError, match="possible next: none"):
        transition(match, "declined", reason="too late")


def test_order_match_cannot_skip_the_invitation(session, factory):
    match = Match(kind="order", order=factory.order(), listing=factory.listing())
    session.add(match)
    session.flush()
    with pytest.raises(TransitionError):
        transition(match, "negotiating")


def test_service_match_has_its_own_lifecycle(session, factory):
    match = Match(kind="service", demand=factory.demand(), package=factory.package())
    session.add(match)
    session.flush()
    transition(match, "applied")
    transition(match, "accepted")
    assert match.status == "accepted"
    other = Match(kind="service", demand=factory.demand(), package=factory.package())
    session.add(other)
    session.flush()
    with pytest.raises(TransitionError):
        transition(other, "invited")


def test_contract_is_signed_then_performed_then_ended(session, factory):
    buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
    contract = Contract(buyer=buyer, supplier=supplier, title="工业云PaaS平台")
    session.add(contract)
    session.flush()
    contract.buyer_confirmed_at = contract.supplier_confirmed_at = utcnow()
    contract.signed_on = utcnow().date()
    transition(contract, "signed")
    transition(contract, "performing")
    with pytest.raises(TransitionError, match="needs a reason"):
        transition(contract, "terminated")
    transition(contract, "terminated", reason="甲方项目取消")
    session.flush()
    assert contract.status == "terminated"
