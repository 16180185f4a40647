"""How long each demo scale takes to load, and how much memory it needs (issue 2, item 5).

    .venv/bin/python bench/bench_demo.py                      # small, programme, 10x on SQLite
    .venv/bin/python bench/bench_demo.py --scale programme --postgres postgresql+psycopg://root@127.0.0.1:5432/bench
    .venv/bin/python bench/bench_demo.py --tracemalloc        # also the peak of Python's own allocations (slower)

Each scale loads in a child process into a fresh database, so its peak resident memory (ru_maxrss) is
its own. SQLite gets a new file in a temporary folder; PostgreSQL's URL must name a scratch database,
whose public schema is dropped and recreated for every scale. Time is the `load_demo` call and its
commit, after the schema and reference tables are in place; the rematch and deals are not included.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402


def load_once(url: str, scale: str, seed: int, trace: bool) -> dict:
    """Prepare a fresh database at `url`, load the demo, and measure the load (runs in the child)."""
    from sqlalchemy import text

    from ingest.reference import load_reference
    from qianfan.db import Database
    from qianfan.demo import load_demo
    from qianfan.schema import upgrade

    db = Database(url)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    with db.session_scope() as session:
        load_reference(session)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with db.session_scope() as session:
        summary = load_demo(session, scale, seed)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    db.dispose()
    rows = sum(v for k, v in summary.counts.items() if k != "orders_from_notices")
    return {
        "seconds": seconds,
        "rows": rows,
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "traced_peak_mib": peak / 1024 / 1024 if peak is not None else None,
    }


def run_child(url: str, scale: str, seed: int, trace: bool) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--url",
        url,
        "--scale",
        scale,
        "--seed",
        str(seed),
    ]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{scale} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", action="append", choices=["small", "programme", "10x"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres", metavar="URL", help="also load into this scratch PostgreSQL database"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="measure Python allocations too (slower)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scales = args.scale or ["small", "programme", "10x"]
    if args.child:
        print(json.dumps(load_once(args.url, scales[0], args.seed, args.tracemalloc)))
        return

    print("demo load benchmark")
    print_machine_details()
    print(
        f"{'backend':<10} {'scale':<10} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'peak RSS':>10} {'traced peak':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for scale in scales:
            targets = [("sqlite", f"sqlite:///{Path(folder) / f'{scale}.sqlite3'}")]
            if args.postgres:
                targets.append(("postgresql", args.postgres))
            for backend, url in targets:
                result = run_child(url, scale, args.seed, args.tracemalloc)
                traced = (
                    f"{result['traced_peak_mib']:.0f} MiB"
                    if result["traced_peak_mib"] is not None
                    else "-"
                )
                print(
                    f"{backend:<10} {scale:<10} {result['rows']:>9,} {result['seconds']:>8.1f} "
                    f"{result['rows'] / result['seconds']:>8,.0f} {result['maxrss_mib']:>6.0f} MiB {traced:>12}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
