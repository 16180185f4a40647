"""Load benchmark of the web pages people wait on most, with 20 concurrent users on loopback (issue 5).

    .venv/bin/python bench/bench_web.py                          # programme-scale demo on SQLite
    .venv/bin/python bench/bench_web.py --postgres postgresql+psycopg://root@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_web.py --seconds 20 --users 20  # the defaults

It loads the programme-scale demo (`qianfan init-db`, `qianfan demo --scale programme`) into a fresh
SQLite file in a temporary folder, or into the scratch PostgreSQL database named (its public schema is
dropped and recreated), adds three accounts for the busiest firms, serves the app with `qianfan serve`
(waitress, the production server) on a free 127.0.0.1 port, and then, page by page, has `--users`
threads each log in and request the page over and over on one keep-alive connection, for at most
`--seconds` and at most `--max-requests` requests in all. It prints requests per second and the
p50/p95/p99 latency of each page against the 200 ms p95 target, and the machine's details.

The pages: the small firm's 推荐订单 (recommended orders, for the firm with the most recommendations),
one order's ranked candidates (the order with the most), and the staff dashboard. The load generator
runs on the same 2 cores as the server, so the figures are a floor for a real deployment. Each user
waits `--think` seconds on average (0.5 to 1.5 times it) between requests, as a person reading the page
does; `--think 0` instead measures saturation, every user requesting back to back.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402

PASSWORD = "bench-pass-1"
TARGET_P95_MS = 200.0
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_QIANFAN = str(Path(sys.executable).with_name("qianfan"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(url: str, env: dict) -> dict[str, tuple[str, str]]:
    """Load the demo and add the bench accounts; returns the pages to measure."""
    if url.startswith("postgresql"):
        from sqlalchemy import text

        from qianfan.db import Database

        scratch = Database(url)
        with scratch.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        scratch.dispose()
    started = time.perf_counter()
    _run([_QIANFAN, "init-db"], env)
    out = _run([_QIANFAN, "demo", "--scale", "programme"], env)
    print(f"demo loaded and matched in {time.perf_counter() - started:.1f} s:", flush=True)
    for line in out.splitlines():
        if line.startswith("  ") and ":" in line and "demo accounts" not in line:
            print("  " + line.strip())
        if line.startswith("demo accounts"):
            break
    _add_accounts(url)
    return page_urls(url)


def _busiest(session) -> tuple[int, int, int, int]:
    """(small firm with the most recommendations, their number, order with the most candidates, theirs)."""
    from sqlalchemy import func, select

    from models import Listing, Match

    recommended = (Match.kind == "order", Match.near_miss.is_(False))
    firm = session.execute(
        select(Listing.supplier_id, func.count())
        .join(Match, Match.listing_id == Listing.id)
        .where(*recommended)
        .group_by(Listing.supplier_id)
        .order_by(func.count().desc())
        .limit(1)
    ).one_or_none()
    order = session.execute(
        select(Match.order_id, func.count())
        .where(*recommended)
        .group_by(Match.order_id)
        .order_by(func.count().desc())
        .limit(1)
    ).one_or_none()
    if firm is None or order is None:
        sys.exit(
            "the demo has no recommendations: is the matching engine (qianfan.matching) there?"
        )
    return (*firm, *order)


def _add_accounts(url: str) -> None:
    """The bench's own accounts: staff, the busiest small firm, the buyer of the busiest order."""
    from models import Company, Order
    from qianfan.accounts import create_user
    from qianfan.db import Database

    db = Database(url)
    with db.session_scope() as session:
        supplier_id, _, order_id, _ = _busiest(session)
        for username, role, company in (
            ("bench-staff", "staff", None),
            ("bench-buyer", "large_firm", session.get(Order, order_id).buyer),
            ("bench-supplier", "small_firm", session.get(Company, supplier_id)),
        ):
            create_user(session, username=username, password=PASSWORD, role=role, company=company)
    db.dispose()


def page_urls(url: str) -> dict[str, tuple[str, str]]:
    """Page name → (bench account, path), for the busiest firm and order."""
    from qianfan.db import Database

    db = Database(url)
    with db.session_scope() as session:
        _, recommendations, order_id, candidates = _busiest(session)
    db.dispose()
    print(f"  recommendation page: {recommendations} recommendations for the busiest small firm")
    print(f"  candidates page: order {order_id} with {candidates} candidates", flush=True)
    return {
        "recommended orders (/supply/recommended)": ("bench-supplier", "/supply/recommended"),
        "order candidates (/orders/<id>/candidates)": (
            "bench-buyer",
            f"/orders/{order_id}/candidates",
        ),
        "staff dashboard (/staff/dashboard)": ("bench-staff", "/staff/dashboard"),
    }


