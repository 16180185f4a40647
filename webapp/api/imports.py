"""Imports for programme staff, as on the imports page: upload a file (XLSX, CSV, JSON) of one kind, follow
its job, read the refused rows with every reason (qianfan.importing through the job queue)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from marshmallow import ValidationError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from models.errors import DomainError
from webapp.api import schemas
from webapp.api.auth import authenticate, require_role
from webapp.api.common import with_errors
from webapp.api.errors import MESSAGES, both
from webapp.background import get_jobs
from webapp.errors import translate
from webapp.staff_jobs import import_work

bp = Blueprint("api_imports", __name__, url_prefix="/imports",
               description="Staff: batch imports from alliances and associations")  # fmt: skip
bp.before_request(authenticate)
STAFF = ("staff", "admin")


def _job_json(job) -> dict:
    report = job.result.get("report")
    error = job.result.get("error")
    message = None
    if isinstance(error, DomainError):
        message = both(lambda: translate(error))
    elif error is not None:
        message = both(lambda: MESSAGES[500])
    return {**job.as_json(), "report": report.summary() if report is not None else None, "error": message}


def _import_job(job_id: str):
    job = get_jobs().get(job_id)
    if job is None or job.kind != "import":
        raise NotFound()
    return job


UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["kind", "file"], "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": list(schemas.IMPORT_KINDS)},
        "skip_invalid": {"type": "boolean", "description": "Import the valid rows and list the others."},
        "dry_run": {"type": "boolean", "description": "Only check the file; import nothing."},
        "file": {"type": "string", "format": "binary", "description": "XLSX, CSV or JSON."},
    },
}}}}  # fmt: skip


def _upload_args() -> tuple[dict, object]:
    """The multipart form's fields and its file, checked as the schema says (422 naming each field)."""
    problems = {}
    try:
        form = schemas.ImportIn().load(request.form.to_dict())
    except ValidationError as err:
        form, problems = {}, dict(err.messages)
    upload = request.files.get("file")
    if upload is None:
        problems["file"] = ["Missing data for required field."]
    if problems:
        abort(422, messages=problems)
    return form, upload


@bp.route("", methods=["POST"], endpoint="create")
@bp.response(202, schemas.JobOut)
@bp.doc(requestBody=UPLOAD_BODY)
@with_errors(bp, 403, 413, 422)
def create():
    """Upload one file of `kind` (multipart/form-data); the import runs as a job. Over IMPORT_MAX_BYTES
    (20 MB by default) is 413. Without skip_invalid nothing is imported if any row is refused."""
    require_role(*STAFF)
    form, upload = _upload_args()
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    job = get_jobs().start("import", current_user.id, import_work(
        kind=form["kind"], data=data, filename=upload.filename or "upload", skip_invalid=form["skip_invalid"],
        dry_run=form["dry_run"], settings=dict(current_app.config), actor_id=current_user.id,
    ))  # fmt: skip
    return _job_json(job), 202, {"Location": url_for("api_imports.show", job_id=job.id)}


@bp.route("/<job_id>", methods=["GET"], endpoint="show")
@bp.response(200, schemas.JobOut)
@with_errors(bp, 403, 404)
def show(job_id: str):
    """The import job: its state and progress, then the counts of what it did (or why it failed)."""
    require_role(*STAFF)
    return _job_json(_import_job(job_id))


@bp.route("/<job_id>/rejected", methods=["GET"], endpoint="rejected")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.RejectedPage)
@with_errors(bp, 403, 404, 422)
def rejected(job_id: str, page: int, per_page: int):
    """The rows the import refused: where each was, its cells as written, and every reason (zh and en)."""
    require_role(*STAFF)
    report = _import_job(job_id).result.get("report")
    rows = list(report.rejected) if report is not None else []
    pages = max(1, -(-len(rows) // per_page))
    page = min(page, pages)
    items = [r.to_dict() for r in rows[(page - 1) * per_page : page * per_page]]
    return {"items": items, "paging": {"page": page, "per_page": per_page, "total": len(rows),
                                       "pages": pages, "sort": "row"}}  # fmt: skip
