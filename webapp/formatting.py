"""How values look on a page: amounts in 万元/亿元, times in the programme's zone, names instead of region and
industry codes (with the code for staff), and the labels of statuses, roles and kinds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from qianfan import localtime
from qianfan.reading import names
from webapp.i18n import LOCALES, current_locale

LABELS = {
    # statuses
    "draft": _l("Draft"),
    "submitted": _l("Awaiting screening"),
    "published": _l("Published"),
    "rejected": _l("Rejected"),
    "closed": _l("Closed"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "recommended": _l("Recommended"),
    "seen": _l("Seen"),
    "interested": _l("Interested"),
    "invited": _l("Invited"),
    "negotiating": _l("Negotiating"),
    "intention_signed": _l("Intention signed"),
    "contract_signed": _l("Contract signed"),
    "declined": _l("Declined"),
    "applied": _l("Applied"),
    "accepted": _l("Accepted"),
    "pending": _l("Awaiting confirmation"),
    "signed": _l("Signed"),
    "performing": _l("Performing"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated early"),
    "cancelled": _l("Cancelled"),
    "requested": _l("Requested"),
    "held": _l("Held"),
    # financing (qianfan.financing): the application's and an institution's answer's statuses
    "confirmed": _l("Receivable confirmed"),
    "disputed": _l("Receivable disputed"),
    "paid": _l("Money paid"),
    "repaid": _l("Repaid"),
    "reviewing": _l("Under review"),
    "info_requested": _l("More information asked"),
    "offered": _l("Offered"),
    "lapsed": _l("Closed"),
    # roles and company kinds
    "large_firm": _l("Large firm"),
    "small_firm": _l("Small firm"),
    "service_org": _l("Service organisation"),
    "financial_institution": _l("Financial institution"),
    "incubator": _l("Incubator"),
    "financial": _l("Financial institution"),
    "staff": _l("Programme staff"),
    "admin": _l("Administrator"),
    "mentor": _l("Mentor"),
    # how a mentor meets firms
    "online": _l("Online"),
    "in_person": _l("In person"),
    "both": _l("Online or in person"),
    # the sides of a deal
    "buyer": _l("buyer side"),
    "supplier": _l("supplier side"),
    "applicant": _l("applicant side"),
    "provider": _l("provider side"),
    "institution": _l("financial institution"),
    # kinds of posting, as messages name them ("No order 12 among yours.")
    "order": _l("order"),
    "listing": _l("supply listing"),
    "package": _l("service package"),
    "demand": _l("service demand"),
    # order, listing and service kinds
    "procurement": _l("Procurement"),
    "investment": _l("Investment / M&A"),
    "tech_cooperation": _l("Technology cooperation"),
    "product": _l("Product"),
    "technology": _l("Technology"),
    "service": _l("Service"),
    "financing": _l("Financing"),
    "ip": _l("Intellectual property"),
    "legal": _l("Legal"),
    "testing": _l("Testing and certification"),
    "marketing": _l("Marketing"),
    "space": _l("Office space"),
    "hr": _l("Hiring and training"),
    "consulting": _l("Consulting"),
    "tech_transfer": _l("Technology transfer"),
    "other": _l("Other"),
}


# The fields an edit names in a history ("edited: title, budget"), by the words the forms use.
FIELDS = {
    "title": _l("Title"), "description": _l("Description"), "kind": _l("Kind"), "category": _l("Category"),
    "industry_code": _l("Industry"), "category_code": _l("Procurement category"), "budget_yuan": _l("Budget"),
    "budget_text": _l("Budget"), "region_code": _l("Region"), "region_codes": _l("Regions served"),
    "required_qualifications": _l("Qualifications required"), "deadline": _l("Response deadline"),
    "delivery_period": _l("Delivery period"), "max_contract_yuan": _l("Largest contract"), "tags": _l("Tags"),
    "value_yuan": _l("Value"), "quota": _l("Quota"), "valid_until": _l("Valid until"),
    "max_company_age_years": _l("Only firms at most this many years old (empty: any age)"),
    "eligible_region_codes": _l("regions"), "eligible_industry_codes": _l("industries"),
    "eligible_sizes": _l("sizes"), "size_class": _l("Size"), "founded_on": _l("Founded"),
    "qualifications": _l("Qualifications"),
}  # fmt: skip


def field_name(key: str | None) -> str:
    return str(FIELDS.get(key, key or ""))


def label(key: str | None) -> str:
    return str(LABELS.get(key, key or ""))


def yuan(amount: Decimal | float | int | None) -> str:
    """7460365 → "746.04万元" (zh) or "¥7,460,365" (en); unknown amounts say so instead of showing 0."""
    if amount is None:
        return str(_l("not stated"))
    amount = Decimal(amount)
    if current_locale() != "en":
        if abs(amount) >= Decimal(100_000_000):
            return f"{amount / Decimal(100_000_000):,.2f}亿元"
        if abs(amount) >= Decimal(10_000):
            return f"{amount / Decimal(10_000):,.2f}万元"
        return f"{amount:,.2f}元"
    return f"¥{amount:,.0f}"


def when(value: datetime | date | None) -> str:
    """An instant in the programme's time zone ("2026-12-31 23:59"); a date as it is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # an instant kept as ISO text (a job's result)
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return localtime.to_local(value).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def zone_name() -> str:
    """The zone times are shown in, as a reader says it: 北京时间 / Beijing time, else the zone's name."""
    zone = localtime.programme_zone().key
    if zone in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"):
        return gettext("Beijing time")
    return zone


def _joiner() -> str:
    """How a list of names is written: 北京市、河北省 / Beijing, Hebei."""
    return ", " if current_locale() == "en" else "、"


def _staff() -> bool:
    return getattr(current_user, "is_authenticated", False) and current_user.role in ("staff", "admin")


def region(code: str | None, empty: str = "—") -> str:
    """A region code by name ("北京市海淀区"); staff also see the code."""
    return names.region_name(code, current_locale(), with_code=_staff()) or empty


def regions(codes, empty: str = "—") -> str:
    return _joiner().join(region(c) for c in codes or []) or empty


def industry(code: str | None, empty: str = "—") -> str:
    """An industry code by name ("基础软件开发"); staff also see the code."""
    return names.industry_name(code, current_locale(), with_code=_staff()) or empty


def industries(codes, empty: str = "—") -> str:
    return _joiner().join(industry(c) for c in codes or []) or empty


def category(code: str | None, empty: str = "—") -> str:
    return names.category_name(code, with_code=_staff()) or empty


def section(letter: str | None, empty: str = "—") -> str:
    """A GB/T 4754 门类 by its letter, in the reader's language."""
    return names.section_name(letter, current_locale()) or empty


def sizes(values, empty: str = "—") -> str:
    """Size classes by name: ["small", "micro"] → "小型、微型"."""
    return _joiner().join(names.size_name(v, current_locale()) for v in values or []) or empty


FILTERS = {"label": label, "yuan": yuan, "when": when, "region": region, "regions": regions,
           "industry": industry, "industries": industries, "sizes": sizes, "category": category,
           "section": section, "field": field_name}  # fmt: skip


def template_globals() -> dict:
    return {"LOCALES": LOCALES, "current_locale": current_locale(), "label": label, "zone_name": zone_name}
