"""CPU per page, in one process: what each page of the 50-user mix costs the server, without the network.

    .venv/bin/python bench/bench_page_cpu.py                        # bench1 on PostgreSQL, 20 views a page
    .venv/bin/python bench/bench_page_cpu.py --views 50 --profile "推荐订单"   # and a cProfile of one page

It opens the app on a database that holds the programme demo (default postgresql+psycopg://root@127.0.0.1:
5432/bench1, as bench_production_load.py), logs in one demo account of each role through Flask's test
client (the passwords `qianfan demo` printed, read from `--accounts`), then views each page of
bench_production_load's mix `--views` times after one warm-up view. It prints, per page, the median and
p90 of the process's CPU time and of the wall time per view, and the SQL statements per view. The CPU
time covers the app only; PostgreSQL's share is the wall time's remainder, roughly.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_production_load import ACCOUNT, DEFAULT_DB, buyer_orders, role_pages  # noqa: E402
from bench.bench_web import _TOKEN  # noqa: E402
from bench.machine import print_machine_details  # noqa: E402

ROLE_OF = {"staff": "staff", "buyer": "buyer", "supplier": "supplier", "provider": "provider"}


def first_accounts(log: Path) -> dict[str, tuple[str, str]]:
    """role -> (username, password) of the first demo account of each role in `qianfan demo`'s output."""
    found: dict[str, tuple[str, str]] = {}
    for username, kind, password, _ in ACCOUNT.findall(log.read_text(encoding="utf-8")):
        role = next(r for r in ROLE_OF if kind.startswith(r))
        found.setdefault(role, (username, password))
    return found


def login(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = _TOKEN.search(page).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"login of {username} failed: {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--accounts", type=Path, default=Path("/tmp/qfpg/demo.log"))
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--profile", help="a page name (or part of it) to profile with cProfile")
    parser.add_argument("--only", help="only pages whose name contains this")
    args = parser.parse_args()

    os.environ["QIANFAN_DATABASE_URL"] = args.database
    from sqlalchemy import event

    from webapp import create_app

    os.environ.setdefault("QIANFAN_INSTANCE_DIR", tempfile.mkdtemp())
    app = create_app({"SECRET_KEY": "bench"})
    statements = [0]

    def count(*_args, **_kwargs) -> None:
        statements[0] += 1

    event.listen(app.extensions["qianfan_db"].engine, "before_cursor_execute", count)
    accounts = first_accounts(args.accounts)
    orders = buyer_orders(args.database, [accounts["buyer"]])
    print_machine_details()
    print(f"database {args.database}; {args.views} views a page after one warm-up\n")
    print(f"{'page':38} {'cpu p50':>8} {'cpu p90':>8} {'wall p50':>9} {'SQL':>4}")
    for role, (username, password) in accounts.items():
        client = app.test_client()
        login(client, username, password)
        for name, path in role_pages(role, orders.get(username, [])):
            if args.only and args.only not in name:
                continue
            client.get(path)
            cpu, wall = [], []
            profiler = cProfile.Profile() if args.profile and args.profile in name else None
            statements[0] = 0
            for _ in range(args.views):
                c0, w0 = time.process_time(), time.perf_counter()
                if profiler:
                    profiler.enable()
                answer = client.get(path)
                if profiler:
                    profiler.disable()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{path} answered {answer.status_code}")
            cpu.sort()
            print(f"{name:38} {statistics.median(cpu):7.1f}  {cpu[int(len(cpu) * 0.9)]:7.1f}  "
                  f"{statistics.median(wall):8.1f}  {statements[0] / args.views:4.0f}")  # fmt: skip
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
