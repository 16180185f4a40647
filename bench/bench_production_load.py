"""The production deployment under load (issue 9): 50 simulated users of every role for 3 minutes on
PostgreSQL, gunicorn with 2 processes and one `qianfan worker` on a Redis queue, while a full rematch and
an import run. Target: 0 errors, p95 <= 300 ms, p99 <= 1 s.

    .venv/bin/python bench/bench_production_load.py                       # 50 users, 180 s, bench1
    .venv/bin/python bench/bench_production_load.py --users 10 --seconds 20 --jobs-after 5   # a smoke run
    .venv/bin/python bench/bench_production_load.py --wait-quiet 20       # first wait for the machine

It uses a PostgreSQL database that already holds the programme-scale demo (`qianfan demo --scale
programme`; default postgresql+psycopg://root@127.0.0.1:5432/bench1) and its demo accounts, whose
passwords `qianfan demo` printed once (read from `--accounts`, the saved output). It starts
`gunicorn -c deploy/gunicorn.conf.py` with 2 processes (threads as that file sets) on a free 127.0.0.1
port and one `qianfan worker`, both on a Redis queue of their own (`--queue`, a queue name per run, flushed
before and after), with a fresh instance folder and a shared secret key.

Then each of `--users` simulated users (10 % staff, 30 % buyers, 40 % suppliers, 20 % service
providers; they share the demo accounts, each with its own session, logged in once with the right
password) loops over its role's main pages on one keep-alive connection, waiting 0.5 to 1.5 times
`--think` seconds between clicks, for `--seconds`. `--jobs-after` seconds in, a staff session of its own
starts a full rematch (POST /staff/rematch) and an import of `--import-rows` new listings (a CSV posted
to /staff/imports); both go through the queue to the worker, and the session polls their status URLs
every 2 s until they end (at most `--jobs-grace` seconds after the users stop).

It prints requests, errors (any answer but the expected 200, or 302 for a form, and connection
errors), p50/p95/p99/max overall, per page and while a job ran, how the jobs ended, the load average and
the machine. Like a browser, a GET that finds its idle keep-alive connection closed by the server
(gunicorn closes idle ones after 5 s and recycles a process every ~2,000 requests) is sent once more on a
new connection; those are counted and shown, and the time of both tries is the request's latency.
gunicorn and the worker are stopped at the end, whatever happens. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import _INDUSTRIES, _OFFERS, _firms  # noqa: E402
from bench.bench_web import _TOKEN, _free_port  # noqa: E402
from bench.machine import print_machine_details  # noqa: E402

BIN = Path(sys.executable).parent
TARGET_P95_MS, TARGET_P99_MS = 300.0, 1000.0
DEFAULT_DB = "postgresql+psycopg://root@127.0.0.1:5432/bench1"
ROLE_SHARE = (("staff", 0.10), ("buyer", 0.30), ("supplier", 0.40), ("provider", 0.20))
ACCOUNT = re.compile(r"^\s+(demo-(staff|buyer\d+|supplier\d+|provider\d+))\s+(\S+)\s+(\w+)", re.M)
_RETRYABLE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
)


class Browser:
    """One user: a keep-alive connection and its cookies (bench_web's Browser, plus uploads and a browser's
    one retry of a GET whose idle connection the server had closed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.used = False  # a request went over this connection already
        self.retries = 0
        self.token = ""

    def _send(
        self, method: str, path: str, data: bytes | None, headers: dict
    ) -> tuple[int, str, dict]:
        headers = {**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        self.used = True
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if found := _TOKEN.search(text):
            self.token = found.group(1)
        if response.headers.get("Connection", "").lower() == "close":
            self.conn.close()
            self.used = False
        return response.status, text, dict(response.headers)

    def request(
        self, method: str, path: str, data: bytes | None = None, headers: dict | None = None
    ):
        headers = {
            **(headers or {}),
            **({"Referer": f"http://127.0.0.1:{self.port}{path}"} if data else {}),
        }
        reused = self.used
        try:
            return self._send(method, path, data, headers)
        except _RETRYABLE:
            self.conn.close()
            self.used = False
            if method != "GET" or not reused:
                raise
            # The server had closed the idle connection: a browser sends the GET again.
            self.retries += 1
            return self._send(method, path, data, headers)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.used = False
            raise

    def post(self, path: str, fields: dict) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def upload(
        self, path: str, fields: dict, filename: str, content: bytes
    ) -> tuple[int, str, dict]:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
                 for key, value in {"csrf_token": self.token, **fields}.items()]  # fmt: skip
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")  # fmt: skip
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/login")
        status, _, _ = self.post("/login", {"username": username, "password": password})
        if status != 302:
            raise SystemExit(f"login of {username} failed with HTTP {status}")


@dataclass
class Stats:
    # (page, start, seconds, error)
    rows: list[tuple[str, float, float, bool]] = field(default_factory=list)
    error_notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(
        self, browser: Browser, page: str, method: str, path: str, expect: int, **kw
    ) -> tuple[int, str, dict]:
        began = time.perf_counter()
        try:
            if method == "UPLOAD":
                status, text, head = browser.upload(path, **kw)
            elif method == "POST":
                status, text, head = browser.post(path, kw["fields"])
            else:
                status, text, head = browser.request("GET", path)
            note = None if status == expect else f"{page}: HTTP {status} for {path}"
        except (OSError, http.client.HTTPException) as err:
            status, text, head, note = 0, "", {}, f"{page}: {type(err).__name__} {err} for {path}"
        elapsed = time.perf_counter() - began
        with self.lock:
            self.rows.append((page, began, elapsed, note is not None))
            if note:
                self.error_notes.append(note)
        return status, text, head


def read_accounts(log: Path) -> dict[str, list[tuple[str, str]]]:
    """Role → [(username, password)] from the saved output of `qianfan demo`."""
    found: dict[str, list[tuple[str, str]]] = {
        "staff": [],
        "buyer": [],
        "supplier": [],
        "provider": [],
    }
    for username, kind, password, _role in ACCOUNT.findall(log.read_text(encoding="utf-8")):
        found[re.sub(r"\d+$", "", kind)].append((username, password))
    missing = [role for role, accounts in found.items() if not accounts]
    if missing:
        raise SystemExit(f"{log}: no demo account for {', '.join(missing)}")
    return found


def buyer_orders(url: str, accounts: list[tuple[str, str]]) -> dict[str, list[int]]:
    """Each demo buyer's published orders, most matched first (their candidates pages)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    orders = {}
    with engine.connect() as conn:
        for username, _ in accounts:
            orders[username] = list(conn.scalars(text(
                "SELECT o.id FROM purchase_order o JOIN app_user u ON u.company_id = o.buyer_id "
                "LEFT JOIN match m ON m.order_id = o.id "
                "WHERE u.username = :u AND o.status = 'published' GROUP BY o.id ORDER BY count(m.*) DESC, o.id LIMIT 10"
            ), {"u": username}))  # fmt: skip
    engine.dispose()
    return orders


def role_pages(role: str, orders: list[int]) -> list[tuple[str, str]]:
    """(page name, path) of the role's main pages; a buyer's candidates pages rotate over its orders."""
    return {
        "staff": [("home (staff)", "/"), ("/staff/dashboard", "/staff/dashboard"),
                  ("/staff/screening", "/staff/screening"), ("/staff/lists/orders", "/staff/lists/orders")],
        "buyer": [("home (buyer)", "/"), ("/orders/", "/orders/")]
                 + [("/orders/<id>/candidates", f"/orders/{order}/candidates") for order in orders[:3]],
        "supplier": [("home (supplier)", "/"), ("推荐订单 /supply/recommended", "/supply/recommended"),
                     ("/supply/packages", "/supply/packages")],
        "provider": [("home (provider)", "/"), ("/packages/demands", "/packages/demands")],
    }[role]  # fmt: skip


def listings_csv(rows: int, tag: str) -> bytes:
    """`rows` new listings of new small firms, as bench_ingest composes them, with keys of this run."""
    rng = random.Random(tag)
    firms = _firms(rng, max(rows // 5, 1), "有限公司")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "编号",
            "供应企业",
            "供给名称",
            "描述",
            "供给类型",
            "所属行业",
            "最大承接金额",
            "服务区域",
            "标签",
        ]
    )
    for i in range(rows):
        firm, offer = rng.choice(firms), rng.choice(_OFFERS)
        writer.writerow([f"PL{tag}-{i:05d}", firm, f"{offer}（{tag}-{i}）", f"{firm}提供的{offer}，覆盖设计、实施与运维。",
                         rng.choice(["产品", "技术", "服务"]), rng.choice(_INDUSTRIES), f"{rng.randint(10, 5000)}万元",
                         rng.choice(["北京市", "北京市；河北省", ""]),
                         "；".join(rng.sample(["物联网", "大数据", "人工智能", "信创", "运维"], 2))])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def heavy_processes() -> list[str]:
    """Other work sharing the machine: bench_matcher.py, or anything run from /tmp/ci (a CI run)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = (
                Path(f"/proc/{pid}/cmdline")
                .read_bytes()
                .replace(b"\0", b" ")
                .decode(errors="replace")
                .strip()
            )
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if int(pid) != os.getpid() and (
            "bench_matcher.py" in cmd or "/tmp/ci" in cmd or cwd.startswith("/tmp/ci")
        ):
            found.append(f"{pid} {cmd[:100]}")
    return found


def wait_quiet(minutes: float) -> None:
    deadline = time.monotonic() + minutes * 60
    while (busy := heavy_processes()) and time.monotonic() < deadline:
        print(
            f"{time.strftime('%H:%M:%S')} waiting, load {os.getloadavg()[0]:.2f}: {busy[0]}",
            flush=True,
        )
        time.sleep(20)
    print(
        f"{time.strftime('%H:%M:%S')} {'still busy: ' + '; '.join(busy) if busy else 'quiet'}",
        flush=True,
    )


def _spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def _stop(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_up(port: int, web: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and web.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer:\n" + log.read_text(errors="replace")[-5000:])


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[rank] * 1000


def _line(name: str, rows: list) -> str:
    lat = [r[2] for r in rows]
    return (f"{name:<32} {len(rows):>8} {sum(r[3] for r in rows):>6} {_pct(lat, 50):>7.0f} {_pct(lat, 95):>7.0f} "
            f"{_pct(lat, 99):>7.0f} {max(lat, default=float('nan')) * 1000:>7.0f}")  # fmt: skip


def run(args: argparse.Namespace, tmp: Path) -> None:
    accounts = read_accounts(args.accounts)
    orders = buyer_orders(args.database, accounts["buyer"])
    port = _free_port()
    queue_name = f"qianfan-bench-load-{os.getpid()}"
    env = {**os.environ, "QIANFAN_DATABASE_URL": args.database, "QIANFAN_QUEUE_URL": args.queue,
           "QIANFAN_QUEUE_NAME": queue_name, "QIANFAN_INSTANCE_DIR": str(tmp / "instance"),
           "QIANFAN_SECRET_KEY": uuid.uuid4().hex, "QIANFAN_WEB_BIND": f"127.0.0.1:{port}",
           "QIANFAN_WEB_WORKERS": str(args.web_workers), "PYTHONPATH": str(ROOT)}  # fmt: skip
    from huey.storage import RedisStorage

    storage = RedisStorage(queue_name, url=args.queue)
    storage.flush_queue()
    web_log, worker_log = tmp / "web.log", tmp / "worker.log"
    web = _spawn([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"], env, web_log)
    worker = _spawn([str(BIN / "qianfan"), "worker"], env, worker_log)
    try:
        _wait_up(port, web, web_log)
        measure(args, port, accounts, orders, {"gunicorn": web.pid, "qianfan worker": worker.pid})
    finally:
        _stop(web, signal.SIGTERM)
        _stop(worker, signal.SIGINT)
        storage.flush_queue()
        tracebacks = web_log.read_text(errors="replace").count("Traceback")
        print(f"\ngunicorn log: {tracebacks} tracebacks; worker log: "
              f"{worker_log.read_text(errors='replace').count('Traceback')} tracebacks ({tmp})")  # fmt: skip


def measure(args, port: int, accounts: dict, orders: dict, pids: dict[str, int]) -> None:
    stats = Stats()
    counts = {role: max(1, round(args.users * share)) for role, share in ROLE_SHARE}
    counts["supplier"] += args.users - sum(counts.values())
    users = []  # (browser, role pages)
    started = time.perf_counter()
    for role, count in counts.items():
        for i in range(count):
            username, password = accounts[role][i % len(accounts[role])]
            browser = Browser(port)
            browser.login(username, password)
            # Warm, not measured: the first answer of a fresh process compiles its templates.
            for _, path in role_pages(role, orders.get(username, [])):
                browser.request("GET", path)
            users.append((browser, role_pages(role, orders.get(username, []))))
    print(f"{len(users)} users logged in (and each page read once, not measured) in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{n} {role}" for role, n in counts.items()), flush=True)  # fmt: skip
    jobs_staff = Browser(port)
    jobs_staff.login(*accounts["staff"][0])

    load_before = os.getloadavg()
    cpu_before = cpu_seconds(pids)
    begin = time.perf_counter()
    deadline = begin + args.seconds
    barrier = threading.Barrier(len(users) + 2)

    def user(browser: Browser, pages: list, rng: random.Random) -> None:
        barrier.wait()
        time.sleep(rng.uniform(0, args.think))
        step = rng.randrange(len(pages))
        while time.perf_counter() < deadline:
            name, path = pages[step % len(pages)]
            step += 1
            stats.timed(browser, name, "GET", path, 200)
            time.sleep(
                min(
                    rng.uniform(0.5 * args.think, 1.5 * args.think),
                    max(0.0, deadline - time.perf_counter()),
                )
            )

    jobs: dict[str, dict] = {}

    def staff_jobs() -> None:
        barrier.wait()
        time.sleep(args.jobs_after)
        content = listings_csv(args.import_rows, time.strftime("%H%M%S"))
        stats.timed(jobs_staff, "/staff/imports", "GET", "/staff/imports", 200)
        status, _, head = stats.timed(
            jobs_staff, "POST /staff/rematch", "POST", "/staff/rematch", 302, fields={}
        )
        if status == 302:
            jobs["rematch"] = {
                "url": urllib.parse.urlsplit(head["Location"]).path,
                "posted": time.perf_counter(),
            }
        stats.timed(jobs_staff, "/staff/imports", "GET", "/staff/imports", 200)
        status, _, head = stats.timed(jobs_staff, "POST /staff/imports", "UPLOAD", "/staff/imports", 302,
                                      fields={"kind": "listings", "skip_invalid": "y"},
                                      filename="listings.csv", content=content)  # fmt: skip
        if status == 302:
            jobs["import"] = {"url": urllib.parse.urlsplit(head["Location"]).path, "posted": time.perf_counter(),
                              "rows": args.import_rows, "bytes": len(content)}  # fmt: skip
        import json

        give_up = deadline + args.jobs_grace
        while time.perf_counter() < give_up and any("ended" not in job for job in jobs.values()):
            for job in jobs.values():
                if "ended" in job:
                    continue
                status, text, _ = stats.timed(
                    jobs_staff, "/staff/jobs/<id>/status", "GET", job["url"] + "/status", 200
                )
                if status == 200:
                    state = json.loads(text)
                    job["state"], job["stage"] = state["state"], state.get("stage")
                    if job["state"] not in ("queued", "running"):
                        job["ended"] = time.perf_counter()
            time.sleep(2)

    threads = [threading.Thread(target=user, args=(b, pages, random.Random(i)), daemon=True)
               for i, (b, pages) in enumerate(users)]  # fmt: skip
    threads.append(threading.Thread(target=staff_jobs, daemon=True))
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads[:-1]:
        thread.join(timeout=args.seconds + 120)
    load_end = os.getloadavg()
    cpu_end = cpu_seconds(pids)
    threads[-1].join(timeout=args.jobs_grace + 120)
    wall = time.perf_counter() - begin
    retries = sum(b.retries for b, _ in users) + jobs_staff.retries

    rows = stats.rows
    print(f"\n{len(users)} users, {args.seconds:.0f} s, think {args.think:g} s (0.5-1.5x), gunicorn {args.web_workers} "
          f"processes + 1 qianfan worker, PostgreSQL ({args.database.rsplit('@', 1)[-1]}), Redis queue; "
          f"rematch and import of {args.import_rows} listings posted {args.jobs_after:.0f} s in\n")  # fmt: skip
    header = f"{'page':<32} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(header)
    for name in sorted({r[0] for r in rows}, key=lambda n: -len([r for r in rows if r[0] == n])):
        print(_line(name, [r for r in rows if r[0] == name]))
    print("-" * len(header))
    users_rows = [r for r in rows if r[1] < deadline]
    print(_line("all requests", rows))
    print(_line(f"users' requests ({args.seconds:.0f} s)", users_rows))
    windows = [(job["posted"], job.get("ended", time.perf_counter())) for job in jobs.values()]
    if windows:
        first, last = min(w[0] for w in windows), max(w[1] for w in windows)
        during = [r for r in users_rows if first <= r[1] <= last]
        print(_line("  while a job was running", during))
        print(_line("  no job running", [r for r in users_rows if not first <= r[1] <= last]))
    print(f"\nthroughput: {len(users_rows) / args.seconds:.1f} requests/s; GETs re-sent on a connection the server "
          f"had closed: {retries}")  # fmt: skip
    used = {k: cpu_end[k] - cpu_before[k] for k in cpu_end if k != "wall"}
    spent = used.pop("machine busy")
    used["PostgreSQL and the rest"] = spent - sum(used.values())
    print(f"CPU over the users' {used_wall(cpu_before, cpu_end):.0f} s: the 2 cores {100 * spent / (2 * used_wall(cpu_before, cpu_end)):.0f} % busy; "
          + ", ".join(f"{k} {v / spent * 100:.0f} %" for k, v in used.items()))  # fmt: skip
    for note in stats.error_notes[:15]:
        print("  error:", note)
    for kind in ("rematch", "import"):
        job = jobs.get(kind)
        if job is None:
            print(f"{kind}: NOT STARTED")
            continue
        took = (
            f"ended {job['ended'] - job['posted']:.1f} s after the POST"
            if "ended" in job
            else "NOT ENDED in time"
        )
        print(f"{kind}: {job['url']} {job.get('state')} ({job.get('stage')}), {took}")
    report_jobs(args.database, jobs)
    lat = [r[2] for r in users_rows]
    errors = sum(r[3] for r in rows)
    met = errors == 0 and _pct(lat, 95) <= TARGET_P95_MS and _pct(lat, 99) <= TARGET_P99_MS
    finished = all(jobs.get(k, {}).get("state") == "finished" for k in ("rematch", "import"))
    print(f"\ntarget (0 errors, p95 <= {TARGET_P95_MS:.0f} ms, p99 <= {TARGET_P99_MS:.0f} ms): "
          f"{'MET' if met else 'MISSED'}; both jobs finished: {finished}")  # fmt: skip
    print(f"load average (1, 5, 15 min) at the start {', '.join(f'{x:.2f}' for x in load_before)}, "
          f"at the users' end {', '.join(f'{x:.2f}' for x in load_end)}; wall {wall:.0f} s")  # fmt: skip


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far: the machine's (busy, all cores), this load generator's, and each server's with
    its reaped children (gunicorn's recycled processes count in its master's)."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    found = {"machine busy": (sum(cpu) - cpu[3] - cpu[4]) / tick, "wall": time.monotonic()}
    own = os.times()
    found["load generator (this process)"] = own.user + own.system
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = sum(int(x) for x in fields[11:15]) / tick  # utime, stime, cutime, cstime
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            try:
                child_fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in child_fields[11:13]) / tick
        found[name] = total
    return found


def used_wall(before: dict, after: dict) -> float:
    return after["wall"] - before["wall"]


def report_jobs(url: str, jobs: dict) -> None:
    """What the worker wrote in the job rows: its own run time and counts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        for kind, job in jobs.items():
            row = conn.execute(text("SELECT state, started_at, finished_at, result FROM job WHERE id = :id"),
                               {"id": job["url"].rstrip("/").rsplit("/", 1)[-1]}).one_or_none()  # fmt: skip
            if row is None:
                continue
            ran = (
                (row.finished_at - row.started_at).total_seconds()
                if row.finished_at and row.started_at
                else None
            )
            result = row.result or {}
            report = result.get("report") if isinstance(result.get("report"), dict) else {}
            summary = result.get("summary") if isinstance(result.get("summary"), dict) else {}
            keep = (
                "total_rows",
                "inserted",
                "companies_created",
                "review_queued",
                "rejected_count",
            )
            detail = {k: report[k] for k in keep if k in report} or {
                side: {k: v.get(k) for k in ("queries", "matches")}
                for side, v in summary.items()
                if isinstance(v, dict)
            }
            if result.get("error"):
                detail = {"error": result["error"]}
            took = f", ran {ran:.1f} s in the worker" if ran else ""
            print(f"  {kind} row: {row.state}{took}", detail or "")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", default=DEFAULT_DB, help="PostgreSQL with the programme demo loaded"
    )
    parser.add_argument("--accounts", type=Path, default=Path("/tmp/qfpg/demo.log"),
                        help="saved output of `qianfan demo` (the demo accounts and their passwords)")  # fmt: skip
    parser.add_argument("--queue", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds between a user's clicks"
    )
    parser.add_argument(
        "--jobs-after", type=float, default=20.0, help="seconds in when staff start the jobs"
    )
    parser.add_argument(
        "--jobs-grace",
        type=float,
        default=300.0,
        help="seconds after the users stop to wait for the jobs",
    )
    parser.add_argument("--import-rows", type=int, default=3000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--wait-quiet", type=float, default=0.0,
                        help="first wait up to this many minutes while bench_matcher.py or a CI run (/tmp/ci) runs")  # fmt: skip
    args = parser.parse_args()
    for part in (args.database, args.queue):
        host = urllib.parse.urlsplit(part).hostname
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"{part}: only 127.0.0.1 is used by this benchmark")
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; other heavy processes: {heavy_processes() or 'none'}; "
          f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)  # fmt: skip
    # SIGTERM stops the servers too; the logs stay in `tmp`, the instance folder goes.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    tmp = Path(tempfile.mkdtemp(prefix="qianfan-bench-load-"))
    try:
        run(args, tmp)
    finally:
        shutil.rmtree(tmp / "instance", ignore_errors=True)
    print()
    print_machine_details()


if __name__ == "__main__":
    main()
