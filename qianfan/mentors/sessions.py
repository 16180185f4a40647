"""Mentoring sessions (辅导): a small firm asks a mentor; the mentor answers, then records it held.

    requested → accepted (mentor) → held (mentor, with a short note) | cancelled (mentor or firm, reason)
    requested → declined (mentor, reason) | withdrawn (firm, reason)

Who may do what is checked here, whatever page or command asks: only the requesting firm's users and
the mentor (and staff, who read but never act) see a session; anyone else asking for its id is told it
does not exist (NotFound). Every move goes through models.lifecycle.transition (refused moves raise
TransitionError, ending moves need a reason, each leaves an audit record) and tells the other side
(qianfan.notify, kinds mentor_request / mentor_answer / mentor_session). Services flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import AuditEvent, Mentor, MentorSession, User, transition
from models.base import utcnow
from models.errors import Forbidden, NotFound, ValidationError
from qianfan.mentors import matching
from qianfan.notify import notify, notify_company
from qianfan.paging import Page, PageRequest, paginate

TOPIC_MAX, MESSAGE_MAX, NOTE_MAX = 200, 2000, 2000
OPEN_STATUSES = ("requested", "accepted")




def N_(message: str) -> str:  # noqa: N802 - the gettext marker babel extracts; the web layer translates
    return message


# What a person is told when a field is missing or too long, by field.
REQUIRED = {
    "topic": N_("Say what the session should be about (the topic)."),
    "note": N_("Write a short note of what the session covered."),
}
TOO_LONG = {
    "topic": N_("The topic is longer than %(limit)s characters."),
    "message": N_("The message is longer than %(limit)s characters."),
    "note": N_("The note is longer than %(limit)s characters."),
}


def _text(value: str | None, field: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(REQUIRED[field], field=field)
    if len(text) > limit:
        raise ValidationError(TOO_LONG[field], field=field, limit=limit)
    return text


def _link(mentoring: MentorSession) -> str:
    return f"/mentors/sessions/{mentoring.id}"


def mentor_of(session: Session, user: User) -> Mentor:
    """The mentor profile a `mentor` user logs in for."""
    mentor = session.scalar(select(Mentor).where(Mentor.user_id == user.id)) if user.role == "mentor" else None
    if mentor is None:
        raise Forbidden("This account is not a mentor's.")
    return mentor


def visible(session: Session, user: User, session_id: int) -> MentorSession:
    """A session the user may see: its firm's users, its mentor, staff; anyone else: NotFound."""
    mentoring = session.get(MentorSession, session_id)
    if mentoring is None or not _may_see(user, mentoring):
        raise NotFound("No mentoring session %(id)s among yours.", id=session_id)
    return mentoring


def _may_see(user: User, mentoring: MentorSession) -> bool:
    if user.is_staff:
        return True
    if user.role == "small_firm":
        return user.company_id == mentoring.company_id
    if user.role == "mentor":
        return mentoring.mentor.user_id == user.id
    return False


def _as_mentor(session: Session, user: User, session_id: int) -> MentorSession:
    mentoring = visible(session, user, session_id)
    if user.role != "mentor":
        raise Forbidden("Only the mentor answers a session request.")
    return mentoring


def _as_firm(session: Session, user: User, session_id: int) -> MentorSession:
    mentoring = visible(session, user, session_id)
    if user.role != "small_firm":
        raise Forbidden("Only the firm that asked may do this.")
    return mentoring


# --- the firm's moves ---------------------------------------------------------------------------------


def request_session(session: Session, user: User, mentor_id: int, topic: str, message: str) -> MentorSession:
    """A small firm asks an active mentor for a session on `topic`."""
    if user.role != "small_firm" or user.company_id is None:
        raise Forbidden("Only small firms ask mentors for sessions.")
    mentor = session.get(Mentor, mentor_id)
    if mentor is None or not mentor.active:
        raise NotFound("No mentor %(id)s.", id=mentor_id)
    topic = _text(topic, "topic", TOPIC_MAX, required=True)
    message = _text(message, "message", MESSAGE_MAX, required=False)
    if mentor.sessions_per_month <= 0:
        raise ValidationError("This mentor takes no sessions at present.", field="mentor")
    pending = session.scalar(
        select(MentorSession.id).where(
            MentorSession.mentor_id == mentor.id, MentorSession.company_id == user.company_id,
            MentorSession.status.in_(OPEN_STATUSES),
        )
    )  # fmt: skip
    if pending:
        raise ValidationError("Your firm has an open request with this mentor already.", field="mentor")
    found = matching.score_of(session, user.company_id, mentor.id)
    mentoring = MentorSession(
        mentor=mentor, company_id=user.company_id, requested_by_id=user.id, topic=topic, message=message,
        status="requested", score=found[0] if found else None,
    )  # fmt: skip
    session.add(mentoring)
    session.flush()
    session.add(AuditEvent(actor_id=user.id, action="create", object_type="mentor_session", object_id=mentoring.id,
                           to_status="requested", detail={"mentor_id": mentor.id, "topic": topic}))  # fmt: skip
    if mentor.user_id:
        notify(session, mentor.user_id, "mentor_request", params={"firm": mentoring.company.name, "title": topic},
               link=_link(mentoring))  # fmt: skip
    return mentoring


