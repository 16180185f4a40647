"""What a lender reads before it decides: the contract's facts and the firm's history on the platform.

The history is what the platform itself saw happen (contracts signed and how they ended, earlier
financing and whether it was repaid), not what the firm says of itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Company, Contract
from models.financing import FinancingApplication
from qianfan.financing.applications import settled_yuan, unpaid_yuan
from qianfan.stats import SIGNED_CONTRACT


@dataclass(frozen=True)
class ContractFacts:
    contract: Contract
    unpaid_yuan: Decimal
    settled_yuan: Decimal  # already financed and repaid on this contract


@dataclass(frozen=True)
class FirmHistory:
    company: Company
    contracts_signed: int  # as supplier: signed, performing, completed or terminated
    signed_value_yuan: Decimal
    contracts_completed: int
    contracts_terminated: int
    first_signed_on: date | None
    buyers: int  # distinct large firms it signed with
    with_this_buyer: int  # contracts signed with the buyer of this application
    financing_repaid: int
    financing_paid_open: int  # financed and not yet repaid (other contracts)
    qualifications: list[str]


def contract_facts(session: Session, application: FinancingApplication) -> ContractFacts:
    contract = application.contract
    return ContractFacts(contract, unpaid_yuan(session, contract), settled_yuan(session, contract.id))


def firm_history(session: Session, application: FinancingApplication) -> FirmHistory:
    firm_id = application.applicant_id
    signed = (Contract.supplier_id == firm_id, Contract.status.in_(SIGNED_CONTRACT))
    count, value, first, buyers = session.execute(
        select(func.count(), func.sum(Contract.amount_yuan), func.min(Contract.signed_on),
               func.count(func.distinct(Contract.buyer_id))).where(*signed)
    ).one()  # fmt: skip
    by_status = dict(
        session.execute(select(Contract.status, func.count()).where(*signed).group_by(Contract.status)).all()
    )
    with_buyer = session.scalar(select(func.count()).where(*signed, Contract.buyer_id == application.buyer_id))
    financing = dict(
        session.execute(
            select(FinancingApplication.status, func.count())
            .where(FinancingApplication.applicant_id == firm_id, FinancingApplication.id != application.id)
            .group_by(FinancingApplication.status)
        ).all()
    )  # fmt: skip
    company = application.applicant
    return FirmHistory(
        company=company,
        contracts_signed=int(count or 0),
        signed_value_yuan=Decimal(value or 0),
        contracts_completed=int(by_status.get("completed", 0)),
        contracts_terminated=int(by_status.get("terminated", 0)),
        first_signed_on=first if first is None or isinstance(first, date) else date.fromisoformat(str(first)[:10]),
        buyers=int(buyers or 0),
        with_this_buyer=int(with_buyer or 0),
        financing_repaid=int(financing.get("repaid", 0)),
        financing_paid_open=int(financing.get("paid", 0)),
        qualifications=sorted(q.name for q in company.qualifications),
    )
