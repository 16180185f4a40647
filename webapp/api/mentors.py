"""Start-up mentors (千名创业导师) in the API, over the same services as the pages (qianfan.mentors):

- a small firm: its recommended mentors with why each fits, the mentors' register and profiles, asking
  for a session, withdrawing a request or cancelling an accepted session;
- a mentor: the requests asked of it, accept or decline, record a session held with a note, cancel;
- staff: every mentor and session, and the mentors' counters (they read, never act).

Another firm's or mentor's session is 404, a role the move is not for 403, a move the session's state
refuses 409. A session's ETag moves with every change; moves check If-Match when it is sent.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from models.lifecycle import allowed_next
from qianfan.mentors import matching, registry, sessions
from qianfan.stats.counters import mentor_counters
from webapp.api import etags, schemas
from webapp.api import mentor_schemas as ms
from webapp.api.auth import authenticate, require_role
from webapp.api.common import body, page_request_from, with_errors
from webapp.database import commit, get_session
from webapp.mentors import ranked_firms

bp = Blueprint("api_mentors", __name__, url_prefix="/mentors",
               description="Mentors: recommended to small firms with why, profiles, asking for a session")  # fmt: skip
sessions_bp = Blueprint("api_mentor_sessions", __name__, url_prefix="/mentor-sessions",
                        description="Mentoring sessions: the firm's requests and the mentor's answers")  # fmt: skip
for _bp in (bp, sessions_bp):
    _bp.before_request(authenticate)

FIRM, MENTOR, STAFF = ("small_firm",), ("mentor",), ("staff", "admin")
REGISTER = (*FIRM, *STAFF)  # the mentors' list, as the page /mentors/
SESSION_ROLES = (*FIRM, *MENTOR, *STAFF)
# The moves each side may make, by the status they lead to (models.lifecycle), as the session page offers.
SIDE_MOVES = {"small_firm": {"withdrawn": "withdraw", "cancelled": "cancel"},
              "mentor": {"accepted": "accept", "declined": "decline", "held": "held", "cancelled": "cancel"}}  # fmt: skip


def blueprints() -> tuple[Blueprint, ...]:
    return bp, sessions_bp


@bp.route("/recommended", methods=["GET"], endpoint="recommended")
@bp.arguments(ms.RecommendedArgs, location="query", as_kwargs=True)
@bp.response(200, ms.RecommendedList)
@with_errors(bp, 403, 422)
def recommended(limit: int = 20):
    """Small firms: the mentors that fit your firm best, best first, each with why (shared terms, rules
    passed) and your open request with it, if any."""
    require_role(*FIRM)
    session = get_session()
    found = matching.firm_mentors(session, current_user.company, limit=limit)
    open_requests = sessions.open_with(session, current_user.company_id, [r.mentor.id for r in found])
    return {"items": [{**ms.why(r), "mentor": ms.mentor(r.mentor),
                       "open_session_id": open_requests[r.mentor.id].id if r.mentor.id in open_requests else None}
                      for r in found]}  # fmt: skip


@bp.route("", methods=["GET"], endpoint="list")
@bp.arguments(ms.MentorArgs, location="query", as_kwargs=True)
@bp.response(200, ms.MentorPage)
@with_errors(bp, 403, 422)
def list_mentors(q=None, **paging):
    """The mentors, by name, narrowed by a word of the name or expertise (small firms: active ones)."""
    require_role(*REGISTER)
    page = registry.mentors_page(get_session(), page_request_from({**paging, "sort": paging.get("sort") or "name"}),
                                 q or "", active_only=not current_user.is_staff)  # fmt: skip
    return {"items": [ms.mentor(m) for m in page.items], "paging": schemas.page_info(page)}


@bp.route("/<int:mentor_id>", methods=["GET"], endpoint="show")
@bp.response(200, ms.MentorDetail)
@with_errors(bp, 403, 404)
def show(mentor_id: int):
    """A mentor's profile; for a small firm, why the mentor fits it and its open request; for the mentor
    itself and staff, the small firms it fits best."""
    require_role(*SESSION_ROLES)
    session = get_session()
    mentor = registry.visible_mentor(session, current_user, mentor_id)
    why, open_id, fits = None, None, []
    if current_user.role == "small_firm":
        found = matching.score_of(session, current_user.company_id, mentor.id)
        if found:
            score, parts = found
            reasons = matching.explained(session, current_user.company, mentor, score, parts)
            why = ms.why(matching.MentorRecommendation(mentor, current_user.company, score, parts, 0, reasons))
        pending = sessions.open_with(session, current_user.company_id, [mentor.id]).get(mentor.id)
        open_id = pending.id if pending else None
    else:
        fits = [{"company": ms.company(c), "score": score}
                for c, score in ranked_firms(session, matching.mentor_firm_ids(session, mentor.id)[:10])]
    return {**ms.mentor(mentor), "why": why, "open_session_id": open_id, "fits": fits}


def _session_answer(mentoring, status: int = 200):
    actions = sorted(SIDE_MOVES.get(current_user.role, {})[s] for s in allowed_next(mentoring)
                     if s in SIDE_MOVES.get(current_user.role, {}))  # fmt: skip
    history = [{"at": e.at, "actor": name, "actor_company": None, "object_type": e.object_type,
                "action": e.action, "from_status": e.from_status, "to_status": e.to_status, "reason": e.reason}
               for e, name in sessions.history(get_session(), mentoring)]  # fmt: skip
    return {**ms.session_out(mentoring), "actions": actions, "history": history}, status, etags.headers(mentoring)


@bp.route("/<int:mentor_id>/sessions", methods=["POST"], endpoint="request_session")
@body(bp, ms.RequestIn)
@bp.response(201, ms.SessionDetail, headers=etags.ETAG_HEADER)
@with_errors(bp, 403, 404, 422)
def request_session(data, mentor_id: int):
    """Small firms: ask a mentor for a session on a topic; the mentor is told. One open request per mentor."""
    require_role(*FIRM)
    session = get_session()
    registry.visible_mentor(session, current_user, mentor_id)
    mentoring = sessions.request_session(session, current_user, mentor_id, data["topic"], data.get("message") or "")
    commit()
    return _session_answer(mentoring, 201)


@bp.route("/counters", methods=["GET"], endpoint="counters")
@bp.response(200, ms.MentorCounters)
@with_errors(bp, 403)
def counters():
    """Staff: mentors registered and active, requests, sessions accepted and held (the dashboard's)."""
    require_role(*STAFF)
    return mentor_counters(get_session())


@sessions_bp.route("", methods=["GET"], endpoint="list")
@sessions_bp.arguments(ms.SessionArgs, location="query", as_kwargs=True)
@sessions_bp.response(200, ms.SessionPage)
@with_errors(sessions_bp, 403, 422)
def list_sessions(status=None, **paging):
    """The sessions you may see: your firm's requests, those asked of you as a mentor, all for staff."""
    require_role(*SESSION_ROLES)
    page = sessions.sessions_page(get_session(), current_user, page_request_from(paging), status)
    return {"items": [ms.session_out(m) for m in page.items], "paging": schemas.page_info(page)}


@sessions_bp.route("/<int:session_id>", methods=["GET"], endpoint="show")
@sessions_bp.response(200, ms.SessionDetail, headers=etags.ETAG_HEADER)
@with_errors(sessions_bp, 403, 404)
def show_session(session_id: int):
    """One session: the request, the answer, the note once held, its history and the moves open to you."""
    require_role(*SESSION_ROLES)
    return _session_answer(sessions.visible(get_session(), current_user, session_id))


# (endpoint, path part, roles, body schema, service call, summary), as the session page's buttons.
MOVES = (
    ("withdraw", "withdraw", FIRM, schemas.ReasonIn,
     lambda s, i, d: sessions.withdraw(s, current_user, i, d["reason"]),
     "Firm: take back a request not yet answered, saying why."),
    ("accept", "accept", MENTOR, None, lambda s, i, d: sessions.accept(s, current_user, i),
     "Mentor: accept the request; the firm is told."),
    ("decline", "decline", MENTOR, schemas.ReasonIn, lambda s, i, d: sessions.decline(s, current_user, i, d["reason"]),
     "Mentor: decline the request, saying why."),
    ("record_held", "held", MENTOR, ms.NoteIn, lambda s, i, d: sessions.record_held(s, current_user, i, d["note"]),
     "Mentor: record an accepted session as held, with a short note of what it covered."),
    ("cancel", "cancel", (*FIRM, *MENTOR), schemas.ReasonIn,
     lambda s, i, d: sessions.cancel(s, current_user, i, d["reason"]),
     "Firm or mentor: cancel an accepted session that will not take place, saying why."),
)  # fmt: skip


def _register_move(endpoint, part, roles, body_schema, call, summary) -> None:
    @sessions_bp.response(200, ms.SessionDetail, headers=etags.ETAG_HEADER)
    @sessions_bp.doc(summary=summary, parameters=[etags.IF_MATCH])
    @with_errors(sessions_bp, 403, 404, 409, 412, *((422,) if body_schema else ()))
    def view(*args, session_id: int):
        require_role(*roles)
        session = get_session()
        etags.check(sessions.visible(session, current_user, session_id), required=False)
        mentoring = call(session, session_id, args[0] if args else {})
        session.flush()
        commit()
        return _session_answer(mentoring)

    view.__name__ = f"move_{endpoint}"
    if body_schema is not None:
        view = body(sessions_bp, body_schema)(view)
    sessions_bp.route(f"/<int:session_id>/{part}", methods=["POST"], endpoint=endpoint)(view)


for _move in MOVES:
    _register_move(*_move)
