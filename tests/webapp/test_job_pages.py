"""Job pages as staff and firms see them: a job's page outlives the server process that started it, an
interrupted job says so and runs again from its page, a failed one names its reason."""

from __future__ import annotations

import io
import socket
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from models import Company
from qianfan import jobs
from tests.webclient import WebClient


@pytest.fixture
def english(client, factory, session):
    factory.user("staff", username="staff-user")
    session.commit()
    client.login("staff-user")
    client.submit("/language/en", {"next": "/"})
    return client


def _upload(client, rows: str, **fields):
    return client.submit(
        "/staff/imports",
        {"kind": "companies", "file": (io.BytesIO(rows.encode()), "firms.csv"), **fields},
        content_type="multipart/form-data",
    )


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_job_page_outlives_the_server_process_that_started_it(english, db):
    response = _upload(english, "企业名称,企业类型,所在区域\n北京千帆页面测试科技有限公司,小微企业,海淀区\n")
    job_url = response.location
    assert "Imported." in english.get(job_url).get_data(as_text=True)

    from webapp import create_app  # a restarted (or another) server process: nothing in memory

    other = create_app({"DATABASE_URL": db.url, "TESTING": True})
    other.test_client_class = WebClient
    client = other.test_client()
    client.login("staff-user")
    client.submit("/language/en", {"next": "/"})
    page = client.get(job_url).get_data(as_text=True)
    assert "Imported." in page and "北京千帆页面测试科技有限公司" not in page  # the report, not the rows
    assert "firms.csv" in client.get("/staff/imports").get_data(as_text=True)
    assert client.get(job_url + "/status").get_json()["state"] == "finished"
    other.extensions["qianfan_db"].dispose()


def test_an_interrupted_import_says_so_and_runs_again_from_its_page(english, db, session):
    data = "企业名称,企业类型,所在区域\n北京千帆重跑测试科技有限公司,小微企业,海淀区\n".encode()
    with db.session_scope() as s:  # a worker took it and died (kill -9) before it committed
        job = jobs.create(s, kind="import", task="import_file", started_by_id=None, payload=data,
                          args={"kind": "companies", "filename": "firms.csv", "skip_invalid": False,
                                "dry_run": False, "actor_id": None})  # fmt: skip
        job.state, job.worker = "running", f"{socket.gethostname()}:{_dead_pid()}"
        job_id = job.id
    page = english.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "This job was interrupted" in page and "Run it again" in page
    assert english.get(f"/staff/jobs/{job_id}/status").get_json()["state"] == "interrupted"
    assert "Interrupted" in english.get("/staff/imports").get_data(as_text=True)

    response = english.submit(f"/staff/jobs/{job_id}/rerun")
    assert response.status_code == 302 and job_id not in response.location
    page = english.get(response.location).get_data(as_text=True)
    assert "Imported." in page and "the interrupted run" in page
    assert session.scalar(select(func.count()).select_from(Company).where(Company.name == "北京千帆重跑测试科技有限公司")) == 1
    # The old page stays interrupted; running a finished job again is not offered.
    assert "This job was interrupted" in english.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "Run it again" not in page


def test_a_failed_job_names_its_reason(english, db):
    with db.session_scope() as s:
        job = jobs.create(s, kind="import", task="import_file", started_by_id=None, payload=b"x",
                          args={"kind": "no-such-kind", "filename": "f.csv", "skip_invalid": False,
                                "dry_run": False, "actor_id": None})  # fmt: skip
        job_id = job.id
    from qianfan.tasks.imports import import_file

    import_file.call_local(job_id)
    page = english.get(f"/staff/jobs/{job_id}").get_data(as_text=True)
    assert "Unknown kind" in page and "Run it again" in page


def test_the_imports_page_lists_recent_rematches_scheduled_or_not(english, db):
    with db.session_scope() as s:
        jobs.create(s, kind="rematch", task="rematch_all", started_by_id=None, schedule_key="rematch@2026-11-27T13:00")
    english.submit("/staff/rematch")
    page = english.get("/staff/imports").get_data(as_text=True)
    assert "scheduled" in page and "by staff" in page and "Finished" in page and "Queued" in page


def test_a_job_running_in_the_serving_process_shows_its_live_progress(english, db):
    """`qianfan serve` on the embedded queue: the page shows what the service reports, not only the row."""
    import os

    from qianfan.tasks.runner import LIVE

    with db.session_scope() as s:
        job = jobs.create(s, kind="import", task="import_file", started_by_id=None, args={"kind": "companies", "filename": "f.csv"})
        job.state, job.worker, job.stage = "running", f"{socket.gethostname()}:{os.getpid()}", "checking"
        job_id = job.id
    LIVE[job_id] = ("writing", 3000, 20000)
    try:
        status = english.get(f"/staff/jobs/{job_id}/status").get_json()
    finally:
        LIVE.pop(job_id)
    assert (status["state"], status["stage"], status["done"], status["total"], status["percent"]) == ("running", "writing", 3000, 20000, 15)
    assert english.get(f"/staff/jobs/{job_id}/status").get_json()["stage"] == "checking"
