"""What staff read after an import and in an export: columns named as the file heads them, the review
queue under its own name, name changes to decide, and workbooks with numbers and local dates."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

CODE = "91110108551385082Q"


@pytest.fixture
def staff_client(client, factory, session):
    factory.user("staff", username="import-staff")
    session.commit()
    client.login("import-staff")
    return client


def _upload(client, kind: str, text: str, name: str) -> str:
    response = client.submit(
        "/staff/imports",
        {"kind": kind, "skip_invalid": "y", "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    for _ in range(200):  # bounded: a few rows take well under a second
        if client.get(response.location + "/status").get_json()["state"] != "running":
            break
        time.sleep(0.05)
    return client.get(response.location).get_data(as_text=True)


def test_the_rejected_rows_table_names_the_files_columns_and_values(staff_client):
    text = "供应企业,供给名称,服务区域,最大承接金额\n北京千帆示例科技有限公司,水务监测,火星省,很多钱\n"
    page = _upload(staff_client, "listings", text, "供给.csv")
    table = page[page.index("<table") :]
    head = table[: table.index("</thead>")]
    assert "<th>列</th>" in head and "<th>原值</th>" in head and "金额" not in head
    assert "<td>服务区域</td><td>火星省</td>" in table and "<td>最大承接金额</td><td>很多钱</td>" in table
    assert "regions" not in table and "max_contract" not in table


def test_a_rename_is_sent_to_review_and_decided_there(staff_client, factory, session):
    firm = factory.company("small_firm", name="北京风禾信息技术有限公司", credit_code=CODE)
    session.commit()
    page = _upload(staff_client, "companies", f"企业名称,统一社会信用代码\n北京风禾信息科技有限公司,{CODE}\n", "firms.csv")
    summary = page[page.index('class="counters"') : page.index("</section>", page.index('class="counters"'))]
    assert "更名待确认" in summary and "疑似重复待确认" in summary
    assert "待审核队列" not in summary and "审核队列" not in summary  # not the screening queue's name
    queue = staff_client.get("/staff/renames").get_data(as_text=True)
    assert "北京风禾信息技术有限公司" in queue and "北京风禾信息科技有限公司" in queue
    change_id = int(queue.split('id="name-change-')[1].split('"')[0])
    staff_client.submit(f"/staff/renames/{change_id}/accept")
    session.expire_all()
    assert session.get(type(firm), firm.id).name == "北京风禾信息科技有限公司"
    assert "没有待确认的企业更名" in staff_client.get("/staff/renames").get_data(as_text=True)


def test_an_xlsx_export_has_numbers_as_numbers_and_local_times_as_dates(staff_client, factory, session):
    published = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
    order = factory.order(status="published", budget_yuan=Decimal("7460365.00"), published_at=published)
    session.commit()
    sheet = load_workbook(io.BytesIO(staff_client.get("/staff/lists/orders/export.xlsx").data)).active
    titles = [c.value for c in sheet[1]]
    row = {title: cell.value for title, cell in zip(titles, sheet[2], strict=True)}
    assert row["编号"] == order.id  # a number, not the text "12"
    assert isinstance(row["预算（元）"], int | float) and row["预算（元）"] == 7460365
    assert row["已发布"] == datetime(2026, 3, 3, 10, 0)  # a date cell, in Beijing time
