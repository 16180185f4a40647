"""Mentors (issue 14): the ranking on a small hand-labelled set, and what the mentor side adds to a rematch.

    .venv/bin/python bench/bench_mentors.py --eval
    .venv/bin/python bench/bench_mentors.py --url sqlite:////tmp/qf1/qianfan.sqlite3 --runs 3

`--eval` ranks the 24 mentors of tests/data/mentors-eval/set.json for its 12 firms with the product's
matcher (Matcher(kind="mentor"), the configured options) and prints MRR, nDCG@10 and hit@k against the
set's labels, with the same for text similarity alone; the set is composed by hand (see its "about").
`--url` times, on a database holding a demo, a full rematch (`rematch_all`, as `qianfan match --full`
runs it) without the mentor side, with it after one mentor changed (the side is ranked whole), and with
nothing changed (the side is left as it is), in turn, `--runs` times each, and prints what the mentor side
adds. It writes rankings: use a copy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from machine import machine_details  # noqa: E402

SET = ROOT / "tests" / "data" / "mentors-eval" / "set.json"


def evaluate() -> dict:
    from matcher.engine import Matcher
    from matcher.metrics import mean_metrics
    from matcher.records import Firm, Posting
    from matcher.tokenize import DomainTokenizer, unpack
    from qianfan.config import DEFAULTS
    from qianfan.mentors.matching import matcher_options

    data = json.loads(SET.read_text(encoding="utf-8"))
    tokenizer = DomainTokenizer()
    firms = [
        Posting(id=f["id"], side="firm", kind="mentor", tokens=unpack(tokenizer.pack("", f["text"])),
                owner=Firm(id=f["id"], industry_code=f["industry"], region_code=f["region"]))
        for f in data["firms"]
    ]  # fmt: skip
    mentors = [
        Posting(id=m["id"], side="mentor", kind="mentor", owner=Firm(id=f"mentor:{m['id']}"),
                tokens=unpack(tokenizer.pack(m["text"], m["text"])), region_codes=tuple(m["regions"]),
                eligible_industry_codes=tuple(m["industries"]), quota_left=2)
        for m in data["mentors"]
    ]  # fmt: skip
    qrels = {int(q): {int(c): g for c, g in labels.items()} for q, labels in data["qrels"].items()}
    now = datetime.now(UTC)
    results = {}
    for name, weights in (("configured", None), ("text only", {"text": 1.0, "title": 0.0, "industry": 0.0, "region": 0.0})):
        options = {**matcher_options(DEFAULTS), "weights": weights, "score_floor": 0.0}
        ranked = Matcher(**options).fit(mentors).rank(firms, now).forward
        rankings = {r.posting_id: [int(c) for c in r.candidate_ids] for r in ranked}
        results[name] = mean_metrics(rankings, qrels)
    return {"set": str(SET.relative_to(ROOT)), "firms": len(firms), "mentors": len(mentors), **results}


def rematch_impact(url: str, runs: int) -> dict:
    """`rematch_all` as `qianfan match --full` runs it: without the mentor side, with it after a mentor
    changed (ranked whole), and with nothing changed (left as it is)."""
    from unittest import mock

    from sqlalchemy import update

    from models import Mentor
    from qianfan import matching
    from qianfan.config import load_settings
    from qianfan.db import Database

    settings = {**load_settings(), "MATCH_LOCK_WAIT_SECONDS": 30}
    timings: dict[str, list[float]] = {"without": [], "changed": [], "unchanged": []}
    summary = {}
    for _ in range(runs):
        for variant in timings:
            db = Database(url)
            if variant == "changed":  # one mentor edited since the last ranking
                with db.engine.begin() as connection:
                    connection.execute(update(Mentor).where(Mentor.id == 1).values(updated_at=datetime.now(UTC)))
            started = time.perf_counter()
            if variant == "without":
                with mock.patch.object(matching, "_rank_mentors", lambda *args: {}):
                    matching.rematch_all(db, settings=settings)
            else:
                result = matching.rematch_all(db, settings=settings).get("mentor", {})
                summary = result if variant == "changed" else summary
            timings[variant].append(time.perf_counter() - started)
            db.dispose()
    base = statistics.median(timings["without"])
    shown = {"rematch_all without mentors, s (median)": round(base, 2)}
    for variant in ("changed", "unchanged"):
        value = statistics.median(timings[variant])
        shown[f"with mentors, {variant}, s (median)"] = round(value, 2)
        shown[f"added, {variant}"] = f"{value - base:+.2f} s ({(value - base) / base:+.1%})"
    return {**shown, "runs": runs, "processes": settings.get("MATCH_PROCESSES"), "mentor side": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", action="store_true")
    parser.add_argument("--url")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(machine_details(), ensure_ascii=False))
    if args.eval:
        print(json.dumps(evaluate(), ensure_ascii=False))
    if args.url:
        print(json.dumps(rematch_impact(args.url, args.runs), ensure_ascii=False))


if __name__ == "__main__":
    main()
