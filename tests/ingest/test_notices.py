"""Real large-firm notices become clean orders, or are set aside with a reason a person can read."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from ingest import notices
from ingest.notices import (
    OrderRecord,
    SetAside,
    clean_title,
    convert_notices,
    notice_problems,
    read_notice_files,
    region_codes_from_rows,
)
from ingest.reference import region_rows
from ingest.values import CHINA_TZ


@pytest.fixture(scope="module")
def region_codes():
    return region_codes_from_rows(region_rows())


def notice(**fields):
    base = {
        "id": "telecom-186415591086503",
        "operator": "中国电信",
        "title": "2026年中国电信龙岩分公司智慧水务数字化供水漏损治理采购项目招标公告",
        "region": "福建",
        "date": "2026-08-21",
        "category": "招标公告",
        "url": "https://caigou.example/DeclareDetails?id=186415591086503",
        "purchaseContent": "本项目为智慧水务数字化供水漏损治理采购项目，项目预估总金额为 746.0365万元(不含税)。",
        "budget": "746.0365万元",
        "deadline": "2026-09-11 09:30",
        "qualification": "投标人须具备通信工程施工总承包三级及以上资质，且具有有效的安全生产许可证。",
        "performance": "公告资格条款中未单列业绩要求",
    }
    return base | fields


def convert_one(region_codes, **fields):
    records, set_aside = convert_notices([notice(**fields)], region_codes)
    return (records or set_aside)[0]


def test_a_tender_notice_becomes_an_order_with_buyer_budget_region_and_deadline(region_codes):
    record = convert_one(region_codes)
    assert isinstance(record, OrderRecord)
    assert record.buyer_name == "中国电信龙岩分公司"
    assert record.region_code == "3508"  # 龙岩市
    assert record.title == "2026年中国电信龙岩分公司智慧水务数字化供水漏损治理采购项目"
    assert record.budget_yuan == Decimal("7460365.00") and record.budget_text == "746.0365万元"
    assert record.deadline == datetime(2026, 9, 11, 9, 30, tzinfo=CHINA_TZ)
    assert record.published_on == date(2026, 8, 21)
    assert record.required_qualifications == ("通信工程施工总承包三级", "安全生产许可证")
    assert "746.0365万元(不含税)" in record.description and "业绩要求" not in record.description
    assert record.source_key == "telecom-186415591086503" and record.source_url.endswith(
        "186415591086503"
    )
    assert record.problems == ()


@pytest.mark.parametrize(
    ("operator", "region", "title", "buyer", "code"),
    [
        (
            "中国移动",
            "江西",
            "关于征集中国移动江西公司南昌分公司2026年蛋糕券采购项目技术规范意见的公告",
            "中国移动江西公司南昌分公司",
            "3601",
        ),
        (
            "中国移动",
            "福建",
            "福建移动征集三明分公司2025年消防站运维服务项目采购技术规范等文件意见的公告",
            "中国移动福建公司三明分公司",
            "3504",
        ),
        (
            "中国电信",
            "江西",
            "赣州电信分公司2026年机房改造项目询比公告",
            "中国电信赣州分公司",
            "3607",
        ),
        (
            "中国电信",
            "福建",
            "中国电信股份有限公司南安分公司2026年光缆维护项目询比公告",
            "中国电信南安分公司",
            "350583",
        ),
        (
            "中国铁塔",
            "浙江",
            "中国铁塔股份有限公司浙江省分公司2026年宁波市分公司高速监控维护采购项目预公示",
            "中国铁塔宁波市分公司",
            "3302",
        ),
        (
            "中国铁塔",
            "福建",
            "铁塔能源有限公司福建分公司2026年屋面发电服务项目比选公告",
            "铁塔能源有限公司福建分公司",
            "35",
        ),
        (
            "中国联通",
            "浙江",
            "2026年浙江联通通信基础设施安全风险评估服务项目直接采购需求公示",
            "中国联通浙江省分公司",
            "33",
        ),
        ("中国电信", "福建", "厦门市思明区某大楼网络提升项目询比公告", "中国电信福建公司", "35"),
    ],
)
def test_the_buyer_is_the_branch_named_in_the_title_or_else_the_provincial_company(
    region_codes, operator, region, title, buyer, code
):
    record = convert_one(region_codes, operator=operator, region=region, title=title)
    assert (record.buyer_name, record.region_code) == (buyer, code)


def test_a_request_for_comment_with_nothing_stated_is_set_aside(region_codes):
    not_stated = "公告未明确列示"
    result = convert_one(
        region_codes,
        id="mobile-1",
        title="关于征集中国移动江西公司南昌分公司2026年员工生日蛋糕券（卡）采购项目技术规范及技术评分表相关文件意见的公告",
        category="采购意见征求公告",
        purchaseContent=not_stated,
        budget=not_stated,
        qualification=not_stated,
        deadline="",
    )
    assert isinstance(result, SetAside) and result.source_key == "mobile-1"
    assert "request for comment" in result.reason


def test_lettings_are_set_aside_because_the_firm_is_not_buying(region_codes):
    result = convert_one(
        region_codes, title="厦门市思明区湖滨东路11号地下停车位出租询价公告20260713"
    )
    assert isinstance(result, SetAside) and "not buying" in result.reason


def test_unstated_values_stay_unknown_and_a_deadline_range_closes_at_its_end(region_codes):
    record = convert_one(
        region_codes,
        budget="公告未明确列示",
        deadline="2026年08月21日09时00分至2026年08月26日",
        purchaseContent="公告未明确列示",
    )
    assert record.budget_yuan is None and record.budget_text is None
    assert record.deadline == datetime(2026, 8, 26, 23, 59, tzinfo=CHINA_TZ)
    assert record.description == record.title  # no content: the project's name says what is bought


def test_an_unreadable_value_is_a_problem_of_the_record_not_a_lost_notice(region_codes):
    record = convert_one(region_codes, budget="149267.89407499.83元", deadline="2026-02-30")
    assert record.budget_yuan is None and record.budget_text == "149267.89407499.83元"
    assert record.deadline is None
    assert len(record.problems) == 2 and "not an amount" in record.problems[0]


def test_a_repeated_notice_id_is_set_aside(region_codes):
    records, set_aside = convert_notices([notice(), notice()], region_codes)
    assert len(records) == 1 and [s.reason for s in set_aside] == [
        "Another notice has the same id."
    ]


def test_full_width_and_traditional_text_is_normalised(region_codes):
    record = convert_one(region_codes, purchaseContent="採購ＬＥＤ大屏維護服務", budget="１２万元")
    assert record.description == "采购LED大屏维护服务" and record.budget_yuan == Decimal(
        "120000.00"
    )


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        (
            "福建移动征集三明分公司AI智能集成DICT服务包项目采购技术规范等文件意见的公告",
            "福建移动三明分公司AI智能集成DICT服务包项目",
        ),
        (
            "中国电信宁波分公司2026年某大厦停车系统安装服务项目询比公告",
            "中国电信宁波分公司2026年某大厦停车系统安装服务项目",
        ),
        (
            "中国移动江西公司2026年DPI系统维保服务采购项目_直接采购信息公告",
            "中国移动江西公司2026年DPI系统维保服务采购项目",
        ),
        (
            "中国电信长三角国家枢纽嘉兴算力中心装修改造工程",
            "中国电信长三角国家枢纽嘉兴算力中心装修改造工程",
        ),
    ],
)
def test_titles_keep_the_project_name_without_the_notice_type(title, cleaned):
    assert clean_title(title) == cleaned


def test_every_shipped_notice_is_an_order_or_set_aside_with_a_reason(region_codes):
    notices = read_notice_files()
    records, set_aside = convert_notices(notices, region_codes)
    assert len(notices) == 3073
    assert len(records) + len(set_aside) == 3073
    assert {r.source_key for r in records}.isdisjoint(s.source_key for s in set_aside)
    assert all(s.reason for s in set_aside)
    # The real data is mostly usable: over half of the notices are orders, every one with a buyer and region.
    assert len(records) > 1500
    assert all(r.buyer_name and r.region_code and r.title for r in records)
    assert sum(r.budget_yuan is not None for r in records) > 1000


# --- bounds (issue 9): no notice field crashes the converter, and titles clean in linear time -------


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        # The shapes that made the old suffix pattern quadratic: an unclosed bracket, then a long run.
        ("【" + "采购" * 40_000, "【" + "采购" * 40_000),
        ("(" * 80_000 + "公告", "(" * 80_000),
        ("关于" + "机房空调维保" * 13_333 + "_(第二次)招标公告", "机房空调维保" * 13_333),
        ("某" * 80_000 + "采购公告", "某" * 79_994),
    ],
)
def test_an_80000_character_title_is_cleaned_at_once_with_the_same_rules(title, cleaned):
    # Linear: well under a second (the quadratic pattern took 467 s of CPU for 80,000 characters).
    assert clean_title(title) == cleaned


# The unbounded pattern titles were cleaned with before it was bounded (quadratic on long titles).
_OLD_SUFFIX = re.compile(
    r"[_\-\s]*(?:[(\[【][^)\]】]*[)\]】])?[^\s_\-()\[\]【】]{0,8}(?:公告|公示)(?:[(\[【][^)\]】]*[)\]】])?\d*$"
)


def test_titles_clean_as_before_on_every_shipped_notice(monkeypatch):
    titles = [n["title"] for n in read_notice_files()] + [
        "某单位2026年视频会议系统采购(第二次)公示",
        "中国移动江西公司2026年DPI系统维保服务采购项目_直接采购信息公告",
        "某分公司2026年机房空调维保服务 -  【更正】结果公告2",
    ]
    bounded = [clean_title(t) for t in titles]
    monkeypatch.setattr(notices, "_NOTICE_SUFFIX", _OLD_SUFFIX)
    monkeypatch.setattr(notices, "_SUFFIX_SPAN", 10**9)
    assert bounded == [clean_title(t) for t in titles]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"url": 12345}, "url", "not a web address"),
        ({"url": "javascript:alert(1)"}, "url", "not a web address"),
        ({"url": "https://example.com/" + "a" * 500}, "url", "too long: at most 500"),
        ({"category": ["招标公告"]}, "category", "must be text, not a list"),
        ({"title": {"zh": "标题"}}, "title", "must be text, not an object"),
        ({"budget": True}, "budget", "must be text, not true/false"),
        ({"title": "项目\ud800"}, "title", "U\\+D800, half of a character pair"),
        ({"operator": "中国移动" * 30}, "operator", "too long: at most 100"),
        ({"id": 10**2000}, "id", "too long: at most 120"),
        ({"title": "采购" * 40_000}, "title", "too long: at most 300"),
    ],
)
def test_a_notice_field_that_is_not_text_or_too_long_is_named_with_its_reason(
    fields, field, reason
):
    problems = notice_problems(notice(**fields))
    assert [p.field for p in problems] == [field]
    assert re.search(reason, str(problems[0]))


def test_numbers_in_text_fields_are_read_as_written(region_codes):
    assert notice_problems(notice(id=186415591086503, category=7, budget=7460365)) == []
    record = convert_one(region_codes, id=186415591086503, category=7, budget=7460365)
    assert record.source_key == "186415591086503" and record.budget_yuan == Decimal("7460365.00")


def test_no_field_of_any_type_crashes_the_converter(region_codes):
    odd = {"url": 12345, "category": 7, "title": ["a"], "operator": {"a": 1}, "date": 20260821,
           "deadline": "9999-12-31 24:00", "budget": 10**500, "region": None}  # fmt: skip
    records, set_aside = convert_notices(
        [notice(**odd), notice(id="x", deadline="9999-12-31 24:00")], region_codes
    )
    assert len(set_aside) == 1  # the first has no usable title
    assert records[0].deadline is None and "outside the years" in records[0].problems[0]
