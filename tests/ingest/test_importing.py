"""The importer as staff use it: files go in whole or not at all, re-imports update, companies are not doubled."""

from __future__ import annotations

import io
import json
from datetime import UTC
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from ingest.notices import NOTICES_DIR
from ingest.readers import read_sheets
from ingest.templates import template_bytes
from ingest.values import CHINA_TZ
from models import Company, CompanyMergeCandidate, ImportBatch, Listing, Order, ServicePackage
from qianfan.importing import ImportRejected, rejected_rows_file, run_import

COMPANIES = """企业名称,统一社会信用代码,企业类型,所在区域,所属行业,企业规模,成立日期,资质
北京百度网讯科技有限公司,91110108551385082Q,中小微企业,海淀区,6513,小型,2001-06-05,高新技术企业；ISO 9001
福州示例软件有限公司,91350100M000100Y43,中小微企业,福建省福州市鼓楼区,软件开发,微型,2022/3/1,
"""
LISTINGS = """供应企业,统一社会信用代码,供给名称,描述,供给类型,所属行业,最大承接金额,服务区域,标签
百度网讯科技（北京）有限公司,,水务物联网监测系统,管网漏损监测,产品,6513,500万元,北京市；河北省,物联网；漏损
福州示例软件有限公司,91350100M000100Y43,智慧停车平台,路侧停车,服务,软件开发,面议,,停车
"""


def _run(db, kind, data: bytes | str, name="file.csv", **options):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with db.session_scope() as session:
        report = run_import(session, kind, data, name, **options)
        if report.dry_run:
            session.rollback()
        return report


def _count(db, model) -> int:
    with db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_companies_then_listings_link_to_the_same_companies(db):
    first = _run(db, "companies", COMPANIES.encode("gbk"))
    assert (first.inserted, first.encoding) == (2, "gb18030")
    report = _run(db, "listings", LISTINGS)
    assert (report.inserted, report.companies_created) == (2, 0)
    with db.sessionmaker() as session:
        water = session.scalar(select(Listing).where(Listing.title == "水务物联网监测系统"))
        assert water.supplier.credit_code == "91110108551385082Q"
        assert water.max_contract_yuan == Decimal("5000000.00")
        assert water.region_codes == ["11", "13"] and water.tags == ["物联网", "漏损"]
        assert water.status == "submitted"
        parking = session.scalar(select(Listing).where(Listing.title == "智慧停车平台"))
        assert parking.max_contract_yuan is None  # 面议: unknown, not zero
        baidu = session.scalar(select(Company).where(Company.credit_code == "91110108551385082Q"))
        assert {q.name for q in baidu.qualifications} == {"高新技术企业", "ISO 9001"}
        assert baidu.region_code == "110108" and baidu.size_class == "small"


