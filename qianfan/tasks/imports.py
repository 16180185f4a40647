"""The import task: a staff upload run by qianfan.importing, all or nothing, its report kept on the job.

The report (counts and every refused row with its reasons) is stored as JSON in the job's result;
`report_from_result` gives the page back an ImportReport, for its tables and the refused-rows download.
"""

from __future__ import annotations

from ingest.problems import FileRejected, Problem
from models import User
from qianfan.importing import ImportRejected, ImportReport, RejectedRow, run_import
from qianfan.tasks.queue import register
from qianfan.tasks.runner import JobRun, execute


def import_work(run: JobRun) -> None:
    args = run.args
    base = {"filename": args["filename"], "kind": args["kind"]}
    session = run.db.sessionmaker()
    try:
        try:
            report = run_import(
                session, args["kind"], run.payload or b"", args["filename"], settings=run.settings,
                skip_invalid=args.get("skip_invalid", False), dry_run=args.get("dry_run", False),
                progress=run.progress, actor=session.get(User, args["actor_id"]) if args.get("actor_id") else None,
            )  # fmt: skip
            result = {**base, "report": report.to_dict(), "imported": not report.dry_run}
            if report.dry_run:
                session.rollback()
        except ImportRejected as err:
            session.rollback()
            result = {**base, "report": err.report.to_dict(), "imported": False}
        except FileRejected as err:
            session.rollback()
            result = {**base, "problems": [p.to_dict() for p in err.problems], "imported": False}
        run.finish(session, result)
        session.commit()
    finally:
        session.close()


@register("import_file")
def import_file(job_id: str) -> None:
    execute(job_id, import_work)


def report_from_result(data: dict) -> ImportReport:
    """The ImportReport a job's result holds (see ImportReport.to_dict)."""
    data = dict(data)
    rejected = data.pop("rejected", [])
    data.pop("rejected_count", None)
    known = ImportReport.__dataclass_fields__
    report = ImportReport(**{k: v for k, v in data.items() if k in known})
    report.rejected = [
        RejectedRow(r.get("row"), r.get("sheet"), r.get("cells") or {}, problems_from_result(r.get("problems")))
        for r in rejected
    ]
    return report


def problems_from_result(items: list[dict] | None) -> list[Problem]:
    known = Problem.__dataclass_fields__
    return [Problem(**{k: v for k, v in item.items() if k in known}) for item in items or []]
