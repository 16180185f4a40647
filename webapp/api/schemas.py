"""Request and response schemas of the API: each validates what comes in and documents it, so that the
OpenAPI file is generated from them (flask-smorest with apispec), never written by hand.

Input is checked twice, each for what it knows: here the shape (types, lengths, allowed values), then in
the service (qianfan.postings etc.) the meaning (a region that exists, a deadline in the future) with
the same messages the pages show. Amounts are written as people write them ("746.0365万元", "5000000")
and read by the importer's parser; amounts come back as decimal strings in yuan.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from models.company import SIZE_CLASSES
from models.deal import MATCH_STATUSES
from models.posting import LISTING_KINDS, ORDER_KINDS, POSTING_STATUSES, SERVICE_CATEGORIES
from qianfan.reading import names
from webapp.explain import strength_of

TEXT_MAX = 20_000


class Text(fields.String):
    """A string without NUL or lone surrogates (no database stores them): refused as a field error."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
            raise ValidationError("Invalid value.")
        return text


class Yuan(fields.String):
    """An amount in yuan as a decimal string ("7460365.00"), or null."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:f}"


def text(max_length: int, **kw) -> Text:
    return Text(validate=validate.Length(max=max_length), **kw)


def text_list(max_items: int, max_length: int) -> fields.List:
    return fields.List(Text(validate=validate.Length(max=max_length)), validate=validate.Length(max=max_items))


class Strict(Schema):
    """Unknown fields are an error: a typo in a field name must not be silently ignored."""


def named(code: str | None, name_of) -> dict | None:
    if not code:
        return None
    return {"code": code, "zh": name_of(code, "zh_CN"), "en": name_of(code, "en")}


def region(code):
    return named(code, names.region_name)


def industry(code):
    return named(code, names.industry_name)


def category(code):
    return named(code, lambda c, _locale: names.category_name(c))


class CompanyRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


def company(obj) -> dict:
    return {"id": obj.id, "name": obj.name}


# --- errors -----------------------------------------------------------------------------------------


class Message(Schema):
    zh = fields.String(required=True)
    en = fields.String(required=True)


class FieldError(Schema):
    field = fields.String(required=True)
    reason = fields.Nested(Message, required=True)


class ErrorBody(Schema):
    code = fields.String(required=True)
    status = fields.Integer(required=True)
    message = fields.Nested(Message, required=True)
    fields = fields.List(fields.Nested(FieldError))


class Error(Schema):
    """Every 4xx and 5xx answer under /api has this shape."""

    error = fields.Nested(ErrorBody, required=True)


# --- lists ------------------------------------------------------------------------------------------


class PageArgs(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def sort_field(keys: tuple[str, ...], default: str) -> fields.String:
    choices = [*keys, *(f"-{k}" for k in keys)]
    return fields.String(load_default=default, validate=validate.OneOf(choices),
                         metadata={"description": "A key to sort by; a leading '-' sorts descending."})  # fmt: skip


class PageInfo(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    sort = fields.String(required=True)


def page_info(page) -> dict:
    return {"page": page.number, "per_page": page.request.per_page, "total": page.total,
            "pages": page.pages, "sort": page.request.sort}  # fmt: skip


# --- postings ---------------------------------------------------------------------------------------


class PostingOut(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(POSTING_STATUSES))
    status_reason = fields.String(allow_none=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)


class OrderOut(PostingOut):
    kind = fields.String(required=True)
    buyer_id = fields.Integer(required=True)
    industry = fields.Function(lambda o: industry(o.industry_code), allow_none=True,
                               metadata={"type": "object"})  # fmt: skip
    category = fields.Function(lambda o: category(o.category_code), allow_none=True, metadata={"type": "object"})
    region = fields.Function(lambda o: region(o.region_code), allow_none=True, metadata={"type": "object"})
    budget_yuan = Yuan(allow_none=True)
    budget_text = fields.String(allow_none=True)
    required_qualifications = fields.List(fields.String())
    qualifications_mandatory = fields.Boolean()
    region_mandatory = fields.Boolean()
    deadline = fields.DateTime(allow_none=True)
    delivery_period = fields.String(allow_none=True)


class ListingOut(PostingOut):
    kind = fields.String(required=True)
    supplier_id = fields.Integer(required=True)
    industry = fields.Function(lambda o: industry(o.industry_code), allow_none=True, metadata={"type": "object"})
    max_contract_yuan = Yuan(allow_none=True)
    regions = fields.Function(lambda o: [region(c) for c in o.region_codes or []],
                              metadata={"type": "array", "items": {"type": "object"}})  # fmt: skip
    tags = fields.List(fields.String())


class PackageOut(PostingOut):
    provider_id = fields.Integer(required=True)
    category = fields.String(required=True)
    value_yuan = Yuan(allow_none=True)
    quota = fields.Integer(required=True)
    quota_used = fields.Integer(required=True)
    valid_until = fields.Date(allow_none=True)
    max_company_age_years = fields.Integer(allow_none=True)
    eligible_regions = fields.Function(lambda o: [region(c) for c in o.eligible_region_codes or []],
                                       metadata={"type": "array", "items": {"type": "object"}})  # fmt: skip
    eligible_industries = fields.Function(lambda o: [industry(c) for c in o.eligible_industry_codes or []],
                                          metadata={"type": "array", "items": {"type": "object"}})  # fmt: skip
    eligible_sizes = fields.List(fields.String())


class DemandOut(PostingOut):
    company_id = fields.Integer(required=True)
    category = fields.String(required=True)
    budget_yuan = Yuan(allow_none=True)


_TITLE = {"metadata": {"description": "Up to 300 characters."}}
_AMOUNT = {"metadata": {"description": "As written: 746.0365万元, 50万, 5000000; empty: not stated."}}


class OrderIn(Strict):
    title = text(300, **_TITLE)
    description = text(TEXT_MAX)
    kind = fields.String(validate=validate.OneOf(ORDER_KINDS))
    industry = text(120, metadata={"description": "GB/T 4754 code or name, e.g. 6511 or 软件开发."})
    category = text(120, metadata={"description": "Procurement category (政府采购品目) code or name."})
    budget = text(120, **_AMOUNT)
    region = text(120, metadata={"description": "Region code or name, e.g. 北京市海淀区; empty: anywhere."})
    required_qualifications = text_list(30, 120)
    qualifications_mandatory = fields.Boolean()
    region_mandatory = fields.Boolean()
    deadline = fields.Date(allow_none=True, metadata={"description": "Response deadline (local date)."})
    delivery_period = text(120)


class ListingIn(Strict):
    title = text(300, **_TITLE)
    description = text(TEXT_MAX)
    kind = fields.String(validate=validate.OneOf(LISTING_KINDS))
    industry = text(120)
    max_contract = text(120, **_AMOUNT)
    regions = text_list(50, 120)
    tags = text_list(30, 60)


class PackageIn(Strict):
    title = text(300, **_TITLE)
    description = text(TEXT_MAX)
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES))
    value = text(120, **_AMOUNT)
    quota = fields.Integer(validate=validate.Range(min=1, max=1_000_000))
    valid_until = fields.Date(allow_none=True)
    max_company_age_years = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=200))
    eligible_regions = text_list(50, 120)
    eligible_industries = text_list(50, 120)
    eligible_sizes = fields.List(fields.String(validate=validate.OneOf(SIZE_CLASSES)), validate=validate.Length(max=4))


class DemandIn(Strict):
    title = text(300, **_TITLE)
    description = text(TEXT_MAX)
    category = fields.String(validate=validate.OneOf(SERVICE_CATEGORIES))
    budget = text(120, **_AMOUNT)


class ReasonIn(Strict):
    reason = text(2000, required=True, metadata={"description": "Why; the other side is told."})


class OptionalReasonIn(Strict):
    reason = text(2000)


# --- recommendations and deals ----------------------------------------------------------------------


class Party(Schema):
    """A posting on one side of a match, as the other side may see it."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    company_id = fields.Integer(required=True)
    company = fields.String(required=True)


