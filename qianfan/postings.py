"""What firms post, written by the firms themselves: orders, listings, service packages, service demands.

One set of use cases serves the four kinds: create and edit (every field checked, every problem named
with its field, so the form can say what is wrong), submit for screening, close or withdraw with a
reason. A firm only ever reaches its own postings; staff reach all of them. After a change to a
published posting its matches are recomputed in the background, right after the commit (`qianfan.matching`).

Form values arrive as text, as people type them ("746.0365万元", "海淀区", "2026-09-30"); they are read
with the same parsers the importer uses (`ingest.values`, `ingest.resolve`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.normalize import normalize_text
from ingest.resolve import categories, industries, regions
from ingest.values import parse_amount, parse_datetime
from models import AuditEvent, Listing, Order, ServiceDemand, ServicePackage, User, transition
from models.base import utcnow
from models.company import SIZE_CLASSES
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from models.posting import LISTING_KINDS, ORDER_KINDS, SERVICE_CATEGORIES
from qianfan import localtime
from qianfan.history import HistoryEntry, audit_trail
from qianfan.paging import Page, PageRequest, paginate
from qianfan.reading import names

TITLE_MAX = 300
DESCRIPTION_MAX = 20_000
# A posting in one of these states can still be edited; the others are final.
EDITABLE = ("draft", "submitted", "rejected", "published")
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
# How a change is matched again: (session, kind, posting) -> None; `rematch_posting` by default.
Rematch = Callable[[Session, str, object], None]


@dataclass(frozen=True)
class PostingKind:
    """One of the four kinds of posting: its model, the column naming its owner, the role that posts it."""

    name: str
    model: type
    owner_attr: str
    role: str

    def owner_id(self, posting) -> int:
        return getattr(posting, self.owner_attr)


KINDS = {
    "order": PostingKind("order", Order, "buyer_id", "large_firm"),
    "listing": PostingKind("listing", Listing, "supplier_id", "small_firm"),
    "package": PostingKind("package", ServicePackage, "provider_id", "service_org"),
    "demand": PostingKind("demand", ServiceDemand, "company_id", "small_firm"),
}


class InvalidFields(ValidationError):
    """Several fields need fixing at once; `errors` holds one ValidationError per field."""

    def __init__(self, errors: list[ValidationError]) -> None:
        self.errors = errors
        fields = ", ".join(e.field or "?" for e in errors)
        super().__init__(
            "Please correct these fields: %(fields)s.", field=errors[0].field, fields=fields
        )


def posting_kind(name: str) -> PostingKind:
    if name not in KINDS:
        raise NotFound("There is no kind of posting called '%(kind)s'.", kind=name)
    return KINDS[name]


# --- reading -------------------------------------------------------------------------------------


def get_posting(session: Session, user: User, kind: str, posting_id: int):
    """The posting if `user` may see it (its owner, or staff); otherwise NotFound, so ids reveal nothing."""
    spec = posting_kind(kind)
    posting = session.get(spec.model, posting_id)
    if posting is None or not (user.is_staff or spec.owner_id(posting) == user.company_id):
        raise NotFound("No %(kind)s %(id)s among yours.", kind=kind, id=posting_id)
    return posting


def posting_page(
    session: Session, user: User, kind: str, posting_id: int
) -> tuple[object, list[HistoryEntry]]:
    """The posting and its history (created, edited, submitted, screened ...), for its owner or staff."""
    posting = get_posting(session, user, kind, posting_id)
    return posting, audit_trail(session, [posting])


SORTS = {
    "order": ("updated_at", "title", "status", "budget_yuan", "deadline", "created_at"),
    "listing": ("updated_at", "title", "status", "max_contract_yuan", "created_at"),
    "package": ("updated_at", "title", "status", "value_yuan", "quota", "created_at"),
    "demand": ("updated_at", "title", "status", "budget_yuan", "created_at"),
}


def list_postings(
    session: Session, user: User, kind: str, request: PageRequest, *, status: str | None = None
) -> Page:
    """One page of the firm's own postings of `kind` (staff: everyone's), optionally of one status."""
    spec = posting_kind(kind)
    model = spec.model
    stmt = select(model)
    if not user.is_staff:
        stmt = stmt.where(getattr(model, spec.owner_attr) == user.company_id)
    if status:
        stmt = stmt.where(model.status == status)
    columns = {name: getattr(model, name) for name in SORTS[kind]}
    return paginate(session, stmt, request, columns, model.id)


# --- writing -------------------------------------------------------------------------------------


def _own_for_change(session: Session, user: User, kind: str, posting_id: int):
    """The posting, if `user` is the firm that posted it: staff screen postings but do not edit them."""
    spec = posting_kind(kind)
    if user.role != spec.role:
        raise Forbidden("Only the firm that posted this %(kind)s can change it.", kind=kind)
    return get_posting(session, user, kind, posting_id)


def _audit(session: Session, user: User, action: str, posting, **detail) -> None:
    session.add(
        AuditEvent(
            actor_id=user.id,
            action=action,
            object_type=posting.__tablename__,
            object_id=posting.id,
            detail=detail or None,
        )
    )


def save_posting(
    session: Session,
    user: User,
    kind: str,
    values: dict,
    posting_id: int | None = None,
    *,
    rematch: Rematch | None = None,
):
    """Create (no `posting_id`) or edit one of the firm's postings from form `values` (text as typed).

    Every field is checked; all problems are raised together as `InvalidFields`, each naming its field.
    A draft stays a draft; a published posting stays published and is matched again (`rematch`).
    """
    spec = posting_kind(kind)
    if user.role != spec.role or user.company_id is None:
        raise Forbidden("Only a %(role)s account can post a %(kind)s.", role=spec.role, kind=kind)
    posting = None
    if posting_id is not None:
        posting = _own_for_change(session, user, kind, posting_id)
        if posting.status not in EDITABLE:
            raise DomainError(
                "This %(kind)s is %(status)s and can no longer be edited.",
                kind=kind,
                status=posting.status,
            )
    parsed = _parse(kind, values, posting)
    if posting is None:
        posting = spec.model(**{spec.owner_attr: user.company_id}, **parsed)
        session.add(posting)
        session.flush()
        _audit(session, user, "create", posting)
        return posting
    changed = sorted(name for name, value in parsed.items() if getattr(posting, name) != value)
    if not changed:
        return posting
    if {"title", "description"} & set(changed):
        posting.tokens = None  # the matcher tokenises the new text again
    for name in changed:
        setattr(posting, name, parsed[name])
    session.flush()
    _audit(session, user, "update", posting, fields=changed)
    if posting.status == "published":
        (rematch or rematch_posting)(session, kind, posting)
    return posting


def submit_posting(session: Session, user: User, kind: str, posting_id: int):
    """Send a draft (or a rejected posting, once edited) to staff for screening."""
    posting = _own_for_change(session, user, kind, posting_id)
    from qianfan.membership.signup import ensure_may_post

    ensure_may_post(user)  # a firm that signed itself up posts once staff have verified it
    transition(posting, "submitted", actor=user)
    session.flush()
    return posting


def withdraw_posting(
    session: Session,
    user: User,
    kind: str,
    posting_id: int,
    reason: str,
    *,
    rematch: Rematch | None = None,
):
    """Take a posting back for good, saying why; its open recommendations go with it."""
    posting = _own_for_change(session, user, kind, posting_id)
    was_published = posting.status == "published"
    transition(posting, "withdrawn", actor=user, reason=reason)
    session.flush()
    if was_published:
        (rematch or rematch_posting)(session, kind, posting)
    return posting


def close_posting(
    session: Session,
    user: User,
    kind: str,
    posting_id: int,
    reason: str | None = None,
    *,
    rematch: Rematch | None = None,
):
    """Close a published posting (e.g. an order that found its supplier); deals already under way go on."""
    posting = _own_for_change(session, user, kind, posting_id)
    transition(posting, "closed", actor=user, reason=reason)
    session.flush()
    (rematch or rematch_posting)(session, kind, posting)
    return posting


def rematch_posting(session: Session, kind: str, posting) -> None:
    """Note that a posting changed, so that what it affects is ranked again after the commit.

    Ranking takes seconds at programme scale, too long to hold a request, so nothing is ranked here: the
    (kind, id) is kept in `session.info["rematch_due"]`; the web app hands it to a background job after
    its commit (webapp.database.commit), and `qianfan match` or the scheduled job find it changed
    anyway (qianfan.matching.rematch_changed).
    """
    due = session.info.setdefault("rematch_due", [])
    if (kind, posting.id) not in due:
        due.append((kind, posting.id))


# --- reading form values -------------------------------------------------------------------------


def _text(values: dict, name: str) -> str:
    return normalize_text(str(values.get(name) or "")).strip()


def _list(values: dict, name: str) -> list[str]:
    # Split before normalising: normalisation folds line breaks, which separate items here.
    pieces = (
        normalize_text(piece).strip() for piece in _LIST_SPLIT.split(str(values.get(name) or ""))
    )
    return [piece for piece in pieces if piece]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


_YES = {"1", "true", "yes", "y", "on", "是", "√", "✓", "必备", "必须"}


def _flag(values: dict, name: str) -> bool:
    """A checkbox (True/False) or a column written as people write yes (是, yes, 1, ✓)."""
    value = values.get(name)
    if isinstance(value, bool):
        return value
    return _text(values, name).lower() in _YES


def _choice(values: dict, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    chosen = _text(values, name) or default
    if chosen not in allowed:
        raise ValidationError("Choose one of: %(allowed)s.", field=name, allowed=", ".join(allowed))
    return chosen


def _amount(values: dict, name: str) -> tuple[Decimal | None, str | None]:
    written = _text(values, name)
    return parse_amount(written, field=name).yuan, written or None


def _count(values: dict, name: str, *, minimum: int, required: bool) -> int | None:
    written = _text(values, name)
    if not written:
        if required:
            raise ValidationError("This field is required.", field=name)
        return None
    if not written.isdigit() or int(written) < minimum:
        raise ValidationError(
            "Write a whole number of at least %(minimum)s.", field=name, minimum=minimum
        )
    return int(written)


def _codes(values: dict, name: str, resolve) -> list[str]:
    return _unique([resolve(piece, field=name) for piece in _list(values, name)])


def _industry(text: str, *, field: str) -> str | None:
    return industries().resolve(text, field=field)


def _category(text: str, *, field: str) -> str | None:
    return categories().resolve(text, field=field)


def _region(text: str, *, field: str) -> str | None:
    return regions().resolve(text, field=field)


def _deadline(values: dict, name: str, current: datetime | None) -> datetime | None:
    deadline = parse_datetime(
        _text(values, name), field=name, end_of_day=True, zone=localtime.programme_zone()
    )
    if deadline is not None and deadline != current and deadline <= utcnow():
        raise ValidationError("The deadline must be in the future.", field=name)
    return deadline


def _valid_until(values: dict, name: str) -> date | None:
    moment = parse_datetime(_text(values, name), field=name, zone=localtime.programme_zone())
    return moment.date() if moment else None


def _parse(kind: str, values: dict, posting) -> dict:
    """The model's attributes from the form's text; every field checked, all errors raised together."""
    parsed: dict = {}
    errors: list[ValidationError] = []

    def field(name: str, read) -> None:
        try:
            parsed.update(read())
        except ValidationError as err:
            err.field = err.field or name
            errors.append(err)

    def title():
        written = _text(values, "title")
        if not written:
            raise ValidationError("A title is required.", field="title")
        if len(written) > TITLE_MAX:
            raise ValidationError(
                "Keep the title under %(n)s characters.", field="title", n=TITLE_MAX
            )
        return {"title": written}

    def description():
        written = str(values.get("description") or "").strip()
        if len(written) > DESCRIPTION_MAX:
            raise ValidationError(
                "Keep the description under %(n)s characters.",
                field="description",
                n=DESCRIPTION_MAX,
            )
        return {"description": written}

    field("title", title)
    field("description", description)
    if kind == "order":
        field("kind", lambda: {"kind": _choice(values, "kind", ORDER_KINDS, "procurement")})
        field(
            "industry",
            lambda: {"industry_code": _industry(_text(values, "industry"), field="industry")},
        )
        field(
            "category",
            lambda: {"category_code": _category(_text(values, "category"), field="category")},
        )
        field(
            "budget",
            lambda: dict(
                zip(("budget_yuan", "budget_text"), _amount(values, "budget"), strict=True)
            ),
        )
        field("region", lambda: {"region_code": _region(_text(values, "region"), field="region")})
        field(
            "required_qualifications",
            lambda: {"required_qualifications": _unique(_list(values, "required_qualifications"))},
        )
        # The buyer's choice: firms lacking the qualifications, or outside the region, are never recommended.
        field("qualifications_mandatory", lambda: {"qualifications_mandatory": _flag(values, "qualifications_mandatory")})
        field("region_mandatory", lambda: {"region_mandatory": _flag(values, "region_mandatory")})
        field(
            "deadline",
            lambda: {"deadline": _deadline(values, "deadline", getattr(posting, "deadline", None))},
        )
        field(
            "delivery_period",
            lambda: {"delivery_period": _text(values, "delivery_period")[:120] or None},
        )
    elif kind == "listing":
        field("kind", lambda: {"kind": _choice(values, "kind", LISTING_KINDS, "product")})
        field(
            "industry",
            lambda: {"industry_code": _industry(_text(values, "industry"), field="industry")},
        )
        field("max_contract", lambda: {"max_contract_yuan": _amount(values, "max_contract")[0]})
        field("regions", lambda: {"region_codes": _codes(values, "regions", _region)})
        field("tags", lambda: {"tags": _unique(_list(values, "tags"))[:30]})
    elif kind == "package":
        field("category", lambda: {"category": _choice(values, "category", SERVICE_CATEGORIES)})
        field("value", lambda: {"value_yuan": _amount(values, "value")[0]})
        field("quota", lambda: _quota(values, posting))
        field("valid_until", lambda: {"valid_until": _valid_until(values, "valid_until")})
        field(
            "max_company_age_years",
            lambda: {
                "max_company_age_years": _count(
                    values, "max_company_age_years", minimum=1, required=False
                )
            },
        )
        field(
            "eligible_regions",
            lambda: {"eligible_region_codes": _codes(values, "eligible_regions", _region)},
        )
        field(
            "eligible_industries",
            lambda: {"eligible_industry_codes": _codes(values, "eligible_industries", _industry)},
        )
        field("eligible_sizes", lambda: {"eligible_sizes": _sizes(values)})
    else:
        field("category", lambda: {"category": _choice(values, "category", SERVICE_CATEGORIES)})
        field("budget", lambda: {"budget_yuan": _amount(values, "budget")[0]})
    if errors:
        raise InvalidFields(errors)
    return parsed


def _quota(values: dict, package) -> dict:
    quota = _count(values, "quota", minimum=1, required=True)
    used = package.quota_used if package is not None else 0
    if quota < used:
        raise ValidationError(
            "%(used)s places are already taken; the quota cannot be lower.",
            field="quota",
            used=used,
        )
    return {"quota": quota}


def _sizes(values: dict) -> list[str]:
    raw = values.get("eligible_sizes") or []
    chosen = raw if isinstance(raw, list) else _list(values, "eligible_sizes")
    unknown = [size for size in chosen if size not in SIZE_CLASSES]
    if unknown:
        raise ValidationError(
            "Choose sizes among: %(allowed)s.",
            field="eligible_sizes",
            allowed=", ".join(SIZE_CLASSES),
        )
    return _unique(chosen)


def form_values(kind: str, posting) -> dict:
    """The posting's values as the edit form shows them (the inverse of what `save_posting` reads)."""
    posting_kind(kind)
    values = {"title": posting.title, "description": posting.description}
    if kind == "order":
        values.update(
            kind=posting.kind,
            industry=names.industry_for_form(posting.industry_code),
            category=names.category_for_form(posting.category_code),
            budget=posting.budget_text or _plain(posting.budget_yuan),
            region=names.region_for_form(posting.region_code),
            required_qualifications="\n".join(posting.required_qualifications or []),
            qualifications_mandatory=bool(posting.qualifications_mandatory),
            region_mandatory=bool(posting.region_mandatory),
            deadline=localtime.local_date(posting.deadline).isoformat() if posting.deadline else "",
            delivery_period=posting.delivery_period or "",
        )
    elif kind == "listing":
        values.update(
            kind=posting.kind,
            industry=names.industry_for_form(posting.industry_code),
            max_contract=_plain(posting.max_contract_yuan),
            regions="、".join(names.region_for_form(c) for c in posting.region_codes or []),
            tags="、".join(posting.tags or []),
        )
    elif kind == "package":
        values.update(
            category=posting.category,
            value=_plain(posting.value_yuan),
            quota=str(posting.quota),
            valid_until=posting.valid_until.isoformat() if posting.valid_until else "",
            max_company_age_years=str(posting.max_company_age_years or ""),
            eligible_regions="、".join(names.region_for_form(c) for c in posting.eligible_region_codes or []),
            eligible_industries="、".join(
                names.industry_for_form(c) for c in posting.eligible_industry_codes or []
            ),
            eligible_sizes=list(posting.eligible_sizes or []),
        )
    else:
        values.update(category=posting.category, budget=_plain(posting.budget_yuan))
    return values


def _plain(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount.normalize():f}元"