def withdraw(session: Session, user: User, session_id: int, reason: str) -> MentorSession:
    """The firm takes back a request not yet answered."""
    mentoring = _as_firm(session, user, session_id)
    transition(mentoring, "withdrawn", actor=user, reason=reason)
    if mentoring.mentor.user_id:
        notify(session, mentoring.mentor.user_id, "mentor_request", link=_link(mentoring),
               params={"firm": mentoring.company.name, "title": mentoring.topic, "variant": "withdrawn",
                       "reason": mentoring.status_reason})  # fmt: skip
    return mentoring


# --- the mentor's moves ---------------------------------------------------------------------------


def accept(session: Session, user: User, session_id: int) -> MentorSession:
    mentoring = _as_mentor(session, user, session_id)
    transition(mentoring, "accepted", actor=user)
    mentoring.answered_at = utcnow()
    _tell_firm(session, mentoring, "mentor_answer", "accepted")
    return mentoring


def decline(session: Session, user: User, session_id: int, reason: str) -> MentorSession:
    mentoring = _as_mentor(session, user, session_id)
    transition(mentoring, "declined", actor=user, reason=reason)
    mentoring.answered_at = utcnow()
    _tell_firm(session, mentoring, "mentor_answer", "declined")
    return mentoring


def record_held(session: Session, user: User, session_id: int, note: str) -> MentorSession:
    """The mentor records an accepted session as held, with a short note of what was covered."""
    mentoring = _as_mentor(session, user, session_id)
    note = _text(note, "note", NOTE_MAX, required=True)
    transition(mentoring, "held", actor=user)
    mentoring.note = note
    mentoring.held_at = utcnow()
    _tell_firm(session, mentoring, "mentor_session", "held")
    return mentoring


def cancel(session: Session, user: User, session_id: int, reason: str) -> MentorSession:
    """An accepted session that will not take place: cancelled by the mentor or by the firm, with a reason."""
    mentoring = visible(session, user, session_id)
    if user.role not in ("mentor", "small_firm"):
        raise Forbidden("Only the mentor or the firm cancels a session.")
    transition(mentoring, "cancelled", actor=user, reason=reason)
    if user.role == "mentor":
        _tell_firm(session, mentoring, "mentor_session", "cancelled")
    elif mentoring.mentor.user_id:
        notify(session, mentoring.mentor.user_id, "mentor_session", link=_link(mentoring),
               params={"firm": mentoring.company.name, "title": mentoring.topic, "variant": "cancelled_by_firm",
                       "reason": mentoring.status_reason})  # fmt: skip
    return mentoring


def _tell_firm(session: Session, mentoring: MentorSession, kind: str, variant: str) -> None:
    notify_company(session, mentoring.company_id, kind, link=_link(mentoring),
                   params={"mentor": mentoring.mentor.name, "title": mentoring.topic, "variant": variant,
                           "reason": mentoring.status_reason or ""})  # fmt: skip


# --- lists ------------------------------------------------------------------------------------------


def sessions_page(session: Session, user: User, request: PageRequest, status: str | None = None) -> Page:
    """The sessions a user may see: a firm's own, a mentor's own, all for staff; newest first by default."""
    stmt = select(MentorSession)
    if user.role == "small_firm":
        stmt = stmt.where(MentorSession.company_id == user.company_id)
    elif user.role == "mentor":
        stmt = stmt.where(MentorSession.mentor_id == mentor_of(session, user).id)
    elif not user.is_staff:
        raise Forbidden("Mentoring sessions are for small firms, mentors and staff.")
    if status:
        stmt = stmt.where(MentorSession.status == status)
    sorts = {"updated_at": MentorSession.updated_at, "created_at": MentorSession.created_at,
             "status": MentorSession.status}  # fmt: skip
    return paginate(session, stmt, request, sorts, MentorSession.id)


def open_with(session: Session, company_id: int, mentor_ids: list[int]) -> dict[int, MentorSession]:
    """The firm's open (requested or accepted) session with each of these mentors, by mentor id."""
    if not mentor_ids:
        return {}
    rows = session.scalars(
        select(MentorSession).where(
            MentorSession.company_id == company_id, MentorSession.mentor_id.in_(mentor_ids),
            or_(*(MentorSession.status == s for s in OPEN_STATUSES)),
        )
    )  # fmt: skip
    return {row.mentor_id: row for row in rows}


def history(session: Session, mentoring: MentorSession) -> list[tuple[AuditEvent, str | None]]:
    """The session's audit records, oldest first, each with the name of who acted."""
    stmt = (
        select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == "mentor_session", AuditEvent.object_id == mentoring.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )  # fmt: skip
    return [(event, name) for event, name in session.execute(stmt)]
