"""`qianfan eval` on a tiny composed labelled set (tests/data/eval-tiny): loaded through the product's
rows, ranked by the product's matcher, scored, with the BM25 baseline beside it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from models import CompanyQualification, Contract, Order
from qianfan.cli import main
from qianfan.evaluation import PlaceFinder, load_labelled_set, read_labelled_set

TINY = Path(__file__).resolve().parent.parent / "data" / "eval-tiny"
METRICS = {"mrr", "ndcg@10", "hit@1", "hit@5", "hit@10", "recall@50"}


def test_a_labelled_set_becomes_the_products_own_rows(db, session):
    labelled = read_labelled_set(TINY)
    orders, listings = load_labelled_set(session, labelled)
    assert len(orders) == 5 and len(listings) == 6
    assert (
        session.scalar(
            select(func.count()).select_from(Contract).where(Contract.status == "signed")
        )
        == 10
    )
    grades = dict(
        session.execute(select(CompanyQualification.name, CompanyQualification.grade)).all()
    )
    assert grades["建筑工程施工总承包"] == 1 and grades["工程监理市政公用工程专业"] == 1
    order = session.get(Order, orders["o3"])
    assert order.status == "published" and order.region_code == "420528"
    assert order.required_qualifications == ["建筑工程施工总承包贰级"]


def test_places_are_found_in_free_text():
    from ingest.reference import region_rows

    places = PlaceFinder(region_rows())
    assert places.find("夷陵区乐天溪镇八户店村赵沙路东侧") == "420506"
    assert places.find("宜昌市") == "4205"
    assert places.find("招标人指定地点") is None


def test_eval_prints_one_json_line_with_metrics_and_baseline(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(TINY), "--folds", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert (
        set(report) >= METRICS
        and set(report["bm25"]) >= METRICS
        and set(report["configured"]) >= METRICS
    )
    assert report["orders"] == 5 and report["weights"] == "2-fold cross-validation within the set"
    # On this easy set the product finds every winner first.
    assert report["configured"]["mrr"] == 1.0


def test_eval_fits_on_a_training_set_when_given_one(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(TINY), "--train", str(TINY)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (
        report["weights"].startswith("fitted on")
        and abs(sum(report["fitted_weights"].values()) - 1) < 0.01
    )


def test_eval_says_which_file_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(tmp_path)])
    assert result.exit_code == 1 and "orders.jsonl" in result.output
