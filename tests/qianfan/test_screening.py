"""Staff screening: publish or reject with a reason, one at a time or in bulk; firms cannot screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import AuditEvent
from models.errors import Forbidden, ValidationError
from models.lifecycle import TransitionError
from qianfan import screening
from qianfan.paging import PageRequest


@pytest.fixture
def staff(factory):
    return factory.user("staff", username="screener")


def test_publishing_makes_a_submitted_order_public_and_records_who_did_it(session, factory, staff):
    order = factory.order(status="submitted")
    screening.publish(session, staff, "order", order.id)
    assert order.status == "published" and order.published_at is not None
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "purchase_order", AuditEvent.object_id == order.id
        )
    ).one()
    assert (event.actor_id, event.from_status, event.to_status) == (
        staff.id,
        "submitted",
        "published",
    )


def test_rejecting_needs_a_reason_and_the_firm_sees_it(session, factory, staff):
    listing = factory.listing(status="submitted")
    with pytest.raises(ValidationError) as err:
        screening.reject(session, staff, "listing", listing.id, "   ")
    assert err.value.field == "reason" and listing.status == "submitted"
    screening.reject(session, staff, "listing", listing.id, "缺少产品说明")
    assert (listing.status, listing.status_reason) == ("rejected", "缺少产品说明")


def test_firms_cannot_screen_even_their_own_postings(session, factory):
    buyer = factory.user("large_firm")
    order = factory.order(buyer=buyer.company, status="submitted")
    with pytest.raises(Forbidden):
        screening.publish(session, buyer, "order", order.id)
    assert order.status == "submitted"


def test_an_order_whose_deadline_has_passed_is_not_published(session, factory, staff):
    order = factory.order(status="submitted", deadline=datetime.now(UTC) - timedelta(days=2))
    with pytest.raises(ValidationError) as err:
        screening.publish(session, staff, "order", order.id)
    assert err.value.field == "deadline" and order.status == "submitted"


def test_a_draft_cannot_be_published_before_its_firm_submits_it(session, factory, staff):
    package = factory.package(status="draft")
    with pytest.raises(TransitionError):
        screening.publish(session, staff, "package", package.id)


def test_bulk_publish_goes_ahead_for_the_others_and_names_the_ones_refused(session, factory, staff):
    ready = [factory.demand(status="submitted") for _ in range(3)]
    already = factory.demand(status="published")
    result = screening.publish_many(session, staff, "demand", [d.id for d in ready] + [already.id])
    assert [d.status for d in ready] == ["published"] * 3
    assert [posting_id for posting_id, _err in result.refused] == [already.id]


def test_bulk_reject_gives_every_posting_the_same_reason(session, factory, staff):
    orders = [factory.order(status="submitted") for _ in range(2)]
    result = screening.reject_many(session, staff, "order", [o.id for o in orders], "预算不明确")
    assert len(result.done) == 2 and {o.status_reason for o in orders} == {"预算不明确"}


def test_the_queue_shows_only_what_awaits_screening_and_finds_by_firm_name(session, factory, staff):
    buyer = factory.company("large_firm", name="中国移动通信集团北京有限公司")
    waiting = factory.order(buyer=buyer, status="submitted", title="5G专网建设")
    factory.order(status="submitted", title="智慧园区平台")
    factory.order(buyer=buyer, status="published", title="已发布的订单")
    assert screening.queue_counts(session)["order"] == 2
    page = screening.queue_page(
        session, staff, "order", PageRequest(sort="updated_at"), search="移动通信"
    )
    assert page.items == [waiting]
