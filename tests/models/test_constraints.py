"""The database itself refuses bad data, whichever code path writes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models import Company, Contract, Match, Order, ServicePackage, User


def _refused(session, obj) -> None:
    session.add(obj)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_credit_codes_are_unique(session, factory):
    factory.company(credit_code="91110108MA01ABCD1X")
    session.commit()
    _refused(session, Company(name="另一家", kind="small_firm", credit_code="91110108MA01ABCD1X"))


def test_statuses_outside_the_lifecycle_are_refused(session, factory):
    buyer = factory.company("large_firm")
    session.commit()
    _refused(session, Order(buyer_id=buyer.id, title="x", status="approved"))


def test_amounts_cannot_be_negative(session, factory):
    buyer = factory.company("large_firm")
    session.commit()
    _refused(session, Order(buyer_id=buyer.id, title="x", budget_yuan=Decimal("-1")))


def test_orders_must_name_an_existing_buyer_and_industry(session, factory):
    _refused(session, Order(buyer_id=999_999, title="x"))
    buyer = factory.company("large_firm")
    session.commit()
    _refused(session, Order(buyer_id=buyer.id, title="x", industry_code="Q9999"))


def test_a_package_cannot_hand_out_more_than_its_quota(session, factory):
    provider = factory.company("incubator")
    session.commit()
    _refused(session, ServicePackage(provider_id=provider.id, title="x", category="ip", quota=2, quota_used=3))


def test_firm_accounts_need_a_company_and_roles_are_known(session):
    _refused(session, User(username="a", display_name="a", password_hash="x", role="small_firm"))
    _refused(session, User(username="b", display_name="b", password_hash="x", role="superuser"))


def test_a_match_pairs_the_right_kinds_of_posting(session, factory):
    order, demand = factory.order(), factory.demand()
    session.commit()
    _refused(session, Match(kind="order", order_id=order.id, demand_id=demand.id))


def test_a_contract_cannot_be_signed_before_both_sides_confirm(session, factory):
    buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
    session.commit()
    _refused(session, Contract(buyer_id=buyer.id, supplier_id=supplier.id, title="x", status="signed"))


def test_the_same_order_and_listing_are_matched_once(session, factory):
    order, listing = factory.order(), factory.listing()
    session.add(Match(kind="order", order_id=order.id, listing_id=listing.id))
    session.commit()
    _refused(session, Match(kind="order", order_id=order.id, listing_id=listing.id))


def test_foreign_keys_are_enforced_on_sqlite_too(session):
    if session.bind.dialect.name == "sqlite":
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
