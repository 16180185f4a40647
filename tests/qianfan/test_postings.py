"""Firms posting orders, listings, packages and demands: checked fields, screening, ownership, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import AuditEvent, TransitionError
from models.errors import Forbidden, NotFound
from qianfan import company_profile, matching, postings
from qianfan.config import load_settings
from qianfan.paging import PageRequest

ORDER = {
    "title": "智慧水务数字化平台建设",
    "description": "供水漏损治理、物联网监测与大数据分析平台",
    "kind": "procurement",
    "industry": "软件开发",
    "budget": "746.0365万元",
    "region": "北京市海淀区",
    "required_qualifications": "ISO 9001\nCMMI 3\nISO 9001",
    "deadline": "2099-09-30",
}


@pytest.fixture
def buyer(factory):
    return factory.user("large_firm")


@pytest.fixture
def supplier(factory):
    return factory.user("small_firm")


def test_an_order_is_read_from_text_as_people_write_it(session, buyer):
    order = postings.save_posting(session, buyer, "order", ORDER)
    assert order.status == "draft" and order.buyer_id == buyer.company_id
    assert order.budget_yuan == Decimal("7460365.00") and order.budget_text == "746.0365万元"
    assert order.region_code == "110108" and order.industry_code == "651"
    assert order.required_qualifications == ["ISO 9001", "CMMI 3"]
    assert order.deadline.date() == date(2099, 9, 30)
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "purchase_order"))
    assert event.actor_id == buyer.id and event.object_type == "purchase_order"


def test_every_wrong_field_is_named_at_once(session, buyer):
    bad = {
        **ORDER,
        "title": " ",
        "budget": "很多钱",
        "region": "火星",
        "deadline": "2001-01-01",
        "kind": "gift",
    }
    with pytest.raises(postings.InvalidFields) as caught:
        postings.save_posting(session, buyer, "order", bad)
    assert {e.field for e in caught.value.errors} == {
        "title",
        "budget",
        "region",
        "deadline",
        "kind",
    }


def test_a_firm_cannot_post_what_its_role_does_not_post(session, supplier):
    with pytest.raises(Forbidden):
        postings.save_posting(session, supplier, "order", ORDER)


def test_another_firms_posting_is_not_found_and_cannot_be_changed(session, factory, buyer):
    order = postings.save_posting(session, buyer, "order", ORDER)
    stranger = factory.user("large_firm")
    with pytest.raises(NotFound):
        postings.get_posting(session, stranger, "order", order.id)
    with pytest.raises(NotFound):
        postings.save_posting(session, stranger, "order", {**ORDER, "title": "改"}, order.id)
    with pytest.raises(NotFound):
        postings.submit_posting(session, stranger, "order", order.id)
    assert order.title == ORDER["title"] and order.status == "draft"


def test_staff_see_every_posting_but_do_not_edit_them(session, factory, buyer):
    order = postings.save_posting(session, buyer, "order", ORDER)
    staff = factory.user("staff")
    assert postings.get_posting(session, staff, "order", order.id) is order
    with pytest.raises(Forbidden):
        postings.submit_posting(session, staff, "order", order.id)


def test_submit_then_withdraw_needs_a_reason_and_ends_the_posting(session, buyer):
    order = postings.save_posting(session, buyer, "order", ORDER)
    postings.submit_posting(session, buyer, "order", order.id)
    assert order.status == "submitted"
    with pytest.raises(TransitionError):
        postings.withdraw_posting(session, buyer, "order", order.id, "  ")
    postings.withdraw_posting(session, buyer, "order", order.id, "项目取消")
    assert order.status == "withdrawn" and order.status_reason == "项目取消"
    with pytest.raises(Exception, match="can no longer be edited"):
        postings.save_posting(session, buyer, "order", ORDER, order.id)


def test_editing_records_which_fields_changed_and_drops_stale_tokens(session, buyer):
    order = postings.save_posting(session, buyer, "order", ORDER)
    order.tokens = ["水务"]
    postings.save_posting(session, buyer, "order", {**ORDER, "title": "智慧水务平台二期"}, order.id)
    assert order.title == "智慧水务平台二期" and order.tokens is None
    update = session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert update.detail == {"fields": ["title"]}


def test_form_values_read_back_to_the_same_posting(session, factory):
    provider = factory.user("service_org")
    values = {
        "title": "知识产权服务包",
        "category": "ip",
        "value": "20万元",
        "quota": "5",
        "eligible_regions": "海淀区、朝阳区",
        "eligible_sizes": ["small", "micro"],
        "max_company_age_years": "3",
    }
    with pytest.raises(postings.InvalidFields) as caught:
        postings.save_posting(session, provider, "package", values)
    assert (
        caught.value.errors[0].field == "eligible_regions"
    )  # two 朝阳区 exist: it says so, never guesses
    values["eligible_regions"] = "海淀区、北京市朝阳区"
    package = postings.save_posting(session, provider, "package", values)
    assert package.eligible_region_codes == ["110108", "110105"] and package.quota == 5
    again = postings.save_posting(
        session, provider, "package", postings.form_values("package", package), package.id
    )
    assert again.value_yuan == Decimal("200000.00") and again.eligible_sizes == ["small", "micro"]


def test_the_quota_cannot_fall_below_the_places_taken(session, factory):
    provider = factory.user("service_org")
    package = factory.package(provider=provider.company, quota=3, quota_used=2)
    values = {**postings.form_values("package", package), "quota": "1"}
    with pytest.raises(postings.InvalidFields) as caught:
        postings.save_posting(session, provider, "package", values, package.id)
    assert caught.value.errors[0].field == "quota"


def test_lists_show_only_the_firms_own_postings_a_page_at_a_time(session, factory, supplier):
    for n in range(5):
        factory.listing(supplier=supplier.company, title=f"供给{n}")
    factory.listing(title="别人的供给")
    page = postings.list_postings(
        session, supplier, "listing", PageRequest(page=2, per_page=2, sort="title")
    )
    assert (
        [item.title for item in page.items] == ["供给2", "供给3"]
        and page.total == 5
        and page.pages == 3
    )
    hacked = postings.list_postings(
        session, supplier, "listing", PageRequest(sort="-password; drop table")
    )
    assert hacked.total == 5 and hacked.request.sort == "-updated_at"


def test_a_small_firm_keeps_its_profile_and_qualifications(session, supplier):
    values = {
        "region": "海淀区",
        "industry": "6511",
        "size_class": "small",
        "founded_on": "2021-03-01",
        "qualifications": "ISO 9001\n建筑工程施工总承包二级\n",
    }
    company = company_profile.update_profile(session, supplier, values)
    assert company.region_code == "110108"
    assert {(q.name, q.grade) for q in company.qualifications} == {
        ("ISO 9001", None),  # kept as written; the matcher ignores spacing
        ("建筑工程施工总承包", 2),
    }
    company_profile.update_profile(
        session, supplier, {**values, "qualifications": "建筑工程施工总承包一级"}
    )
    assert [(q.name, q.grade) for q in company.qualifications] == [("建筑工程施工总承包", 1)]
    with pytest.raises(postings.InvalidFields) as caught:
        company_profile.update_profile(
            session, supplier, {**values, "size_class": "huge", "founded_on": "2999-01-01"}
        )
    assert {e.field for e in caught.value.errors} == {"size_class", "founded_on"}


def _rank_what_is_due(db, session) -> None:
    """What the web app does after its commit: rank again the postings the request changed."""
    due = session.info.pop("rematch_due", [])
    session.commit()
    matching.rematch_postings(db, due, settings={**load_settings(), "MATCH_LOCK_WAIT_SECONDS": 0})


def _order_list(db, order_id) -> dict:
    with db.session_scope() as s:
        ranked = matching.ranked_list(s, "order", order_id)
        return {int(c): ranked.failed_rule(i) for i, c in enumerate(ranked.candidate_ids)} if ranked else {}


def test_a_new_qualification_turns_a_near_miss_into_a_match(db, session, factory, buyer, supplier):
    order = factory.order(
        buyer=buyer.company, status="published", required_qualifications=["ISO 9001"]
    )
    listing = factory.listing(supplier=supplier.company, status="published")
    for kind, posting in (("listing", listing), ("order", order)):  # as publishing each one does
        postings.rematch_posting(session, kind, posting)
    assert session.info["rematch_due"] == [("listing", listing.id), ("order", order.id)]  # nothing ranked yet
    _rank_what_is_due(db, session)
    assert _order_list(db, order.id) == {listing.id: "qualifications"}  # a near miss
    company_profile.update_profile(session, supplier, {"qualifications": "ISO 9001"})
    _rank_what_is_due(db, session)
    assert _order_list(db, order.id) == {listing.id: None}  # a match


def test_editing_a_published_order_rematches_it(db, session, factory, buyer):
    order = factory.order(
        buyer=buyer.company, status="published", title="园林绿化养护服务", description="绿化养护"
    )
    listing = factory.listing(status="published", title="水务物联网监测系统")
    for kind, posting in (("listing", listing), ("order", order)):  # as publishing each one does
        postings.rematch_posting(session, kind, posting)
    _rank_what_is_due(db, session)
    assert listing.id not in _order_list(db, order.id)
    values = {**postings.form_values("order", order), "title": "智慧水务数字化平台建设",
              "description": "供水漏损治理、物联网监测与大数据分析平台"}  # fmt: skip
    postings.save_posting(session, buyer, "order", values, order.id)
    _rank_what_is_due(db, session)
    assert listing.id in _order_list(db, order.id)


def test_a_buyer_can_make_the_qualifications_and_the_region_mandatory(session, buyer):
    order = postings.save_posting(session, buyer, "order", {**ORDER, "qualifications_mandatory": True,
                                                            "region_mandatory": "是"})  # fmt: skip
    assert order.qualifications_mandatory and order.region_mandatory
    assert postings.form_values("order", order)["qualifications_mandatory"] is True
    plain = postings.save_posting(session, buyer, "order", ORDER)
    assert not plain.qualifications_mandatory and not plain.region_mandatory