def party(posting, company_attr: str) -> dict | None:
    if posting is None:
        return None
    company = getattr(posting, company_attr)
    return {"id": posting.id, "title": posting.title, "status": posting.status,
            "company_id": company.id, "company": company.name}  # fmt: skip


class Recommendation(Schema):
    """One ranked entry: the pair, its score and parts, why (shared terms, rules passed, what it lacks),
    and the deal if a side has acted on it."""

    kind = fields.String(required=True, validate=validate.OneOf(("order", "service")))
    rank = fields.Integer(allow_none=True)
    score = fields.Float(required=True)
    strength = fields.Integer(allow_none=True, metadata={"description": (
        "match strength, 0-100: the share of this round's recommendations of the same side that scored lower "
        "(the pages' 匹配度); null before anything was ranked")})  # fmt: skip
    score_parts = fields.Dict(required=True)
    reasons = fields.Dict(required=True)
    near_miss = fields.Boolean(required=True)
    status = fields.String(required=True)
    deal_id = fields.Integer(allow_none=True)
    order = fields.Nested(Party, allow_none=True)
    listing = fields.Nested(Party, allow_none=True)
    demand = fields.Nested(Party, allow_none=True)
    package = fields.Nested(Party, allow_none=True)
    other_listings = fields.List(fields.Nested(lambda: Recommendation()))


