"""Qianfan's orders and contracts as OCDS 1.1.5 releases: one `Entry` of the index in, one release out.

Field by field (docs/notes-opendata.md has the table):
- ocid `<prefix>-<order id>`; release id `<ocid>-<Entry.suffix>`; dates ISO 8601 with the programme's
  offset (+08:00); amounts in CNY as numbers;
- parties: the buyer (the large firm, role buyer) and each supplier of a signed contract (role
  supplier), by name, unified social credit code (scheme CN-SAIC), region, and `details.scale` (sme for
  medium, small and micro firms, large for large ones). Never a person, an e-mail or a phone number;
- free text (titles, descriptions) is published as the firms wrote it for the market pages, except
  that e-mail addresses, phone numbers and people named as contacts are replaced by `CONTACT_REMOVED`.

The tender of a later release shows the order as it is now: Qianfan keeps which fields an edit changed,
not their earlier values, so a `tenderAmendment` names the changed fields and carries the current ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Company, Contract, Match, Order, ProcurementCategory, Region
from qianfan import localtime
from qianfan.opendata.index import (
    CONTRACT,
    CONTRACT_AMENDMENT,
    CONTRACT_END,
    SIGNED_CONTRACT_STATUSES,
    TENDER,
    TENDER_AMENDMENT,
    TENDER_END,
    Entry,
    signed_at,
)

CURRENCY = "CNY"
LANGUAGE = "zh"
CREDIT_CODE_SCHEME = "CN-SAIC"  # org-id.guide's list for the 统一社会信用代码
CATEGORY_SCHEME = "CN-ZFCGPM-2022"  # 政府采购品目分类目录 (2022); a label of ours, not a registered scheme
CONTACT_REMOVED = "〔联系方式已隐去〕"
# The catalogue's three types as OCDS's closed procurementCategory codelist names them.
MAIN_CATEGORY = {"goods": "goods", "engineering": "works", "service": "services"}
ORDER_KIND_DETAILS = {"procurement": "采购需求", "investment": "投资并购需求", "tech_cooperation": "技术合作需求"}
SME_SIZES = ("medium", "small", "micro")
# How each end of an order reads in OCDS: the release tag and tender.status.
TENDER_ENDS = {
    "withdrawn": ("tenderCancellation", "cancelled"),
    "closed": ("tenderUpdate", None),  # complete or unsuccessful, by whether a contract was signed
    "expired": ("tenderUpdate", None),
}
# Every end of a signed contract is `terminated` in OCDS (its `cancelled` means before signing).
CONTRACT_END_STATUS = "terminated"
# What an edit changed, as OCDS paths (the model's column names are not the reader's).
ORDER_FIELD_PATHS = {
    "title": "tender.title",
    "description": "tender.description",
    "budget_yuan": "tender.value",
    "budget_text": "tender.value",
    "deadline": "tender.tenderPeriod.endDate",
    "required_qualifications": "tender.eligibilityCriteria",
    "qualifications_mandatory": "tender.eligibilityCriteria",
    "category_code": "tender.items",
    "kind": "tender.procurementMethodDetails",
}
CONTRACT_FIELD_PATHS = {"title": "contracts.title", "amount_yuan": "contracts.value"}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Mobile numbers (11 digits from 13-19), landlines with an area code (010-12345678), 400/800 numbers.
_PHONE = re.compile(
    r"(?<![\d])(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|[48]00[- ]?\d{3}[- ]?\d{4})(?![\d])"
)


# A person named after a label such as 联系人：王小明 (the name: two to four characters).
_PERSON = re.compile(r"(?:联系人|联系方式|负责人|经办人|项目经理)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}")


def without_contacts(text: str | None) -> str | None:
    """`text` without e-mail addresses, phone numbers and people named as contacts (联系人：…): open
    data names no one and no way to reach a person."""
    if not text:
        return text
    text = _PERSON.sub(CONTACT_REMOVED, text)
    return _PHONE.sub(CONTACT_REMOVED, _EMAIL.sub(CONTACT_REMOVED, text))


def iso(value: datetime | date | None) -> str | None:
    """An instant (or a local day's start) as ISO 8601 with the programme's offset, to the second."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = localtime.local_date_to_utc(value)
    return localtime.to_local(value).isoformat(timespec="seconds")


def money(amount: Decimal | None) -> dict | None:
    if amount is None:
        return None
    number = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"amount": number, "currency": CURRENCY}


