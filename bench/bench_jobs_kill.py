"""kill -9 of a job worker during an import and during a full rematch, then a restart (issue 9).

    .venv/bin/python bench/bench_jobs_kill.py                       # SQLite database, SQLite queue
    .venv/bin/python bench/bench_jobs_kill.py --postgres postgresql+psycopg://root@127.0.0.1:5432/bench_jobs \\
        --queue redis://127.0.0.1:6379/14                          # PostgreSQL (emptied first!) and Redis

A fresh database gets the programme-scale demo (`qianfan demo --scale programme`). Then, twice:
1. a job is queued and a real `qianfan worker` process takes it: the import of 20,000 composed listings
   (bench/bench_ingest.py's file), or a full rematch with shorter lists (MATCH_TOP_K 20 instead of 50,
   so that a finished rematch is told apart from the lists it replaces);
2. once the job is well under way (the import writing its rows, the rematch ranking), the worker gets
   SIGKILL; a new worker is started;
3. printed: the job's state as its page shows it after the restart (interrupted), and whether the
   database holds all or none of the work (import: listings and companies counted before, after the
   kill and after the re-run; rematch: a fingerprint of the lists firms see, per side, before, after the
   kill and after the re-run: after the kill each side must equal one of the other two);
4. the job is re-run from its page's action (qianfan.tasks.rerun) and must finish.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402

CLI = [sys.executable, "-c", "from qianfan.cli import main; main()"]
SIDES = {"order": ("order", "listing"), "service": ("demand", "package")}


def _env(db_url: str, queue: str, instance: Path, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANFAN_")}
    env.update(QIANFAN_DATABASE_URL=db_url, QIANFAN_QUEUE_URL=queue, QIANFAN_INSTANCE_DIR=str(instance),
               QIANFAN_JOB_HEARTBEAT_SECONDS="0.2")  # progress seen often enough to kill at the right moment
    env.update({f"QIANFAN_{k}": str(v) for k, v in settings.items()})
    return env


_STARTED: list[subprocess.Popen] = []


def _worker(env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        _STARTED.append(subprocess.Popen([*CLI, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT))
    return _STARTED[-1]


@atexit.register
def _no_worker_left() -> None:
    """A run that stops half-way leaves no worker behind to take the next run's jobs."""
    for worker in _STARTED:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def _job(db, job_id: str):
    from qianfan import jobs

    with db.session_scope() as session:
        return jobs.get(session, job_id)


def _wait(db, job_id: str, until, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(db, job_id)
        if until(job):
            return job
        if job.state in ("finished", "failed") and what != "finished":
            raise SystemExit(f"job {job_id} ended ({job.state}) before it was {what}: {job.error or ''}")
        time.sleep(0.05)
    raise SystemExit(f"job {job_id} never got {what} in {timeout:.0f} s")


def _counts(db) -> dict[str, int]:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ("listing", "company", "import_batch")}


def _fingerprints(db) -> dict[str, str]:
    """Per side, a digest of the recommendation lists a reader sees (the current generation, where
    the matching storage keeps generations; else the match rows)."""
    from sqlalchemy import inspect, text

    found = {}
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        for side, kinds in SIDES.items():
            digest = hashlib.sha256()
            if "ranking_state" in tables:
                generation = conn.execute(text("SELECT generation FROM ranking_state WHERE side = :s"), {"s": side}).scalar()
                rows = conn.execute(text(
                    "SELECT posting_kind, posting_id, candidate_ids, scores FROM ranking WHERE generation = :g "
                    "AND posting_kind IN (:a, :b) ORDER BY posting_kind, posting_id"), {"g": generation, "a": kinds[0], "b": kinds[1]})  # fmt: skip
            else:
                first = f"{kinds[0]}_id" if side == "service" else "order_id"
                rows = conn.execute(text(
                    f"SELECT {first}, {kinds[1]}_id, near_miss, rank FROM match WHERE {first} IS NOT NULL "
                    f"AND status = 'recommended' ORDER BY 1, 2"))  # fmt: skip
            n = 0
            for row in rows:
                digest.update(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)).encode())
                n += 1
            found[side] = f"{digest.hexdigest()[:12]} ({n} rows)"
    return found


def _kill_and_restart(db, env, log, job_id, under_way, label: str) -> tuple[subprocess.Popen, dict]:
    worker = _worker(env, log)
    started = time.monotonic()
    job = _wait(db, job_id, under_way, 600, "under way")
    seen = {"stage": job.stage, "done": job.done, "total": job.total, "after_s": round(time.monotonic() - started, 1)}
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    print(f"{label}: SIGKILL to worker {worker.pid} {seen['after_s']} s after it started, at stage "
          f"{seen['stage']} {seen['done']}/{seen['total']}")  # fmt: skip
    return _worker(env, log), seen


