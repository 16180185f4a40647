"""Ranking and explanations with the weighted sum of factors (`model="linear"`; the learned ranker is in
test_ranker.py): scores made of their parts, shared terms, near misses, top-K and the floor,
and one query matched alone giving exactly what matching all of them gives."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from matcher.engine import Matcher
from matcher.metrics import mean_metrics, query_metrics
from matcher.weights import WeightFitter
from tests.matcher.records import firm, listing, order

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LISTINGS = [
    listing(1, "水务物联网监测系统", "管网漏损监测、远传水表与数据分析"),
    listing(2, "道路巡检AI识别系统", "人工智能视频识别道路病害"),
    listing(3, "工业云PaaS平台", "工业云PaaS与数据中台服务"),
    listing(4, "办公家具", "办公桌椅与文件柜"),
    listing(5, "智慧水务数据服务", "供水漏损治理与数据分析咨询"),
]
ORDERS = [
    order(10, "智慧水务漏损监测平台", "供水管网漏损监测与物联网数据分析"),
    order(11, "智慧道路巡检系统", "基于AI的道路病害巡检"),
    order(12, "工业云平台建设", "园区企业工业云PaaS平台"),
]


def _by_query(results):
    ranked = {}
    for r in results:
        ranked.setdefault(r.query_id, []).append(r)
    return ranked


def test_best_candidate_first_with_its_reasons():
    results = _by_query(Matcher(model="linear").fit(LISTINGS).match(ORDERS, now=NOW))
    assert [r.candidate_id for r in results[11]][:1] == [2]
    assert results[12][0].candidate_id == 3
    water = results[10]
    assert {water[0].candidate_id, water[1].candidate_id} == {1, 5}
    best = water[0]
    assert best.rank == 1 and best.score == pytest.approx(sum(best.parts.values()), abs=1e-3)
    terms = dict(best.shared_terms)
    assert "漏损" in terms and all(w > 0 for w in terms.values())
    assert list(terms.values()) == sorted(terms.values(), reverse=True)
    reasons = best.reasons()
    assert {p["id"] for p in reasons["passed"]} == {
        "open",
        "not_own",
        "kind",
        "qualifications",
        "capacity",
        "region",
    }
    assert "failed" not in reasons


def test_unrelated_candidates_stay_under_the_floor_and_top_k_cuts_the_list():
    results = _by_query(Matcher(model="linear", score_floor=0.1).fit(LISTINGS).match(ORDERS, now=NOW))
    assert 4 not in [r.candidate_id for r in results[10]]
    assert (
        len(_by_query(Matcher(model="linear", top_k=1, score_floor=0.0).fit(LISTINGS).match(ORDERS, now=NOW))[10])
        == 1
    )


def test_near_miss_comes_after_the_matches_with_the_rule_it_failed():
    query = order(20, "智慧水务漏损监测平台", "供水管网漏损监测", requires=["ISO 9001"])
    holder = listing(21, "水务监测平台", "管网漏损监测", owner=firm("h", qualifications=()))
    from matcher.qualifications import parse

    certified = listing(
        22, "水务平台", "办公桌椅", owner=firm("c", qualifications=tuple(parse("ISO9001认证")))
    )
    results = Matcher(model="linear", score_floor=0.0).fit([holder, certified]).match([query], now=NOW)
    assert [(r.candidate_id, r.near_miss) for r in results] == [(22, False), (21, True)]
    near = results[1].reasons()["failed"]
    assert near == {"id": "qualifications", "zh": "缺少 iso9001", "en": "Lacks iso9001"}
    assert "qualifications" not in results[1].rules_passed


def test_one_query_alone_gets_exactly_what_it_gets_among_all():
    matcher = Matcher(model="linear", score_floor=0.0).fit(LISTINGS)
    together = _by_query(matcher.match(ORDERS, now=NOW))
    for query in ORDERS:
        assert matcher.match([query], now=NOW) == together[query.id]
    # Candidates given in another order rank the same: ties break on the candidate id.
    assert (
        _by_query(Matcher(model="linear", score_floor=0.0).fit(LISTINGS[::-1]).match(ORDERS, now=NOW)) == together
    )


def test_configured_weights_change_the_ranking_and_unknown_ones_are_refused():
    text_only = Matcher(model="linear", weights={"text": 1.0, "title": 0, "experience": 0, "qualification": 0, "grade_fit": 0,
                                 "buyer_history": 0, "budget": 0, "region": 0, "industry": 0})  # fmt: skip
    best = text_only.fit(LISTINGS).match(ORDERS[:1], now=NOW)[0]
    assert set(k for k, v in best.parts.items() if v) == {"text"}
    with pytest.raises(ValueError, match="unknown factors"):
        Matcher(model="linear", weights={"luck": 1.0}).fit(LISTINGS)
    with pytest.raises(RuntimeError, match="not fitted"):
        Matcher(model="linear").match(ORDERS)


def test_weight_fitter_finds_the_factor_that_tells_answers_apart():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(40), 30)
    noise = rng.random((len(groups), 2))
    signal = rng.random(len(groups)) * 0.5
    answers = np.zeros(len(groups), dtype=int)
    for g in range(40):
        pick = g * 30 + rng.integers(30)
        answers[pick], signal[pick] = 2, 0.9
    fitted = WeightFitter(["noise_a", "signal", "noise_b"]).fit(
        np.c_[noise[:, 0], signal, noise[:, 1]], answers, groups
    )
    assert max(fitted.weights_, key=fitted.weights_.get) == "signal"
    assert sum(fitted.weights_.values()) == pytest.approx(1.0, abs=1e-3)


def test_ranking_metrics_on_known_rankings():
    relevance = {"a": 2, "b": 1}
    assert query_metrics(["a", "x"], relevance)["mrr"] == 1.0
    third = query_metrics(["x", "b", "a"], relevance)
    assert third["mrr"] == pytest.approx(1 / 3) and third["hit@1"] == 0 and third["hit@5"] == 1
    assert third["recall@50"] == 1.0
    assert mean_metrics({}, {"q": relevance})["mrr"] == 0.0


def test_first_stage_depth_keeps_each_query_alone_the_same_as_among_all():
    many = [listing(100 + i, f"{word}监测系统", f"{word}数据分析与平台服务") for i, word in
            enumerate(["水务", "道路", "桥梁", "电力", "燃气", "环境", "园区", "医疗"] * 4)]  # fmt: skip
    matcher = Matcher(model="linear", score_floor=0.0, retrieval_depth=1).fit(many)
    together = _by_query(matcher.match(ORDERS, now=NOW))
    for query in ORDERS:
        assert matcher.match([query], now=NOW) == together.get(query.id, [])
    # Only the most similar candidate by text reaches the second stage.
    assert all(len(results) == 1 for results in together.values())


def test_a_firm_appears_once_with_its_other_listings_folded_under_it():
    owner = firm("one-firm")
    same_firm = [listing(200 + i, f"智慧水务漏损监测{i}", "供水管网漏损监测", owner=owner) for i in range(4)]
    other = listing(300, "水务漏损监测服务", "管网漏损监测")
    ranked = Matcher(model="linear", score_floor=0.0, top_k=2, per_owner=3).fit([*same_firm, other]).rank(ORDERS[:1], NOW)
    water = ranked.forward[0]
    owners = [("one-firm" if c < 300 else "other") for c in water.candidate_ids]
    # Two firms; the first firm's best listing and two more folded under it, then the other firm.
    assert sorted(set(owners)) == ["one-firm", "other"]
    assert owners.count("one-firm") == 3 and len(water) == 4
    first = owners[0]
    assert owners[: owners.count(first)] == [first] * owners.count(first)


def test_every_candidate_gets_its_best_queries_and_alone_gets_the_same():
    matcher = Matcher(model="linear", score_floor=0.0, reverse_top_k=2).fit(LISTINGS)
    everyone = {r.posting_id: r for r in matcher.rank(ORDERS, NOW, forward=False, reverse=None).reverse}
    assert list(everyone[2].candidate_ids)[:1] == [11]  # the road inspection listing: the road order
    assert all(len(r.candidate_ids) <= 2 + matcher.reverse_near_misses for r in everyone.values())
    for listing_id, ranked in everyone.items():
        alone = matcher.rank(ORDERS, NOW, forward=False, reverse=[listing_id]).reverse[0]
        assert list(alone.candidate_ids) == list(ranked.candidate_ids)
        assert alone.scores.tolist() == ranked.scores.tolist()
    # The forward lists and the reverse lists score a pair the same.
    forward = {r.posting_id: dict(zip(r.candidate_ids, r.scores, strict=True)) for r in matcher.rank(ORDERS, NOW).forward}
    for listing_id, ranked in everyone.items():
        for order_id, score in zip(ranked.candidate_ids, ranked.scores, strict=True):
            if listing_id in forward[order_id]:
                assert forward[order_id][listing_id] == score


def test_an_empty_list_says_why():
    fenced = order(40, "智慧水务漏损监测平台", "供水管网漏损监测", region_codes=("650000",))
    local = listing(41, "水务漏损监测", "管网漏损监测", region_codes=("110000",))
    unrelated = listing(42, "办公家具", "办公桌椅")
    ranked = Matcher(model="linear", score_floor=0.0, near_misses=0).fit([local, unrelated]).rank([fenced], NOW)
    water = ranked.forward[0]
    assert len(water) == 0
    assert water.outcomes == {"region": 1}  # the furniture shares no word: not even considered
