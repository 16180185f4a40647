"""The staff's long work as background jobs (webapp.background): a file import and a full rematch.

Each returns the `work(job, db)` callable the job runner calls in its thread: it opens its own unit of
work, reports progress, and commits once, or rolls back (a refused all-or-nothing import, a dry run).
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.problems import FileRejected
from models import User
from qianfan.db import Database
from qianfan.importing import ImportRejected, run_import
from webapp.background import Job


def import_work(
    *,
    kind: str,
    data: bytes,
    filename: str,
    skip_invalid: bool,
    dry_run: bool,
    settings: dict,
    actor_id: int,
) -> Callable[[Job, Database], dict]:
    """Import one uploaded file; the result holds the report (or the file's problems) for the result page."""

    def work(job: Job, db: Database) -> dict:
        job.result = {"filename": filename, "kind": kind}
        session = db.sessionmaker()
        try:
            report = run_import(
                session, kind, data, filename, settings=settings, skip_invalid=skip_invalid,
                dry_run=dry_run, progress=job.progress, actor=session.get(User, actor_id),
            )  # fmt: skip
            if dry_run:
                session.rollback()
            else:
                session.commit()
            return {**job.result, "report": report, "imported": not dry_run}
        except ImportRejected as err:
            session.rollback()
            return {**job.result, "report": err.report, "imported": False}
        except FileRejected as err:
            session.rollback()
            return {**job.result, "problems": err.problems, "imported": False}
        finally:
            session.close()

    return work


def rematch_work(*, settings: dict) -> Callable[[Job, Database], dict]:
    """Recompute every match (qianfan.matching's full rematch), e.g. after a change of the matching rules."""

    def work(job: Job, db: Database) -> dict:
        from qianfan import matching

        with db.session_scope() as session:
            summary = matching.rematch_all(session, progress=job.progress, settings=settings)
        return {"summary": summary}

    return work
