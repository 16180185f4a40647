"""`qianfan eval` on a tiny composed labelled set (tests/data/eval-tiny): loaded through the product's
rows, ranked by the product's matcher, scored, with the BM25 baseline beside it."""

from __future__ import annotations

import gzip
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


def test_eval_reports_folds_and_forward_in_time_against_the_weighted_sum_and_bm25(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(TINY), "--folds", "2", "--blocks", "1", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    folds, forward = report["protocols"]["folds"], report["protocols"]["forward"]
    assert folds["how"] == "2-fold cross-validation within the set" and folds["orders"] == 5
    for protocol in (folds, forward):
        assert set(protocol["ranker"]) >= METRICS and set(protocol["before"]) >= METRICS and set(protocol["bm25"]) >= METRICS
    # Forward in time: the earliest orders only train, the later ones are scored.
    assert forward["how"].startswith("forward in time") and 0 < forward["orders"] < 5
    assert set(report["configured"]) >= METRICS and report["configured"]["model"].endswith("ranker-order.json.gz")


def test_eval_prints_a_table_and_fits_on_a_training_set_when_given_one(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(TINY), "--train", str(TINY), "--no-before"])
    assert result.exit_code == 0, result.output
    assert f"fitted on {TINY}" in result.output
    assert "learned ranker (lambdarank)" in result.output and "BM25 baseline" in result.output
    assert "before: weighted sum" not in result.output


def test_train_writes_a_model_file_that_eval_and_matching_use(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    target = tmp_path / "ranker.json.gz"
    result = CliRunner().invoke(main, ["train", "--from", str(TINY), "--folds", "0", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.is_file() and "34 features" in result.output and f"QIANFAN_MATCH_ORDER_MODEL={target}" in result.output
    payload = json.loads(gzip.decompress(target.read_bytes()))
    assert payload["data"]["set"] == str(TINY) and payload["data"]["orders_in_set"] == 5
    assert set(payload["metrics"]["in_sample"]) >= METRICS and payload["trained_at"]
    monkeypatch.setenv("QIANFAN_MATCH_ORDER_MODEL", str(target))
    result = CliRunner().invoke(main, ["eval", str(TINY), "--folds", "2", "--blocks", "1", "--no-before", "--json"])
    assert json.loads(result.output)["configured"]["model"] == str(target)


def test_train_needs_one_source_and_outcomes_to_learn_from(tmp_path, monkeypatch, db):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["train"])
    assert result.exit_code != 0 and "exactly one of --from DIR or --from-outcomes" in result.output
    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    result = CliRunner().invoke(main, ["train", "--from-outcomes"])
    assert result.exit_code == 1 and "Only 0 orders have an outcome" in result.output


def test_eval_split_cuts_a_set_by_date(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval-split", str(TINY), str(tmp_path / "split"), "--at", "20251205"])
    assert result.exit_code == 0, result.output
    early, late = read_labelled_set(tmp_path / "split" / "early"), read_labelled_set(tmp_path / "split" / "late")
    assert len(early.orders) + len(late.orders) == 5 and early.orders and late.orders
    assert max(o["date"] for o in early.orders) < "20251205" <= min(o["date"] for o in late.orders)
    assert set(early.qrels) == {o["id"] for o in early.orders} and len(late.suppliers) == 6


def test_eval_says_which_file_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", str(tmp_path)])
    assert result.exit_code == 1 and "orders.jsonl" in result.output
