"""The financing zone and the mentors through the API, as a firm's, a lender's and a mentor's systems use
them: one whole loop each, over the same services as the pages (roles and other firms' ids: the matrix)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import Contract
from models.base import utcnow
from tests.webapp.api.conftest import make_tokens


def test_a_receivable_is_financed_through_the_api_from_application_to_repayment(app, factory, session):
    firm, buyer = factory.user("small_firm", username="firm"), factory.user("large_firm", username="buyer")
    lender, other = factory.user("financial_institution", username="lender"), factory.user(
        "financial_institution", username="other_lender")
    staff = factory.user("staff", username="staff")
    now = utcnow()
    contract = Contract(buyer_id=buyer.company_id, supplier_id=firm.company_id, title="水表采购合同",
                        amount_yuan=Decimal("2000000"), status="signed", buyer_confirmed_at=now,
                        supplier_confirmed_at=now, signed_on=date(2026, 11, 2))  # fmt: skip
    session.add(contract)
    tokens = make_tokens(session, [firm, buyer, lender, other, staff])
    session.commit()
    client = app.test_client()

    def call(user, method, url, **kw):
        return client.open(f"/api/v1/financing{url}", method=method, headers=tokens.headers(user.username), **kw)

    listed = call(firm, "GET", "/contracts").get_json()
    assert [c["contract"]["id"] for c in listed["items"]] == [contract.id]
    assert listed["items"][0]["unpaid_yuan"] == "2000000.00" and listed["max_per_contract_yuan"] == "30000000"
    assert [i["id"] for i in call(firm, "GET", "/institutions").get_json()["items"]] == sorted(
        [lender.company_id, other.company_id])
    too_much = call(firm, "POST", "/applications", json={"contract_id": contract.id, "amount": "300万元",
                                                          "institution_ids": [lender.company_id]})  # fmt: skip
    assert too_much.status_code == 422 and too_much.get_json()["error"]["fields"][0]["field"] == "amount"
    made = call(firm, "POST", "/applications", json={"contract_id": contract.id, "amount": "80万元",
                                                      "institution_ids": [lender.company_id], "note": "备货"})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    app_id = made.get_json()["id"]
    assert made.get_json()["actions"] == ["withdraw"] and made.get_json()["status"] == "applied"
    # Before the buyer confirms (确权) no lender sees it; the one not chosen never does.
    assert call(lender, "GET", f"/applications/{app_id}").status_code == 404
    confirmed = call(buyer, "POST", f"/applications/{app_id}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert call(other, "GET", f"/applications/{app_id}").status_code == 404
    assert call(other, "GET", "/applications").get_json()["items"] == []

    read = call(lender, "GET", f"/applications/{app_id}")
    body = read.get_json()
    assert body["contract"]["unpaid_yuan"] == "2000000.00" and body["firm"]["contracts_signed"] == 1
    assert body["actions"] == ["ask", "decline", "offer"] and body["side"] == "institution"
    offer = {"amount": "80万元", "rate": "4.35", "term_days": 180}
    offered = client.post(f"/api/v1/financing/applications/{app_id}/offer", json=offer,
                          headers=tokens.headers("lender", **{"If-Match": read.headers["ETag"]}))  # fmt: skip
    assert offered.status_code == 200 and offered.headers["ETag"] != read.headers["ETag"]
    # The ETag covers the lender's own answer: the version read before the offer is stale now.
    stale = client.post(f"/api/v1/financing/applications/{app_id}/withdraw-offer", json={"reason": "重算"},
                        headers=tokens.headers("lender", **{"If-Match": read.headers["ETag"]}))  # fmt: skip
    assert stale.status_code == 412
    offer_id = offered.get_json()["own_offer"]["id"]
    assert offered.get_json()["own_offer"]["rate_percent"] == "4.35"

    assert call(firm, "GET", f"/applications/{app_id}").get_json()["actions"] == [f"accept:{offer_id}", "withdraw"]
    assert call(firm, "POST", f"/offers/{offer_id}/accept").get_json()["status"] == "accepted"
    assert call(lender, "POST", f"/applications/{app_id}/paid", json={}).get_json()["status"] == "paid"
    repaid = call(lender, "POST", f"/applications/{app_id}/repaid", json={"repaid_at": "2020-01-01 08:00"})
    assert repaid.status_code == 422 and repaid.get_json()["error"]["fields"][0]["field"] == "repaid_at"
    assert call(lender, "POST", f"/applications/{app_id}/repaid", json={}).get_json()["status"] == "repaid"

    counters = call(staff, "GET", "/counters").get_json()
    assert counters["financing_paid"] == 1 and counters["financing_paid_yuan"] == "800000.00"
    assert counters["share_within_target"] == 1.0 and counters["target_hours"] == 48
    assert call(staff, "POST", f"/applications/{app_id}/paid", json={}).status_code == 403


def test_a_firm_finds_a_mentor_and_a_session_is_held_through_the_api(app, factory, session):
    from qianfan.mentors.registry import MentorForm, create_mentor, give_login

    firm, staff = factory.user("small_firm", username="firm"), factory.user("staff", username="staff")
    mentor = create_mentor(session, staff, MentorForm(name="王导师", expertise="水务物联网产品规划"))
    mentor_user = give_login(session, staff, mentor.id, "wang", "secret-pass-1")
    factory.ranking("firm", firm.company_id, [mentor.id], scores=[0.5])
    tokens = make_tokens(session, [firm, staff, mentor_user])
    session.commit()
    client = app.test_client()

    def call(user, method, url, **kw):
        return client.open(f"/api/v1{url}", method=method, headers=tokens.headers(user.username), **kw)

    recommended = call(firm, "GET", "/mentors/recommended").get_json()["items"]
    assert [r["mentor"]["name"] for r in recommended] == ["王导师"] and recommended[0]["score"] == 0.5
    assert "terms" in recommended[0]["reasons"] and recommended[0]["open_session_id"] is None
    assert call(firm, "GET", f"/mentors/{mentor.id}").get_json()["why"]["score"] == 0.5
    made = call(firm, "POST", f"/mentors/{mentor.id}/sessions", json={"topic": "产品规划", "message": "想聊聊"})
    assert made.status_code == 201 and made.get_json()["actions"] == ["withdraw"]
    session_id = made.get_json()["id"]
    again = call(firm, "POST", f"/mentors/{mentor.id}/sessions", json={"topic": "再问"})
    assert again.status_code == 422 and again.get_json()["error"]["fields"][0]["field"] == "mentor"

    asked = call(mentor_user, "GET", "/mentor-sessions").get_json()["items"]
    assert [s["id"] for s in asked] == [session_id] and asked[0]["company"]["id"] == firm.company_id
    assert call(mentor_user, "POST", f"/mentor-sessions/{session_id}/held", json={"note": "x"}).status_code == 409
    accepted = call(mentor_user, "POST", f"/mentor-sessions/{session_id}/accept")
    assert accepted.get_json()["actions"] == ["cancel", "held"]
    held = call(mentor_user, "POST", f"/mentor-sessions/{session_id}/held", json={"note": "梳理了产品路线"})
    assert held.get_json()["status"] == "held" and held.get_json()["note"] == "梳理了产品路线"
    shown = call(firm, "GET", f"/mentor-sessions/{session_id}").get_json()
    assert [h["to_status"] for h in shown["history"]][-2:] == ["accepted", "held"] and shown["actions"] == []
    assert call(staff, "GET", "/mentors/counters").get_json()["mentor_sessions_held"] == 1
    assert call(staff, "POST", f"/mentor-sessions/{session_id}/cancel", json={"reason": "x"}).status_code == 403
