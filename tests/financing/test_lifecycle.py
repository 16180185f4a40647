"""Receivables financing as the services move it: the whole road to money, and every refused move."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import AuditEvent, Contract, Notification, TransitionError
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from qianfan.financing import applications as apps
from qianfan.financing import facts, lending
from qianfan.notify import texts


def _apply(session, fin, amount="300万元", chosen=None, **kw):
    chosen = [fin.bank1.company_id, fin.bank2.company_id] if chosen is None else chosen
    return apps.apply(session, fin.supplier, fin.contract.id, amount, chosen, **kw)


def _said(session, user, locale="zh_CN") -> list[str]:
    notes = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [texts.sentence(n.kind, n.params, locale) for n in notes]


def test_the_road_from_application_to_money_and_back(session, fin):
    application = _apply(session, fin)
    assert application.status == "applied" and application.amount_yuan == Decimal("3000000")
    assert "please confirm or dispute it" in _said(session, fin.buyer, "en")[-1]
    apps.confirm(session, fin.buyer, application.id)
    assert application.confirmed_at is not None
    assert "asks to finance 3,000,000.00 yuan" in _said(session, fin.bank1, "en")[-1]
    question = lending.ask(session, fin.bank1, application.id, "请提供最近一期发票")
    assert "请提供最近一期发票" in _said(session, fin.supplier, "en")[-1]
    apps.answer(session, fin.supplier, question.id, "发票已上传至合同附件")
    assert question.status == "reviewing" and question.answer == "发票已上传至合同附件"
    first = lending.make_offer(session, fin.bank1, application.id, "280万元", "4.35", "180")
    second = lending.make_offer(session, fin.bank2, application.id, "300万元", "5%", "90")
    apps.accept_offer(session, fin.supplier, first.id)
    assert application.status == "accepted" and first.status == "accepted"
    assert second.status == "lapsed" and second.status_reason == apps.ANOTHER_OFFER_TAKEN
    lending.record_paid(session, fin.bank1, application.id)
    assert application.status == "paid" and application.paid_amount_yuan == Decimal("2800000")
    assert application.paid_at >= application.applied_at
    lending.record_repaid(session, fin.bank1, application.id)
    assert application.status == "repaid" and application.repaid_at is not None
    trail = [(e.object_type, e.to_status) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
             if e.object_type.startswith("financing") and e.to_status]  # fmt: skip
    assert ("financing_application", "confirmed") in trail and ("financing_offer", "lapsed") in trail
    assert trail[-1] == ("financing_application", "repaid")


def test_the_amount_is_capped_by_the_unpaid_value_and_by_thirty_million(session, fin):
    with pytest.raises(ValidationError, match="unpaid value") as err:
        _apply(session, fin, "500.01万元")
    assert err.value.field == "amount"
    fin.contract.amount_yuan = Decimal("50000000")
    with pytest.raises(ValidationError, match="30,000,000.00 yuan"):
        _apply(session, fin, "3000.01万元")
    assert _apply(session, fin, "3000万元").amount_yuan == Decimal("30000000")


def test_the_cap_is_a_setting(session, fin):
    with pytest.raises(ValidationError, match="1,000,000.00"):
        _apply(session, fin, "200万元", max_per_contract=Decimal("1000000"))


def test_a_repaid_part_is_no_longer_unpaid(session, fin):
    application = _apply(session, fin, "400万元", all_institutions=True, chosen=[])
    apps.confirm(session, fin.buyer, application.id)
    offer = lending.make_offer(session, fin.stranger, application.id, "400万元", "4", "30")
    apps.accept_offer(session, fin.supplier, offer.id)
    lending.record_paid(session, fin.stranger, application.id)
    lending.record_repaid(session, fin.stranger, application.id)
    with pytest.raises(ValidationError, match="1,000,000.00"):
        _apply(session, fin, "101万元")
    assert _apply(session, fin, "100万元").status == "applied"


def test_one_receivable_is_financed_once(session, fin):
    application = _apply(session, fin)
    with pytest.raises(DomainError, match="already has a financing application under way"):
        _apply(session, fin, "100万元")
    apps.dispute(session, fin.buyer, application.id, "该合同款项已于上月结清")
    assert application.status == "disputed"
    assert "disputes the receivable" in _said(session, fin.supplier, "en")[-1]
    assert _apply(session, fin, "100万元").status == "applied"  # a disputed one holds nothing


def test_the_database_refuses_a_second_live_application_on_a_contract(session, fin):
    """The partial unique index holds even when the application layer's check is passed by (a race)."""
    from sqlalchemy.exc import IntegrityError

    from models.base import utcnow
    from models.financing import FinancingApplication

    first = _apply(session, fin)
    session.commit()
    twin = FinancingApplication(contract_id=fin.contract.id, applicant_id=first.applicant_id, buyer_id=first.buyer_id,
                                amount_yuan=Decimal("1"), status="applied", applied_at=utcnow())  # fmt: skip
    session.add(twin)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    ended = FinancingApplication(contract_id=fin.contract.id, applicant_id=first.applicant_id,
                                 buyer_id=first.buyer_id, amount_yuan=Decimal("1"), status="withdrawn",
                                 applied_at=utcnow())  # fmt: skip
    session.add(ended)
    session.flush()  # an ended application may sit beside the live one


