"""Precision and recall of company de-duplication (ingest.dedup) on the labelled name pairs.

    .venv/bin/python bench/dedup_eval.py [--errors]

Reads tests/ingest/data/company_name_pairs.csv (built by bench/make_name_pairs.py from the real buyer
names in the notices) and prints, for the pairs merged automatically ("sure") and for those merged or
sent to the staff review queue ("sure" or "likely"), precision and recall, then recall by kind of
variant and the false merges by kind of hard negative. --errors lists every wrong pair.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine_details  # noqa: E402
from ingest.dedup import LIKELY, SURE, compare, name_key  # noqa: E402

PAIRS = ROOT / "tests" / "ingest" / "data" / "company_name_pairs.csv"


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f} ({numerator}/{denominator})" if denominator else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrongly judged pair")
    args = parser.parse_args()
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    judged = [(p, compare(name_key(p["name_a"]), name_key(p["name_b"]))[0]) for p in pairs]
    # The real names shaped the rules; the composed ones were written after, so they are the fairer test.
    subsets = {
        "all pairs": judged,
        "from the notices' real names": [
            (p, v) for p, v in judged if not p["how"].startswith("composed")
        ],
        "composed small firms (held out)": [
            (p, v) for p, v in judged if p["how"].startswith("composed")
        ],
    }
    for subset, items in subsets.items():
        positives = sum(p["same"] == "1" for p, _ in items)
        print(
            f"{subset}: {len(items)} pairs, {positives} same firm, {len(items) - positives} different firms"
        )
        for label, accepted in (
            ("merged automatically (sure)", {SURE}),
            ("merged or queued (sure+likely)", {SURE, LIKELY}),
        ):
            predicted = [(p, v) for p, v in items if v in accepted]
            correct = sum(p["same"] == "1" for p, _ in predicted)
            print(
                f"  {label:>32}: precision {_ratio(correct, len(predicted))}, recall {_ratio(correct, positives)}"
            )
    found, total = Counter(), Counter()
    false_merges, false_queued, negatives = Counter(), Counter(), Counter()
    for p, verdict in judged:
        if p["same"] == "1":
            total[p["how"]] += 1
            found[p["how"]] += verdict == SURE
        else:
            negatives[p["how"]] += 1
            false_merges[p["how"]] += verdict == SURE
            false_queued[p["how"]] += verdict == LIKELY
    print("recall (sure) by variant:")
    for how in sorted(total):
        print(f"  {how:<32} {_ratio(found[how], total[how])}")
    print("hard negatives: merged / queued for review:")
    for how in sorted(negatives):
        print(f"  {how:<44} {false_merges[how]:>4} / {false_queued[how]:>4} of {negatives[how]}")
    if args.errors:
        for p, verdict in judged:
            if (p["same"] == "1") != (verdict == SURE):
                print(f"  {p['same']} {verdict:<9} {p['how']:<32} {p['name_a']} | {p['name_b']}")
    print_machine_details()


if __name__ == "__main__":
    main()
