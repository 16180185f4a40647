"""The rematch tasks: a full rematch (staff, schedule) and a firm's changed postings matched again.

Each calls the matching service in one unit of work and marks the job finished in the same
transaction, so the matches and the job's "finished" are committed together or not at all.
"""

from __future__ import annotations

from qianfan.tasks.queue import register
from qianfan.tasks.runner import JobRun, execute


def rematch_all_work(run: JobRun) -> None:
    from qianfan import matching

    with run.db.session_scope() as session:
        summary = matching.rematch_all(session, progress=run.progress, settings=run.settings)
        run.finish(session, {"summary": summary})


def rematch_postings_work(run: JobRun) -> None:
    """args: {"postings": [[kind, id], ...]}: listings or packages a firm changed."""
    from qianfan.postings import posting_kind, rematch_posting

    due = [tuple(item) for item in run.args.get("postings", [])]
    with run.db.session_scope() as session:
        for done, (kind, posting_id) in enumerate(due):
            run.progress("matching", done, len(due))
            posting = session.get(posting_kind(kind).model, posting_id)
            if posting is not None:  # deleted since: nothing to match
                rematch_posting(session, kind, posting)
        run.progress("matching", len(due), len(due))
        run.finish(session, {"postings": [list(item) for item in due]})


@register("rematch_all")
def rematch_all(job_id: str) -> None:
    execute(job_id, rematch_all_work)


@register("rematch_postings")
def rematch_postings(job_id: str) -> None:
    execute(job_id, rematch_postings_work)
