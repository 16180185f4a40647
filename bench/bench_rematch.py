"""Matching at programme scale, through the database and the web (issue 8): the figures it asks for.

Run on a database holding a demo (`qianfan demo --scale programme` or `--scale 10x`):

    .venv/bin/python bench/bench_rematch.py --url sqlite:////tmp/qf1/qianfan.sqlite3
    .venv/bin/python bench/bench_rematch.py --url postgresql+psycopg://root@127.0.0.1:5432/bench10

Printed, with the machine's details:
- full rematch, both sides, as the operator runs it: `qianfan match --full` in its own process, twice (the
  second is the steady state), wall time and the peak memory of each process (the order side runs in the
  command's process, the service side in a second one);
- the matcher alone (ranking both ways, no database) against a plain TF-IDF top-k peer on the same
  documents (sparse_dot_topn: each order's top 50 listings and each listing's top 20 orders; each demand's
  top 10 packages and each package's top 50 demands), and their ratio;
- coverage: the share of firms with a published listing whose 推荐订单 shows at least one order, and of
  service providers with a published package who see at least one demand;
- publishing through the web: staff publish one listing (POST, p50/p95 over `--publish` listings), then
  the background rematch of that listing (`rematch_postings`, what the job runs) until its lists are
  written: the time until its recommendations are visible is the two together (the queue's pick-up
  delay, at most a second for the embedded consumer, is not included);
- bulk publishing 100 listings: the staff's bulk POST, then the one rematch job for all of them.
It changes the database (publishes listings it first sets back to submitted); use a copy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from machine import machine_details  # noqa: E402
from sparse_dot_topn import sp_matmul_topn  # noqa: E402
from sqlalchemy import select, update  # noqa: E402

from models import Listing, ServicePackage, User  # noqa: E402
from qianfan import matching  # noqa: E402
from qianfan.config import load_settings  # noqa: E402
from qianfan.db import Database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def full_rematch_cli(url: str, runs: int) -> list[dict]:
    """`qianfan match --full` in a process of its own, as an operator runs it."""
    figures = []
    env = {**os.environ, "QIANFAN_DATABASE_URL": url}
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CLI_WITH_PEAKS], env=env, capture_output=True, text=True, check=True
        )
        wall = time.perf_counter() - started
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        figures.append({"wall_s": round(wall, 2), **summary})
    return figures


# The command's own code path (qianfan.matching.rematch_all with the configured settings), printing
# its summary with each process's peak memory as JSON.
_CLI_WITH_PEAKS = """
import json, resource
from qianfan.config import load_settings
from qianfan.db import Database
from qianfan import matching
if __name__ == "__main__":
    settings = load_settings()
    summary = matching.rematch_all(Database(settings["DATABASE_URL"]), settings=settings)
    print(json.dumps({side: {"seconds": s["seconds"], "peak_mib": s.get("peak_mib"), "queries": s["queries"],
                             "candidates": s["candidates"]} for side, s in summary.items()}))
"""


def matcher_against_peer(db: Database, settings: dict) -> dict:
    """The matcher's ranking both ways, without the database, against plain TF-IDF top-k on the same rows."""
    result = {}
    now = datetime.now(UTC)
    for side in matching.SIDES:
        with db.session_scope() as session:
            firms = matching._firms(session)
            matcher = matching.fitted_matcher(session, side, settings, firms)
            queries = matching.load_postings(session, side.query_name, firms)
        started = time.perf_counter()
        matcher.rank(queries, now, forward=True, reverse=None)
        alone = time.perf_counter() - started
        query_rows = matcher.vectorizer_.transform([q.tokens.all for q in queries])
        candidate_rows = matcher.index_.text
        started = time.perf_counter()
        sp_matmul_topn(query_rows, candidate_rows.T.tocsr(), top_n=matcher.top_k)
        sp_matmul_topn(candidate_rows, query_rows.T.tocsr(), top_n=matcher.reverse_top_k)
        peer = time.perf_counter() - started
        result[side.kind] = {
            "queries": len(queries), "candidates": matcher.index_.n, "matcher_s": round(alone, 2),
            "tfidf_topk_peer_s": round(peer, 2), "ratio": round(alone / peer, 2) if peer else None,
        }  # fmt: skip
    return result