class Browser:
    """One user: a keep-alive connection and the session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def login(self, username: str) -> None:
        _status, page = self.request("GET", "/login")
        token = _TOKEN.search(page).group(1)
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": PASSWORD}
        )
        if status != 302:
            sys.exit(f"login of {username} failed with HTTP {status}")


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def measure(
    port: int, username: str, path: str, users: int, seconds: float, max_requests: int, think: float
) -> tuple:
    """`users` threads request `path` until the time or request budget runs out; (Result, wall seconds)."""
    browsers = []
    for _ in range(users):
        browser = Browser(port)
        browser.login(username)
        browser.request(
            "GET", path
        )  # warm: the first request of a connection is not the steady state
        browsers.append(browser)
    result = Result()
    budget = threading.Semaphore(max_requests)
    deadline = time.perf_counter() + seconds
    start = threading.Barrier(users + 1)

    def user(browser: Browser, pause: random.Random) -> None:
        start.wait()
        time.sleep(pause.uniform(0, think))  # users do not all click at the same instant
        while time.perf_counter() < deadline and budget.acquire(blocking=False):
            began = time.perf_counter()
            try:
                status, _ = browser.request("GET", path)
            except (OSError, http.client.HTTPException):
                status = 0
                browser.conn.close()
            elapsed = time.perf_counter() - began
            with result.lock:
                result.latencies.append(elapsed)
                result.errors += status != 200
            # A person reads the page before the next click: 0.5 to 1.5 times `think` seconds.
            time.sleep(pause.uniform(0.5 * think, 1.5 * think))

    threads = [
        threading.Thread(target=user, args=(b, random.Random(i))) for i, b in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    for browser in browsers:
        browser.conn.close()
    return result, wall


def _percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres", help="a scratch PostgreSQL database URL (its public schema is recreated)"
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds a user waits between requests (0: none at all)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="per page, at most")
    parser.add_argument("--max-requests", type=int, default=5000, help="per page, at most")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="keep the SQLite database here; a file already there is reused as loaded",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qianfan-bench-web-") as tmp:
        sqlite_file = (
            args.sqlite_file.resolve() if args.sqlite_file else Path(tmp) / "bench.sqlite3"
        )
        url = args.postgres or f"sqlite:///{sqlite_file}"
        env = {
            **os.environ,
            "QIANFAN_DATABASE_URL": url,
            "QIANFAN_INSTANCE_DIR": str(Path(tmp) / "instance"),
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update(env)  # the accounts are created in this process too
        reuse = not args.postgres and args.sqlite_file is not None and sqlite_file.exists()
        pages = page_urls(url) if reuse else prepare(url, env)
        port = _free_port()
        server_log = Path(tmp) / "server.log"
        log_file = server_log.open("w")
        server = subprocess.Popen(
            [_QIANFAN, "serve", "--host", "127.0.0.1", "--port", str(port)],
            # A file, not a pipe: waitress warns on every deep queue, and a full pipe would block the server.
            env=env, stdout=subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
        try:
            _wait_until_up(server, port, server_log)
            backend = "PostgreSQL" if args.postgres else "SQLite"
            print(f"\n{args.users} users per page, each waiting {args.think:g} s on average between requests, "
                  f"{args.seconds:.0f} s or {args.max_requests} requests at most, waitress on 127.0.0.1, {backend}\n")  # fmt: skip
            print(
                f"{'page':<44} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
            )
            missed = []
            for name, (username, path) in pages.items():
                result, wall = measure(
                    port, username, path, args.users, args.seconds, args.max_requests, args.think
                )
                lat = result.latencies
                p50, p95, p99 = (_percentile(lat, p) for p in (50, 95, 99))
                print(f"{name:<44} {len(lat):>8} {result.errors:>6} {len(lat) / wall:>7.1f} "
                      f"{p50:>7.1f} {p95:>7.1f} {p99:>7.1f}")  # fmt: skip
                if p95 > TARGET_P95_MS or result.errors:
                    missed.append(name)
            print(
                f"\ntarget p95 < {TARGET_P95_MS:.0f} ms: "
                + ("met by every page" if not missed else "MISSED by " + ", ".join(missed))
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            log_file.close()
    print()
    print_machine_details()


def _wait_until_up(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    server.wait(timeout=30)
    sys.exit(
        "the server did not start:\n" + log.read_text(encoding="utf-8", errors="replace")[-5000:]
    )


if __name__ == "__main__":
    main()
