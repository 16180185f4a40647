"""The API as a firm's system uses it: tokens, scopes, roles, one error shape, ETags, the deal loop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import ApiToken, Match
from models.base import utcnow

ORDER = {
    "title": "智慧水务数字化平台建设",
    "description": "供水漏损治理、物联网监测与大数据分析平台",
    "budget": "746.0365万元",
    "region": "北京市海淀区",
    "required_qualifications": ["ISO 9001"],
}


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()["error"]
    assert body["status"] == status and body["code"] and body["message"]["zh"] and body["message"]["en"]
    return body


def test_a_large_firm_posts_edits_and_submits_an_order(client, tokens):
    headers = tokens.headers("large_firm")
    created = client.post("/api/v1/orders", json=ORDER, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    order = created.get_json()
    assert order["status"] == "draft" and order["budget_yuan"] == "7460365.00"
    assert order["region"]["zh"] == "北京市海淀区" and created.headers["Location"].endswith(f"/orders/{order['id']}")
    read = client.get(f"/api/v1/orders/{order['id']}", headers=headers)
    etag = read.headers["ETag"]
    # An edit needs the ETag read: without it 428, with a stale one 412, with the right one 200.
    url = f"/api/v1/orders/{order['id']}"
    _error(client.patch(url, json={"title": "新标题"}, headers=headers), 428)
    _error(client.patch(url, json={"title": "新标题"}, headers={**headers, "If-Match": '"stale"'}), 412)
    edited = client.patch(url, json={"title": "新标题"}, headers={**headers, "If-Match": etag})
    assert edited.status_code == 200 and edited.get_json()["title"] == "新标题"
    assert edited.get_json()["budget_yuan"] == "7460365.00"  # fields not sent stay as they were
    # The first writer's ETag is stale now: a second writer holding it cannot overwrite.
    _error(client.patch(url, json={"title": "覆盖"}, headers={**headers, "If-Match": etag}), 412)
    submitted = client.post(f"{url}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    listed = client.get("/api/v1/orders?status=submitted&sort=-title", headers=headers).get_json()
    assert [o["id"] for o in listed["items"]] == [order["id"]] and listed["paging"]["total"] == 1


def test_bad_fields_are_named_with_reasons_in_both_languages(client, tokens):
    headers = tokens.headers("large_firm")
    body = _error(client.post("/api/v1/orders", json={**ORDER, "budget": "万万万", "region": "火星"},
                              headers=headers), 422)  # fmt: skip
    fields = {f["field"]: f["reason"] for f in body["fields"]}
    assert set(fields) == {"budget", "region"}
    assert all(reason["zh"] != reason["en"] for reason in fields.values())
    body = _error(client.post("/api/v1/orders", json={**ORDER, "colour": "red", "kind": 3}, headers=headers), 422)
    assert {f["field"] for f in body["fields"]} == {"colour", "kind"}


def test_every_error_under_api_has_the_one_shape(client, tokens):
    headers = tokens.headers("large_firm")
    _error(client.get("/api/v1/no-such-thing", headers=headers), 404)
    _error(client.delete("/api/v1/orders", headers=headers), 405)
    _error(client.get("/api/v1/orders/999999", headers=headers), 404)
    _error(client.post("/api/v1/orders", data="{", content_type="application/json", headers=headers), 400)


def test_tokens_are_checked_scoped_and_never_a_cookie(app, client, tokens, session, api_users):
    assert _error(client.get("/api/v1/orders"), 401)["code"] == "unauthorized"
    _error(client.get("/api/v1/orders", headers={"Authorization": "Bearer qf_made-up"}), 401)
    # A read token reads, and may not write; no answer of the API sets a cookie.
    read = client.get("/api/v1/orders", headers=tokens.headers("large_firm", "read"))
    assert read.status_code == 200 and "Set-Cookie" not in read.headers
    _error(client.post("/api/v1/orders", json=ORDER, headers=tokens.headers("large_firm", "read")), 403)
    # A logged-in browser session is no key to the API.
    client.login("large_firm")
    _error(client.get("/api/v1/orders"), 401)
    # A revoked or expired token, or the token of a deactivated user, is 401.
    rows = {t.user.username + t.scope: t for t in session.scalars(select(ApiToken))}
    rows["large_firmwrite"].revoked_at = utcnow()
    rows["large_firmread"].expires_at = utcnow() - timedelta(seconds=1)
    api_users["small_firm"].active = False
    session.commit()
    for user, scope in (("large_firm", "write"), ("large_firm", "read"), ("small_firm", "read")):
        _error(client.get("/api/v1/deals", headers=tokens.headers(user, scope)), 401)
    # A good token's use is kept.
    assert client.get("/api/v1/deals", headers=tokens.headers("staff", "read")).status_code == 200
    session.expire_all()
    assert rows["staffread"].last_used_at is not None


def test_roles_and_other_firms_ids(client, tokens):
    order = client.post("/api/v1/orders", json=ORDER, headers=tokens.headers("large_firm")).get_json()
    url = f"/api/v1/orders/{order['id']}"
    _error(client.get(url, headers=tokens.headers("rival_large")), 404)  # another firm's id
    _error(client.get(url, headers=tokens.headers("small_firm")), 403)  # not a role that has orders
    assert client.get(url, headers=tokens.headers("staff", "read")).status_code == 200
    _error(client.post(f"{url}/submit", headers=tokens.headers("staff")), 403)  # staff do not act for firms
    _error(client.get("/api/v1/staff/counters", headers=tokens.headers("large_firm")), 403)
    counters = client.get("/api/v1/staff/counters", headers=tokens.headers("admin", "read")).get_json()
    assert counters["orders"] == 0  # a draft is not posted yet


def test_a_token_over_its_rate_limit_waits(app, client, tokens):
    from qianfan.apitokens.ratelimit import MemoryCounter

    app.extensions["qianfan_api_rate"] = MemoryCounter(limit=3, window=60)
    headers = tokens.headers("large_firm", "read")
    assert [client.get("/api/v1/orders", headers=headers).status_code for _ in range(3)] == [200] * 3
    response = client.get("/api/v1/orders", headers=headers)
    _error(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Another token has its own count.
    assert client.get("/api/v1/orders", headers=tokens.headers("large_firm", "write")).status_code == 200


def test_the_deal_loop_through_the_api(client, tokens, factory, session, api_users):
    buyer, supplier = api_users["large_firm"], api_users["small_firm"]
    order = factory.order(buyer=buyer.company, status="published")
    listing = factory.listing(supplier=supplier.company, status="published")
    factory.ranking("order", order.id, [listing.id], scores=[0.9])
    factory.ranking("listing", listing.id, [order.id], scores=[0.9])
    session.commit()
    big, small = tokens.headers("large_firm"), tokens.headers("small_firm")
    candidates = client.get(f"/api/v1/orders/{order.id}/candidates", headers=big).get_json()
    assert [c["listing"]["id"] for c in candidates["items"]] == [listing.id]
    assert candidates["items"][0]["reasons"] and candidates["items"][0]["deal_id"] is None
    recommended = client.get("/api/v1/recommendations/orders", headers=small).get_json()
    assert [r["order"]["id"] for r in recommended["items"]] == [order.id]
    deal = client.post(f"/api/v1/pairs/order/{order.id}/{listing.id}", headers=small).get_json()
    for who, move, status in ((small, "interest", "interested"), (big, "invite", "invited"),
                              (small, "accept-invitation", "negotiating"), (big, "intention", "intention_signed")):  # fmt: skip
        moved = client.post(f"/api/v1/deals/{deal['id']}/{move}", headers=who)
        assert moved.status_code == 200 and moved.get_json()["status"] == status, moved.get_data(as_text=True)
    assert _error(client.post(f"/api/v1/deals/{deal['id']}/invite", headers=big), 409)["message"]["zh"]
    posted = client.post(f"/api/v1/deals/{deal['id']}/messages", json={"body": "何时交付？"}, headers=small)
    assert posted.status_code == 201
    contract = client.post(f"/api/v1/deals/{deal['id']}/contract", json={"amount": "120万元"}, headers=big)
    assert contract.status_code == 201 and contract.get_json()["amount_yuan"] == "1200000.00"
    cid = contract.get_json()["id"]
    for who in (big, small):
        confirmed = client.post(f"/api/v1/contracts/{cid}/confirm", headers=who).get_json()
    assert confirmed["status"] == "signed" and confirmed["signed_on"]
    shown = client.get(f"/api/v1/deals/{deal['id']}", headers=big).get_json()
    assert shown["status"] == "contract_signed" and shown["contract"]["id"] == cid
    assert [m["body"] for m in client.get(f"/api/v1/deals/{deal['id']}/messages", headers=big).get_json()["items"]] == ["何时交付？"]
    session.expire_all()
    assert session.get(Match, deal["id"]).status == "contract_signed"


def test_staff_import_a_file_follow_its_job_and_read_the_refused_rows(app, client, tokens):
    import io

    headers = tokens.headers("staff")
    text = ("供应企业,供给名称,服务区域,最大承接金额\n北京千帆示例科技有限公司,水务监测,北京市海淀区,50万元\n"
            "北京千帆示例科技有限公司,管网巡检,火星省,很多钱\n")  # fmt: skip
    started = client.post("/api/v1/imports", headers=headers, content_type="multipart/form-data",
                          data={"kind": "listings", "skip_invalid": "true",
                                "file": (io.BytesIO(text.encode("utf-8")), "供给.csv")})  # fmt: skip
    assert started.status_code == 202, started.get_data(as_text=True)
    job = client.get(started.headers["Location"], headers=headers).get_json()  # the queue runs at once in tests
    assert job["state"] == "finished" and job["report"]["inserted"] == 1 and job["report"]["rejected_count"] == 1
    rows = client.get(f"{started.headers['Location']}/rejected", headers=headers).get_json()
    assert rows["paging"]["total"] == 1 and rows["items"][0]["cells"]["服务区域"] == "火星省"
    assert {p["field"] for p in rows["items"][0]["problems"]} >= {"regions", "max_contract"}
    # The size cap: a file over IMPORT_MAX_BYTES is 413 in the one error shape, and nothing starts.
    app.config["IMPORT_MAX_BYTES"] = 10
    big = client.post("/api/v1/imports", headers=headers, content_type="multipart/form-data",
                      data={"kind": "listings", "file": (io.BytesIO(text.encode("utf-8")), "供给.csv")})  # fmt: skip
    _error(big, 413)
    # Firms do not import.
    _error(client.post("/api/v1/imports", headers=tokens.headers("large_firm"), data={}), 403)


def test_candidates_carry_the_match_strength_the_pages_show(client, tokens, factory, session, api_users):
    buyer = api_users["large_firm"]
    order = factory.order(buyer=buyer.company, status="published")
    best, other = (factory.listing(status="published") for _ in range(2))
    factory.ranking("order", order.id, [best.id, other.id], scores=[-1.0, -2.0])
    session.commit()
    items = client.get(f"/api/v1/orders/{order.id}/candidates", headers=tokens.headers("large_firm")).get_json()["items"]
    assert [(c["score"], c["strength"]) for c in items] == [(-1.0, 50), (-2.0, 0)]