def ocid_of(prefix: str, order_id: int) -> str:
    return f"{prefix}-{order_id}"


def party_id(company_id: int) -> str:
    """Stable within Qianfan (a credit code may be filled in or corrected later; the id stays)."""
    return f"qianfan-org-{company_id}"


@dataclass
class Rows:
    """What a batch of entries needs, loaded once for the batch."""

    orders: dict[int, Order]
    contracts: dict[int, Contract]
    events: dict[int, AuditEvent]
    companies: dict[int, Company]
    regions: dict[str, str]
    categories: dict[str, ProcurementCategory]
    signed_orders: set[int]  # orders with at least one signed contract (complete, not unsuccessful)


def load_rows(session: Session, entries: Sequence[Entry]) -> Rows:
    order_ids = {e.order_id for e in entries}
    contract_ids = {e.contract_id for e in entries if e.contract_id is not None}
    event_ids = {e.ref for e in entries if e.kind in (TENDER_AMENDMENT, CONTRACT_AMENDMENT)}
    orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
    contracts = {
        c.id: c for c in session.scalars(select(Contract).where(Contract.id.in_(contract_ids)))
    }
    events = {
        e.id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(event_ids)))
    }
    company_ids = {o.buyer_id for o in orders.values()}
    company_ids |= {c.supplier_id for c in contracts.values()}
    companies = {
        c.id: c for c in session.scalars(select(Company).where(Company.id.in_(company_ids)))
    }
    region_codes = {c.region_code for c in companies.values() if c.region_code}
    regions = dict(
        session.execute(
            select(Region.code, Region.full_name).where(Region.code.in_(region_codes))
        ).all()
    )
    category_codes = {o.category_code for o in orders.values() if o.category_code}
    categories = {
        c.code: c
        for c in session.scalars(
            select(ProcurementCategory).where(ProcurementCategory.code.in_(category_codes))
        )
    }
    ended = [e.order_id for e in entries if e.kind == TENDER_END]
    signed_orders = set()
    if ended:
        signed_orders = set(
            session.scalars(
                select(Match.order_id)
                .join(Contract, Contract.match_id == Match.id)
                .where(
                    Match.order_id.in_(ended),
                    Contract.signed_on.is_not(None),
                    Contract.status.in_(SIGNED_CONTRACT_STATUSES),
                )
            )
        )
    return Rows(orders, contracts, events, companies, regions, categories, signed_orders)


def release(entry: Entry, rows: Rows, prefix: str) -> dict:
    """The OCDS release of one index entry."""
    order = rows.orders[entry.order_id]
    ocid = ocid_of(prefix, order.id)
    data: dict = {
        "ocid": ocid,
        "id": f"{ocid}-{entry.suffix}",
        "date": iso(entry.date),
        "tag": [],
        "initiationType": "tender",
        "language": LANGUAGE,
    }
    buyer = rows.companies[order.buyer_id]
    data["buyer"] = _reference(buyer)
    if entry.kind == TENDER:
        data["tag"] = ["tender"]
        data["parties"] = [_party(buyer, "buyer", rows)]
        data["tender"] = _tender(order, rows)
    elif entry.kind == TENDER_AMENDMENT:
        data["tag"] = ["tenderAmendment"]
        data["parties"] = [_party(buyer, "buyer", rows)]
        data["tender"] = {
            **_tender(order, rows),
            "amendments": [_amendment(entry, rows.events[entry.ref], ocid, ORDER_FIELD_PATHS)],
        }
    elif entry.kind == TENDER_END:
        tag, status = TENDER_ENDS[entry.status]
        if status is None:
            status = "complete" if order.id in rows.signed_orders else "unsuccessful"
        data["tag"] = [tag]
        data["tender"] = {"id": str(order.id), "status": status}
    else:
        contract = rows.contracts[entry.contract_id]
        supplier = rows.companies[contract.supplier_id]
        data["parties"] = [_party(buyer, "buyer", rows), _party(supplier, "supplier", rows)]
        if entry.kind == CONTRACT:
            data["tag"] = ["award", "contract"]
            data["awards"] = [_award(contract, supplier)]
            data["contracts"] = [_contract(contract, "active")]
        elif entry.kind == CONTRACT_AMENDMENT:
            data["tag"] = ["contractAmendment"]
            amendment = _amendment(entry, rows.events[entry.ref], ocid, CONTRACT_FIELD_PATHS)
            data["contracts"] = [{**_contract(contract, "active"), "amendments": [amendment]}]
        elif entry.kind == CONTRACT_END:
            data["tag"] = ["contractTermination"]
            ended = contract.ended_on or localtime.local_date(entry.date)
            body = _contract(contract, CONTRACT_END_STATUS)
            body["period"]["endDate"] = iso(ended)
            data["contracts"] = [body]
    return _pruned(data)