def test_the_service_turns_the_database_refusal_into_a_clear_error(session, fin, monkeypatch):
    _apply(session, fin)
    session.commit()
    monkeypatch.setattr(apps, "live_application", lambda *_: None)  # as if a twin request had checked first
    with pytest.raises(DomainError, match="already has a financing application under way"):
        _apply(session, fin, "100万元")
    assert session.scalar(select(Contract.id).where(Contract.id == fin.contract.id))  # the session still works


def test_only_the_contracts_buyer_confirms(session, factory, fin):
    application = _apply(session, fin)
    with pytest.raises(Forbidden, match="Only the contract's buyer"):
        apps.confirm(session, fin.supplier, application.id)
    other_buyer = factory.user("large_firm")
    with pytest.raises(NotFound):
        apps.confirm(session, other_buyer, application.id)
    with pytest.raises(NotFound):  # an institution sees nothing before the confirmation
        apps.confirm(session, fin.bank1, application.id)
    with pytest.raises(TransitionError, match="needs a reason"):
        apps.dispute(session, fin.buyer, application.id, "  ")
    apps.confirm(session, fin.buyer, application.id)
    with pytest.raises(TransitionError, match="cannot go from 'confirmed' to 'confirmed'"):
        apps.confirm(session, fin.buyer, application.id)


def test_only_chosen_institutions_see_a_confirmed_application(session, fin):
    application = _apply(session, fin, chosen=[fin.bank1.company_id])
    with pytest.raises(NotFound):
        apps.get_application(session, fin.bank1, application.id)  # not confirmed yet
    apps.confirm(session, fin.buyer, application.id)
    assert apps.get_application(session, fin.bank1, application.id) is application
    for outsider in (fin.bank2, fin.stranger):
        with pytest.raises(NotFound):
            apps.get_application(session, outsider, application.id)
        with pytest.raises(NotFound):
            lending.make_offer(session, outsider, application.id, "1万元", "4", "30")
        assert apps.applications_for(session, outsider) == []
    assert apps.applications_for(session, fin.bank1) == [application]


def test_all_institutions_means_every_lender(session, fin):
    application = _apply(session, fin, chosen=[], all_institutions=True)
    apps.confirm(session, fin.buyer, application.id)
    for bank in (fin.bank1, fin.bank2, fin.stranger):
        assert apps.get_application(session, bank, application.id) is application


