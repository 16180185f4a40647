"""The deal both sides move, and who is told: invitations answered, withdrawals with reasons, the thread,
contact persons, signing that closes the order, and the scheduler's digest and deadline reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Match, Notification, OutboxMail, TransitionError
from models.base import utcnow
from models.errors import DomainError, Forbidden, ValidationError
from qianfan import dealroom, deals, notify, screening
from qianfan.notify import reminders, texts
from qianfan.paging import PageRequest


@pytest.fixture
def deal(factory, session):
    buyer = factory.user("large_firm", display_name="采购经理")
    supplier = factory.user("small_firm", display_name="销售经理")
    buyer.email, supplier.email = "buyer@example.com", "sales@example.com"
    order = factory.order(buyer=buyer.company, status="published", title="智能巡检系统")
    listing = factory.listing(supplier=supplier.company, status="published")
    match = Match(kind="order", order=order, listing=listing, score=0.8, rank=1)
    session.add(match)
    session.flush()
    return buyer, supplier, match


def _said(session, user, locale="zh_CN") -> list[str]:
    notes = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [texts.sentence(n.kind, n.params, locale) for n in notes]


def test_each_move_is_told_to_the_other_side_in_its_inbox_and_by_e_mail(session, deal):
    buyer, supplier, match = deal
    deals.express_interest(session, supplier, match.id)
    assert _said(session, buyer)[-1].endswith("对您的订单“智能巡检系统”感兴趣。")
    deals.invite(session, buyer, match.id)
    assert "邀请您洽谈订单“智能巡检系统”" in _said(session, supplier)[-1]
    assert "accepts your invitation" not in " ".join(_said(session, buyer, "en"))
    deals.accept_invitation(session, supplier, match.id)
    assert match.status == "negotiating"
    assert "accepts your invitation to talk about “智能巡检系统”" in _said(session, buyer, "en")[-1]
    assert notify.unread_count(session, buyer.id) == 2 and notify.unread_count(session, supplier.id) == 1
    mails = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert [m.to_address for m in mails] == ["buyer@example.com", "sales@example.com", "buyer@example.com"]
    assert mails[1].subject == "千帆：采购方邀请您洽谈" and f"/deals/{match.id}" in mails[1].body


def test_a_user_who_turned_a_kind_off_gets_it_in_the_inbox_only(session, deal):
    buyer, supplier, match = deal
    notify.set_email_choices(session, buyer.id, {"invitation"})  # everything else: inbox only
    deals.express_interest(session, supplier, match.id)
    assert notify.unread_count(session, buyer.id) == 1
    assert session.scalars(select(OutboxMail)).all() == []
    assert notify.email_choices(session, buyer.id)["interest"] is False


def test_the_supplier_declines_an_invitation_with_a_reason_the_buyer_reads(session, deal):
    buyer, supplier, match = deal
    deals.invite(session, buyer, match.id)
    with pytest.raises(TransitionError, match="needs a reason"):
        deals.decline_invitation(session, supplier, match.id, "  ")
    deals.decline_invitation(session, supplier, match.id, "产能已满")
    assert match.status == "withdrawn" and match.status_reason == "产能已满"
    assert _said(session, buyer)[-1].endswith("谢绝了您关于“智能巡检系统”的洽谈邀请：产能已满")
    with pytest.raises(DomainError, match="no invitation"):
        deals.accept_invitation(session, supplier, match.id)
    with pytest.raises(Forbidden):
        deals.accept_invitation(session, buyer, match.id)


def test_either_side_withdraws_and_the_other_is_told_why(session, deal, factory):
    buyer, supplier, match = deal
    deals.express_interest(session, supplier, match.id)
    deals.decline(session, buyer, match.id, "预算调整")
    assert _said(session, supplier)[-1].endswith("退出了“智能巡检系统”的撮合：预算调整")


def test_the_thread_and_contact_persons_open_when_both_sides_showed_interest(session, deal, factory):
    buyer, supplier, match = deal
    assert dealroom.contacts(session, buyer, match) is None
    deals.express_interest(session, supplier, match.id)
    assert dealroom.contacts(session, supplier, match) is None  # the buyer has not answered yet
    dealroom.post_message(session, supplier, match.id, "我们可以下周上门演示。")
    assert "就“智能巡检系统”留言：我们可以下周上门演示。" in _said(session, buyer)[-1]
    deals.invite(session, buyer, match.id)
    shown = dealroom.contacts(session, supplier, match)
    assert [c.email for c in shown["buyer"]] == ["buyer@example.com"]
    assert [c.name for c in shown["supplier"]] == ["销售经理"]
    with pytest.raises(ValidationError):
        dealroom.post_message(session, buyer, match.id, "   ")
    staff = factory.user("staff")
    with pytest.raises(Forbidden):
        dealroom.post_message(session, staff, match.id, "看看")
    assert [m.body for m in dealroom.thread(session, staff, match.id)] == ["我们可以下周上门演示。"]
    deals.decline(session, buyer, match.id, "已选定其他供应商")
    with pytest.raises(DomainError, match="ended"):
        dealroom.post_message(session, supplier, match.id, "还有机会吗？")


def _signed(session, buyer, supplier, match, keeps_order_open=False):
    deals.express_interest(session, supplier, match.id)
    deals.invite(session, buyer, match.id)
    deals.accept_invitation(session, supplier, match.id)
    deals.record_intention(session, buyer, match.id)
    contract = deals.create_contract(session, buyer, match.id, "80万元", keeps_order_open=keeps_order_open)
    assert "合同“智能巡检系统”待您确认。" in _said(session, supplier)
    deals.confirm_contract(session, buyer, contract.id)
    deals.confirm_contract(session, supplier, contract.id)
    return contract


def _rival(factory, session, match, status="interested"):
    other = factory.user("small_firm", display_name="另一家")
    listing = factory.listing(supplier=other.company, status="published")
    rival = Match(kind="order", order=match.order, listing=listing, score=0.7, rank=2, status=status)
    session.add(rival)
    session.flush()
    return other, rival


def test_signing_closes_the_order_and_ends_the_other_open_deals_telling_them(session, deal, factory):
    buyer, supplier, match = deal
    other, rival = _rival(factory, session, match)
    contract = _signed(session, buyer, supplier, match)
    assert contract.status == "signed" and match.order.status == "closed"
    assert rival.status == "expired" and "其他供应商签约" in rival.status_reason
    assert _said(session, other)[-1] == "订单“智能巡检系统”已与其他供应商签约，现已关闭。"
    assert "合同“智能巡检系统”已正式签约。" in _said(session, buyer)


def test_a_buyer_who_needs_more_suppliers_keeps_the_order_open(session, deal, factory):
    buyer, supplier, match = deal
    other, rival = _rival(factory, session, match, status="invited")
    _signed(session, buyer, supplier, match, keeps_order_open=True)
    assert match.order.status == "published" and rival.status == "invited"
    assert "继续开放" in _said(session, other)[-1]


def test_screening_results_are_told_to_the_firm_that_posted(session, factory):
    buyer = factory.user("large_firm")
    staff = factory.user("staff")
    order = factory.order(buyer=buyer.company, status="submitted", title="数据中台")
    screening.reject(session, staff, "order", order.id, "预算缺失")
    assert _said(session, buyer) == ["您的“数据中台”未通过审核：预算缺失"]


def test_deadlines_three_days_ahead_are_told_once_to_the_suppliers_in_the_running(session, deal, factory):
    buyer, supplier, match = deal
    match.order.deadline = utcnow() + timedelta(days=2)
    later = factory.order(buyer=buyer.company, status="published", deadline=utcnow() + timedelta(days=5))
    deals.express_interest(session, supplier, match.id)
    assert reminders.deadlines_ahead(session) == 2  # the supplier and the buyer
    assert reminders.deadlines_ahead(session) == 0  # a second run tells no one twice
    assert "截止" in _said(session, supplier)[-1]
    assert all(later.title not in s for s in _said(session, buyer))


def test_the_daily_digest_counts_newly_published_recommended_orders(session, deal, factory):
    buyer, supplier, match = deal
    fresh = match.order
    fresh.published_at = utcnow() - timedelta(hours=3)
    old = factory.order(buyer=buyer.company, status="published")
    old.published_at = utcnow() - timedelta(days=4)
    session.flush()
    factory.ranking("listing", match.listing_id, [fresh.id, old.id])
    assert reminders.daily_digest(session) == 1
    assert reminders.daily_digest(session) == 0
    assert _said(session, supplier) == ["今天为您新推荐了 1 条。"]


def test_the_inbox_is_each_users_own(session, deal):
    buyer, supplier, match = deal
    deals.express_interest(session, supplier, match.id)
    note = notify.inbox(session, buyer.id, PageRequest()).items[0]
    from models.errors import NotFound

    with pytest.raises(NotFound):
        notify.open_notification(session, supplier.id, note.id)
    assert notify.open_notification(session, buyer.id, note.id).read_at is not None
    assert notify.unread_count(session, buyer.id) == 0


def test_applications_stay_listed_with_their_state_and_the_package_history_records_acceptances(session, factory):
    from qianfan import recommendations
    from qianfan.history import audit_trail

    applicant = factory.user("small_firm")
    provider = factory.user("service_org")
    demand = factory.demand(company=applicant.company, status="published")
    package = factory.package(provider=provider.company, status="published", title="知识产权托管", quota=2)
    factory.ranking("demand", demand.id, [package.id])
    match = recommendations.open_pair(session, applicant, "service", demand.id, package.id)
    deals.apply_to_package(session, applicant, match.id)
    assert _said(session, provider)[-1].endswith("申请了您的服务包“知识产权托管”。")
    deals.accept_application(session, provider, match.id)
    assert _said(session, applicant)[-1] == "您对“知识产权托管”的申请已被接受。"
    listed = recommendations.recommended_packages(session, applicant, PageRequest()).items
    assert [(e.package.title, e.status) for e in listed] == [("知识产权托管", "accepted")]
    assert [m.status for m in deals.package_applicants(session, provider, PageRequest()).items] == ["accepted"]
    accepted = [e for e in audit_trail(session, [package]) if e.action == "accept_applicant"]
    assert len(accepted) == 1 and accepted[0].detail["applicant"] == applicant.company.name
