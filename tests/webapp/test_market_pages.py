"""The open market in the browser's place: a small firm finds and reads an order with its notice link and
tender document, a buyer finds a listing and the firm behind it, attachments are limited and private,
searches are kept and subscribed to, and a subscription's alert arrives in the inbox."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Contract, Match, Notification
from models.base import utcnow
from models.market import Attachment, SavedSearch
from qianfan import matching
from qianfan.market import saved


@pytest.fixture
def market(factory, session):
    buyer = factory.user("large_firm", username="buyer")
    other_buyer = factory.user("large_firm", username="other_buyer")
    supplier = factory.user("small_firm", username="supplier")
    factory.user("service_org", username="provider")
    order = factory.order(
        buyer=buyer.company, status="published", title="智慧水务数字化平台建设", region_code="110108",
        description="供水漏损治理、物联网监测与大数据分析平台", required_qualifications=["ISO 9001"],
        delivery_period="合同签订后90日内", deadline=utcnow() + timedelta(days=20), published_at=utcnow(),
        source_url="https://example.com/notice/1",
    )  # fmt: skip
    draft = factory.order(buyer=buyer.company, status="draft", title="尚未公开的水务订单")
    listing = factory.listing(supplier=supplier.company, status="published", title="水务物联网监测系统",
                              published_at=utcnow(), max_contract_yuan=Decimal("5000000"))  # fmt: skip
    matching.ensure_tokens(session)
    session.commit()
    return {"buyer": buyer, "other_buyer": other_buyer, "supplier": supplier, "order": order, "draft": draft,
            "listing": listing}  # fmt: skip


def _login(client, username):
    assert client.login(username).status_code == 200
    return client


def _upload(client, kind, target_id, name, content: bytes):
    return client.submit(
        f"/attachments/{kind}/{target_id}", {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data", follow_redirects=True,
    )  # fmt: skip


def test_a_small_firm_finds_an_order_by_chinese_words_and_reads_all_of_it(client, market):
    _login(client, "supplier")
    found = client.get("/market/orders?q=水务平台").get_data(as_text=True)
    assert "智慧水务数字化平台建设" in found and "尚未公开" not in found
    page = client.get(f"/market/orders/{market['order'].id}").get_data(as_text=True)
    for shown in ("供水漏损治理", "ISO 9001", "合同签订后90日内", "北京市海淀区", "https://example.com/notice/1"):
        assert shown in page
    assert client.get(f"/market/orders/{market['draft'].id}").status_code == 404


def test_a_bad_filter_is_named_beside_its_field(client, market):
    _login(client, "supplier")
    response = client.get("/market/orders?amount_min=很多钱")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_the_buyer_attaches_a_tender_document_the_supplier_downloads(client, market, app):
    order_id = market["order"].id
    _login(client, "buyer")
    page = _upload(client, "order", order_id, "招标文件.pdf", b"%PDF-1.7 tender").get_data(as_text=True)
    assert "招标文件.pdf" in page
    refused = _upload(client, "order", order_id, "setup.exe", b"MZ\x90\x00").get_data(as_text=True)
    assert "不能上传这种类型的文件" in refused
    renamed = _upload(client, "order", order_id, "假的.pdf", b"MZ\x90\x00").get_data(as_text=True)
    assert "文件内容不是 .pdf 格式" in renamed
    app.config["ATTACHMENT_MAX_BYTES"] = 1024 * 1024
    too_big = _upload(client, "order", order_id, "大文件.pdf", b"%PDF-" + b"x" * 1024 * 1024).get_data(as_text=True)
    assert "文件超过 1 MB" in too_big

    client.post("/logout", data={"csrf_token": client.csrf_token()})
    _login(client, "supplier")
    page = client.get(f"/market/orders/{order_id}").get_data(as_text=True)
    assert "招标文件.pdf" in page and 'type="file"' not in page  # readers download, only the owner uploads
    file_id = int(page.split("/attachments/")[1].split('"')[0])
    download = client.get(f"/attachments/{file_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.7 tender"
    assert "attachment" in download.headers["Content-Disposition"]
    assert _upload(client, "order", order_id, "mine.pdf", b"%PDF-1.7").status_code == 403


def test_files_of_an_order_not_published_stay_with_its_buyer(client, market, session):
    draft_id = market["draft"].id
    _login(client, "buyer")
    _upload(client, "order", draft_id, "草稿附件.txt", "内部说明".encode())
    file_id = session.scalar(select(Attachment.id).where(Attachment.target_id == draft_id))
    assert client.get(f"/attachments/{file_id}").status_code == 200
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    _login(client, "supplier")
    assert client.get(f"/attachments/{file_id}").status_code == 404
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    _login(client, "other_buyer")
    assert client.get(f"/attachments/{file_id}").status_code == 404


def test_a_buyer_finds_a_listing_and_reads_the_firms_profile_with_its_signed_contracts(
    client, market, session
):
    supplier = market["supplier"].company
    session.add(Contract(buyer_id=market["other_buyer"].company_id, supplier_id=supplier.id, title="往期水务合同",
                         status="signed", buyer_confirmed_at=utcnow(), supplier_confirmed_at=utcnow(),
                         signed_on=date(2026, 6, 1)))  # fmt: skip
    session.commit()
    _login(client, "buyer")
    found = client.get("/market/listings?q=监测&region=海淀区").get_data(as_text=True)
    assert "水务物联网监测系统" in found
    assert client.get(f"/market/listings/{market['listing'].id}").status_code == 200
    profile = client.get(f"/market/firms/{supplier.id}").get_data(as_text=True)
    assert "往期水务合同" in profile and "水务物联网监测系统" in profile
    # A small firm does not read another small firm's profile, nor browse listings.
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    _login(client, "supplier")
    assert client.get("/market/listings").status_code == 403


def test_a_supplier_opens_a_deal_on_an_order_found_by_search(client, market, session):
    _login(client, "supplier")
    response = client.submit(
        f"/market/orders/{market['order'].id}/deal", {"listing": str(market["listing"].id)}
    )
    assert response.status_code == 302 and response.location.startswith("/deals/")
    match = session.scalar(select(Match).where(Match.order_id == market["order"].id))
    assert match.listing_id == market["listing"].id and match.status == "recommended"


def test_a_saved_search_is_kept_subscribed_and_tells_of_a_new_order(client, market, session, factory):
    _login(client, "supplier")
    client.submit("/market/searches", {"name": "水务项目", "q": "水务", "region": "北京市", "subscribe": "1"})
    kept = session.scalar(select(SavedSearch))
    assert kept.name == "水务项目" and kept.subscribed and kept.filters == {"q": "水务", "region": "北京市"}
    assert "水务项目" in client.get("/market/searches").get_data(as_text=True)
    back = client.get(f"/market/orders?saved={kept.id}")
    assert back.status_code == 302 and "q=" in back.location

    # Nothing new yet: no alert. Then an order in Beijing about 水务 is published, and one elsewhere.
    assert saved.send_alerts(session) == 0
    later = utcnow() + timedelta(seconds=1)
    factory.order(status="published", title="朝阳区水务管网改造", region_code="110105", published_at=later)
    factory.order(status="published", title="龙岩水务管网改造", region_code="350802", published_at=later)
    matching.ensure_tokens(session)
    assert saved.send_alerts(session, now=later + timedelta(seconds=1)) == 1
    session.commit()
    note = session.scalar(select(Notification).where(Notification.kind == "saved_search"))
    assert note.user_id == market["supplier"].id and note.params["count"] == 1
    assert saved.send_alerts(session, now=later + timedelta(seconds=2)) == 0  # told once
    session.commit()

    client.submit(f"/market/searches/{kept.id}/unsubscribe")
    session.expire_all()
    assert not session.get(SavedSearch, kept.id).subscribed
    client.submit(f"/market/searches/{kept.id}/delete")
    assert session.scalar(select(SavedSearch)) is None
