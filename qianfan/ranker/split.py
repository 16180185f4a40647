"""A labelled set cut by date: the early orders to train on, the late ones to score, as the ranker will be
judged on months it has never seen. Suppliers are the same in both parts (they are profiled from wins
before the set's first order); each part keeps the qrels of its own orders."""

from __future__ import annotations

import json
from pathlib import Path

from models.errors import DomainError
from qianfan.evaluation import read_labelled_set


def split_by_date(
    directory: str | Path, output: str | Path, at: str | None = None
) -> dict[str, tuple[int, str, str]]:
    """Write OUTPUT/early and OUTPUT/late; returns part -> (orders, first date, last date)."""
    directory, output = Path(directory), Path(output)
    labelled = read_labelled_set(directory)
    dates = sorted(o["date"] for o in labelled.orders)
    if len(dates) < 2:
        raise DomainError(
            "The labelled set %(dir)s has fewer than two orders: nothing to split.",
            dir=str(directory),
        )
    at = at or dates[len(dates) // 2]
    if not (len(at) == 8 and at.isdigit()):
        raise DomainError("--at must be a date written YYYYMMDD, not %(at)s.", at=at)
    parts = {
        "early": [o for o in labelled.orders if o["date"] < at],
        "late": [o for o in labelled.orders if o["date"] >= at],
    }
    lines = (directory / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    by_id = {}
    for line in lines:
        if line.strip():
            by_id[json.loads(line)["id"]] = line
    qrels = (directory / "qrels.tsv").read_text(encoding="utf-8").splitlines()
    result = {}
    for part, orders in parts.items():
        if not orders:
            raise DomainError("No order of %(dir)s falls %(side)s %(at)s.", dir=str(directory),
                              side="before" if part == "early" else "on or after", at=at)  # fmt: skip
        target = output / part
        target.mkdir(parents=True, exist_ok=True)
        ids = {o["id"] for o in orders}
        (target / "orders.jsonl").write_text(
            "".join(by_id[o["id"]] + "\n" for o in orders), encoding="utf-8"
        )
        (target / "suppliers.jsonl").write_bytes((directory / "suppliers.jsonl").read_bytes())
        kept = [qrels[0]] + [line for line in qrels[1:] if line.split("\t", 1)[0] in ids]
        (target / "qrels.tsv").write_text("\n".join(kept) + "\n", encoding="utf-8")
        (target / "README.md").write_text(
            f"The {part} part of {directory.name} cut at {at} by `qianfan eval-split` (see that set's README).\n",
            encoding="utf-8",
        )
        days = sorted(o["date"] for o in orders)
        result[part] = (len(orders), days[0], days[-1])
    return result
