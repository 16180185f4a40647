"""One database session per request: views and services use `get_session()`; the request commits.

Services only flush. A view that changed something calls `commit()` once at its end; any session left
with uncommitted work at teardown is rolled back, so a failed request changes nothing.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from qianfan.db import Database


def init_app(app: Flask) -> None:
    app.extensions["qianfan_db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def get_db() -> Database:
    return current_app.extensions["qianfan_db"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def commit() -> None:
    """Commit the request's work; postings it changed are then ranked again in a background job."""
    session = get_session()
    session.commit()
    due = session.info.pop("rematch_due", None)
    if due:
        g.rematch_job_id = _start_rematch(due)


def _start_rematch(due: list[tuple[str, int]]) -> str:
    from flask_login import current_user

    from webapp.background import TaskCall, get_jobs
    from webapp.firm_jobs import JOB_KIND

    call = TaskCall("rematch_postings", {"postings": [list(item) for item in due]})
    started_by = current_user.id if current_user and current_user.is_authenticated else None
    return get_jobs().start(JOB_KIND, started_by, call).id


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
