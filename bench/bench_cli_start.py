"""How long `qianfan --help` takes, and what it imports (issue 11: it took 3 s with scikit-learn loaded eagerly).

    .venv/bin/python bench/bench_cli_start.py            # 5 runs of each command
    .venv/bin/python bench/bench_cli_start.py --runs 10

Each command runs in a fresh process from a scratch folder (so nothing is cached in-process); the median
and the slowest wall time are printed with the machine's details. `qianfan stats` runs on a fresh migrated
SQLite database in a temporary folder (a command that opens the database, for comparison).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import print_machine_details  # noqa: E402

QIANFAN = Path(sys.executable).with_name("qianfan")


def timed(args: list[str], env: dict, cwd: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(QIANFAN), *args], env=env, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_machine_details()
    with tempfile.TemporaryDirectory(prefix="qianfan-bench-cli-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
        env.update(QIANFAN_INSTANCE_DIR=f"{tmp}/instance", QIANFAN_DATABASE_URL=f"sqlite:///{tmp}/q.sqlite3")
        subprocess.run([str(QIANFAN), "init-db"], env=env, cwd=tmp, check=True, capture_output=True)
        probe = "import sys, qianfan.cli; print(sorted(m for m in ('sqlalchemy', 'sklearn', 'scipy', 'jieba') if m in sys.modules))"
        heavy = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp, capture_output=True, text=True)
        print(f"heavy modules imported by `import qianfan.cli`: {heavy.stdout.strip()}")
        print(f"{'command':<24} {'median s':>9} {'max s':>7}  runs")
        for command in (["--help"], ["ingest", "--help"], ["stats", "--json"]):
            times = timed(command, env, tmp, args.runs)
            print(f"{'qianfan ' + ' '.join(command):<24} {statistics.median(times):>9.3f} {max(times):>7.3f}  {len(times)}")


if __name__ == "__main__":
    main()
