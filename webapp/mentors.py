"""Mentor pages: a small firm's recommended mentors and its session requests, a mentor's requests and
sessions, and the staff's register of mentors (qianfan.mentors holds every rule; views parse and render).

Who sees what: a small firm sees active mentors and its own sessions; a mentor its own profile and the
sessions asked of it; staff everything (they register mentors, never act in a session). Any other
session id is a 404, whoever asks.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from models import Company
from models.errors import DomainError, Forbidden, NotFound, ValidationError
from models.lifecycle import allowed_next
from models.mentor import MENTOR_MODES
from qianfan.mentors import matching, registry, sessions
from qianfan.reading import names
from webapp.access import roles_required, staff_required
from webapp.database import commit, get_session
from webapp.errors import translate
from webapp.moves import run_move
from webapp.pagination import page_request

bp = Blueprint("mentors", __name__)
FIRM_PAGES = ("small_firm", "staff", "admin")
SESSION_PAGES = ("small_firm", "mentor", "staff", "admin")
RECOMMENDED_SHOWN = 20


# --- the small firm's pages -------------------------------------------------------------------------


@bp.get("/mentors/")
@roles_required(*FIRM_PAGES)
def index():
    """Recommended mentors (small firms) and every active mentor, searchable by a word."""
    session = get_session()
    recommended, open_requests = [], {}
    if current_user.role == "small_firm":
        recommended = matching.firm_mentors(session, current_user.company, limit=RECOMMENDED_SHOWN)
        open_requests = sessions.open_with(session, current_user.company_id, [r.mentor.id for r in recommended])
    query = request.args.get("q", "")
    page = registry.mentors_page(session, page_request("name"), query, active_only=not current_user.is_staff)
    return render_template("mentors/index.html", recommended=recommended, open_requests=open_requests,
                           page=page, query=query)  # fmt: skip


@bp.get("/mentors/<int:mentor_id>")
@roles_required(*SESSION_PAGES)
def show(mentor_id: int):
    """A mentor's profile; for the firm, why the mentor fits it and the request form; for the mentor and
    staff, the small firms the mentor fits best."""
    session = get_session()
    mentor = registry.visible_mentor(session, current_user, mentor_id)
    why, pending, fits = None, None, []
    if current_user.role == "small_firm":
        found = matching.score_of(session, current_user.company_id, mentor.id)
        if found:
            score, parts = found
            why = matching.MentorRecommendation(mentor, current_user.company, score, parts, 0,
                                                matching.explained(session, current_user.company, mentor, score, parts))  # fmt: skip
        pending = sessions.open_with(session, current_user.company_id, [mentor.id]).get(mentor.id)
    else:
        fits = ranked_firms(session, matching.mentor_firm_ids(session, mentor.id)[:10])
    return render_template("mentors/show.html", mentor=mentor, why=why, pending=pending, fits=fits)


def ranked_firms(session, ranked: list[tuple[int, float]]) -> list[tuple[Company, float]]:
    """(company, score) of a mentor's ranked firms, best first (the API's profile shows them too)."""
    ids = [i for i, _ in ranked]
    companies = {c.id: c for c in session.scalars(select(Company).where(Company.id.in_(ids)))} if ids else {}
    return [(companies[i], score) for i, score in ranked if i in companies]


@bp.post("/mentors/<int:mentor_id>/request")
@roles_required("small_firm")
def request_session(mentor_id: int):
    session = get_session()
    registry.visible_mentor(session, current_user, mentor_id)  # 404 for a mentor the firm may not see
    try:
        mentoring = sessions.request_session(session, current_user, mentor_id, request.form.get("topic", ""),
                                             request.form.get("message", ""))  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as err:
        flash(translate(err), "error")
        return redirect(url_for("mentors.show", mentor_id=mentor_id))
    commit()
    flash(_("Your request was sent to the mentor."), "success")
    return redirect(url_for("mentors.session_show", session_id=mentoring.id))


# --- sessions (firm, mentor, staff) ----------------------------------------------------------------


@bp.get("/mentors/sessions/")
@roles_required(*SESSION_PAGES)
def session_list():
    status = request.args.get("status") or None
    page = sessions.sessions_page(get_session(), current_user, page_request("-updated_at"), status)
    return render_template("mentors/sessions.html", page=page, status=status)


@bp.get("/mentors/sessions/<int:session_id>")
@roles_required(*SESSION_PAGES)
def session_show(session_id: int):
    session = get_session()
    mentoring = sessions.visible(session, current_user, session_id)
    return render_template("mentors/session.html", mentoring=mentoring, moves=allowed_next(mentoring),
                           history=sessions.history(session, mentoring))  # fmt: skip


def _move(session_id: int, do, done: str):
    """Run one move; a refused one is said on the session's page; another's session stays a 404."""
    run_move(do, done)
    return redirect(url_for("mentors.session_show", session_id=session_id))


@bp.post("/mentors/sessions/<int:session_id>/withdraw")
@roles_required("small_firm")
def withdraw(session_id: int):
    return _move(session_id, lambda s: sessions.withdraw(s, current_user, session_id, request.form.get("reason", "")),
                 _("You withdrew the request; the mentor is told."))  # fmt: skip


@bp.post("/mentors/sessions/<int:session_id>/accept")
@roles_required("mentor")
def accept(session_id: int):
    return _move(session_id, lambda s: sessions.accept(s, current_user, session_id),
                 _("Accepted; the firm is told."))  # fmt: skip


@bp.post("/mentors/sessions/<int:session_id>/decline")
@roles_required("mentor")
def decline(session_id: int):
    return _move(session_id, lambda s: sessions.decline(s, current_user, session_id, request.form.get("reason", "")),
                 _("Declined; the firm is told why."))  # fmt: skip


@bp.post("/mentors/sessions/<int:session_id>/held")
@roles_required("mentor")
def record_held(session_id: int):
    return _move(session_id, lambda s: sessions.record_held(s, current_user, session_id, request.form.get("note", "")),
                 _("The session is recorded as held."))  # fmt: skip


@bp.post("/mentors/sessions/<int:session_id>/cancel")
@roles_required("small_firm", "mentor")
def cancel(session_id: int):
    return _move(session_id, lambda s: sessions.cancel(s, current_user, session_id, request.form.get("reason", "")),
                 _("The session is cancelled; the other side is told why."))  # fmt: skip


# --- staff: the register of mentors ----------------------------------------------------------------


def _form() -> registry.MentorForm:
    data = request.form
    return registry.MentorForm(
        name=data.get("name", ""), title=data.get("title", ""), expertise=data.get("expertise", ""),
        bio=data.get("bio", ""), industries=data.get("industries", ""), regions=data.get("regions", ""),
        sessions_per_month=data.get("sessions_per_month", ""), mode=data.get("mode", "both"),
        active=data.get("active") == "1",
    )  # fmt: skip


def _form_of(mentor) -> registry.MentorForm:
    return registry.MentorForm(
        name=mentor.name, title=mentor.title or "", expertise=mentor.expertise, bio=mentor.bio or "",
        industries="；".join(names.industry_for_form(c) for c in mentor.industry_codes or ()),
        regions="；".join(names.region_for_form(c) for c in mentor.region_codes or ()),
        sessions_per_month=str(mentor.sessions_per_month), mode=mentor.mode, active=mentor.active,
    )  # fmt: skip


def _rematch() -> None:
    """Rank the mentor side again after the commit (qianfan.tasks' scheduled catch-up, started now)."""
    from webapp.background import TaskCall, get_jobs

    get_jobs().start("rematch", current_user.id, TaskCall("rematch_changed", {}))


def _render_form(form, mentor=None, error: ValidationError | None = None, status: int = 200):
    return render_template("mentors/form.html", form=form, mentor=mentor, modes=MENTOR_MODES,
                           error=error, error_text=translate(error) if error else None), status  # fmt: skip


@bp.get("/staff/mentors")
@staff_required
def staff_list():
    query = request.args.get("q", "")
    page = registry.mentors_page(get_session(), page_request("name"), query)
    return render_template("mentors/staff_list.html", page=page, query=query)


@bp.route("/staff/mentors/new", methods=["GET", "POST"])
@staff_required
def staff_new():
    if request.method == "GET":
        return _render_form(registry.MentorForm())
    form = _form()
    try:
        mentor = registry.create_mentor(get_session(), current_user, form)
    except ValidationError as err:
        get_session().rollback()
        return _render_form(form, error=err, status=422)
    commit()
    _rematch()
    flash(_("Mentor “%(name)s” registered; matching runs in the background.", name=mentor.name), "success")
    return redirect(url_for("mentors.show", mentor_id=mentor.id))


@bp.route("/staff/mentors/<int:mentor_id>/edit", methods=["GET", "POST"])
@staff_required
def staff_edit(mentor_id: int):
    session = get_session()
    mentor = registry.get_mentor(session, mentor_id)
    if request.method == "GET":
        return _render_form(_form_of(mentor), mentor)
    form = _form()
    try:
        registry.update_mentor(session, current_user, mentor_id, form)
    except ValidationError as err:
        session.rollback()
        return _render_form(form, registry.get_mentor(session, mentor_id), err, 422)
    commit()
    _rematch()
    flash(_("Saved; matching runs in the background."), "success")
    return redirect(url_for("mentors.show", mentor_id=mentor_id))


@bp.post("/staff/mentors/<int:mentor_id>/login")
@staff_required
def staff_login(mentor_id: int):
    session = get_session()
    registry.get_mentor(session, mentor_id)
    try:
        user = registry.give_login(session, current_user, mentor_id, request.form.get("username", ""),
                                   request.form.get("password", ""), request.form.get("email"))  # fmt: skip
    except ValidationError as err:
        session.rollback()
        flash(translate(err), "error")
    else:
        commit()
        flash(_("Login “%(username)s” created for the mentor.", username=user.username), "success")
    return redirect(url_for("mentors.show", mentor_id=mentor_id))
