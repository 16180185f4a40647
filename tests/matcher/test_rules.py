"""Each rule on its own: what fails it, what passes it, what it says, and that it can be switched off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from matcher.engine import Matcher
from matcher.qualifications import parse
from tests.matcher.records import demand, firm, listing, order, package

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TEXT = ("智慧水务漏损监测平台", "供水管网漏损监测与物联网数据分析")


def _outcome(query, candidate, kind="order", **options):
    """('match' | 'near' | 'none', failed rule id, its Chinese message) of one candidate for one query."""
    matcher = Matcher(model="linear", kind=kind, score_floor=0.0, **options).fit([candidate])
    results = matcher.match([query], now=NOW)
    if not results:
        return "none", None, None
    result = results[0]
    return ("near" if result.near_miss else "match"), result.failed_rule, result.failed_zh


def test_open_rule_drops_closed_postings_and_passed_deadlines():
    assert _outcome(order(1, *TEXT), listing(2, *TEXT))[0] == "match"
    assert (
        _outcome(order(1, *TEXT, deadline=NOW - timedelta(hours=1)), listing(2, *TEXT))[0] == "none"
    )
    assert (
        _outcome(
            order(1, *TEXT, deadline=NOW.replace(tzinfo=None) + timedelta(days=3)),
            listing(2, *TEXT),
        )[0]
        == "match"
    )
    assert _outcome(order(1, *TEXT), listing(2, *TEXT, status="withdrawn"))[0] == "none"


def test_a_firm_never_meets_its_own_posting():
    same = firm("acme")
    assert _outcome(order(1, *TEXT, owner=same), listing(2, *TEXT, owner=same))[0] == "none"


def test_kinds_must_fit():
    assert (
        _outcome(order(1, *TEXT, kind="tech_cooperation"), listing(2, *TEXT, kind="product"))[0]
        == "none"
    )
    assert (
        _outcome(order(1, *TEXT, kind="tech_cooperation"), listing(2, *TEXT, kind="technology"))[0]
        == "match"
    )


def test_required_qualifications_with_grades():
    need = ["建筑工程施工总承包二级"]
    first = firm("first", qualifications=tuple(parse("建筑工程施工总承包壹级")))
    third = firm("third", qualifications=tuple(parse("建筑工程施工总承包三级")))
    assert _outcome(order(1, *TEXT, requires=need), listing(2, *TEXT, owner=first))[0] == "match"
    state, rule, message = _outcome(order(1, *TEXT, requires=need), listing(2, *TEXT, owner=third))
    assert (state, rule) == ("near", "qualifications") and message == "缺少 建筑工程施工总承包二级"


def test_an_entry_naming_several_certificates_is_met_by_any_of_them():
    municipal = firm("m", qualifications=tuple(parse("市政公用工程施工总承包二级")))
    entry = ["建筑工程施工总承包贰级/市政公用工程施工总承包贰级"]
    assert (
        _outcome(order(1, *TEXT, requires=entry), listing(2, *TEXT, owner=municipal))[0] == "match"
    )


def test_capacity_must_cover_the_budget():
    state, rule, message = _outcome(
        order(1, *TEXT, amount=5_000_000), listing(2, *TEXT, amount=1_000_000)
    )
    assert (state, rule) == ("near", "capacity") and "1,000,000" in message
    assert (
        _outcome(order(1, *TEXT, amount=500_000), listing(2, *TEXT, amount=1_000_000))[0] == "match"
    )
    assert (
        _outcome(order(1, *TEXT, amount=5_000_000), listing(2, *TEXT))[0] == "match"
    )  # no limit stated


def test_region_requirement_against_regions_served():
    yichang = order(1, *TEXT, region_codes=("420506",))
    assert (
        _outcome(yichang, listing(2, *TEXT, region_codes=("42",)))[0] == "match"
    )  # serves all of Hubei
    assert _outcome(yichang, listing(2, *TEXT))[0] == "match"  # serves everywhere
    assert _outcome(yichang, listing(2, *TEXT, region_codes=("11",)))[:2] == ("near", "region")


def test_package_eligibility_age_district_industry_size_and_quota():
    young = firm(
        "y",
        founded_on=date(2024, 1, 1),
        region_code="110108",
        industry_code="6510",
        size_class="small",
    )
    ask = demand(1, "专利申请代理", "发明专利申请", owner=young)
    assert (
        _outcome(
            ask,
            package(2, "专利代理服务包", "发明专利申请代理", max_company_age_years=3),
            "service",
        )[0]
        == "match"
    )
    old = demand(1, "专利申请代理", "发明专利申请", owner=firm("o", founded_on=date(2015, 1, 1)))
    assert (
        _outcome(
            old,
            package(2, "专利代理服务包", "发明专利申请代理", max_company_age_years=3),
            "service",
        )[1]
        == "age"
    )
    for fields, rule in (
        ({"region_codes": ("3101",)}, "district"),
        ({"eligible_industry_codes": ("C",)}, "industry"),
        ({"eligible_sizes": ("micro",)}, "size"),
    ):
        assert _outcome(ask, package(2, "专利代理服务包", "发明专利申请代理", **fields), "service")[
            :2
        ] == ("near", rule)
    assert (
        _outcome(
            ask, package(2, "专利代理服务包", "发明专利申请代理", region_codes=("11",)), "service"
        )[0]
        == "match"
    )
    assert (
        _outcome(ask, package(2, "专利代理服务包", "发明专利申请代理", quota_left=0), "service")[0]
        == "none"
    )
    assert (
        _outcome(ask, package(2, "专利代理服务包", "发明专利申请代理", kind="legal"), "service")[0]
        == "none"
    )


@pytest.mark.parametrize("rule", ["qualifications", "capacity", "region", "kind", "open"])
def test_every_rule_can_be_switched_off(rule):
    query = order(
        1, *TEXT, requires=["ISO 9001"], amount=9_000_000, region_codes=("42",), kind="tech_cooperation",
        deadline=NOW - timedelta(days=1),
    )  # fmt: skip
    candidate = listing(2, *TEXT, amount=1_000, region_codes=("11",), kind="product")
    everything_off = dict.fromkeys(["qualifications", "capacity", "region", "kind", "open"], False)
    assert _outcome(query, candidate, rules=everything_off)[0] == "match"
    assert _outcome(query, candidate, rules={**everything_off, rule: True})[0] != "match"
