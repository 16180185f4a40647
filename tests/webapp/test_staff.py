"""Staff pages as staff use them: screen, see the dashboard, export lists, import a file, review duplicates."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import CompanyMergeCandidate, Contract, Listing, Match, Order
from qianfan import matching


@pytest.fixture
def staff(factory, session):
    user = factory.user("staff", username="staff-user")
    session.commit()
    return user


@pytest.fixture
def english(client, staff):
    client.login("staff-user")
    client.submit("/language/en", {"next": "/"})
    return client


def test_publishing_from_the_queue_makes_the_order_public(english, factory, session):
    order = factory.order(status="submitted", title="智慧园区综合管理平台")
    session.commit()
    queue = english.get("/staff/screening?kind=order").get_data(as_text=True)
    assert "智慧园区综合管理平台" in queue
    page = english.submit(f"/staff/screening/order/{order.id}/publish", follow_redirects=True)
    assert "Published" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Order, order.id).status == "published"
    assert "智慧园区综合管理平台" not in english.get("/staff/screening?kind=order").get_data(
        as_text=True
    )


def test_rejecting_without_a_reason_changes_nothing_and_says_why(english, factory, session):
    listing = factory.listing(status="submitted")
    session.commit()
    page = english.submit(
        f"/staff/screening/listing/{listing.id}/reject", {"reason": ""}, follow_redirects=True
    )
    assert "Say why it is rejected" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Listing, listing.id).status == "submitted"


def test_bulk_rejection_reports_each_posting_it_could_not_change(english, factory, session):
    waiting = factory.demand(status="submitted")
    published = factory.demand(status="published")
    session.commit()
    page = english.submit(
        "/staff/screening/demand/bulk",
        {"ids": [str(waiting.id), str(published.id)], "action": "reject", "reason": "信息不全"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 rejected." in page and f"#{published.id} was not changed" in page


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/staff/dashboard"),
        ("get", "/staff/screening"),
        ("get", "/staff/lists/orders/export.csv"),
        ("get", "/staff/imports"),
        ("post", "/staff/screening/order/{id}/publish"),
        ("post", "/staff/duplicates/1/merge"),
        ("post", "/staff/rematch"),
    ],
)
def test_firms_are_refused_every_staff_page_and_action(client, factory, session, method, url):
    buyer = factory.user("large_firm", username="buyer-user")
    order = factory.order(buyer=buyer.company, status="submitted")
    session.commit()
    client.login("buyer-user")
    target = url.format(id=order.id)
    response = client.get(target) if method == "get" else client.submit(target)
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Order, order.id).status == "submitted"


def test_the_dashboard_shows_its_figures_as_tables_and_serves_echarts_itself(
    english, factory, session
):
    buyer, supplier = (
        factory.company("large_firm", region_code="110108"),
        factory.company("small_firm"),
    )
    order = factory.order(
        buyer=buyer, status="published", industry_code="651", published_at=datetime.now(UTC)
    )
    listing = factory.listing(supplier=supplier, status="published")
    match = Match(kind="order", order=order, listing=listing, status="contract_signed", score=0.6)
    session.add(match)
    session.add(
        Contract(
            match=match, buyer_id=buyer.id, supplier_id=supplier.id, title="签约", status="signed",
            amount_yuan=Decimal("1500000"), buyer_confirmed_at=datetime.now(UTC),
            supplier_confirmed_at=datetime.now(UTC), signed_on=date.today(),
        )
    )  # fmt: skip
    factory.ranking("order", order.id, [listing.id])  # the pair is also in the order's kept list
    session.commit()
    page = english.get("/staff/dashboard").get_data(as_text=True)
    assert (
        "From posted to signed" in page
        and "Information Transmission, Software and IT Services" in page
        and "Haidian District, Beijing" in page
    )
    # English throughout: the section and the district have English names (issue 11).
    assert "信息传输、软件和信息技术服务业" not in page and "海淀区" not in page
    assert '/static/vendor/echarts.min.js"' in page and "cdn" not in page.lower()
    funnel = page[page.index('id="funnel"') : page.index('id="weeks"')]
    # One order at each of the seven steps, and its one match at the six after "posted".
    assert funnel.count('<td class="num">1</td>') == 7 + 6


def test_lists_filter_and_export_with_formula_cells_escaped(english, factory, session):
    factory.listing(status="published", title='=HYPERLINK("http://x","点我")')
    factory.listing(status="draft", title="草稿供给")
    session.commit()
    page = english.get("/staff/lists/listings?status=published").get_data(as_text=True)
    assert "HYPERLINK" in page and "草稿供给" not in page
    csv_text = (
        english.get("/staff/lists/listings/export.csv?status=published")
        .get_data()
        .decode("utf-8-sig")
    )
    assert (
        "'=HYPERLINK" in csv_text and "草稿供给" not in csv_text and csv_text.startswith("ID,Title")
    )
    workbook = load_workbook(
        io.BytesIO(english.get("/staff/lists/listings/export.xlsx?status=published").data)
    )
    cells = [c.value for row in workbook.active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x","点我")' in cells and not any(
        str(v).startswith("=") for v in cells if v
    )


def test_an_unknown_filter_value_shows_the_whole_list_with_a_message(english, factory, session):
    factory.order(status="published", title="仍然列出的订单")
    session.commit()
    page = english.get("/staff/lists/orders?status=lost").get_data(as_text=True)
    assert "Unknown status" in page and "仍然列出的订单" in page


def _finished(client, job_url: str) -> dict:
    for _ in range(200):  # bounded: the import of a few rows takes well under a second
        status = client.get(job_url + "/status").get_json()
        if status["state"] != "running":
            return status
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_an_upload_runs_in_the_background_and_shows_what_it_did(english, session):
    rows = (
        "企业名称,企业类型,所在区域\n北京千帆测试科技有限公司,小微企业,海淀区\n,小微企业,海淀区\n"
    )
    response = english.submit(
        "/staff/imports",
        {
            "kind": "companies",
            "skip_invalid": "y",
            "file": (io.BytesIO(rows.encode("utf-8")), "firms.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "/staff/jobs/" in response.location
    assert _finished(english, response.location)["state"] == "finished"
    page = english.get(response.location).get_data(as_text=True)
    assert "Imported." in page and "Rejected rows" in page
    rejected = english.get(response.location + "/rejected.csv").get_data().decode("utf-8-sig")
    assert rejected.count("\n") == 2  # the header and the row without a name


def test_import_templates_download_as_workbooks(english):
    response = english.get("/staff/imports/templates/orders.xlsx")
    assert response.status_code == 200
    assert "项目名称*" in [c.value for c in load_workbook(io.BytesIO(response.data)).active[1]]


def test_merging_a_pair_from_the_review_queue(english, factory, session):
    existing = factory.company("small_firm", name="北京千帆智能科技有限公司")
    imported = factory.company("small_firm", name="千帆智能")
    session.add(CompanyMergeCandidate(company_id=imported.id, candidate_id=existing.id, score=88))
    session.commit()
    assert "千帆智能" in english.get("/staff/duplicates").get_data(as_text=True)
    pair_id = session.scalar(select(CompanyMergeCandidate.id))
    page = english.submit(f"/staff/duplicates/{pair_id}/merge", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Merged into" in page and "No pair is waiting" in page


def test_the_rematch_button_runs_in_the_background_and_recommends(english, factory, session, staff):
    order = factory.order(
        status="published", title="道路巡检机器人采购", description="道路巡检机器人 病害识别"
    )
    listing = factory.listing(
        status="published", title="道路巡检机器人", description="道路巡检机器人 病害识别"
    )
    session.commit()
    response = english.submit("/staff/rematch")
    assert _finished(english, response.location)["state"] == "finished"
    assert "Every posting has been matched again." in english.get(response.location).get_data(
        as_text=True
    )
    session.expire_all()
    assert list(matching.ranked_list(session, "order", order.id).candidate_ids) == [listing.id]