def test_refused_moves_say_why(session, factory, fin):
    with pytest.raises(ValidationError, match="Choose at least one"):
        _apply(session, fin, chosen=[])
    with pytest.raises(ValidationError, match="No financial institution"):
        _apply(session, fin, chosen=[fin.buyer.company_id])
    with pytest.raises(ValidationError, match="not an amount"):
        _apply(session, fin, "很多")
    with pytest.raises(NotFound):  # another firm's contract
        apps.apply(session, factory.user("small_firm"), fin.contract.id, "1万元", [fin.bank1.company_id])
    with pytest.raises(Forbidden):  # the buyer does not apply
        apps.apply(session, fin.buyer, fin.contract.id, "1万元", [fin.bank1.company_id])
    pending = Contract(buyer_id=fin.buyer.company_id, supplier_id=fin.supplier.company_id, title="未签合同",
                       amount_yuan=Decimal("100000"))  # fmt: skip
    session.add(pending)
    session.flush()
    with pytest.raises(DomainError, match="Only a signed contract"):
        apps.apply(session, fin.supplier, pending.id, "1万元", [fin.bank1.company_id])
    application = _apply(session, fin)
    apps.confirm(session, fin.buyer, application.id)
    with pytest.raises(DomainError, match="accepted another institution's offer, or none yet"):
        lending.record_paid(session, fin.bank1, application.id)
    with pytest.raises(TransitionError, match="needs a reason"):
        apps.withdraw(session, fin.supplier, application.id, "")
    offer = lending.make_offer(session, fin.bank1, application.id, "100万元", "4.2", "180")
    with pytest.raises(ValidationError, match="above the amount applied for"):
        lending.make_offer(session, fin.bank2, application.id, "301万元", "4", "30")
    with pytest.raises(ValidationError, match="yearly rate"):
        lending.make_offer(session, fin.bank2, application.id, "1万元", "40", "30")
    with pytest.raises(ValidationError, match="term"):
        lending.make_offer(session, fin.bank2, application.id, "1万元", "4", "三个月")
    with pytest.raises(DomainError, match="already answered"):  # an offer is made once
        lending.make_offer(session, fin.bank1, application.id, "90万元", "4", "30")
    with pytest.raises(DomainError, match="no question"):
        apps.answer(session, fin.supplier, offer.id, "答复")
    with pytest.raises(NotFound):  # only the applicant accepts, and others' ids are not found
        apps.accept_offer(session, fin.bank1, offer.id)
    apps.accept_offer(session, fin.supplier, offer.id)
    with pytest.raises(DomainError, match="the institution whose offer it accepted"):
        lending.record_paid(session, fin.bank2, application.id)
    with pytest.raises(ValidationError, match="future"):
        lending.record_paid(session, fin.bank1, application.id, "2999-01-01 10:00")
    with pytest.raises(TransitionError, match="possible next: cancelled, paid"):  # repaid before paid
        lending.record_repaid(session, fin.bank1, application.id)
    with pytest.raises(TransitionError, match="cannot go from 'accepted' to 'withdrawn'"):
        apps.withdraw(session, fin.supplier, application.id, "不需要了")


def test_the_lender_reads_the_contract_and_the_firms_history(session, factory, fin):
    done = Contract(buyer_id=fin.buyer.company_id, supplier_id=fin.supplier.company_id, title="往期合同",
                    amount_yuan=Decimal("800000"), status="completed", buyer_confirmed_at=fin.contract.buyer_confirmed_at,
                    supplier_confirmed_at=fin.contract.buyer_confirmed_at, signed_on=date(2025, 3, 1))  # fmt: skip
    session.add(done)
    application = _apply(session, fin)
    contract = facts.contract_facts(session, application)
    assert contract.unpaid_yuan == Decimal("5000000")
    history = facts.firm_history(session, application)
    assert (history.contracts_signed, history.contracts_completed, history.with_this_buyer) == (2, 1, 2)
    assert history.signed_value_yuan == Decimal("5800000") and history.first_signed_on == date(2025, 3, 1)


def test_withdrawing_ends_every_open_answer_and_tells_the_lenders(session, fin):
    application = _apply(session, fin)
    apps.confirm(session, fin.buyer, application.id)
    offer = lending.make_offer(session, fin.bank1, application.id, "100万元", "4", "60")
    apps.withdraw(session, fin.supplier, application.id, "已通过其他渠道解决资金")
    assert offer.status == "lapsed"
    assert "withdrew its financing application" in _said(session, fin.bank1, "en")[-1]
    assert _apply(session, fin, "100万元").status == "applied"
