"""`qianfan match` and the scheduled rematch job: one unit of work, committed once; no scheduler in tests."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from models import Match
from qianfan.cli import main
from qianfan.config import DEFAULTS
from qianfan.db import Database
from qianfan.jobs import JOBS, rematch_job, start_scheduler
from tests.factories import Factory


def _two_postings(factory, session):
    factory.order(status="published", title="智慧水务漏损监测平台", description="供水管网漏损监测")
    factory.listing(
        status="published", title="水务物联网监测系统", description="管网漏损监测与远传水表"
    )
    session.commit()


def _matches(db) -> int:
    with db.sessionmaker() as reader:
        return reader.scalar(select(func.count()).select_from(Match))


def test_the_job_commits_its_rematch(db, session, factory):
    _two_postings(factory, session)
    summary = rematch_job(db, dict(DEFAULTS))
    assert summary["order"]["matches"] == 1
    assert _matches(db) == 1


def test_jobs_have_stable_ids_and_the_scheduler_stays_off_unless_enabled(db):
    assert [job.id for job in JOBS] == ["matching.rematch_all"]
    assert start_scheduler(db, dict(DEFAULTS)) is None


def test_match_command_full_and_catch_up(tmp_path, monkeypatch):
    # Its own SQLite file: the command opens (and leaves to the process) its own engine.
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("QIANFAN_DATABASE_URL", url)
    assert CliRunner().invoke(main, ["init-db"]).exit_code == 0
    db = Database(url)
    with db.sessionmaker() as session:
        _two_postings(Factory(session), session)
    full = CliRunner().invoke(main, ["match", "--full"])
    assert full.exit_code == 0, full.output
    assert "order: 1 queries × 1 candidates → 1 matches" in full.output
    assert _matches(db) == 1
    caught_up = CliRunner().invoke(main, ["match"])
    assert caught_up.exit_code == 0 and "nothing had changed" in caught_up.output
    db.dispose()
