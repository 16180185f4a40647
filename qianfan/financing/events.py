"""Who is told of each financing step (qianfan.notify, kind "financing", one variant per step).

The firm, the buyer and an institution are companies: every active user of each is told. Names and the
contract's title are written into the parameters as they are now, so the inbox reads the same later.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Company, User
from models.financing import FinancingApplication, FinancingOffer
from qianfan.notify import notify_company

KIND = "financing"


def link(application: FinancingApplication) -> str:
    return f"/financing/{application.id}"


def _tell(session: Session, company_id: int | None, application: FinancingApplication, variant: str, **params):
    params = {"title": application.contract.title, "variant": variant, **params}
    notify_company(session, company_id, KIND, params=params, link=link(application))


def applied(session: Session, application: FinancingApplication) -> None:
    """The buyer is asked to confirm (确权) the receivable."""
    _tell(session, application.buyer_id, application, "applied", firm=application.applicant.name,
          amount=f"{application.amount_yuan:,.2f}")  # fmt: skip


def confirmed(session: Session, application: FinancingApplication) -> None:
    """The firm learns its receivable is confirmed; the institutions that may see it, that it waits for them."""
    _tell(session, application.applicant_id, application, "confirmed", firm=application.buyer.name)
    for institution_id in _institutions(session, application):
        _tell(session, institution_id, application, "to_review", firm=application.applicant.name,
              amount=f"{application.amount_yuan:,.2f}")  # fmt: skip


def _institutions(session: Session, application: FinancingApplication) -> list[int]:
    if not application.all_institutions:
        return [c.institution_id for c in application.choices]
    return list(
        session.scalars(
            select(Company.id).where(Company.kind == "financial").where(
                select(User.id).where(User.company_id == Company.id, User.role == "financial_institution")
                .exists()
            )
        )
    )  # fmt: skip


def disputed(session: Session, application: FinancingApplication) -> None:
    _tell(session, application.applicant_id, application, "disputed", firm=application.buyer.name,
          reason=application.status_reason or "")  # fmt: skip


def withdrawn(session: Session, application: FinancingApplication) -> None:
    """The buyer (if it was still to confirm) and every institution that answered learn the firm withdrew."""
    told = {o.institution_id for o in application.offers}
    if application.confirmed_at is None:
        told.add(application.buyer_id)
    for company_id in sorted(told):
        _tell(session, company_id, application, "withdrawn", firm=application.applicant.name,
              reason=application.status_reason or "")  # fmt: skip


def _from_institution(session: Session, offer: FinancingOffer, variant: str, **params) -> None:
    _tell(session, offer.application.applicant_id, offer.application, variant, firm=offer.institution.name, **params)


def offered(session: Session, offer: FinancingOffer) -> None:
    _from_institution(session, offer, "offered", amount=f"{offer.amount_yuan:,.2f}", rate=offer.rate_text,
                      days=offer.term_days)  # fmt: skip


def declined(session: Session, offer: FinancingOffer) -> None:
    _from_institution(session, offer, "declined", reason=offer.status_reason or "")


def asked(session: Session, offer: FinancingOffer) -> None:
    _from_institution(session, offer, "asked", question=offer.question or "")


def offer_withdrawn(session: Session, offer: FinancingOffer) -> None:
    _from_institution(session, offer, "offer_withdrawn", reason=offer.status_reason or "")


def _to_institution(session: Session, offer: FinancingOffer, variant: str, **params) -> None:
    _tell(session, offer.institution_id, offer.application, variant, firm=offer.application.applicant.name, **params)


def answered(session: Session, offer: FinancingOffer) -> None:
    _to_institution(session, offer, "answered")


def offer_accepted(session: Session, offer: FinancingOffer) -> None:
    _to_institution(session, offer, "accepted", amount=f"{offer.amount_yuan:,.2f}")


def lapsed(session: Session, offer: FinancingOffer) -> None:
    _to_institution(session, offer, "lapsed", reason=offer.status_reason or "")


def paid(session: Session, application: FinancingApplication) -> None:
    _tell(session, application.applicant_id, application, "paid", amount=f"{application.paid_amount_yuan:,.2f}")


def repaid(session: Session, application: FinancingApplication) -> None:
    _tell(session, application.applicant_id, application, "repaid")


def cancelled(session: Session, application: FinancingApplication) -> None:
    _tell(session, application.applicant_id, application, "cancelled", reason=application.status_reason or "")