def recommendation(entry) -> dict:
    return {
        "kind": entry.kind, "rank": entry.rank, "score": float(entry.score), "strength": strength_of(entry.score, entry.kind),
        "score_parts": {k: float(v) for k, v in (entry.score_parts or {}).items()},
        "reasons": entry.reasons or {}, "near_miss": bool(entry.near_miss), "status": entry.status,
        "deal_id": entry.id,
        "order": party(entry.order, "buyer"), "listing": party(entry.listing, "supplier"),
        "demand": party(entry.demand, "company"), "package": party(entry.package, "provider"),
        "other_listings": [recommendation(e) for e in getattr(entry, "folded", [])],
    }  # fmt: skip


class RecommendationPage(Schema):
    items = fields.List(fields.Nested(Recommendation), required=True)
    paging = fields.Nested(PageInfo, required=True)


class RecommendedOrders(RecommendationPage):
    near_misses = fields.List(fields.Nested(Recommendation), required=True)


class RecommendationArgs(PageArgs):
    sort = sort_field(("score", "status", "updated_at"), "-score")


class HistoryOut(Schema):
    at = fields.DateTime(required=True)
    actor = fields.String(allow_none=True)
    actor_company = fields.String(allow_none=True)
    object_type = fields.String(required=True)
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class ContractOut(Schema):
    id = fields.Integer(required=True)
    match_id = fields.Integer(allow_none=True)
    buyer_id = fields.Integer(required=True)
    supplier_id = fields.Integer(required=True)
    title = fields.String(required=True)
    amount_yuan = Yuan(allow_none=True)
    status = fields.String(required=True)
    status_reason = fields.String(allow_none=True)
    buyer_confirmed_at = fields.DateTime(allow_none=True)
    supplier_confirmed_at = fields.DateTime(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    keeps_order_open = fields.Boolean(required=True)
    updated_at = fields.DateTime(required=True)


class DealOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(MATCH_STATUSES))
    status_reason = fields.String(allow_none=True)
    score = fields.Float(required=True)
    score_parts = fields.Dict(required=True)
    reasons = fields.Dict(required=True)
    near_miss = fields.Boolean(required=True)
    side = fields.String(allow_none=True, metadata={"description": "Your side: buyer, supplier, applicant, provider; null for staff."})
    order = fields.Nested(Party, allow_none=True)
    listing = fields.Nested(Party, allow_none=True)
    demand = fields.Nested(Party, allow_none=True)
    package = fields.Nested(Party, allow_none=True)
    updated_at = fields.DateTime(required=True)


