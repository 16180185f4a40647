"""Login throttling under attack, on loopback (issue 9): does guessing stop, and do other users notice it?

    .venv/bin/python bench/bench_login.py                 # throttled, then the same with the throttle off
    .venv/bin/python bench/bench_login.py --no-compare    # throttled only
    .venv/bin/python bench/bench_login.py --guessers 8 --readers 4 --seconds 15
    .venv/bin/python bench/bench_login.py --nginx --no-compare   # through deploy/nginx.conf, as in production

It migrates a fresh SQLite file in a temporary folder, creates a few accounts with the real password
hash (werkzeug's scrypt), and serves the app with waitress (8 threads, as `qianfan serve`) on a free
127.0.0.1 port. Then:

1. timing: wrong passwords for an existing and for an unknown username, alternately, a few each (under
   the per-account limit): the medians should be alike (unknown users are checked against a dummy hash);
2. unloaded: `--readers` logged-in users request /staff/counters, waiting `--think` s between requests,
   for `--seconds`: their p50 and p95;
3. under attack: the same readers while `--guessers` threads send wrong passwords for one account back to
   back for `--seconds`; of the first 100 answers, how many were password checks (HTTP 200, "wrong
   password") and how many refusals (HTTP 429), then the readers' p50 against the unloaded one
   (target: within 2x) and whether the right password is refused too while the lock lasts;
4. the same against a second account with the guesses paced at `--paced-rate` per second in all;
5. for scale, the same readers while the guessers request /health back to back: the least work a
   request can cost, so the slowdown that any flood of requests causes on these cores, throttle or not.

With `--nginx` every request goes through the shipped deploy/nginx.conf (deploy/local_nginx.py: HTTPS on a
loopback port, its limit_req on /login) in front of the same server, as production runs it. Each person
has a loopback address of its own: readers 127.0.1.x, each attack 127.0.2.x, the victim 127.0.0.77.

With `--compare` (the default) steps 2-3 are repeated on a second server whose limits are set out of reach
(QIANFAN_LOGIN_MAX_FAILURES_PER_ACCOUNT/_ADDRESS), which is how the app behaved before the throttle. The
load generator runs on the same cores as the server; the machine's details are printed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402
from deploy import local_nginx  # noqa: E402

PASSWORD = "bench-login-pass-1"
VICTIM = "bench-victim"
READER_PAGE = "/staff/counters"
_ATTACKS = iter(range(1, 255))  # each attack's address: 127.0.2.n
_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_SERVE = (
    "import sys, waitress\n"
    "from webapp import create_app\n"
    "waitress.serve(create_app(), host='127.0.0.1', port=int(sys.argv[1]), threads=8)\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url: str, readers: int) -> None:
    """A migrated database with the victim, a timing account and the readers, all staff."""
    from ingest.reference import load_reference
    from qianfan.accounts import create_user
    from qianfan.db import Database
    from qianfan.schema import upgrade

    db = Database(url)
    upgrade(db)
    with db.session_scope() as session:
        load_reference(session)
        for username in (VICTIM, VICTIM + "-2", "bench-timing", *(f"bench-reader-{i}" for i in range(readers))):
            create_user(session, username=username, password=PASSWORD, role="staff")
    db.dispose()


class Browser:
    """One person: a keep-alive connection, the session cookie and the form's CSRF token."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port = port
        self.source = (source, 0)  # a loopback address of its own, as its own machine would have
        self.https = bool(os.environ.get("BENCH_LOGIN_HTTPS"))  # set before the guessers' process is spawned
        self.conn = self._connect()
        self.cookies: dict[str, str] = {}
        self.token = ""

    def _connect(self) -> http.client.HTTPConnection:
        if self.https:  # nginx's self-signed certificate, on loopback
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=60, source_address=self.source,
                                               context=ssl._create_unverified_context())  # fmt: skip
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60, source_address=self.source)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.https:  # the CSRF check wants a same-site Referer on HTTPS, as browsers send
                headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = self._connect()
            return 0, ""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def try_login(self, username: str, password: str) -> int:
        if not self.token:
            self.token = _TOKEN.search(self.request("GET", "/login")[1]).group(1)
        status, _ = self.request(
            "POST", "/login", {"csrf_token": self.token, "username": username, "password": password}
        )
        return status


