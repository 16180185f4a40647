"""The demo's financing: composed institutions with logins, and applications at every stage that agree
with the signed contracts they are made on."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from models import AuditEvent, Company, Contract
from models.base import utcnow
from models.financing import LIVE_STATUSES, FinancingApplication
from qianfan.accounts import authenticate
from qianfan.financing.demo import STAGES, load_financing_demo


def test_the_demo_has_every_stage_on_signed_contracts_and_logins_that_work(session, factory):
    now = utcnow()
    for n in range(8):
        buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
        session.add(Contract(buyer_id=buyer.id, supplier_id=supplier.id, title=f"示例合同{n}",
                             amount_yuan=Decimal(800_000 + 100_000 * n), status="signed", signed_on=date(2026, 9, 1),
                             buyer_confirmed_at=now, supplier_confirmed_at=now))  # fmt: skip
    session.add(Contract(buyer_id=buyer.id, supplier_id=supplier.id, title="未签", amount_yuan=Decimal(1)))
    session.flush()
    result = load_financing_demo(session, random.Random(1))
    session.flush()
    applications = session.scalars(select(FinancingApplication)).all()
    assert set(result.counts) - {"institutions"} == {stage for stage, _ in STAGES}
    statuses = Counter(a.status for a in applications)
    assert {"applied", "confirmed", "accepted", "paid", "repaid", "disputed", "withdrawn", "cancelled"} <= set(statuses)
    live = Counter(a.contract_id for a in applications if a.status in LIVE_STATUSES)
    assert max(live.values()) == 1
    ends: dict[int, object] = {}
    for application in sorted(applications, key=lambda a: a.applied_at):
        contract = application.contract
        assert contract.status == "signed" and application.applicant_id == contract.supplier_id
        assert application.applied_at > contract.buyer_confirmed_at  # financed after it was signed
        assert application.applied_at > ends.get(contract.id, contract.buyer_confirmed_at)  # one after another
        ends[contract.id] = session.scalar(
            select(func.max(AuditEvent.at)).where(AuditEvent.object_type == "financing_application",
                                                  AuditEvent.object_id == application.id)
        )  # fmt: skip
        assert 0 < application.amount_yuan <= contract.amount_yuan
        if application.paid_at:
            assert application.applied_at < application.paid_at <= now
            assert application.paid_amount_yuan <= application.amount_yuan
    assert all(c.is_composed for c in session.scalars(select(Company).where(Company.kind == "financial")))
    logins = {a.username: a for a in result.accounts}
    assert {"demo-bank1", "demo-fin-firm", "demo-fin-buyer"} <= set(logins)
    for account in logins.values():
        assert authenticate(session, account.username, account.password).role == account.role
