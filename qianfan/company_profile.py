"""A firm keeps its own company profile: district, industry, size, founding date, description, and the
qualifications (资质) it holds, which the matcher checks against what orders require.

Qualifications are typed one per line as people write them ("ISO 9001", "建筑工程施工总承包二级");
`matcher.qualifications` reads each into a name and a grade, so that "二级" is stored as grade 2.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.normalize import normalize_text
from ingest.resolve import industries, regions
from ingest.values import parse_datetime
from matcher.qualifications import parse_one
from models import AuditEvent, Company, CompanyQualification, Listing, User
from models.company import SIZE_CLASSES
from models.errors import Forbidden, ValidationError
from qianfan.postings import InvalidFields, Rematch, rematch_posting
from qianfan.reading import names

DESCRIPTION_MAX = 5_000
MAX_QUALIFICATIONS = 50
PROFILE_ROLES = ("small_firm", "large_firm", "service_org")


def get_profile(session: Session, user: User) -> Company:
    """The company the user belongs to."""
    if user.role not in PROFILE_ROLES or user.company_id is None:
        raise Forbidden("Only a firm's own accounts keep its profile.")
    return session.get(Company, user.company_id)


def profile_values(company: Company) -> dict:
    """The profile as the form shows it."""
    return {
        "region": names.region_for_form(company.region_code),
        "industry": names.industry_for_form(company.industry_code),
        "size_class": company.size_class or "",
        "founded_on": company.founded_on.isoformat() if company.founded_on else "",
        "description": company.description or "",
        "qualifications": "\n".join(_label(q) for q in company.qualifications),
    }


def _label(qualification: CompanyQualification) -> str:
    grades = {0: "特级", 1: "一级", 2: "二级", 3: "三级", 4: "四级"}
    return qualification.name + (
        grades.get(qualification.grade, "") if qualification.grade is not None else ""
    )


def update_profile(
    session: Session, user: User, values: dict, *, rematch: Rematch | None = None
) -> Company:
    """Save the firm's profile from form text; every field checked, all problems raised together.

    A change rematches the firm's published listings (`rematch`, as in qianfan.postings)."""
    company = get_profile(session, user)
    errors: list[ValidationError] = []
    parsed: dict = {}
    for name, read in (
        (
            "region",
            lambda: {"region_code": regions().resolve(_text(values, "region"), field="region")},
        ),
        (
            "industry",
            lambda: {
                "industry_code": industries().resolve(_text(values, "industry"), field="industry")
            },
        ),
        ("size_class", lambda: {"size_class": _size(values)}),
        ("founded_on", lambda: {"founded_on": _founded(values)}),
        ("description", lambda: {"description": _description(values)}),
        ("qualifications", lambda: {"qualifications": _qualifications(values)}),
    ):
        try:
            parsed.update(read())
        except ValidationError as err:
            err.field = err.field or name
            errors.append(err)
    if errors:
        raise InvalidFields(errors)
    wanted = parsed.pop("qualifications")
    changed = sorted(name for name, value in parsed.items() if getattr(company, name) != value)
    for name in changed:
        setattr(company, name, parsed[name])
    held = {q.name: q for q in company.qualifications}
    if {name: q.grade for name, q in held.items()} != wanted:
        changed.append("qualifications")
        for name, qualification in held.items():
            if name not in wanted:
                company.qualifications.remove(qualification)
        for name, grade in wanted.items():
            if name in held:
                held[name].grade = grade
            else:
                company.qualifications.append(CompanyQualification(name=name, grade=grade))
    if changed:
        session.add(
            AuditEvent(actor_id=user.id, action="update", object_type="company", object_id=company.id,
                       detail={"fields": changed})
        )  # fmt: skip
    session.flush()
    if changed:
        _rematch_published_listings(session, company, rematch or rematch_posting)
    return company


def _rematch_published_listings(session: Session, company: Company, rematch: Rematch) -> None:
    """A new qualification or district can turn a near miss into a match: rematch the firm's listings."""
    listings = session.scalars(
        select(Listing).where(Listing.supplier_id == company.id, Listing.status == "published")
    )
    for listing in listings:
        rematch(session, "listing", listing)


def _text(values: dict, name: str) -> str:
    return normalize_text(str(values.get(name) or "")).strip()


def _size(values: dict) -> str | None:
    size = _text(values, "size_class") or None
    if size is not None and size not in SIZE_CLASSES:
        raise ValidationError(
            "Choose one of: %(allowed)s.", field="size_class", allowed=", ".join(SIZE_CLASSES)
        )
    return size


def _founded(values: dict) -> date | None:
    moment = parse_datetime(_text(values, "founded_on"), field="founded_on")
    if moment is None:
        return None
    if moment.date() > date.today():
        raise ValidationError("The founding date cannot be in the future.", field="founded_on")
    return moment.date()


def _description(values: dict) -> str:
    written = str(values.get("description") or "").strip()
    if len(written) > DESCRIPTION_MAX:
        raise ValidationError(
            "Keep the description under %(n)s characters.", field="description", n=DESCRIPTION_MAX
        )
    return written


def _qualifications(values: dict) -> dict[str, int | None]:
    """{name: grade} from one qualification per line; a line that names no certificate is refused."""
    wanted: dict[str, int | None] = {}
    for line in str(values.get("qualifications") or "").splitlines():
        written = normalize_text(line).strip()
        if not written:
            continue
        parsed = parse_one(written)
        if parsed is None:
            raise ValidationError(
                "'%(text)s' names no qualification.", field="qualifications", text=written
            )
        name = written if parsed.grade is None else parsed.name
        wanted[name[:120]] = parsed.grade
    if len(wanted) > MAX_QUALIFICATIONS:
        raise ValidationError(
            "List at most %(n)s qualifications.", field="qualifications", n=MAX_QUALIFICATIONS
        )
    return wanted
