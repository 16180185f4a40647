"""The learned ranker in the matcher: a model file ranks, its contributions make the parts, the text gate,
mandatory requirements, dated history that never counts a pair's own deal, and model files checked."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import numpy as np
import pytest

from matcher.engine import Matcher
from matcher.qualifications import parse
from matcher.ranker import training
from matcher.ranker.features import GROUPS, feature_groups, feature_names
from matcher.ranker.models import LambdaModel, ModelFileError
from tests.matcher.records import firm, listing, order

NOW = datetime(2026, 3, 1, tzinfo=UTC)
NAMES = feature_names("order")


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    """A tiny model taught that the pair with the most text in common is the answer."""
    rng = np.random.default_rng(0)
    values = rng.random((400, len(NAMES))).astype(np.float32)
    groups = np.repeat(np.arange(40), 10)
    grades = np.zeros(400, dtype=np.int32)
    text = values[:, NAMES.index("text_cosine")]
    for g in range(40):
        rows = np.flatnonzero(groups == g)
        grades[rows[np.argmax(text[rows])]] = 2
    model = training.fit(values, grades, groups, "order", NAMES, feature_groups("order"), GROUPS["order"],
                         data={"set": "synthetic"}, params={"min_data_in_leaf": 2}, rounds=30)  # fmt: skip
    path = tmp_path_factory.mktemp("model") / "ranker.json.gz"
    model.save(path)
    return path


BUYER = firm("buyer", region_code="420500")
LISTINGS = [
    listing(1, "水务物联网监测系统", "管网漏损监测、远传水表与数据分析", owner=firm("a")),
    listing(
        2,
        "智慧水务数据服务",
        "供水漏损治理与数据分析咨询",
        owner=firm("b", qualifications=tuple(parse("ISO9001"))),
    ),  # fmt: skip
    # Worked for the buyer before, but shares no words with the order: the gate keeps it out.
    listing(3, "办公家具", "办公桌椅与文件柜", owner=firm("c", past_buyers=(("buyer", 3),))),
]


def test_a_model_file_ranks_and_its_contributions_are_the_parts(model_path):
    matcher = Matcher(model=str(model_path), text_gate=0.05).fit(LISTINGS)
    query = order(10, "智慧水务漏损监测平台", "供水管网漏损监测与物联网数据分析", owner=BUYER)
    ranked = matcher.rank([query], NOW).forward[0]
    assert set(ranked.candidate_ids) == {
        1,
        2,
    }  # 3 has history with the buyer, no text: never recommended
    assert ranked.outcomes.get("below_floor") == 1
    assert list(ranked.scores) == sorted(ranked.scores, reverse=True)
    assert ranked.parts.shape == (2, len(GROUPS["order"]))
    assert np.allclose(ranked.parts.sum(axis=1), ranked.scores, atol=1e-3)
    assert matcher.factors_ == GROUPS["order"]


def test_lacking_a_requirement_ranks_and_is_marked_unless_the_buyer_made_it_mandatory(model_path):
    matcher = Matcher(model=str(model_path), text_gate=0.05).fit(LISTINGS)
    soft = order(10, "智慧水务漏损监测平台", "供水管网漏损分析", owner=BUYER, requires=("ISO9001",))
    ranked = matcher.rank([soft], NOW).forward[0]
    failed = dict(zip(ranked.candidate_ids, ranked.failed, strict=True))
    assert (
        failed[2] == -1 and matcher.rule_ids_[failed[1]] == "qualifications"
    )  # kept, marked "缺少 …"
    hard = order(11, "智慧水务漏损监测平台", "供水管网漏损分析", owner=BUYER, requires=("ISO9001",),
                 mandatory=frozenset({"qualifications"}))  # fmt: skip
    ranked = matcher.rank([hard], NOW).forward[0]
    assert list(ranked.candidate_ids) == [2]
    assert ranked.outcomes.get("qualifications") == 1


def test_history_counts_only_contracts_before_the_order_and_never_its_own_deal():
    signed = date(2026, 1, 10).toordinal()
    supplier = firm("s", past_buyers=(("buyer", 3),), contracts=(
        ("buyer", signed, None),  # before the order: counts
        ("buyer", date(2026, 2, 20).toordinal(), None),  # after the order was published: does not
        ("buyer", signed, 12),  # the contract of a deal made on order 12 itself: never
    ))  # fmt: skip
    matcher = Matcher(model="features-only").fit(
        [listing(1, "漏损监测系统", "管网漏损监测", owner=supplier)]
    )
    query = order(12, "漏损监测平台", "管网漏损监测", owner=BUYER, published_on=date(2026, 2, 1))
    _, _, values = matcher.pair_features([query], NOW)
    assert values[0, NAMES.index("buyer_contracts")] == 1
    assert values[0, NAMES.index("contracts_before")] == 1


def test_a_model_file_of_another_side_or_other_features_is_refused(model_path, tmp_path):
    with pytest.raises(ModelFileError, match="order side, not the service side"):
        LambdaModel.load(model_path, "service", feature_names("service"), GROUPS["service"])
    payload = json.loads(gzip.decompress(model_path.read_bytes()))
    payload["features"] = payload["features"][:-1]
    stale = tmp_path / "stale.json.gz"
    stale.write_bytes(gzip.compress(json.dumps(payload).encode()))
    with pytest.raises(ModelFileError, match="train it again"):
        LambdaModel.load(stale, "order", NAMES, GROUPS["order"])
    with pytest.raises(ModelFileError, match="no model file"):
        Matcher(model=str(tmp_path / "missing.json.gz")).fit(LISTINGS)


def test_the_model_file_says_what_it_is(model_path):
    payload = json.loads(gzip.decompress(model_path.read_bytes()))
    assert (
        payload["format"] == "qianfan-ranker"
        and payload["version"] == 1
        and payload["kind"] == "order"
    )
    assert payload["features"] == NAMES and payload["data"]["set"] == "synthetic"
    assert payload["trained_at"].startswith("20") and payload["data"]["queries"] == 40


def test_a_firm_lacking_an_xx_zizhi_certificate_is_never_told_it_holds_it():
    from matcher.engine import explain_pair

    query = order(20, "安全运维服务", "信息系统安全运维", owner=BUYER, requires=("信息安全服务资质",),
                  unparsed_requirements=("具有相应能力证明",))  # fmt: skip
    candidate = listing(5, "安全运维", "信息系统安全运维", owner=firm("e"), kind="service")
    reasons = explain_pair("order", query, candidate, 0.5, {}, "qualifications", NOW).reasons()
    assert "qualifications" not in {r["id"] for r in reasons["passed"]}
    texts = [f["zh"] for f in reasons["failed"]]
    assert (
        texts[0] == "缺少 信息安全服务资质"
        and "未能识别" in texts[1]
        and "具有相应能力证明" in texts[1]
    )