class DealDetail(DealOut):
    actions = fields.List(fields.String(), required=True,
                          metadata={"description": "The moves open to you now."})  # fmt: skip
    contract = fields.Nested(ContractOut, allow_none=True)
    history = fields.List(fields.Nested(HistoryOut), required=True)


def deal(match, side: str | None) -> dict:
    return {
        "id": match.id, "kind": match.kind, "status": match.status, "status_reason": match.status_reason,
        "score": float(match.score or 0), "score_parts": match.score_parts or {}, "reasons": match.reasons or {},
        "near_miss": bool(match.near_miss), "side": side, "updated_at": match.updated_at,
        "order": party(match.order, "buyer"), "listing": party(match.listing, "supplier"),
        "demand": party(match.demand, "company"), "package": party(match.package, "provider"),
    }  # fmt: skip


class DealPage(Schema):
    items = fields.List(fields.Nested(DealOut), required=True)
    paging = fields.Nested(PageInfo, required=True)


class DealArgs(PageArgs):
    sort = sort_field(("score", "updated_at", "status"), "-updated_at")
    status = fields.String(validate=validate.OneOf(MATCH_STATUSES))


class ContractIn(Strict):
    amount = text(120, required=True, metadata={"description": "As written: 120万元, 1200000."})
    title = text(300)
    keeps_order_open = fields.Boolean(load_default=False)


class AdvanceIn(Strict):
    status = fields.String(required=True, validate=validate.OneOf(("performing", "completed", "terminated", "cancelled")))
    reason = text(2000)


class MessageIn(Strict):
    body = text(2000, required=True)


class MessageOut(Schema):
    id = fields.Integer(required=True)
    author = fields.String(allow_none=True)
    company_id = fields.Integer(allow_none=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class MessageList(Schema):
    items = fields.List(fields.Nested(MessageOut), required=True)


# --- imports and staff ------------------------------------------------------------------------------


IMPORT_KINDS = ("companies", "orders", "listings", "packages", "demands", "notices")


class ImportIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(IMPORT_KINDS))
    skip_invalid = fields.Boolean(load_default=False)
    dry_run = fields.Boolean(load_default=False)


class JobOut(Schema):
    id = fields.String(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    stage = fields.String(allow_none=True)
    done = fields.Integer(allow_none=True)
    total = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    report = fields.Dict(allow_none=True, metadata={"description": "The import's counts, once it ran."})
    error = fields.Nested(Message, allow_none=True)


class RejectedRowOut(Schema):
    row = fields.Integer(allow_none=True)
    sheet = fields.String(allow_none=True)
    cells = fields.Dict(required=True)
    problems = fields.List(fields.Dict(), required=True)


class RejectedPage(Schema):
    items = fields.List(fields.Nested(RejectedRowOut), required=True)
    paging = fields.Nested(PageInfo, required=True)


class Counters(Schema):
    large_firms = fields.Integer(required=True)
    orders = fields.Integer(required=True)
    orders_open = fields.Integer(required=True)
    orders_value_yuan = Yuan(required=True)
    listings = fields.Integer(required=True)
    listings_open = fields.Integer(required=True)
    service_orgs = fields.Integer(required=True)
    packages = fields.Integer(required=True)
    packages_open = fields.Integer(required=True)
    packages_value_yuan = Yuan(required=True)
    orders_matched = fields.Integer(required=True)
    demands_matched = fields.Integer(required=True)
    intentions_signed = fields.Integer(required=True)
    contracts_signed = fields.Integer(required=True)
    signed_value_yuan = Yuan(required=True)


class StaffListArgs(PageArgs):
    q = text(100)
    status = text(40)
    kind = text(40)
    section = text(2)
    region = text(12, metadata={"description": "A region code or its prefix: 11 Beijing, 110108 Haidian."})
    sort = text(40, metadata={"description": "One of the list's sort keys; a leading '-' sorts descending."})


class StaffRow(Schema):
    id = fields.Integer(required=True)
    values = fields.Dict(required=True)


class StaffPage(Schema):
    items = fields.List(fields.Nested(StaffRow), required=True)
    paging = fields.Nested(PageInfo, required=True)