def test_importing_the_same_rows_again_updates_instead_of_duplicating(db):
    _run(db, "listings", LISTINGS)
    again = _run(db, "listings", LISTINGS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert again.previously_imported_at is not None
    changed = _run(db, "listings", LISTINGS.replace("管网漏损监测", "管网漏损监测与预警"))
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert _count(db, Listing) == 2
    assert _count(db, Company) == 2


def test_one_bad_row_refuses_the_whole_file_by_default(db):
    bad = LISTINGS + "北京另一科技有限公司,,产品三,,产品,,很多钱,,\n"
    with pytest.raises(ImportRejected) as caught:
        _run(db, "listings", bad)
    (row,) = caught.value.report.rejected
    (problem,) = row.problems
    assert (row.row, problem.field, problem.value) == (4, "max_contract", "很多钱")
    assert problem.reason_zh == "“很多钱”不是金额。"
    assert _count(db, Listing) == 0 and _count(db, Company) == 0 and _count(db, ImportBatch) == 0


def test_skip_invalid_imports_the_valid_rows_and_returns_the_rejected_ones_with_reasons(db):
    bad = LISTINGS + '北京另一科技有限公司,,"=HYPERLINK(""http://x"")",,外星,,,,\n'
    report = _run(db, "listings", bad, skip_invalid=True)
    assert (report.inserted, report.rejected_count) == (2, 1)
    assert _count(db, Listing) == 2
    rejected = read_sheets(rejected_rows_file(report, "csv"), "rejected.csv")[0]
    (number, cells) = rejected.rows[0]
    row = dict(zip(rejected.headers, cells, strict=False))
    assert row["行号 row"] == "4" and row["列 column"] == "供给类型"  # the column as the file heads it
    assert "不在可选值中" in row["原因"] and "is not one of" in row["reason"]
    assert row["供给名称"] == '\'=HYPERLINK("http://x")'  # escaped: a spreadsheet shows it as text
    xlsx = rejected_rows_file(report, "xlsx")
    assert load_workbook(io.BytesIO(xlsx)).active.max_row == 2


def test_a_dry_run_reports_what_would_happen_and_keeps_nothing(db):
    report = _run(db, "listings", LISTINGS, dry_run=True)
    assert report.inserted == 2 and report.batch_id is None
    assert _count(db, Listing) == 0 and _count(db, Company) == 0


def test_a_likely_duplicate_company_goes_to_the_review_queue_not_merged(db):
    _run(db, "companies", "企业名称\n北京百度网讯科技有限公司\n")
    report = _run(db, "companies", "企业名称\n北京百度网迅科技有限公司\n")  # one character differs
    assert (report.inserted, report.review_queued) == (1, 1)
    with db.sessionmaker() as session:
        pair = session.scalar(select(CompanyMergeCandidate))
        assert {pair.company.name, pair.candidate.name} == {
            "北京百度网讯科技有限公司",
            "北京百度网迅科技有限公司",
        }
        assert pair.status == "pending"


def test_a_sure_name_match_written_otherwise_goes_to_review_instead_of_renaming(db):
    _run(db, "companies", "企业名称\n中国移动通信集团福建有限公司\n")
    report = _run(db, "companies", "name,credit code\n福建移动,91350100M000100Y43\n")
    assert (report.inserted, report.updated, report.review_queued) == (1, 0, 1)
    with db.sessionmaker() as session:
        names = {c.name: c.credit_code for c in session.scalars(select(Company))}
        assert names == {"中国移动通信集团福建有限公司": None, "福建移动": "91350100M000100Y43"}


def test_a_sure_name_match_of_an_order_buyer_learns_the_credit_code(db):
    _run(db, "companies", "企业名称\n中国移动通信集团福建有限公司\n")
    report = _run(db, "orders", "采购单位,统一社会信用代码,项目名称\n福建移动,91350100M000100Y43,智慧水务平台\n")
    assert (report.inserted, report.companies_matched_by_name) == (1, 1)
    with db.sessionmaker() as session:
        (company,) = session.scalars(select(Company)).all()
        assert (company.name, company.credit_code) == ("中国移动通信集团福建有限公司", "91350100M000100Y43")


def test_xlsx_with_notes_sheet_english_headers_and_a_unit_in_the_header(db):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["请在 orders 表填写"])
    sheet = book.create_sheet("orders")
    sheet.append(["id", "buyer", "title", "预算（万元）", "deadline", "region", "category"])
    sheet.append(
        [
            "ZB-1",
            "中國移動通信集團浙江有限公司",
            "智慧水务平台",
            746.0365,
            "2026年08月10日09时30分",
            "杭州",
            "C16",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = _run(db, "orders", buffer.getvalue(), "orders.xlsx")
    assert report.inserted == 1 and report.sheets == ["orders"]
    with db.sessionmaker() as session:
        order = session.scalar(select(Order))
        assert order.source_key == "orders:ZB-1"
        assert order.budget_yuan == Decimal("7460365.00") and order.budget_text == "746.0365万元"
        assert order.buyer.name == "中国移动通信集团浙江有限公司"  # normalised to simplified
        assert order.buyer.kind == "large_firm"
        assert (order.region_code, order.category_code) == ("3301", "C16000000")
        deadline = order.deadline.astimezone(CHINA_TZ)
        assert (deadline.day, deadline.hour, deadline.minute) == (10, 9, 30)


def test_json_lines_of_packages(db):
    lines = [
        {"服务机构": "中关村示例孵化器", "服务包名称": "知识产权代理", "服务类别": "知识产权", "名额": "10个",
         "服务包价值": "2万元", "适用规模": "小型；微型", "企业成立年限上限": 3},
        {"服务机构": "中关村示例孵化器", "服务包名称": "法律咨询", "服务类别": "legal", "名额": 5},
    ]  # fmt: skip
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    report = _run(db, "packages", data, "packages.jsonl")
    assert report.inserted == 2 and report.companies_created == 1
    with db.sessionmaker() as session:
        ip = session.scalar(select(ServicePackage).where(ServicePackage.category == "ip"))
        assert (ip.quota, ip.value_yuan, ip.eligible_sizes, ip.max_company_age_years) == (
            10, Decimal("20000.00"), ["small", "micro"], 3)  # fmt: skip
        assert ip.provider.kind == "service_org"


@pytest.mark.parametrize("kind", ["companies", "orders", "listings", "packages", "demands"])
def test_each_template_has_headers_the_importer_accepts(db, kind):
    template = template_bytes(kind)
    book = load_workbook(io.BytesIO(template))
    headers = [cell.value for cell in book.worksheets[0][1]]
    examples = {
        row[0].value: row[4].value
        for row in book.worksheets[1].iter_rows(min_row=2)
        if row[0].value
    }
    sheet = book.worksheets[0]
    for index, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=index, value=examples.get(header.rstrip("*"), ""))
    if kind == "demands":
        sheet.cell(row=2, column=headers.index("状态") + 1, value="草稿")
    buffer = io.BytesIO()
    book.save(buffer)
    report = _run(db, kind, buffer.getvalue(), f"{kind}.xlsx")
    assert report.inserted == 1 and not report.rejected


def test_all_real_notices_import_and_what_is_set_aside_is_counted_with_reasons(db):
    paths = sorted(NOTICES_DIR.glob("*.json"))
    reports = [_run(db, "notices", path.read_bytes(), path.name) for path in paths]
    total = sum(r.total_rows for r in reports)
    orders = sum(r.inserted for r in reports)
    set_aside = sum(sum(r.set_aside.values()) for r in reports)
    assert total == 3073 and orders + set_aside == total
    assert orders == _count(db, Order)
    reasons = {reason for r in reports for reason in r.set_aside}
    assert any("request for comment" in reason for reason in reasons)
    again = _run(db, "notices", paths[-1].read_bytes(), paths[-1].name)
    assert again.inserted == 0 and again.unchanged == reports[-1].inserted


# --- notices whose fields are not text or too long (issue 9) ----------------------------------------


def _notices(*changes: dict) -> bytes:
    base = {"id": "n-1", "operator": "中国电信", "title": "中国电信龙岩分公司机房空调维保服务项目招标公告",
            "region": "福建", "category": "招标公告", "url": "https://example.com/n/1",
            "purchaseContent": "机房空调维保服务", "budget": "20万元", "deadline": "2026-09-11 09:30"}  # fmt: skip
    items = [
        {**base, "id": f"n-{i}", "title": f"{base['title']}{i}", **c} for i, c in enumerate(changes)
    ]
    return json.dumps({"notices": items}, ensure_ascii=False).encode()


def test_a_notice_with_a_bad_field_refuses_the_file_naming_its_item_field_and_reason(db):
    data = _notices({}, {"url": 12345}, {}, {"operator": "中国移动" * 30, "category": ["x"]})
    with pytest.raises(ImportRejected) as caught:
        _run(db, "notices", data, "n.json")
    rows = caught.value.report.rejected
    assert [(r.row, [p.field for p in r.problems]) for r in rows] == [
        (2, ["url"]),
        (4, ["operator", "category"]),
    ]
    assert rows[0].problems[0].reason_zh == "“12345”不是网址（应以 http:// 或 https:// 开头）。"
    assert _count(db, Order) == 0 and _count(db, ImportBatch) == 0


def test_skip_invalid_imports_the_other_notices_and_lists_the_refused(db):
    data = _notices({}, {"title": "采购" * 40_000}, {"category": 7})  # a number is read as written
    report = _run(db, "notices", data, "n.json", skip_invalid=True)
    assert report.inserted == 2 and [r.row for r in report.rejected] == [2]
    assert "too long: at most 300" in report.rejected[0].problems[0].reason_en
    rejected = rejected_rows_file(report, "csv").decode("utf-8-sig")
    assert "title" in rejected and len(rejected) < 2000  # the value is quoted short


def test_a_date_beyond_the_calendar_leaves_the_notice_deadline_unknown_not_a_crash(db):
    report = _run(db, "notices", _notices({"deadline": "9999-12-31 24:00", "date": "0001-01-01"}))
    assert report.inserted == 1 and report.values_unread == 1
    with db.sessionmaker() as session:
        assert session.scalars(select(Order)).one().deadline is None


def test_a_lone_surrogate_never_reaches_the_database_or_the_rejected_rows_file(db):
    data = b'[{"supplier": "A\\udc00", "title": "B"}, {"supplier": "C", "title": "D"}]'
    report = _run(db, "listings", data, "s.json", skip_invalid=True)
    assert report.inserted == 1 and report.rejected[0].problems[0].field == "company"
    rejected_rows_file(report, "csv").decode("utf-8-sig")
    rejected_rows_file(report, "xlsx")


def test_dates_in_an_import_file_are_read_in_the_programme_time_zone(db):
    from qianfan import localtime

    csv_text = "buyer,title,deadline\n示例集团有限公司,数据平台,2030-07-01 09:00\n"
    localtime.configure({"TIMEZONE": "Europe/Berlin"})
    try:
        _run(db, "orders", csv_text)
    finally:
        localtime.configure({})
    with db.sessionmaker() as session:
        deadline = session.scalar(select(Order)).deadline
    assert deadline.astimezone(UTC).hour == 7  # 09:00 in Berlin in summer is 07:00 UTC (Beijing: 01:00)
