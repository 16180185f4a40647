"""Jobs on the queue (qianfan.tasks, qianfan.jobs), run at once (immediate mode) in this process:
results kept in the job's row, failures named, dead workers' jobs shown interrupted and re-run, the
scheduled rematch run once per slot; and `qianfan match`, the same rematch from the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from models import Company, Job
from qianfan import jobs, tasks
from qianfan.cli import main
from qianfan.config import DEFAULTS
from qianfan.db import Database
from qianfan.jobs import rematch_job
from qianfan.tasks import schedule
from qianfan.tasks.matching import rematch_all
from tests.factories import Factory

COMPANIES = "企业名称,企业类型,所在区域\n北京千帆测试科技有限公司,小微企业,海淀区\n北京远帆测试科技有限公司,小微企业,海淀区\n"


def _two_postings(factory, session):
    factory.order(status="published", title="智慧水务漏损监测平台", description="供水管网漏损监测")
    factory.listing(
        status="published", title="水务物联网监测系统", description="管网漏损监测与远传水表"
    )
    session.commit()


def _matches(db) -> int:
    """Pairs recommended in the orders' current kept lists (qianfan.matching)."""
    from qianfan.stats import matched_postings

    with db.sessionmaker() as reader:
        return matched_postings(reader, "order")


def _job(db, job_id) -> Job:
    with db.sessionmaker() as reader:
        return jobs.get(reader, job_id)


def _immediate(db, **settings):
    tasks.configure({**DEFAULTS, "TESTING": True, "DATABASE_URL": db.url, **settings}, db)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_job_commits_its_rematch(db, session, factory):
    _two_postings(factory, session)
    summary = rematch_job(db, dict(DEFAULTS))
    assert summary["order"]["matches"] == 1
    assert _matches(db) == 1


def test_an_import_job_keeps_its_report_in_the_database(db, session, factory):
    _immediate(db)
    staff = factory.user("staff")
    session.commit()
    data = (COMPANIES + ",小微企业,海淀区\n").encode()
    job_id = tasks.enqueue("import", staff.id, "import_file", payload=data, kind="companies",
                           filename="firms.csv", skip_invalid=True, dry_run=False, actor_id=staff.id)  # fmt: skip
    job = _job(db, job_id)
    assert (job.state, job.kind, job.started_by_id) == ("finished", "import", staff.id)
    report = job.result["report"]
    assert (report["inserted"], report["rejected_count"]) == (2, 1)
    assert report["rejected"][0]["row"] == 4 and report["rejected"][0]["problems"][0]["field"]
    assert job.payload is None and job.finished_at is not None  # the file is dropped once done
    assert session.scalar(select(func.count()).select_from(Company).where(Company.name.like("%测试科技%"))) == 2


def test_an_all_or_nothing_import_with_a_bad_row_keeps_nothing_and_says_why(db, session, factory):
    _immediate(db)
    data = (COMPANIES + ",小微企业,海淀区\n").encode()
    job_id = tasks.enqueue("import", None, "import_file", payload=data, kind="companies",
                           filename="firms.csv", skip_invalid=False, dry_run=False, actor_id=None)  # fmt: skip
    job = _job(db, job_id)
    assert job.state == "finished" and job.result["imported"] is False
    assert job.result["report"]["rejected_count"] == 1
    assert session.scalar(select(func.count()).select_from(Company).where(Company.name.like("%测试科技%"))) == 0


def test_a_failing_job_is_failed_with_its_reason_and_can_be_run_again(db, session):
    _immediate(db)
    job_id = tasks.enqueue("import", None, "import_file", payload=b"x", kind="no-such-kind",
                           filename="f.csv", skip_invalid=False, dry_run=False, actor_id=None)  # fmt: skip
    job = _job(db, job_id)
    assert job.state == "failed" and "Unknown kind" in job.error
    assert job.result["error"]["message"].startswith("Unknown kind")
    assert job.payload == b"x"  # kept for a re-run
    again = _job(db, tasks.rerun(job_id, None))
    assert again.rerun_of == job_id and again.state == "failed"


def test_a_running_job_whose_worker_died_is_interrupted_and_its_rerun_completes(db, session, factory):
    _immediate(db)
    _two_postings(factory, session)
    with db.session_scope() as s:
        job = jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None)
        job.state, job.worker = "running", f"{socket.gethostname()}:{_dead_pid()}"
        job_id = job.id
    assert _job(db, job_id).state == "interrupted"
    assert _matches(db) == 0
    rerun = _job(db, tasks.rerun(job_id, None))
    assert rerun.state == "finished" and rerun.rerun_of == job_id
    assert rerun.result["summary"]["order"]["matches"] == 1 and _matches(db) == 1


