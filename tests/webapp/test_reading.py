"""What people read (issue 11): times in the programme's zone, names instead of region and industry codes."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from models import Order


@pytest.fixture
def people(factory, session):
    buyer = factory.user("large_firm", username="buyer")
    supplier = factory.user("small_firm", username="supplier")
    provider = factory.user("service_org", username="provider")
    factory.user("staff", username="staff")
    session.commit()
    return buyer, supplier, provider


def _switch(client, username: str) -> None:
    client.submit("/logout")
    client.login(username)


def test_a_deadline_typed_as_a_date_is_the_end_of_that_local_day(client, people, session):
    day = date.today() + timedelta(days=40)
    client.login("buyer")
    response = client.submit(
        "/orders/new", {"title": "水务平台", "kind": "procurement", "deadline": day.isoformat()}
    )
    assert response.status_code == 302
    order = session.scalar(select(Order).where(Order.title == "水务平台"))
    # Stored in UTC: 23:59 Beijing time is 15:59 UTC.
    assert order.deadline == datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15, minutes=59)
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert f"{day.isoformat()} 23:59" in page and f"{day.isoformat()} 15:59" not in page
    # The edit form gives the same local day back.
    assert f'value="{day.isoformat()}"' in client.get(f"/orders/{order.id}/edit").get_data(as_text=True)


def test_times_are_shown_in_beijing_time_and_the_dashboard_says_so(client, people, factory, session):
    # A notice due at 09:00 Beijing time is 01:00 UTC.
    order = factory.order(buyer=people[0].company, deadline=datetime(2030, 8, 10, 1, 0, tzinfo=UTC))
    session.commit()
    client.login("buyer")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "2030-08-10 09:00" in page and "2030-08-10 01:00" not in page
    _switch(client, "staff")
    board = client.get("/staff/dashboard").get_data(as_text=True)
    assert "北京时间" in board and "UTC" not in board


def test_region_industry_and_sizes_are_named_not_coded(client, people, factory, session):
    buyer, supplier, provider = people
    order = factory.order(buyer=buyer.company, region_code="3302", industry_code="6511")
    listing = factory.listing(supplier=supplier.company, region_codes=["35", "330281"], industry_code="6511")
    package = factory.package(
        provider=provider.company, eligible_region_codes=["11"], eligible_sizes=["small", "micro"]
    )
    session.commit()
    client.login("buyer")
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "浙江省宁波市" in page and "基础软件开发" in page
    assert not re.search(r">\s*(3302|6511)\s*<", page)
    _switch(client, "supplier")
    page = client.get(f"/supply/listings/{listing.id}").get_data(as_text=True)
    assert "福建省" in page and "浙江省宁波市余姚市" in page and "330281" not in page
    _switch(client, "provider")
    page = client.get(f"/packages/{package.id}").get_data(as_text=True)
    assert "地区：北京市；规模：小型、微型" in page and "small" not in page
    # Staff see the code beside the name.
    _switch(client, "staff")
    assert "浙江省宁波市 (3302)" in client.get(f"/orders/{order.id}").get_data(as_text=True)


def test_forms_show_names_and_take_names_or_codes(client, people, session):
    client.login("supplier")
    assert client.submit("/supply/profile", {"region": "110108", "industry": "软件开发"}).status_code == 302
    form = client.get("/supply/profile").get_data(as_text=True)
    assert 'value="北京市海淀区"' in form and 'value="软件开发"' in form
    assert 'value="110108"' not in form
    # What the form shows reads back as the same codes.
    assert client.submit("/supply/profile", {"region": "北京市海淀区", "industry": "软件开发"}).status_code == 302
    company = people[1].company
    session.refresh(company)
    assert (company.region_code, company.industry_code) == ("110108", "651")


def test_exports_put_a_name_beside_each_code_and_local_times(client, people, factory, session):
    buyer = people[0].company
    buyer.region_code = "330281"
    factory.order(buyer=buyer, status="published", industry_code="6511",
                  published_at=datetime(2030, 1, 1, 16, 30, tzinfo=UTC))  # fmt: skip
    session.commit()
    client.login("staff")
    body = client.get("/staff/lists/orders/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows[0]["区县"] == "330281" and rows[0]["区县名称"] == "浙江省宁波市余姚市"
    assert rows[0]["行业名称"] == "基础软件开发"
    assert rows[0]["已发布"].startswith("2030-01-02 00:30")
    body = client.get("/staff/lists/companies/export.csv").get_data(as_text=True).lstrip("\ufeff")
    sizes = {row["名称"]: row["规模"] for row in csv.DictReader(io.StringIO(body))}
    assert sizes[buyer.name] == "大型"


def test_the_district_filter_takes_a_name(client, people, factory, session):
    near, far = factory.company("large_firm", region_code="110108"), factory.company("large_firm", region_code="35")
    factory.order(buyer=near, status="published", title="海淀的订单")
    factory.order(buyer=far, status="published", title="福建的订单")
    session.commit()
    client.login("staff")
    page = client.get("/staff/lists/orders?region=海淀区").get_data(as_text=True)
    assert "海淀的订单" in page and "福建的订单" not in page
    assert "<select id=\"region\"" not in page and 'list="district-names"' in page


def test_region_and_industry_fields_complete_names_as_they_are_typed(client, people):
    client.login("buyer")
    form = client.get("/orders/new").get_data(as_text=True)
    assert 'data-names="region"' in form and '<datalist id="region-names">' in form
    regions = client.get("/names/region?q=海淀").get_json()
    assert {"value": "北京市海淀区", "label": "北京市海淀区"} in regions
    industries = client.get("/names/industry?q=6511").get_json()
    assert industries[0]["value"] == "基础软件开发"
    # What is proposed reads back: the order form takes the name.
    saved = client.submit("/orders/new", {"title": "海淀订单", "kind": "procurement", "region": regions[0]["value"]})
    assert saved.status_code == 302
