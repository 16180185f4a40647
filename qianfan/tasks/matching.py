"""The rematch tasks: a full rematch (staff), the scheduled catch-up of what changed, and the postings a
request changed, matched again after its commit.

Each calls the matching service, which commits its lists in short batches and makes them current at
its end, then marks the job finished.
"""

from __future__ import annotations

import logging

from qianfan import jobs
from qianfan.tasks.queue import register
from qianfan.tasks.runner import JobRun, execute


def rematch_all_work(run: JobRun) -> None:
    # The rematch writes a new generation of lists in short transactions and switches to it at the end
    # (qianfan.matching): killed before the switch, the previous lists stay whole and the job is re-run.
    from qianfan import matching

    free_dead_rematch_locks(run.db)
    summary = matching.rematch_all(run.db, progress=run.progress, settings=run.settings)
    with run.db.session_scope() as session:
        run.finish(session, {"summary": summary})


def rematch_postings_work(run: JobRun) -> None:
    """args: {"postings": [[kind, id], ...]}: postings published, edited, closed or withdrawn."""
    from qianfan import matching

    due = [tuple(item) for item in run.args.get("postings", [])]
    free_dead_rematch_locks(run.db)
    run.progress("matching", 0, 1)
    matching.rematch_postings(run.db, due, settings=run.settings)
    run.progress("matching", 1, 1)
    with run.db.session_scope() as session:
        run.finish(session, {"postings": [list(item) for item in due]})


def rematch_changed_work(run: JobRun) -> None:
    """The scheduled catch-up: what changed since it was ranked (a side ranked whole when its weights,
    rules or words changed)."""
    from qianfan import matching

    free_dead_rematch_locks(run.db)
    run.progress("matching", 0, 1)
    done = matching.rematch_changed(run.db, settings=run.settings)
    run.progress("matching", 1, 1)
    with run.db.session_scope() as session:
        run.finish(session, {"changed": done.get("changed", {})})


@register("rematch_changed")
def rematch_changed(job_id: str) -> None:
    execute(job_id, rematch_changed_work)


@register("rematch_all")
def rematch_all(job_id: str) -> None:
    execute(job_id, rematch_all_work)


@register("rematch_postings")
def rematch_postings(job_id: str) -> None:
    execute(job_id, rematch_postings_work)


def free_dead_rematch_locks(db) -> None:
    """Free the side locks whose holder is a dead process of this host (a worker killed mid-rematch)."""
    # qianfan.matching takes a lock over once it is LOCK_STALE_SECONDS old; a holder that is a dead
    # process of this host (qianfan.jobs.holder_gone) is known dead at once, so its re-run need not wait.
    from sqlalchemy import select, update

    from models.ranking import RankingState

    table = RankingState.__table__
    with db.engine.begin() as connection:
        held = connection.execute(select(table.c.side, table.c.locked_by).where(table.c.locked_by.is_not(None))).all()
        for side, holder in held:
            if jobs.holder_gone(holder):
                connection.execute(
                    update(table).where(table.c.side == side, table.c.locked_by == holder)
                    .values(locked_by=None, locked_at=None)
                )  # fmt: skip
                logging.getLogger(__name__).warning("the %s rematch lock of dead process %s was freed", side, holder)
