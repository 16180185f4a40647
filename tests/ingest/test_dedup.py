"""Company names: the same firm written otherwise is found, other firms and branches are kept apart."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.dedup import DIFFERENT, LIKELY, SURE, CompanyIndex, compare, name_key

PAIRS = Path(__file__).parent / "data" / "company_name_pairs.csv"


@pytest.mark.parametrize(
    ("a", "b", "verdict"),
    [
        ("中国移动通信集团福建有限公司", "福建移动", SURE),
        ("中国铁塔股份有限公司浙江省分公司", "中國鐵塔浙江省分公司", SURE),
        ("北京百度网讯科技有限公司", "百度网讯科技（北京）有限公司", SURE),
        ("赣州电信分公司", "中国电信股份有限公司赣州分公司", SURE),
        ("北京百度网讯科技有限公司", "北京百度网迅科技有限公司", LIKELY),
        ("中国移动通信集团有限公司", "中国移动通信集团福建有限公司", LIKELY),
        ("中国电信江西公司", "江西电信信息产业有限公司", LIKELY),
        ("中国移动杭州分公司", "中国移动衢州分公司", DIFFERENT),
        ("北京华为科技有限公司", "上海华为科技有限公司", DIFFERENT),
        ("中国电信股份有限公司", "中国电信股份有限公司福州分公司", DIFFERENT),
        ("北京科技有限公司", "上海科技有限公司", DIFFERENT),
    ],
)
def test_name_pairs(a, b, verdict):
    assert compare(name_key(a), name_key(b))[0] == verdict


def test_on_the_labelled_pairs_no_two_firms_are_merged_and_almost_every_same_firm_is_found():
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    verdicts = [
        (p["same"] == "1", compare(name_key(p["name_a"]), name_key(p["name_b"]))[0]) for p in pairs
    ]
    merged = [same for same, verdict in verdicts if verdict == SURE]
    flagged = [same for same, verdict in verdicts if verdict in (SURE, LIKELY)]
    positives = sum(same for same, _ in verdicts)
    assert len(pairs) > 1000 and positives > 500
    assert sum(merged) / len(merged) >= 0.99  # precision of automatic merges
    assert sum(merged) / positives >= 0.9  # recall of automatic merges
    assert sum(flagged) / positives >= 0.98  # what staff see: merged or queued


def test_the_index_prefers_the_credit_code_and_never_merges_two_different_codes():
    index = CompanyIndex()
    index.add(1, "北京百度网讯科技有限公司", "91110108551385082Q")
    index.add(2, "福州示例软件有限公司", None)
    assert index.find("完全不同的名字", "91110108551385082Q").company_id == 1
    assert index.find("百度网讯科技（北京）有限公司").verdict == SURE
    assert index.find("北京百度网讯科技有限公司", "91350100M000100Y43").verdict == DIFFERENT
    assert index.find("福州示例软件有限公司", "91350100M000100Y43").company_id == 2