class Server:
    def __init__(self, env: dict, log: Path, nginx: bool = False) -> None:
        self.port = _free_port()
        self.nginx = None
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(self.port)], env=env, stdout=subprocess.DEVNULL, stderr=self.log
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            self.stop()
            sys.exit(f"the server did not start:\n{log.read_text()}")
        if nginx:  # the shipped proxy in front; clients talk to it
            folder = log.parent / (log.stem + "-nginx")
            folder.mkdir()
            command, self.port = local_nginx.prepare(folder, self.port)
            self.nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.terminate()
            self.nginx.wait(timeout=30)
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _ms(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000


def timing(port: int, rounds: int) -> tuple[float, float]:
    """Median ms of a wrong-password answer for an existing and for an unknown username."""
    browser = Browser(port)
    known, unknown = [], []
    for i in range(rounds):
        for username, into in (("bench-timing", known), (f"nobody-{i % 3}", unknown)):
            began = time.perf_counter()
            browser.try_login(username, "wrong-guess-12345")
            into.append(time.perf_counter() - began)
    return statistics.median(known) * 1000, statistics.median(unknown) * 1000


def read_pages(port: int, readers: int, seconds: float, think: float, stop: threading.Event) -> list[float]:
    """Latencies of logged-in readers requesting READER_PAGE for `seconds`."""
    browsers = []
    for i in range(readers):
        browser = Browser(port, source=f"127.0.1.{i + 1}")
        if browser.try_login(f"bench-reader-{i}", PASSWORD) != 302:
            sys.exit(f"bench-reader-{i} could not log in")
        browser.request("GET", READER_PAGE)  # warm
        browsers.append(browser)
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def reader(browser: Browser, pause: random.Random) -> None:
        time.sleep(pause.uniform(0, think))
        while time.perf_counter() < deadline and not stop.is_set():
            began = time.perf_counter()
            status, _ = browser.request("GET", READER_PAGE)
            elapsed = time.perf_counter() - began
            if status == 200:
                with lock:
                    latencies.append(elapsed)
            time.sleep(pause.uniform(0.5 * think, 1.5 * think))

    threads = [threading.Thread(target=reader, args=(b, random.Random(i))) for i, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def _guess(port: int, guessers: int, rate: float, floor: bool, victim: str, source: str, ready, stop, out) -> None:
    """In its own process (an attacker's CPU is not the readers'): guess until `stop`, send the answers."""
    answers: list[tuple[float, int]] = []  # (finished at, status)
    lock = threading.Lock()
    interval = guessers / rate if rate else 0.0
    started = threading.Barrier(guessers + 1)

    def guesser(n: int) -> None:
        browser = Browser(port, source=source)
        browser.token = _TOKEN.search(browser.request("GET", "/login")[1]).group(1)
        started.wait()
        time.sleep(random.Random(n).uniform(0, interval))
        i = 0
        while not stop.is_set():
            began = time.perf_counter()
            if floor:
                status = browser.request("GET", "/health")[0]
            else:
                status = browser.try_login(victim, f"guess-{n}-{i}-wrong")
            with lock:
                answers.append((time.time(), status))
            i += 1
            if interval:
                time.sleep(max(0.0, interval - (time.perf_counter() - began)))

    threads = [threading.Thread(target=guesser, args=(n,)) for n in range(guessers)]
    for thread in threads:
        thread.start()
    started.wait()
    ready.set()
    for thread in threads:
        thread.join()
    out.send(answers)


def attack(port: int, args, rate: float = 0.0, floor: bool = False, victim: str = VICTIM) -> dict:
    """Guessers hammer the victim while the readers read; returns what each side saw.

    `rate`: guesses per second from all guessers together (0: each sends its next guess as soon as the
    last is answered). `floor`: the guessers request /health instead, the least work a request can be.
    The guessers run in a process of their own, so that the readers' figures measure the server, not
    the load generator's own GIL.
    """
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_guess, args=(port, args.guessers, rate, floor, victim, f"127.0.2.{next(_ATTACKS)}", ready, stop, send),
        daemon=True,
    )
    process.start()
    ready.wait(60)
    began = time.perf_counter()
    latencies = read_pages(port, args.readers, args.seconds, args.think, threading.Event())
    stop.set()
    answers = receive.recv()
    process.join(30)
    wall = time.perf_counter() - began
    answers.sort()
    first100 = [status for _, status in answers[:100]]
    return {
        "latencies": latencies,
        "attempts": len(answers),
        "rate": len(answers) / wall,
        "checked_of_100": sum(1 for s in first100 if s == 200),
        "refused_of_100": sum(1 for s in first100 if s == 429),
        "other_of_100": sum(1 for s in first100 if s not in (200, 429)),
        "first_refusal": next((i + 1 for i, s in enumerate(first100) if s == 429), None),
        "checked_total": sum(1 for _, s in answers if s == 200),
        "right_password": None if floor else Browser(port, source="127.0.0.77").try_login(victim, PASSWORD),
    }


def _report(name: str, idle_p50: float, loaded: dict, seconds: float, floor: bool = False) -> float:
    p50 = _ms(loaded["latencies"], 50)
    print(f"  {name:<36} {len(loaded['latencies']):>5} pages  p50 {p50:7.1f} ms  "
          f"p95 {_ms(loaded['latencies'], 95):7.1f} ms  ({p50 / idle_p50:.1f}x unloaded)")  # fmt: skip
    if floor:
        print(f"  {'':<36} {loaded['attempts']} requests to /health in {seconds:g} s ({loaded['rate']:.0f}/s)")
        return p50
    print(f"  {'':<36} {loaded['attempts']} guesses in {seconds:g} s ({loaded['rate']:.0f}/s); first 100: "
          f"{loaded['checked_of_100']} 'wrong password' (200), {loaded['refused_of_100']} refused (429), "
          f"{loaded['other_of_100']} other; first 429 at #{loaded['first_refusal']}; "
          f"passwords checked in all: {loaded['checked_total']}")  # fmt: skip
    print(f"  {'':<36} then the right password: HTTP {loaded['right_password']}"
          + (" (refused while the lock lasts)" if loaded["right_password"] == 429 else ""))  # fmt: skip
    return p50


def run(label: str, env: dict, tmp: Path, args) -> dict[str, float]:
    """One server: the timing check, the unloaded readers, then the readers under each kind of attack."""
    server = Server(env, tmp / f"server-{label.replace(' ', '-')}.log", nginx=args.nginx)
    p50: dict[str, float] = {}
    try:
        print(f"\n[{label}] {args.readers} readers on {READER_PAGE} ({args.think:g} s think time), "
              f"{args.guessers} guessers at {VICTIM}, {args.seconds:g} s per line")  # fmt: skip
        if label == "throttled":
            known, unknown = timing(server.port, args.timing_rounds)
            print(f"  wrong password, median answer: existing user {known:.0f} ms, unknown user {unknown:.0f} ms "
                  f"({args.timing_rounds} each, alternating)")  # fmt: skip
        idle = read_pages(server.port, args.readers, args.seconds, args.think, threading.Event())
        p50["idle"] = _ms(idle, 50)
        print(f"  {'unloaded':<36} {len(idle):>5} pages  p50 {p50['idle']:7.1f} ms  p95 {_ms(idle, 95):7.1f} ms")
        p50["flood"] = _report("guessing back to back", p50["idle"], attack(server.port, args), args.seconds)
        if label == "throttled":
            paced = attack(server.port, args, rate=args.paced_rate, victim=VICTIM + "-2")
            p50["paced"] = _report(f"guessing at {args.paced_rate:g}/s in all", p50["idle"], paced, args.seconds)
            floor = attack(server.port, args, floor=True)
            p50["floor"] = _report("/health back to back (floor)", p50["idle"], floor, args.seconds, floor=True)
    finally:
        server.stop()
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0, help="per phase")
    parser.add_argument("--think", type=float, default=0.2, help="mean seconds a reader waits between pages")
    parser.add_argument("--paced-rate", type=float, default=50.0,
                        help="guesses per second in all, for the paced attack (the issue saw 4.4/s)")
    parser.add_argument("--timing-rounds", type=int, default=8, help="wrong passwords per username (< 10)")
    parser.add_argument("--nginx", action="store_true", help="send every request through deploy/nginx.conf (HTTPS)")
    parser.add_argument("--compare", action=argparse.BooleanOptionalAction, default=True,
                        help="also run with the throttle out of reach (the app before issue 9)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qianfan-bench-login-") as tmp_name:
        tmp = Path(tmp_name)
        env = {
            **os.environ,
            "QIANFAN_INSTANCE_DIR": str(tmp / "instance"),
            "PYTHONPATH": str(ROOT),
        }
        env = {k: v for k, v in env.items() if not k.startswith("QIANFAN_") or k == "QIANFAN_INSTANCE_DIR"}
        os.environ.update({"QIANFAN_INSTANCE_DIR": env["QIANFAN_INSTANCE_DIR"]})
        if args.nginx:
            if not local_nginx.available():
                sys.exit("--nginx needs Debian's nginx and openssl")
            os.environ["BENCH_LOGIN_HTTPS"] = env["BENCH_LOGIN_HTTPS"] = "1"
            env["QIANFAN_TRUSTED_PROXIES"] = "1"  # the client's address and scheme from nginx's headers
        results = {}
        for label, throttle_off in (("throttled", False), ("throttle off", True))[: 2 if args.compare else 1]:
            url = f"sqlite:///{tmp / (label.replace(' ', '-') + '.sqlite3')}"
            prepare(url, args.readers)
            run_env = {**env, "QIANFAN_DATABASE_URL": url}
            if throttle_off:
                run_env["QIANFAN_LOGIN_MAX_FAILURES_PER_ACCOUNT"] = "1000000"
                run_env["QIANFAN_LOGIN_MAX_FAILURES_PER_ADDRESS"] = "1000000"
            results[label] = run(label, run_env, tmp, args)
        throttled = results["throttled"]
        print("\ntarget: others' p50 under attack within 2x of unloaded:")
        for kind, name in (("flood", "back to back"), ("paced", f"at {args.paced_rate:g}/s"),
                           ("floor", "/health flood, for scale")):  # fmt: skip
            ratio = throttled[kind] / throttled["idle"]
            verdict = "no target (any flood, not a login)" if kind == "floor" else "met" if ratio <= 2 else "MISSED"
            print(f"  {name:<24} {throttled['idle']:.1f} -> {throttled[kind]:.1f} ms ({ratio:.1f}x) {verdict}")
    print()
    print_machine_details()


if __name__ == "__main__":
    main()