def coverage(db: Database) -> dict:
    """Firms with a published listing that see at least one open order; providers seeing a demand."""
    from qianfan.paging import PageRequest
    from qianfan.recommendations import package_demands, recommended_orders

    out = {}
    with db.session_scope() as session:
        for role, kind, owner, label in (
            ("small_firm", Listing, Listing.supplier_id, "firms_with_listings"),
            ("service_org", ServicePackage, ServicePackage.provider_id, "providers_with_packages"),
        ):
            company_ids = sorted(set(session.scalars(select(owner).where(kind.status == "published"))))
            seeing = 0
            for company_id in company_ids:
                user = User(role=role, company_id=company_id, username="bench")
                request = PageRequest(1, 1, "-score")
                if role == "small_firm":
                    seeing += recommended_orders(session, user, request).page.total > 0
                else:
                    seeing += package_demands(session, user, request).total > 0
            out[label] = {"total": len(company_ids), "seeing_one_or_more": seeing,
                          "share": round(seeing / len(company_ids), 4) if company_ids else None}  # fmt: skip
            session.expunge_all()
    return out


def publishing(db: Database, url: str, count: int, bulk: int) -> dict:
    """Staff publishing through the web app (test client, real database), then the rematch job's work."""
    from webapp import create_app

    queue = Path(tempfile.mkdtemp()) / "queue.sqlite3"  # jobs are queued, not run, during the requests
    app = create_app({"DATABASE_URL": url, "QUEUE_URL": f"sqlite:///{queue}", "WTF_CSRF_ENABLED": False,
                      })  # fmt: skip
    with db.session_scope() as session:
        ids = session.scalars(
            select(Listing.id).where(Listing.status == "published").order_by(Listing.id.desc()).limit(count + bulk)
        ).all()
        session.execute(update(Listing).where(Listing.id.in_(ids)).values(status="submitted"))
        staff = session.scalar(select(User).where(User.role == "staff"))
        staff_id = staff.id
    single, many = ids[:count], ids[count:]
    settings = load_settings({"DATABASE_URL": url})
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = _login_id(db, staff_id)
        flask_session["_fresh"] = True
    requests, jobs = [], []
    for listing_id in single:
        started = time.perf_counter()
        response = client.post(f"/staff/screening/listing/{listing_id}/publish", data={"next": "/staff/screening"})
        requests.append(time.perf_counter() - started)
        assert response.status_code in (302, 303), response.status_code
        started = time.perf_counter()
        matching.rematch_postings(db, [("listing", listing_id)], settings=settings)
        jobs.append(time.perf_counter() - started)
        with db.session_scope() as session:
            assert matching.ranked_list(session, "listing", listing_id) is not None
    started = time.perf_counter()
    response = client.post("/staff/screening/listing/bulk", data={"action": "publish", "ids": [str(i) for i in many]})
    bulk_request = time.perf_counter() - started
    started = time.perf_counter()
    matching.rematch_postings(db, [("listing", i) for i in many], settings=settings)
    bulk_job = time.perf_counter() - started
    visible = [r + j for r, j in zip(requests, jobs, strict=True)]
    return {
        "publish_one_request_ms": _percentiles(requests, 1000),
        "rematch_job_s": _percentiles(jobs, 1),
        "visible_after_s": _percentiles(visible, 1),
        f"bulk_publish_{len(many)}": {"request_s": round(bulk_request, 2), "rematch_job_s": round(bulk_job, 2),
                                     "total_s": round(bulk_request + bulk_job, 2)},
    }  # fmt: skip


def _login_id(db: Database, user_id: int) -> str:
    with db.session_scope() as session:
        return session.get(User, user_id).get_id()


def _percentiles(values: list[float], scale: float) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(values), "p50": round(statistics.median(values) * scale, 3), "p95": round(p95 * scale, 3),
            "max": round(ordered[-1] * scale, 3)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="database holding a demo (it is changed: use a copy)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--publish", type=int, default=20)
    parser.add_argument("--bulk", type=int, default=100)
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: cli,peer,coverage,publish")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    db = Database(args.url)
    settings = load_settings({"DATABASE_URL": args.url})
    report: dict = {"machine": machine_details(), "url": args.url.split("@")[-1]}
    if "cli" not in skip:
        report["full_rematch_cli"] = full_rematch_cli(args.url, args.runs)
    if "peer" not in skip:
        report["matcher_vs_peer"] = matcher_against_peer(db, settings)
    if "coverage" not in skip:
        report["coverage"] = coverage(db)
    if "publish" not in skip:
        report["publishing"] = publishing(db, args.url, args.publish, args.bulk)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