def _reference(company: Company) -> dict:
    return {"id": party_id(company.id), "name": company.name}


def _party(company: Company, role: str, rows: Rows) -> dict:
    party = {**_reference(company), "roles": [role]}
    if company.credit_code:
        party["identifier"] = {
            "scheme": CREDIT_CODE_SCHEME, "id": company.credit_code, "legalName": company.name,
        }  # fmt: skip
    if company.region_code and company.region_code in rows.regions:
        party["address"] = {"region": rows.regions[company.region_code], "countryName": "中国"}
    scale = _scale(company)
    if scale:
        party["details"] = {"scale": scale}
    return party


def _scale(company: Company) -> str | None:
    """OCDS partyScale: sme or large, from the firm's size class, else from what kind of firm it is."""
    if company.size_class:
        return "sme" if company.size_class in SME_SIZES else "large"
    return {"small_firm": "sme", "large_firm": "large"}.get(company.kind)


def _tender(order: Order, rows: Rows) -> dict:
    tender = {
        "id": str(order.id),
        "title": without_contacts(order.title),
        "description": without_contacts(order.description) or None,
        "status": "active",
        "value": money(order.budget_yuan),
        "procurementMethod": "open",
        "procurementMethodDetails": ORDER_KIND_DETAILS.get(order.kind),
        "tenderPeriod": {"startDate": iso(order.published_at), "endDate": iso(order.deadline)},
        "eligibilityCriteria": _eligibility(order),
    }
    category = rows.categories.get(order.category_code or "")
    if category is not None:
        tender["mainProcurementCategory"] = MAIN_CATEGORY.get(category.type)
        tender["items"] = [
            {
                "id": "1",
                "description": category.name,
                "classification": {
                    "scheme": CATEGORY_SCHEME, "id": category.code, "description": category.name,
                },  # fmt: skip
            }
        ]
    return tender


def _eligibility(order: Order) -> str | None:
    wanted = [q for q in order.required_qualifications or [] if q]
    if not wanted:
        return None
    text = "、".join(wanted)
    return without_contacts(f"资质要求（必备）：{text}" if order.qualifications_mandatory else f"资质要求：{text}")


def _award(contract: Contract, supplier: Company) -> dict:
    return {
        "id": str(contract.id),
        "title": without_contacts(contract.title),
        "status": "active",
        "date": iso(_signed(contract)),
        "value": money(contract.amount_yuan),
        "suppliers": [_reference(supplier)],
    }


def _contract(contract: Contract, status: str) -> dict:
    signed = iso(_signed(contract))
    return {
        "id": str(contract.id),
        "awardID": str(contract.id),
        "title": without_contacts(contract.title),
        "status": status,
        "value": money(contract.amount_yuan),
        "dateSigned": signed,
        "period": {"startDate": signed},
    }


def _signed(contract: Contract) -> datetime:
    return signed_at((contract.buyer_confirmed_at, contract.supplier_confirmed_at), contract.signed_on)


def _amendment(entry: Entry, event: AuditEvent, ocid: str, paths: dict[str, str]) -> dict:
    """What changed and when; the reason a firm typed is not published (it may name people)."""
    fields = (event.detail or {}).get("fields") or []
    changed = sorted({paths.get(name, name) for name in fields})
    return {
        "id": str(event.id),
        "date": iso(entry.date),
        "description": ("修改了：" + "、".join(changed)) if changed else "修改了发布后的内容",
        "amendsReleaseID": f"{ocid}-{entry.amends}" if entry.amends else None,
        "releaseID": f"{ocid}-{entry.suffix}",
    }


def _pruned(value):
    """Without empty values: OCDS prefers a field left out to a null or an empty object."""
    if isinstance(value, dict):
        pruned = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, {}, [], "")}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value
