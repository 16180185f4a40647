"""The rematch tasks: a full rematch (staff, schedule) and a firm's changed postings matched again.

Each calls the matching service, which commits its lists in short batches and makes them current at
its end, then marks the job finished.
"""

from __future__ import annotations

from qianfan.tasks.queue import register
from qianfan.tasks.runner import JobRun, execute


def rematch_all_work(run: JobRun) -> None:
    # The rematch writes a new generation of lists in short transactions and switches to it at the end
    # (qianfan.matching): killed before the switch, the previous lists stay whole and the job is re-run.
    from qianfan import matching

    summary = matching.rematch_all(run.db, progress=run.progress, settings=run.settings)
    with run.db.session_scope() as session:
        run.finish(session, {"summary": summary})


def rematch_postings_work(run: JobRun) -> None:
    """args: {"postings": [[kind, id], ...]}: postings published, edited, closed or withdrawn."""
    from qianfan import matching

    due = [tuple(item) for item in run.args.get("postings", [])]
    run.progress("matching", 0, 1)
    matching.rematch_postings(run.db, due, settings=run.settings)
    run.progress("matching", 1, 1)
    with run.db.session_scope() as session:
        run.finish(session, {"postings": [list(item) for item in due]})


@register("rematch_all")
def rematch_all(job_id: str) -> None:
    execute(job_id, rematch_all_work)


@register("rematch_postings")
def rematch_postings(job_id: str) -> None:
    execute(job_id, rematch_postings_work)
