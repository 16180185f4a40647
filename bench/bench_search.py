"""Search of the open market at programme scale: how long one search takes, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_search.py                       # programme-scale demo on SQLite
    .venv/bin/python bench/bench_search.py --url postgresql+psycopg://root@127.0.0.1:5432/bench_search

Loads the programme-scale demo into a fresh database (`qianfan init-db`, `qianfan demo --scale
programme`; the demo's rematch tokenises every published posting, which fills the full-text index
through its triggers), then runs each search of QUERIES `--repeat` times through
`qianfan.market.search.search` (one page of 20, as the page asks for it) and prints the median and the
slowest time of each, with how many postings it found.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402

_QIANFAN = str(Path(sys.executable).with_name("qianfan"))
QUERIES = [
    ("order", {"q": "水务"}),
    ("order", {"q": "智慧 平台 建设"}),
    ("order", {"q": "监控", "region": "北京市"}),
    ("order", {"region": "北京市", "amount_min": "100万元"}),
    ("order", {}),
    ("listing", {"q": "物联网"}),
    ("listing", {"q": "软件开发", "region": "海淀区"}),
    ("listing", {}),
]


def _load(url: str) -> None:
    env = {**os.environ, "QIANFAN_DATABASE_URL": url, "QIANFAN_QUEUE_URL": "immediate"}
    if url.startswith("postgresql"):
        from sqlalchemy import text

        from qianfan.db import Database

        scratch = Database(url)
        with scratch.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        scratch.dispose()
    for args in ([_QIANFAN, "init-db"], [_QIANFAN, "demo", "--scale", "programme"]):
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--loaded", action="store_true", help="--url already holds the demo: do not load it")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-search-')}/bench.sqlite3"
    print_machine_details()
    if not args.loaded:
        started = time.perf_counter()
        _load(url)
        print(f"demo loaded in {time.perf_counter() - started:.1f} s ({url.split('@')[-1]})")

    from sqlalchemy import func, select

    from models import Listing, Order
    from qianfan.db import Database
    from qianfan.market.search import Filters, search
    from qianfan.paging import PageRequest

    db = Database(url)
    with db.session_scope() as session:
        for model in (Order, Listing):
            count = session.scalar(select(func.count()).where(model.status == "published"))
            print(f"published {model.__tablename__}: {count}")
        search(session, "order", Filters(q="水务"), PageRequest(1, 20, "relevance"))  # loads jieba once
        print(f"{'kind':8} {'filters':45} {'found':>6} {'median ms':>10} {'max ms':>8}")
        for kind, typed in QUERIES:
            times, found = [], 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                page = search(session, kind, Filters(**typed), PageRequest(1, 20, "relevance"))
                times.append((time.perf_counter() - t0) * 1000)
                found = page.total
            shown = " ".join(f"{k}={v}" for k, v in typed.items()) or "(none)"
            print(f"{kind:8} {shown:45} {found:>6} {statistics.median(times):>10.1f} {max(times):>8.1f}")
    db.dispose()


if __name__ == "__main__":
    main()
