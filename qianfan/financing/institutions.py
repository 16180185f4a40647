"""Staff register the financial institutions (金融机构) of the financing zone and their users.

An institution is a `Company` of kind "financial": it has a name, a credit code and a district like any
other organisation, is shown by its name everywhere, and its users invite colleagues as any firm's do.
Its users hold the role `financial_institution`. A firm never signs itself up as a lender.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ingest.credit_code import parse_credit_code
from models import AuditEvent, Company, User
from models.errors import Forbidden, ValidationError
from qianfan.accounts import create_user

NAME_MAX = Company.__table__.c.name.type.length


@dataclass(frozen=True)
class NewInstitutionUser:
    user: User
    password: str  # shown once to the staff member who made the account; never stored in clear


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only programme staff register financial institutions.")


def institution_list(session: Session) -> list[tuple[Company, int]]:
    """Every company of kind "financial" with its number of lender accounts, lenders first (the others are
    funds and guarantee firms with service packages, which staff may give lender accounts too)."""
    users = (
        select(func.count()).where(User.company_id == Company.id, User.role == "financial_institution")
        .scalar_subquery()
    )  # fmt: skip
    return [(c, int(n)) for c, n in session.execute(
        select(Company, users).where(Company.kind == "financial").order_by(users.desc(), Company.name))]  # fmt: skip


def create_institution(session: Session, actor: User, name: str, credit_code: str | None = None) -> Company:
    """A new institution (verified: staff made it)."""
    _require_staff(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("The institution's name is required.", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError("The name is longer than %(n)s characters.", field="name", n=NAME_MAX)
    code = parse_credit_code(credit_code) if (credit_code or "").strip() else None
    if code and session.scalar(select(Company.id).where(Company.credit_code == code)):
        raise ValidationError("A company with credit code %(code)s is already registered.", field="credit_code",
                              code=code)  # fmt: skip
    company = Company(name=name, credit_code=code, kind="financial", verification="verified")
    session.add(company)
    session.flush()
    session.add(AuditEvent(actor_id=actor.id, action="create", object_type="company", object_id=company.id,
                           detail={"kind": "financial"}))  # fmt: skip
    return company


def create_institution_user(
    session: Session, actor: User, company_id: int, username: str, display_name: str | None = None,
    email: str | None = None,
) -> NewInstitutionUser:
    """A lender account of the institution, with a generated first password (changed at the first login)."""
    _require_staff(actor)
    company = session.get(Company, company_id)
    if company is None or company.kind != "financial":
        raise ValidationError("No financial institution %(id)s.", field="company", id=company_id)
    password = secrets.token_urlsafe(12)
    first = not session.scalar(select(User.id).where(User.company_id == company.id).limit(1))
    user = create_user(
        session, username=username, password=password, role="financial_institution", company=company,
        display_name=(display_name or "").strip() or None, actor=actor, email=(email or "").strip() or None,
        company_admin=first,
    )  # fmt: skip
    return NewInstitutionUser(user, password)
