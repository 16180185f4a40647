"""A signed contract between a large firm and a small firm, and three lenders: two chosen, one not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from models import Contract
from models.base import utcnow


@pytest.fixture
def fin(factory, session):
    buyer = factory.user("large_firm", username="buyer", display_name="采购部张经理")
    supplier = factory.user("small_firm", username="supplier", display_name="财务部李工")
    buyer.company.name, supplier.company.name = "北京市政路桥集团有限公司", "北京星河智能科技有限公司"
    now = utcnow()
    contract = Contract(
        buyer_id=buyer.company_id, supplier_id=supplier.company_id, title="道路智能巡检系统采购合同",
        amount_yuan=Decimal("5000000"), status="signed", buyer_confirmed_at=now, supplier_confirmed_at=now,
        signed_on=date(2026, 11, 1),
    )  # fmt: skip
    session.add(contract)
    banks = []
    for n, name in enumerate(("北京银行中关村分行", "中关村科技租赁", "某某商业保理有限公司"), 1):  # bank3: not chosen
        company = factory.company("financial", name=name)
        banks.append(factory.user("financial_institution", company=company, username=f"bank{n}"))
    session.flush()

    class Fin:
        pass

    world = Fin()
    world.buyer, world.supplier, world.contract = buyer, supplier, contract
    world.bank1, world.bank2, world.stranger = banks
    return world
