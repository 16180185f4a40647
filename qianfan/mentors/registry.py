"""Registering mentors: staff write a profile (or an import does, qianfan.mentors.importing), and may
give the mentor a login of role `mentor` to answer session requests.

`MentorForm` is what a page or an import row hands in, as text: industries and regions are written by
name or code (GB/T 4754, 区划代码) and resolved here, so that a bad value is refused naming its field.
Services flush; the caller commits (and starts the mentor side's rematch, qianfan.mentors.matching).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.columns import _LIST_SPLIT
from ingest.normalize import normalize_text
from ingest.resolve import industries, regions
from models import AuditEvent, Mentor, User
from models.errors import Forbidden, NotFound, ValidationError
from models.mentor import MENTOR_MODES
from qianfan.accounts import create_user
from qianfan.paging import Page, PageRequest, paginate

NAME_MAX, TITLE_MAX, EXPERTISE_MAX, BIO_MAX = 120, 200, 2000, 5000
SESSIONS_MAX = 60


@dataclass
class MentorForm:
    name: str = ""
    title: str = ""
    expertise: str = ""
    bio: str = ""
    industries: str = ""  # names or codes, separated by ；、, or new lines
    regions: str = ""
    sessions_per_month: str = "2"
    mode: str = "both"
    active: bool = True


def _require_staff(actor: User) -> None:
    if actor is None or not actor.is_staff:
        raise Forbidden("Only programme staff register mentors.")


def _words(text: str) -> list[str]:
    return [w for w in (normalize_text(p) for p in _LIST_SPLIT.split(text or "")) if w]




def N_(message: str) -> str:  # noqa: N802 - the gettext marker babel extracts; the web layer translates
    return message


REQUIRED = {"name": N_("The mentor's name is required."), "expertise": N_("The mentor's expertise is required.")}


def _text(value: str, field: str, limit: int, required: bool = False) -> str:
    text = normalize_text(value or "")
    if required and not text:
        raise ValidationError(REQUIRED[field], field=field)
    if len(text) > limit:
        raise ValidationError("Too long: at most %(limit)s characters.", field=field, limit=limit)
    return text


def checked(form: MentorForm) -> dict:
    """The form's values as Mentor columns; the first bad one raises ValidationError naming its field."""
    try:
        sessions = int(str(form.sessions_per_month).strip() or "0")
    except ValueError:
        raise ValidationError("'%(text)s' is not a whole number.", field="sessions_per_month",
                              text=form.sessions_per_month) from None  # fmt: skip
    if not 0 <= sessions <= SESSIONS_MAX:
        raise ValidationError("Sessions a month must be between %(low)s and %(high)s.", field="sessions_per_month",
                              low=0, high=SESSIONS_MAX)  # fmt: skip
    if form.mode not in MENTOR_MODES:
        raise ValidationError("'%(text)s' is not one of: %(allowed)s.", field="mode", text=form.mode,
                              allowed=", ".join(MENTOR_MODES))  # fmt: skip
    return {
        "name": _text(form.name, "name", NAME_MAX, required=True),
        "title": _text(form.title, "title", TITLE_MAX) or None,
        "expertise": _text(form.expertise, "expertise", EXPERTISE_MAX, required=True),
        "bio": _text(form.bio, "bio", BIO_MAX),
        "industry_codes": list(dict.fromkeys(industries().resolve(w, field="industries") for w in _words(form.industries))),
        "region_codes": list(dict.fromkeys(regions().resolve(w, field="regions") for w in _words(form.regions))),
        "sessions_per_month": sessions,
        "mode": form.mode,
        "active": bool(form.active),
    }  # fmt: skip


def create_mentor(session: Session, actor: User, form: MentorForm) -> Mentor:
    _require_staff(actor)
    mentor = Mentor(**checked(form))
    session.add(mentor)
    session.flush()
    session.add(AuditEvent(actor_id=actor.id, action="create", object_type="mentor", object_id=mentor.id))
    return mentor


def update_mentor(session: Session, actor: User, mentor_id: int, form: MentorForm) -> Mentor:
    _require_staff(actor)
    mentor = get_mentor(session, mentor_id)
    values = checked(form)
    changes = {k: [getattr(mentor, k), v] for k, v in values.items() if getattr(mentor, k) != v}
    for key, value in values.items():
        setattr(mentor, key, value)
    if changes:
        session.add(AuditEvent(actor_id=actor.id, action="update", object_type="mentor", object_id=mentor.id,
                               detail={k: [str(a), str(b)] for k, (a, b) in changes.items()}))  # fmt: skip
    session.flush()
    return mentor


def give_login(session: Session, actor: User, mentor_id: int, username: str, password: str,
               email: str | None = None) -> User:  # fmt: skip
    """A login of role `mentor` for a mentor who has none yet."""
    _require_staff(actor)
    mentor = get_mentor(session, mentor_id)
    if mentor.user_id is not None:
        raise ValidationError("This mentor has a login already.", field="username")
    user = create_user(session, username=username, password=password, role="mentor", display_name=mentor.name,
                       actor=actor, email=(email or "").strip() or None)  # fmt: skip
    mentor.user = user
    session.flush()
    return user


def get_mentor(session: Session, mentor_id: int) -> Mentor:
    mentor = session.get(Mentor, mentor_id)
    if mentor is None:
        raise NotFound("No mentor %(id)s.", id=mentor_id)
    return mentor


def visible_mentor(session: Session, user: User, mentor_id: int) -> Mentor:
    """A mentor's profile page: small firms see active mentors; staff any; a mentor their own."""
    mentor = session.get(Mentor, mentor_id)
    if mentor is not None and (user.is_staff or (user.role == "small_firm" and mentor.active)
                               or (user.role == "mentor" and mentor.user_id == user.id)):  # fmt: skip
        return mentor
    raise NotFound("No mentor %(id)s.", id=mentor_id)


def mentors_page(session: Session, request: PageRequest, query: str = "", active_only: bool = False) -> Page:
    """Mentors by name, filtered by a word of their name or expertise."""
    stmt = select(Mentor)
    word = normalize_text(query or "")[:50]
    if word:
        like = f"%{word}%"
        stmt = stmt.where(Mentor.name.like(like) | Mentor.expertise.like(like))
    if active_only:
        stmt = stmt.where(Mentor.active.is_(True))
    return paginate(session, stmt, request, {"name": Mentor.name, "updated_at": Mentor.updated_at}, Mentor.id)
