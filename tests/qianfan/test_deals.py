"""The deal from recommendation to signed contract, each side's moves, the quota, and who sees what."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import Match, TransitionError
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from qianfan import deals
from qianfan.paging import PageRequest


@pytest.fixture
def deal(factory, session):
    """A published order and a recommended listing, with a user on each side."""
    buyer = factory.user("large_firm", display_name="采购经理")
    supplier = factory.user("small_firm", display_name="销售经理")
    order = factory.order(buyer=buyer.company, status="published")
    listing = factory.listing(supplier=supplier.company, status="published")
    match = Match(kind="order", order=order, listing=listing, score=0.8, rank=1)
    session.add(match)
    session.flush()
    return buyer, supplier, match


def _to_intention(session, buyer, supplier, match):
    deals.express_interest(session, supplier, match.id)
    deals.invite(session, buyer, match.id)
    deals.start_negotiating(session, buyer, match.id)
    deals.record_intention(session, buyer, match.id)


def test_the_whole_deal_is_signed_only_when_both_sides_confirm(session, deal):
    buyer, supplier, match = deal
    _to_intention(session, buyer, supplier, match)
    assert match.status == "intention_signed" and match.intention_signed_at is not None
    contract = deals.create_contract(session, buyer, match.id, "120万元")
    assert contract.amount_yuan == Decimal("1200000.00") and contract.status == "pending"
    deals.confirm_contract(session, buyer, contract.id)
    assert contract.status == "pending" and contract.signed_on is None  # one side is not enough
    with pytest.raises(DomainError, match="already confirmed"):
        deals.confirm_contract(session, buyer, contract.id)
    deals.confirm_contract(session, supplier, contract.id)
    assert contract.status == "signed" and contract.signed_on is not None
    assert match.status == "contract_signed"
    deals.advance_contract(session, supplier, contract.id, "performing")
    deals.advance_contract(session, buyer, contract.id, "completed")
    assert contract.status == "completed" and contract.ended_on is not None


def test_a_contract_title_longer_than_its_column_is_refused_with_the_field_named(session, deal):
    buyer, supplier, match = deal
    _to_intention(session, buyer, supplier, match)
    with pytest.raises(ValidationError) as refused:
        deals.create_contract(session, buyer, match.id, "50万元", title="合" * 301)
    assert refused.value.field == "title" and refused.value.params == {"n": 300}
    assert deals.create_contract(session, buyer, match.id, "50万元", title="合" * 300).title == "合" * 300


def test_the_history_says_who_did_what_and_when(session, deal):
    buyer, supplier, match = deal
    _to_intention(session, buyer, supplier, match)
    contract = deals.create_contract(session, buyer, match.id, "50万元")
    deals.confirm_contract(session, supplier, contract.id)
    deals.confirm_contract(session, buyer, contract.id)
    steps = [(e.actor, e.object_type, e.action, e.to_status) for e in deals.history(session, match)]
    assert steps == [
        ("销售经理", "match", "status", "interested"),
        ("采购经理", "match", "status", "invited"),
        ("采购经理", "match", "status", "negotiating"),
        ("采购经理", "match", "status", "intention_signed"),
        ("采购经理", "contract", "create", "pending"),
        ("销售经理", "contract", "confirm", None),
        ("采购经理", "contract", "confirm", None),
        ("采购经理", "contract", "status", "signed"),
        ("采购经理", "match", "status", "contract_signed"),
    ]


def test_each_side_only_makes_its_own_moves(session, deal):
    buyer, supplier, match = deal
    with pytest.raises(Forbidden):
        deals.invite(session, supplier, match.id)
    with pytest.raises(Forbidden):
        deals.express_interest(session, buyer, match.id)
    assert match.status == "recommended"


def test_strangers_and_other_suppliers_cannot_see_or_touch_a_deal(session, factory, deal):
    buyer, supplier, match = deal
    other_supplier = factory.user("small_firm")
    other_buyer = factory.user("large_firm")
    for stranger in (other_supplier, other_buyer):
        with pytest.raises(NotFound):
            deals.get_match(session, stranger, match.id)
    with pytest.raises(NotFound):
        deals.express_interest(session, other_supplier, match.id)


def test_staff_see_every_deal_but_act_on_none(session, factory, deal):
    buyer, supplier, match = deal
    staff = factory.user("staff")
    assert deals.get_match(session, staff, match.id) is match
    assert deals.available_actions(session, staff, match) == set()
    with pytest.raises(Forbidden):
        deals.invite(session, staff, match.id)


def test_declining_needs_a_reason_and_ends_the_deal(session, deal):
    buyer, supplier, match = deal
    with pytest.raises(TransitionError):
        deals.decline(session, buyer, match.id, "")
    deals.decline(session, buyer, match.id, "预算不匹配")
    assert match.status == "declined" and match.status_reason == "预算不匹配"
    with pytest.raises(TransitionError):
        deals.invite(session, buyer, match.id)


def test_a_near_miss_is_shown_but_cannot_be_answered(session, deal):
    buyer, supplier, match = deal
    match.near_miss = True
    match.reasons = {"failed": {"zh": "缺少 ISO 9001", "en": "Lacks ISO 9001"}}
    assert deals.near_miss_label(match, "zh_CN") == "缺少 ISO 9001"
    assert "express_interest" not in deals.available_actions(session, supplier, match)
    with pytest.raises(DomainError, match="Lacks ISO 9001"):
        deals.express_interest(session, supplier, match.id)


def test_interest_in_a_closed_order_is_refused(session, deal):
    buyer, supplier, match = deal
    match.order.status = "closed"
    with pytest.raises(DomainError, match="no longer open"):
        deals.express_interest(session, supplier, match.id)


def test_withdrawing_cancels_a_contract_still_waiting_for_confirmation(session, deal):
    buyer, supplier, match = deal
    _to_intention(session, buyer, supplier, match)
    contract = deals.create_contract(session, buyer, match.id, "80万元")
    deals.withdraw(session, supplier, match.id, "产能不足")
    assert match.status == "withdrawn" and contract.status == "cancelled"


@pytest.fixture
def service(factory, session):
    provider = factory.user("service_org")
    applicant = factory.user("small_firm")
    package = factory.package(provider=provider.company, status="published", quota=1)
    demand = factory.demand(company=applicant.company, status="published")

    def match_for(demand):
        match = Match(kind="service", demand=demand, package=package, score=0.5)
        session.add(match)
        session.flush()
        return match

    return provider, applicant, package, match_for(demand), match_for


def test_accepting_an_applicant_takes_a_place_and_refuses_when_none_is_left(
    session, factory, service
):
    provider, applicant, package, match, match_for = service
    other = factory.user("small_firm")
    second = match_for(factory.demand(company=other.company, status="published"))
    deals.apply_to_package(session, applicant, match.id)
    deals.apply_to_package(session, other, second.id)
    assert deals.package_applicants(session, provider, PageRequest()).total == 2
    deals.accept_application(session, provider, match.id)
    assert match.status == "accepted" and package.quota_used == 1 and package.quota_left == 0
    with pytest.raises(DomainError, match="No places are left"):
        deals.accept_application(session, provider, second.id)
    assert second.status == "applied" and package.quota_used == 1
    deals.decline(session, provider, second.id, "名额已满")
    assert second.status == "declined"


def test_an_applicant_cannot_accept_itself(session, service):
    provider, applicant, package, match, _ = service
    deals.apply_to_package(session, applicant, match.id)
    with pytest.raises(Forbidden):
        deals.accept_application(session, applicant, match.id)
    assert package.quota_used == 0


def test_each_firm_lists_only_its_own_deals(session, factory, deal, service):
    buyer, supplier, match = deal
    deals.express_interest(session, supplier, match.id)
    provider, applicant, _, service_match, _ = service
    deals.apply_to_package(session, applicant, service_match.id)
    assert [m.id for m in deals.my_deals(session, buyer, PageRequest()).items] == [match.id]
    assert [m.id for m in deals.my_deals(session, provider, PageRequest()).items] == [
        service_match.id
    ]
    assert deals.my_deals(session, factory.user("small_firm"), PageRequest()).total == 0
    assert deals.my_deals(session, factory.user("admin"), PageRequest()).total == 2