def _stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose public schema is emptied first")
    parser.add_argument("--queue", help="QUEUE_URL (default: a SQLite file in the temporary folder)")
    args = parser.parse_args()
    print_machine_details()

    from sqlalchemy import text

    from bench.bench_ingest import write_files
    from qianfan import tasks
    from qianfan.config import DEFAULTS
    from qianfan.db import Database

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    db_url = args.postgres or f"sqlite:///{folder / 'qianfan.sqlite3'}"
    queue = args.queue or f"sqlite:///{folder / 'queue.sqlite3'}"
    instance, log = folder / "instance", folder / "worker.log"
    print(f"database {db_url.split('@')[-1]}, queue {queue.split('@')[-1]}, worker log {log}")
    db = Database(db_url)
    if db.is_postgres:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    env = _env(db_url, queue, instance)
    t0 = time.monotonic()
    subprocess.run([*CLI, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([*CLI, "demo", "--scale", "programme"], env=env, check=True, capture_output=True)
    print(f"programme demo loaded and matched in {time.monotonic() - t0:.1f} s")
    tasks.configure({**DEFAULTS, "DATABASE_URL": db_url, "QUEUE_URL": queue}, db)
    tasks.huey.storage.flush_queue()
    ok = True

    # --- an import, killed while it writes its rows ----------------------------------------------------
    data = write_files(folder, 1)["listings.csv"].read_bytes()
    before = _counts(db)
    job_id = tasks.enqueue("import", None, "import_file", payload=data, kind="listings", filename="listings.csv",
                           skip_invalid=True, dry_run=False, actor_id=None)  # fmt: skip

    def writing(job) -> bool:
        if db.is_postgres:  # heartbeats are written while the import's transaction is open
            return job.state == "running" and job.stage == "writing" and job.done >= job.total // 4
        # SQLite: the import's write lock holds the heartbeat back; the check ended, give it 2 s of writing
        if job.state == "running" and job.stage == "checking" and job.total and job.done >= job.total:
            time.sleep(2)
            return True
        return False

    worker, _ = _kill_and_restart(db, env, log, job_id, writing, "import")
    shown = _wait(db, job_id, lambda j: j.state != "running", 60, "shown interrupted")
    killed = _counts(db)
    rerun_id = tasks.rerun(job_id, None)
    t1 = time.monotonic()
    done = _wait(db, rerun_id, lambda j: j.state in ("finished", "failed"), 600, "finished")
    after = _counts(db)
    _stop(worker)
    report = done.result.get("report", {})
    none_kept = killed == before
    all_kept = (after["listing"] - before["listing"] == report.get("inserted")
                and after["company"] - before["company"] == report.get("companies_created"))  # fmt: skip
    print(f"import: job shown {shown.state} after the restart; rows before {before}, after the kill {killed}, "
          f"after the re-run {after}")  # fmt: skip
    print(f"import: database holds none of the killed import: {none_kept}; re-run {done.state} in "
          f"{time.monotonic() - t1:.1f} s, {report.get('inserted')} listings and {report.get('companies_created')} "
          f"companies inserted, all of them kept: {all_kept}")  # fmt: skip
    ok &= shown.state == "interrupted" and none_kept and done.state == "finished" and all_kept

    # --- a full rematch with other settings, killed while it ranks ---------------------------------------
    env = _env(db_url, queue, instance, MATCH_TOP_K=20, MATCH_SERVICE_TOP_K=5)
    tasks.configure({**DEFAULTS, "DATABASE_URL": db_url, "QUEUE_URL": queue}, db)
    # The listings just imported wait for screening; the lists change only by the settings.
    before = _fingerprints(db)
    job_id = tasks.enqueue("rematch", None, "rematch_all")
    worker, seen = _kill_and_restart(
        db, env, log, job_id, lambda j: j.state == "running" and j.stage not in ("starting", "tokens") and j.done > 0,
        "rematch",
    )  # fmt: skip
    shown = _wait(db, job_id, lambda j: j.state != "running", 60, "shown interrupted")
    killed = _fingerprints(db)
    rerun_id = tasks.rerun(job_id, None)
    t1 = time.monotonic()
    done = _wait(db, rerun_id, lambda j: j.state in ("finished", "failed"), 600, "finished")
    after = _fingerprints(db)
    _stop(worker)
    whole = {side: killed[side] in (before[side], after[side]) for side in SIDES}
    print(f"rematch: job shown {shown.state} after the restart; lists per side before {before}, after the kill "
          f"{killed}, after the re-run {after}")  # fmt: skip
    print(f"rematch: each side all or none after the kill: {whole}; re-run {done.state} in "
          f"{time.monotonic() - t1:.1f} s; the re-run changed the lists: {after != before}")  # fmt: skip
    ok &= shown.state == "interrupted" and all(whole.values()) and done.state == "finished"
    if done.state != "finished":
        print("re-run error:", done.error)
    print("RESULT:", "all held" if ok else "FAILED")
    db.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
