"""Request and response schemas of the financing zone's operations (webapp.api.financing).

Amounts are written as people write them ("80万元", "800000") and read by the services' own parser;
they come back as decimal strings in yuan. Times to record (paid, repaid) are local, as on the pages.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.financing import APPLICATION_STATUSES, OFFER_STATUSES
from webapp.api.schemas import (
    CompanyRef,
    ContractOut,
    HistoryOut,
    PageArgs,
    PageInfo,
    Strict,
    Yuan,
    company,
    text,
)


class OfferOut(Schema):
    """One institution's answer: under review, a question (and the firm's answer), an offer, a refusal."""

    id = fields.Integer(required=True)
    institution = fields.Nested(CompanyRef, required=True)
    status = fields.String(required=True, validate=validate.OneOf(OFFER_STATUSES))
    status_reason = fields.String(allow_none=True)
    amount_yuan = Yuan(allow_none=True)
    rate_percent = fields.String(allow_none=True, metadata={"description": "Yearly rate in percent: 4.35."})
    term_days = fields.Integer(allow_none=True)
    offered_at = fields.DateTime(allow_none=True)
    question = fields.String(allow_none=True)
    answer = fields.String(allow_none=True)
    updated_at = fields.DateTime(required=True)


def offer(found) -> dict:
    return {
        "id": found.id, "institution": company(found.institution), "status": found.status,
        "status_reason": found.status_reason, "amount_yuan": found.amount_yuan,
        "rate_percent": found.rate_text or None, "term_days": found.term_days, "offered_at": found.offered_at,
        "question": found.question, "answer": found.answer, "updated_at": found.updated_at,
    }  # fmt: skip


class ApplicationOut(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    contract_title = fields.String(required=True)
    applicant = fields.Nested(CompanyRef, required=True)
    buyer = fields.Nested(CompanyRef, required=True)
    amount_yuan = Yuan(required=True)
    all_institutions = fields.Boolean(required=True)
    institutions = fields.List(fields.Nested(CompanyRef), required=True,
                               metadata={"description": "The institutions the firm chose (empty: all)."})  # fmt: skip
    note = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(APPLICATION_STATUSES))
    status_reason = fields.String(allow_none=True)
    applied_at = fields.DateTime(required=True)
    confirmed_at = fields.DateTime(allow_none=True)
    accepted_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    paid_amount_yuan = Yuan(allow_none=True)
    repaid_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime(required=True)


def application(found) -> dict:
    return {
        "id": found.id, "contract_id": found.contract_id, "contract_title": found.contract.title,
        "applicant": company(found.applicant), "buyer": company(found.buyer), "amount_yuan": found.amount_yuan,
        "all_institutions": bool(found.all_institutions),
        "institutions": [company(c.institution) for c in found.choices], "note": found.note,
        **{key: getattr(found, key) for key in ("status", "status_reason", "applied_at", "confirmed_at",
                                                 "accepted_at", "paid_at", "paid_amount_yuan", "repaid_at",
                                                 "updated_at")},
    }  # fmt: skip


class ContractFactsOut(Schema):
    contract = fields.Nested(ContractOut, required=True)
    unpaid_yuan = Yuan(required=True)
    settled_yuan = Yuan(required=True, metadata={"description": "Already financed and repaid on it."})


class FirmHistoryOut(Schema):
    """What the platform saw the firm do (as the supplier): not what it says of itself."""

    company = fields.Nested(CompanyRef, required=True)
    contracts_signed = fields.Integer(required=True)
    signed_value_yuan = Yuan(required=True)
    contracts_completed = fields.Integer(required=True)
    contracts_terminated = fields.Integer(required=True)
    first_signed_on = fields.Date(allow_none=True)
    buyers = fields.Integer(required=True)
    with_this_buyer = fields.Integer(required=True)
    financing_repaid = fields.Integer(required=True)
    financing_paid_open = fields.Integer(required=True)
    qualifications = fields.List(fields.String(), required=True)


class ApplicationDetail(ApplicationOut):
    side = fields.String(allow_none=True, metadata={"description": "applicant, buyer, institution; null: staff."})
    contract = fields.Nested(ContractFactsOut, required=True)
    firm = fields.Nested(FirmHistoryOut, allow_none=True,
                         metadata={"description": "The firm's history: for lenders, the firm and staff."})  # fmt: skip
    offers = fields.List(fields.Nested(OfferOut), required=True,
                         metadata={"description": "The answers you may read (an institution: its own)."})  # fmt: skip
    own_offer = fields.Nested(OfferOut, allow_none=True)
    actions = fields.List(fields.String(), required=True,
                          metadata={"description": "The moves open to you now; accept:ID and answer:ID name "
                                                   "an offer."})  # fmt: skip
    history = fields.List(fields.Nested(HistoryOut), required=True)


def detail(page) -> dict:
    firm = page.firm
    return {
        **application(page.application), "side": page.side,
        "contract": {"contract": page.contract.contract, "unpaid_yuan": page.contract.unpaid_yuan,
                     "settled_yuan": page.contract.settled_yuan},
        "firm": None if firm is None else {**vars(firm), "company": company(firm.company)},
        "offers": [offer(o) for o in page.offers],
        "own_offer": offer(page.own_offer) if page.own_offer else None,
        "actions": sorted(page.actions), "history": page.history,
    }  # fmt: skip


class ApplicationArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))


class ApplicationPage(Schema):
    items = fields.List(fields.Nested(ApplicationOut), required=True)
    paging = fields.Nested(PageInfo, required=True)


class FinanceableOut(Schema):
    contract = fields.Nested(ContractOut, required=True)
    unpaid_yuan = Yuan(required=True)
    live_application_id = fields.Integer(allow_none=True,
                                         metadata={"description": "The application holding its receivable."})  # fmt: skip


class FinanceableList(Schema):
    items = fields.List(fields.Nested(FinanceableOut), required=True)
    max_per_contract_yuan = Yuan(required=True)


class InstitutionList(Schema):
    items = fields.List(fields.Nested(CompanyRef), required=True)


class ApplyIn(Strict):
    contract_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    amount = text(120, required=True, metadata={"description": "As written: 80万元, 800000."})
    institution_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
                                  load_default=list, validate=validate.Length(max=100))  # fmt: skip
    all_institutions = fields.Boolean(load_default=False)
    note = text(2000)


class OfferIn(Strict):
    amount = text(120, required=True, metadata={"description": "At most the amount applied for."})
    rate = text(20, required=True, metadata={"description": "Yearly rate in percent: 4.35."})
    term_days = fields.Integer(required=True, validate=validate.Range(min=-(2**31), max=2**31 - 1))


class QuestionIn(Strict):
    question = text(2000, required=True)


class AnswerIn(Strict):
    answer = text(2000, required=True)


LOCAL_TIME = {"description": "Local time, 2026-11-27 14:30; now when left out."}


class PaidIn(Strict):
    paid_at = text(40, metadata=LOCAL_TIME)


class RepaidIn(Strict):
    repaid_at = text(40, metadata=LOCAL_TIME)


class FinancingCounters(Schema):
    financing_applied = fields.Integer(required=True)
    financing_applied_yuan = Yuan(required=True)
    financing_confirmed = fields.Integer(required=True)
    financing_confirmed_yuan = Yuan(required=True)
    financing_paid = fields.Integer(required=True)
    financing_paid_yuan = Yuan(required=True)
    median_hours_to_money = fields.Float(allow_none=True)
    paid_within_target = fields.Integer(required=True)
    share_within_target = fields.Float(allow_none=True)
    target_hours = fields.Integer(required=True)
