"""The staff's long work as queued jobs (webapp.background): a file import and a full rematch, and
running again a job whose worker died.

`import_work` and `rematch_work` say what a job is to do (a task of qianfan.tasks with its arguments);
the views hand them to `get_jobs().start(...)`. The uploaded file travels in the job's row, so any
worker can read it and a re-run imports the same file.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user

from webapp.access import staff_required
from webapp.background import TaskCall, get_jobs

bp = Blueprint("staff_jobs", __name__, url_prefix="/staff")


def import_work(
    *,
    kind: str,
    data: bytes,
    filename: str,
    skip_invalid: bool,
    dry_run: bool,
    settings: dict | None = None,
    actor_id: int,
) -> TaskCall:
    """Import one uploaded file (qianfan.tasks.imports); the worker's settings give the limits."""
    return TaskCall(
        "import_file",
        {"kind": kind, "filename": filename[:255], "skip_invalid": bool(skip_invalid), "dry_run": bool(dry_run),
         "actor_id": actor_id},
        payload=data,
    )  # fmt: skip


def rematch_work(*, settings: dict | None = None) -> TaskCall:
    """Recompute every match (qianfan.matching's full rematch), e.g. after a change of the matching rules."""
    return TaskCall("rematch_all")


@bp.post("/jobs/<job_id>/rerun")
@staff_required
def rerun(job_id: str):
    """Queue again what an interrupted or failed job was doing; on to the new job's page."""
    job = get_jobs().get(job_id)
    if job is None:
        abort(404)
    if not job.can_rerun:
        return redirect(url_for("staff.job", job_id=job.id))
    return redirect(url_for("staff.job", job_id=get_jobs().rerun(job.id, current_user.id).id))
