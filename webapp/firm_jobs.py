"""Matching a firm's change again in the background, with its progress on the page.

Ranking a change again takes up to seconds at programme scale (a changed listing rebuilds the matcher's
index of candidates): too long to hold a request, and the firm should see that its recommendations are
being updated. So the web app hands qianfan.postings a `rematch` that keeps every change for a job started
after the commit (webapp.background, qianfan.tasks.matching); the page polls `/matching/<job_id>` until the
job has finished, from whichever server process answers.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify
from flask_login import current_user
from sqlalchemy.orm import Session

from webapp.access import roles_required
from webapp.background import TaskCall, get_jobs

JOB_KIND = "firm-rematch"

bp = Blueprint("firm_jobs", __name__)


class DeferredRematch:
    """The `rematch` the web app gives qianfan.postings: every change is ranked again after the commit."""

    def __init__(self) -> None:
        self.due: list[tuple[str, int]] = []

    def __call__(self, session: Session, kind: str, posting) -> None:
        if (kind, posting.id) not in self.due:
            self.due.append((kind, posting.id))

    def start(self) -> str | None:
        """Start one job for all that is due (call it after the commit); the job's id, or None."""
        if not self.due:
            return None
        call = TaskCall("rematch_postings", {"postings": [list(item) for item in self.due]})
        return get_jobs().start(JOB_KIND, current_user.id, call).id


@bp.get("/matching/<job_id>")
@roles_required("large_firm", "small_firm", "service_org")
def status(job_id: str):
    """How far the rematch started by this user has got (JSON); someone else's job is a 404."""
    job = get_jobs().get(job_id)
    if job is None or job.kind != JOB_KIND or job.started_by != current_user.id:
        abort(404)
    return jsonify(job.as_json())