def test_a_job_on_another_host_is_interrupted_when_its_heartbeat_is_stale(db):
    with db.session_scope() as s:
        job = jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None)
        job.state, job.worker = "running", "elsewhere:123"
        job.heartbeat_at = datetime.now(UTC) - timedelta(seconds=30)
        job_id = job.id
    with db.session_scope() as s:
        assert jobs.get(s, job_id, stale_seconds=60).state == "running"
        assert jobs.get(s, job_id, stale_seconds=10).state == "interrupted"


def test_a_live_worker_keeps_its_job_running_and_a_message_delivered_twice_runs_once(db):
    _immediate(db)
    with db.session_scope() as s:
        job = jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None)
        job.state, job.worker = "running", f"{socket.gethostname()}:{os.getpid()}"
        job_id = job.id
    with db.session_scope() as s:
        assert jobs.recover(s) == []
    rematch_all.call_local(job_id)  # the queue delivering the id again: not queued, skipped
    assert _job(db, job_id).state == "running"


def test_a_holder_on_this_host_is_told_dead_or_alive_and_another_host_is_unknown():
    host = socket.gethostname()
    assert jobs.holder_gone(f"{host}:{_dead_pid()}:ab12") is True
    assert jobs.holder_gone(f"{host}:{os.getpid()}") is False
    assert jobs.holder_gone("elsewhere:1") is None and jobs.holder_gone(None) is None


def test_a_starting_worker_frees_the_rematch_locks_of_dead_processes_only(db):
    from models.ranking import RankingState
    from qianfan.tasks.worker import recover_interrupted

    _immediate(db)
    host = socket.gethostname()
    with db.session_scope() as s:
        s.merge(RankingState(side="order", locked_by=f"{host}:{_dead_pid()}:ab12", locked_at=datetime.now(UTC)))
        s.merge(RankingState(side="service", locked_by=f"{host}:{os.getpid()}:cd34", locked_at=datetime.now(UTC)))
    recover_interrupted()
    with db.sessionmaker() as reader:
        locks = dict(reader.execute(select(RankingState.side, RankingState.locked_by)).all())
    assert locks["order"] is None and locks["service"].endswith(":cd34")


def test_only_interrupted_or_failed_jobs_are_run_again(db):
    _immediate(db)
    with db.session_scope() as s:
        job_id = jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None).id
    try:
        tasks.rerun(job_id, None)
    except Exception as err:  # noqa: BLE001
        assert "Only an interrupted or failed job" in str(err)
    else:
        raise AssertionError("a queued job was run again")


def test_the_scheduled_rematch_is_due_every_interval_and_runs_once_per_slot(db, session, factory):
    _immediate(db, MATCH_SCHEDULE_MINUTES=2)
    _two_postings(factory, session)
    due = [task.name for task in tasks.huey.read_periodic(datetime(2026, 11, 27, 13, 0))]
    assert "scheduled_rematch" in due
    assert "scheduled_rematch" not in [t.name for t in tasks.huey.read_periodic(datetime(2026, 11, 27, 13, 1))]
    schedule.scheduled_rematch.call_local()  # what the consumer runs when it is due
    schedule.scheduled_rematch.call_local()  # a second consumer in the same slot
    with db.sessionmaker() as reader:
        runs = reader.scalars(select(Job).where(Job.kind == "rematch")).all()
    assert len(runs) == 1 and runs[0].state == "finished" and runs[0].schedule_key.startswith("rematch@")
    assert _matches(db) == 1


def test_old_ended_jobs_are_pruned_daily_and_running_ones_kept(db):
    _immediate(db, JOB_KEEP_DAYS=30)
    old = datetime.now(UTC) - timedelta(days=31)
    with db.session_scope() as s:
        for state in ("finished", "interrupted", "running"):
            jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None).state = state
        for job in s.scalars(select(Job)):
            job.created_at = old
        jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None)  # today's
    assert "prune_jobs" in [t.name for t in tasks.huey.read_periodic(datetime(2026, 11, 27, 3, 17))]
    assert schedule.prune_jobs() == 2
    with db.sessionmaker() as reader:
        assert sorted(reader.scalars(select(Job.state))) == ["queued", "running"]


def test_match_command_full_and_catch_up(tmp_path, monkeypatch):
    # Its own SQLite file: the command opens (and leaves to the process) its own engine.
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    assert CliRunner().invoke(main, ["init-db"]).exit_code == 0
    db = Database(url)
    with db.sessionmaker() as session:
        _two_postings(Factory(session), session)
    first = CliRunner().invoke(main, ["match"])  # never ranked: both sides are ranked whole, and it says so
    assert first.exit_code == 0 and "the order side whole" in first.output and "nothing had changed" not in first.output
    full = CliRunner().invoke(main, ["match", "--full"])
    assert full.exit_code == 0, full.output
    assert "order: 1 orders × 1 listings → 1 matches" in full.output
    assert _matches(db) == 1
    caught_up = CliRunner().invoke(main, ["match"])
    assert caught_up.exit_code == 0 and "nothing had changed" in caught_up.output
    db.dispose()
