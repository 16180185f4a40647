"""How values look on a page: amounts in 万元/亿元, dates, and the labels of statuses, roles and kinds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l

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
    # roles and company kinds
    "large_firm": _l("Large firm"),
    "small_firm": _l("Small firm"),
    "service_org": _l("Service organisation"),
    "incubator": _l("Incubator"),
    "financial": _l("Financial institution"),
    "staff": _l("Programme staff"),
    "admin": _l("Administrator"),
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
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


FILTERS = {"label": label, "yuan": yuan, "when": when}


def template_globals() -> dict:
    return {"LOCALES": LOCALES, "current_locale": current_locale(), "label": label}
