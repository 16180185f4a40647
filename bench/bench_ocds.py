"""The OCDS export at programme scale: time, peak memory, releases by tag, and the validation result.

    .venv/bin/python bench/bench_ocds.py                       # programme-scale demo into a fresh SQLite
    .venv/bin/python bench/bench_ocds.py --url postgresql+psycopg://root@127.0.0.1:5432/bench_ocds
    .venv/bin/python bench/bench_ocds.py --url sqlite:////tmp/x.sqlite3 --loaded   # demo already there

Loads the programme-scale demo (`qianfan init-db`, `qianfan demo --scale programme`, a few minutes), then
runs `qianfan export ocds OUT` as its own process (its wall time and peak resident memory, from the
kernel's accounting of that process alone), validates the file against the shipped OCDS 1.1.5 schema and
closed codelists (qianfan.opendata.validate), compiles it into records with ocdskit and validates those
too, times the export inside one process (no start-up, schema check or imports), and the web route's
first and last page (`release_package`, 100 releases a page).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402

_QIANFAN = str(Path(sys.executable).with_name("qianfan"))


def _load(url: str, scale: str) -> None:
    """A fresh database with the demo at `scale` (PostgreSQL: its public schema dropped first)."""
    env = {**os.environ, "QIANFAN_DATABASE_URL": url, "QIANFAN_QUEUE_URL": "immediate"}
    if url.startswith("postgresql"):
        from sqlalchemy import text

        from qianfan.db import Database

        scratch = Database(url)
        with scratch.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        scratch.dispose()
    for args in ([_QIANFAN, "init-db"], [_QIANFAN, "demo", "--scale", scale]):
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _export(url: str, out: Path) -> tuple[float, float, str]:
    """Run the export as a child process: (seconds, peak RSS in MiB, what it printed)."""
    env = {**os.environ, "QIANFAN_DATABASE_URL": url}
    started = time.perf_counter()
    child = subprocess.Popen([_QIANFAN, "export", "ocds", str(out)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)  # fmt: skip
    printed = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"the export failed:\n{printed}")
    return seconds, usage.ru_maxrss / 1024, printed.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--loaded", action="store_true", help="--url already holds the demo: do not load it")
    parser.add_argument("--scale", default="programme", help="demo scale to load (programme, 10x)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-ocds-"))
    url = args.url or f"sqlite:///{folder}/bench.sqlite3"
    print_machine_details()
    if not args.loaded:
        started = time.perf_counter()
        _load(url, args.scale)
        print(f"demo ({args.scale}) loaded in {time.perf_counter() - started:.1f} s ({url.split('@')[-1]})")

    out = folder / "ocds.json"
    seconds, peak_mib, printed = _export(url, out)
    print(f"export: {seconds:.2f} s wall (the whole `qianfan export ocds` process), peak RSS {peak_mib:.0f} MiB,"
          f" file {out.stat().st_size / 1024:.0f} KiB")  # fmt: skip
    print(f"  it said: {printed.splitlines()[0]}")

    from ocdskit.combine import merge

    from qianfan.opendata.validate import load_schema, package_errors

    package = json.loads(out.read_text(encoding="utf-8"))
    releases = package["releases"]
    by_tag: dict[str, int] = {}
    for item in releases:
        for tag in item["tag"]:
            by_tag[tag] = by_tag.get(tag, 0) + 1
    print(f"releases: {len(releases):,} in {len({r['ocid'] for r in releases}):,} contracting processes")
    for tag, count in sorted(by_tag.items()):
        print(f"  {tag:<20} {count:>6,}")
    ends: dict[str, int] = {}
    for item in releases:
        if item["tag"][0] in ("tenderUpdate", "tenderCancellation"):
            ends[item["tender"]["status"]] = ends.get(item["tender"]["status"], 0) + 1
    print("  tender ends by tender.status: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ends.items())))
    started = time.perf_counter()
    errors = package_errors(package)
    print(f"validation (schema 1.1.5, Draft 4, formats, closed codelists): {len(errors)} errors"
          f" in {time.perf_counter() - started:.1f} s")  # fmt: skip
    for error in errors[:10]:
        print("  ", error)
    started = time.perf_counter()
    [records] = merge([package], schema=load_schema("release-schema.json"), return_package=True,
                      uri="urn:bench", published_date=package["publishedDate"])  # fmt: skip
    compiled = [record["compiledRelease"] for record in records["records"]]
    record_errors = package_errors(package, compiled)
    print(f"ocdskit: {len(compiled):,} compiled records, {len(record_errors)} validation errors"
          f" in {time.perf_counter() - started:.1f} s")  # fmt: skip

    from qianfan.db import Database
    from qianfan.opendata import release_package, write_release_package

    db = Database(url)
    with db.session_scope() as session, open(os.devnull, "w", encoding="utf-8") as sink:
        started = time.perf_counter()
        write_release_package(session, sink, uri="urn:bench")
        print(f"export in process (write_release_package alone, no start-up): "
              f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        for name, offset in (("first", 0), ("last", (len(releases) - 1) // 100 * 100)):
            started = time.perf_counter()
            page = release_package(session, offset=offset, limit=100, uri="urn:bench")
            print(f"web page ({name}, offset {offset}): {len(page['releases'])} releases in"
                  f" {(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
    db.dispose()
    sys.exit(1 if errors or record_errors else 0)


if __name__ == "__main__":
    main()
