"""The production deployment for real: gunicorn with two processes (deploy/gunicorn.conf.py) and a
`qianfan worker` on PostgreSQL (Redis as the queue when it answers, else the SQLite queue file), and a
staff journey through it over HTTP: log in, upload an import, see it finish, rematch, see it finish;
and the job pages answer from either process. Skipped without PostgreSQL."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deploy import local_nginx
from models import Company
from qianfan.stats import matched_postings
from tests.conftest import _empty_postgres
from tests.factories import Factory

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("QIANFAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Just enough of a browser: cookies, the page's CSRF token, forms and uploads, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        unverified = ssl.create_default_context()
        unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE  # the test's own certificate
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect(),
            urllib.request.HTTPSHandler(context=unverified),
        )  # fmt: skip
        self.token = ""

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
        headers = {**(headers or {}), **({"Referer": self.base + path} if data is not None else {})}
        req = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                status, body, head = response.status, response.read(), response.headers
        except urllib.error.HTTPError as err:
            status, body, head = err.code, err.read(), err.headers
        text = body.decode("utf-8", "replace")
        if found := TOKEN.search(text):
            self.token = found.group(1)
        return status, text, dict(head)

    def get(self, path: str) -> tuple[int, str, dict]:
        return self.request(path)

    def post(self, path: str, fields: dict) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        return self.request(path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def upload(self, path: str, fields: dict, name: str, filename: str, content: bytes) -> tuple[int, str, dict]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in {"csrf_token": self.token, **fields}.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _queue_url(tmp_path) -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return REDIS_URL
    except redis.RedisError:
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


def _spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _follow(browser: Browser, job_url: str) -> dict:
    for _ in range(400):  # bounded: these jobs take a second or two
        status, text, _ = browser.get(job_url + "/status")
        assert status == 200, text
        job = json.loads(text)
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"{job_url} did not finish")


@pytest.fixture
def production(postgres_database, tmp_path):
    db = postgres_database
    with db.sessionmaker() as session:
        factory = Factory(session)
        factory.user("staff", username="ops")
        factory.order(status="published", title="道路巡检机器人采购", description="道路巡检机器人 病害识别")
        factory.listing(status="published", title="道路巡检机器人", description="道路巡检机器人 病害识别")
        session.commit()
    queue = _queue_url(tmp_path)
    port = _free_port()
    env = {**os.environ, "QIANFAN_DATABASE_URL": db.url, "QIANFAN_QUEUE_URL": queue,
           "QIANFAN_INSTANCE_DIR": str(tmp_path / "instance"), "QIANFAN_SECRET_KEY": uuid.uuid4().hex,
           "QIANFAN_WEB_BIND": f"127.0.0.1:{port}", "QIANFAN_WEB_WORKERS": "2", "QIANFAN_TRUSTED_PROXIES": "1",
           "QIANFAN_QUEUE_NAME": f"qianfan-test-{os.getpid()}"}  # fmt: skip
    if queue.startswith("redis"):
        from huey.storage import RedisStorage

        RedisStorage(env["QIANFAN_QUEUE_NAME"], url=queue).flush_queue()
    web = _spawn([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"], env, tmp_path / "web.log")
    worker = _spawn([sys.executable, "-c", "from qianfan.cli import main; main()", "worker"], env, tmp_path / "worker.log")
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # bounded: gunicorn starts its two workers in a few seconds
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not answer: " + (tmp_path / "web.log").read_text())
        yield base, db, web, port
    finally:
        _stop(web)
        _stop(worker, signal.SIGINT)
        _empty_postgres(db)


def test_a_staff_journey_through_gunicorn_and_a_worker(production, tmp_path):
    base, db, web, _ = production
    browser = Browser(base)
    browser.get("/login")
    status, _, head = browser.post("/login", {"username": "ops", "password": "secret-pass-1"})
    assert status == 302, (tmp_path / "web.log").read_text()
    browser.get("/staff/imports")  # a new session after login: its own CSRF token
    browser.post("/language/en", {"next": "/"})

    browser.get("/staff/imports")
    rows = "企业名称,企业类型,所在区域\n北京千帆部署测试科技有限公司,小微企业,海淀区\n".encode()
    status, _, head = browser.upload("/staff/imports", {"kind": "companies"}, "file", "firms.csv", rows)
    assert status == 302 and "/staff/jobs/" in head["Location"]
    job_url = head["Location"].replace(base, "")
    assert _follow(browser, job_url)["state"] == "finished"
    assert "Imported." in browser.get(job_url)[1]

    status, _, head = browser.post("/staff/rematch", {})
    rematch_url = head["Location"].replace(base, "")
    assert _follow(browser, rematch_url)["state"] == "finished"
    assert "Every posting has been matched again." in browser.get(rematch_url)[1]

    # The job pages read the database: every answer agrees, whichever of the two processes gives it.
    answers = {browser.get(rematch_url + "/status")[1] for _ in range(10)}
    assert len(answers) == 1 and '"finished"' in answers.pop()
    with db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Company).where(Company.name == "北京千帆部署测试科技有限公司")) == 1
        assert matched_postings(session, "order") == 1  # the order's kept list holds its match
    assert web.poll() is None


def _nginx_in_front(tmp_path, upstream_port: int) -> tuple[subprocess.Popen, int]:
    """deploy/nginx.conf as shipped, on free ports, a self-signed certificate and files in tmp_path."""
    command, https_port = local_nginx.prepare(tmp_path, upstream_port)
    return _spawn(command, dict(os.environ), tmp_path / "nginx.log"), https_port


@pytest.mark.skipif(not local_nginx.available(), reason="needs Debian's nginx and openssl")
def test_the_shipped_nginx_config_proxies_to_gunicorn(production, tmp_path):
    base, _, _, port = production
    nginx, https_port = _nginx_in_front(tmp_path, port)
    try:
        proxied = f"https://127.0.0.1:{https_port}"
        browser = Browser(proxied)
        for _ in range(100):  # bounded: nginx starts at once
            try:
                if browser.get("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        browser.get("/login")
        status, _, head = browser.post("/login", {"username": "ops", "password": "secret-pass-1"})
        assert status == 302 and "Secure" in head["Set-Cookie"]  # the app sees HTTPS through the proxy headers
        assert browser.get("/staff/imports")[0] == 200
        too_big = browser.upload("/staff/imports", {"kind": "companies"}, "file", "big.csv", b"x" * (22 * 2**20))
        assert too_big[0] == 413  # refused by nginx before gunicorn reads it
        # Login guessing is slowed at the proxy too (limit_req on /login per address: beyond 2 a second, 10
        # at once, 10 more queued, the rest refused), before it costs the app anything; /health is not limited.
        def visit(path: str) -> tuple:
            return Browser(proxied).get(path)

        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(visit, ["/login"] * 40))
            others = list(pool.map(visit, ["/health"] * 40))
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) >= 11 and statuses.count(429) >= 10, statuses
        assert all(status == 200 for status, _, _ in others)
        assert "nginx" in next(body for status, body, _ in answers if status == 429)
        assert browser.get("/staff/imports")[0] == 200
    finally:
        _stop(nginx, signal.SIGQUIT)
