"""A real `qianfan worker` process: it takes a queued job and finishes it, with the result in the
database (SQLite queue; on PostgreSQL, a Redis queue when Redis answers); and a worker killed with
SIGKILL during an import leaves the job interrupted, nothing of the import kept, and its re-run
completes after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from models import Company
from qianfan import jobs, tasks
from qianfan.config import DEFAULTS

REDIS_URL = os.environ.get("QIANFAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER = [sys.executable, "-c", "from qianfan.cli import main; main()", "worker"]
QUEUE_NAME = f"qianfan-test-{os.getpid()}"  # a test run of its own on a shared Redis


def _redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as err:
        pytest.skip(f"no Redis answers at {REDIS_URL}: {err}")
    return REDIS_URL


@pytest.fixture
def queue(db, tmp_path):
    """The queue URL a real worker shares with this test: a SQLite file, or Redis with PostgreSQL."""
    url = _redis_or_skip() if db.is_postgres else f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    tasks.configure({**DEFAULTS, "DATABASE_URL": db.url, "QUEUE_URL": url, "QUEUE_NAME": QUEUE_NAME}, db)
    tasks.huey.storage.flush_queue()
    yield url
    tasks.huey.storage.flush_queue()
    tasks.configure({**DEFAULTS, "TESTING": True, "DATABASE_URL": db.url}, db)


def _start_worker(db, queue, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "QIANFAN_DATABASE_URL": db.url, "QIANFAN_QUEUE_URL": queue, "QIANFAN_QUEUE_NAME": QUEUE_NAME,
           "QIANFAN_INSTANCE_DIR": str(tmp_path / "instance")}  # fmt: skip
    with open(tmp_path / "worker.log", "ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(WORKER, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_for(db, job_id, states, timeout=40.0, done_at_least=0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.session_scope() as session:
            job = jobs.get(session, job_id)
            if job.state in states and (job.state != "running" or job.done >= done_at_least):
                return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {states}")


def _companies(n: int) -> bytes:
    rows = [f"北京千帆第{i}号测试科技有限公司,小微企业,海淀区" for i in range(n)]
    return ("企业名称,企业类型,所在区域\n" + "\n".join(rows) + "\n").encode()


def _count(db) -> int:
    with db.sessionmaker() as reader:
        return reader.scalar(select(func.count()).select_from(Company).where(Company.name.like("北京千帆第%")))


def test_a_real_worker_takes_a_queued_job_and_finishes_it(db, queue, tmp_path):
    job_id = tasks.enqueue("import", None, "import_file", payload=_companies(3), kind="companies",
                           filename="firms.csv", skip_invalid=False, dry_run=False, actor_id=None)  # fmt: skip
    with db.session_scope() as session:
        assert jobs.get(session, job_id).state == "queued"  # nobody consumes yet
    worker = _start_worker(db, queue, tmp_path)
    try:
        job = _wait_for(db, job_id, ("finished", "failed"))
        worker_priority = os.getpriority(os.PRIO_PROCESS, worker.pid)
    finally:
        _stop(worker)
    assert job.state == "finished", (tmp_path / "worker.log").read_text()
    assert job.result["report"]["inserted"] == 3 and job.worker.endswith(f":{worker.pid}")
    # Jobs yield the CPU to the pages: the worker runs at a lower priority (WORKER_NICE, 10) than its parent.
    assert worker_priority == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    assert _count(db) == 3


def test_a_worker_killed_during_an_import_leaves_it_interrupted_and_the_rerun_completes(db, queue, tmp_path):
    # Large enough that the import is still running when the worker is killed, however busy the machine;
    # on SQLite its progress may not be visible while its write is open, so "running" is what is awaited.
    rows = 20000
    job_id = tasks.enqueue("import", None, "import_file", payload=_companies(rows), kind="companies",
                           filename="many.csv", skip_invalid=False, dry_run=False, actor_id=None)  # fmt: skip
    worker = _start_worker(db, queue, tmp_path)
    try:
        _wait_for(db, job_id, ("running",), timeout=90)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    finally:
        _stop(worker)
    assert _count(db) == 0  # all or nothing: the import had not committed
    restarted = _start_worker(db, queue, tmp_path)
    try:
        assert _wait_for(db, job_id, ("interrupted",), timeout=20).state == "interrupted"
        rerun_id = tasks.rerun(job_id, None)
        rerun = _wait_for(db, rerun_id, ("finished", "failed"), timeout=120)
    finally:
        _stop(restarted)
    assert rerun.state == "finished", (tmp_path / "worker.log").read_text()
    assert rerun.result["report"]["inserted"] == rows and _count(db) == rows


def test_serve_runs_the_jobs_itself_on_the_embedded_queue(tmp_path, sqlite_template):
    """`make demo`'s way: one `qianfan serve` process, the default SQLite queue, no worker started."""
    import shutil
    import socket
    import urllib.request

    from qianfan.db import Database

    shutil.copyfile(sqlite_template, tmp_path / "serve.sqlite3")
    db = Database(f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    instance = tmp_path / "instance"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QIANFAN_DATABASE_URL": db.url, "QIANFAN_INSTANCE_DIR": str(instance)}
    with open(tmp_path / "serve.log", "ab") as log:
        serve = subprocess.Popen([*WORKER[:-1], "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):  # bounded: the server starts in a few seconds
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        # The page would do this: queue on the instance's default SQLite queue.
        tasks.configure({**DEFAULTS, "DATABASE_URL": db.url, "QUEUE_URL": f"sqlite:///{instance / 'queue.sqlite3'}"}, db)
        job_id = tasks.enqueue("import", None, "import_file", payload=_companies(2), kind="companies",
                               filename="firms.csv", skip_invalid=False, dry_run=False, actor_id=None)  # fmt: skip
        job = _wait_for(db, job_id, ("finished", "failed"))
    finally:
        _stop(serve)
        tasks.configure({**DEFAULTS, "TESTING": True, "DATABASE_URL": db.url}, db)
        db.dispose()
    assert job.state == "finished", (tmp_path / "serve.log").read_text()
    assert job.worker.endswith(f":{serve.pid}")  # the web server's own process ran it
