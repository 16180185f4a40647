"""Sign-up of a firm or service organisation, and the staff's verification of it.

A firm signs up with its name, kind, 统一社会信用代码 (check character verified: ingest.credit_code) and
its first user, who becomes the company's admin. The company waits (verification "pending") until staff
verify it; until then its users may log in, fill in their profile and prepare drafts, but not send a
posting for publication (`ensure_may_post`). A code already known is refused: the firm exists, and its
admin invites new colleagues (qianfan.membership.tokens) instead of a second company being made.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.credit_code import parse_credit_code
from models import AuditEvent, Company, User
from models.errors import DomainError, Forbidden, ValidationError
from qianfan.accounts import create_user

# What a sign-up may be: the account's role and the kind of its company.
SIGNUP_KINDS = {
    "small_firm": ("small_firm", "small_firm"),
    "large_firm": ("large_firm", "large_firm"),
    "service_org": ("service_org", "service_org"),
    "incubator": ("service_org", "incubator"),
    "financial": ("service_org", "financial"),
}


def normalise_email(text: str | None, *, field: str = "email", required: bool = True) -> str | None:
    email = (text or "").strip().lower()
    if not email:
        if required:
            raise ValidationError("An e-mail address is required.", field=field)
        return None
    local, at, domain = email.partition("@")
    if not (at and local and "." in domain) or len(email) > 254 or any(c in email for c in " ,;<>\"'\r\n"):
        raise ValidationError("'%(address)s' is not an e-mail address.", field=field, address=email)
    return email


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).select_from(User).where(User.email == email)) > 0


def register_firm(
    session: Session,
    *,
    kind: str,
    company_name: str,
    credit_code: str,
    username: str,
    display_name: str,
    email: str,
    password: str,
) -> User:
    """A new company waiting for verification and its first user (its admin); all problems at once."""
    problems: list[ValidationError] = []
    if kind not in SIGNUP_KINDS:
        problems.append(ValidationError("Choose what kind of organisation signs up.", field="kind"))
    name = " ".join((company_name or "").split())
    if not name:
        problems.append(ValidationError("The company's name is required.", field="company_name"))
    elif len(name) > 200:
        problems.append(ValidationError("The company's name is longer than 200 characters.", field="company_name"))
    code = None
    try:
        code = parse_credit_code(credit_code)
        if code is None:
            problems.append(ValidationError("The unified social credit code is required.", field="credit_code"))
        elif session.scalar(select(Company.id).where(Company.credit_code == code)):
            problems.append(ValidationError(
                "A company with credit code %(code)s is already registered: ask its admin to invite you.",
                field="credit_code", code=code,
            ))  # fmt: skip
    except ValidationError as err:
        problems.append(err)
    address = None
    try:
        address = normalise_email(email)
        if email_taken(session, address):
            problems.append(ValidationError(
                "An account with e-mail %(address)s exists already: log in or reset its password.",
                field="email", address=address,
            ))  # fmt: skip
    except ValidationError as err:
        problems.append(err)
    if problems:
        raise SignupRejected(problems)
    role, company_kind = SIGNUP_KINDS[kind]
    company = Company(name=name, credit_code=code, kind=company_kind, verification="pending")
    session.add(company)
    session.flush()
    try:
        user = create_user(
            session, username=username, password=password, role=role, company=company,
            display_name=(display_name or "").strip() or None,
        )  # fmt: skip
    except ValidationError as err:
        raise SignupRejected([err]) from err
    user.email = address
    user.company_admin = True
    session.add(AuditEvent(actor_id=user.id, action="signup", object_type="company", object_id=company.id,
                           to_status="pending", detail={"credit_code": code, "kind": company_kind}))  # fmt: skip
    session.flush()
    return user


class SignupRejected(DomainError):
    """Several problems with a sign-up form, each naming its field."""

    http_status = 422

    def __init__(self, problems: list[ValidationError]) -> None:
        self.problems = problems
        super().__init__("The sign-up has %(count)s problems.", count=len(problems))


def pending_companies(session: Session) -> list[Company]:
    return list(session.scalars(
        select(Company).where(Company.verification == "pending").order_by(Company.created_at, Company.id)
    ))  # fmt: skip


def company_admins(session: Session, company_id: int) -> list[User]:
    return list(session.scalars(
        select(User).where(User.company_id == company_id, User.company_admin.is_(True), User.active.is_(True))
        .order_by(User.id)
    ))  # fmt: skip


def verify_company(session: Session, staff: User, company_id: int, *, approve: bool, note: str = "") -> Company:
    """Staff verify a pending firm, or reject it with a reason (which its users read)."""
    if not staff.is_staff:
        raise Forbidden("Only programme staff verify firms.")
    company = session.get(Company, company_id)
    if company is None:
        from models.errors import NotFound

        raise NotFound("There is no such company.")
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError("Say why the firm is rejected: its users read the reason.", field="note")
    if company.verification == ("verified" if approve else "rejected"):
        return company
    before = company.verification
    company.verification = "verified" if approve else "rejected"
    company.verification_note = None if approve else note
    session.add(AuditEvent(actor_id=staff.id, action="verify", object_type="company", object_id=company.id,
                           from_status=before, to_status=company.verification, reason=note or None))  # fmt: skip
    session.flush()
    return company


def ensure_may_post(user: User) -> None:
    """A firm not yet verified by staff (or rejected) may not send postings for publication."""
    company = user.company
    if company is None or company.verification == "verified":
        return
    if company.verification == "rejected":
        raise Forbidden("Your firm's registration was rejected by the programme staff: %(reason)s",
                        reason=company.verification_note or "")  # fmt: skip
    raise Forbidden("Your firm is waiting for verification by the programme staff; you can post once it is verified.")
