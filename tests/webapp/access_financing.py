"""The financing zone's rows of the access matrix (webapp/financing.py) and the objects they need.

The owners' two signed contracts carry one application each: one waiting for the buyer's confirmation
(the buyer's and the firm's moves), one confirmed and shown to the owning institution `own_fin` only,
with its question to the firm (the institution's and the firm's moves). The stranger institution of the
matrix was not chosen: it gets 404 for every one of them, as other firms do.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import Contract
from models.base import utcnow
from models.financing import FinancingOffer
from qianfan.financing import applications, lending


def financing_rows(row, OK, MOVED, DENY, HIDDEN) -> dict:  # noqa: N803 - the matrix's status names
    confirmed = "/financing/{fin_confirmed}"
    reason = {"reason": "测试"}

    def lender(part, data=None):
        return row(f"{confirmed}/{part}", "POST", financial_institution=HIDDEN, owner="own_fin", data=data)

    return {
        "financing.index": row("/financing/", small_firm=OK, large_firm=OK, financial_institution=OK, staff=OK,
                               owner="own_small"),  # fmt: skip
        "financing.apply": row("/financing/apply/{fin_contract}", small_firm=HIDDEN, owner="own_small"),
        "financing.show": row(confirmed, small_firm=HIDDEN, large_firm=HIDDEN, financial_institution=HIDDEN,
                              staff=OK, owner="own_fin"),  # fmt: skip
        "financing.confirm": row("/financing/{fin_applied}/confirm", "POST", large_firm=HIDDEN, owner="own_large"),
        "financing.dispute": row("/financing/{fin_applied}/dispute", "POST", large_firm=HIDDEN, owner="own_large",
                                 data=reason),  # fmt: skip
        "financing.withdraw": row("/financing/{fin_applied}/withdraw", "POST", small_firm=HIDDEN,
                                  owner="own_small", data=reason),  # fmt: skip
        "financing.offer": lender("offer", {"amount": "1万元", "rate": "4", "term_days": "30"}),
        "financing.decline": lender("decline", reason),
        "financing.ask": lender("ask", {"question": "测试"}),
        "financing.withdraw_offer": lender("withdraw-offer", reason),
        "financing.paid": lender("paid"),
        "financing.repaid": lender("repaid"),
        "financing.cancel": lender("cancel", reason),
        "financing.answer": row("/financing/offers/{fin_offer}/answer", "POST", small_firm=HIDDEN, owner="own_small",
                                data={"answer": "测试"}),  # fmt: skip
        "financing.accept": row("/financing/offers/{fin_offer}/accept", "POST", small_firm=HIDDEN, owner="own_small"),
    }


def financing_staff_rows(staff_only, HIDDEN) -> dict:  # noqa: N803
    return {
        "financing.institution_list": staff_only("/staff/financing/institutions"),
        "financing.institution_user": staff_only("/staff/financing/institutions/999999/users", "POST",
                                                 status=HIDDEN, data={"username": "x"}),  # fmt: skip
    }


def financing_world(factory, session, own_large, own_small, own_fin, title) -> dict:
    ids = {}
    now = utcnow()
    for key in ("fin_contract", "fin_contract2"):
        contract = Contract(buyer_id=own_large.company_id, supplier_id=own_small.company_id, title=title("融资合同"),
                            amount_yuan=Decimal("1000000"), status="signed", buyer_confirmed_at=now,
                            supplier_confirmed_at=now, signed_on=date(2026, 11, 1))  # fmt: skip
        session.add(contract)
        session.flush()
        ids[key] = contract.id
    waiting = applications.apply(session, own_small, ids["fin_contract"], "10万元", [own_fin.company_id])
    confirmed = applications.apply(session, own_small, ids["fin_contract2"], "10万元", [own_fin.company_id])
    applications.confirm(session, own_large, confirmed.id)
    question = lending.ask(session, own_fin, confirmed.id, title("问题"))
    assert isinstance(question, FinancingOffer)
    return {"fin_applied": waiting.id, "fin_confirmed": confirmed.id, "fin_offer": question.id, **ids}
