"""The API's access rules as a matrix: every operation of /api/v1 × every role × both token scopes.

The world is the page matrix's (tests/webapp/test_access_matrix.py): owners with one of everything titled
"机密", and for each firm role a stranger of the same kind guessing those ids. Each row says what each
role gets with a write token: no token 401, a role the operation is not for 403, a stranger of the right
kind 404 and never the data, staff read everything and act for no firm (403), the owner its answer.
A read token gets the same answers on reads, and 403 on every write. Nothing a stranger sends changes
a thing.

The app's URL rules under the API's blueprints are enumerated: an operation without a row here fails
`test_every_api_operation_has_a_row`, so no endpoint slips by unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.webapp.api.conftest import make_tokens
from tests.webapp.test_access_matrix import MARKER, _snapshot, _wait_for_background_jobs, world  # noqa: F401

ROLES = ("anonymous", "large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin", "mentor")
OK, CREATED, DENY, HIDDEN, NOAUTH, CONFLICT, INVALID, PRECONDITION = 200, 201, 403, 404, 401, 409, 422, 428
USERS = ("own_large", "own_small", "own_service", "own_fin", "own_mentor", "large_firm", "small_firm", "service_org",
         "financial_institution", "staff", "admin", "mentor")


@dataclass(frozen=True)
class Row:
    url: str
    method: str = "GET"
    expect: dict = field(default_factory=dict)
    owner: str | None = None
    owner_status: int | None = None
    json: dict | None = None
    form: dict | None = None


def row(url, method="GET", *, large_firm=DENY, small_firm=DENY, service_org=DENY, financial_institution=DENY,
        staff=DENY, admin=None, mentor=DENY, owner=None, owner_status=None, json=None, form=None) -> Row:  # fmt: skip
    expect = {"anonymous": NOAUTH, "large_firm": large_firm, "small_firm": small_firm, "service_org": service_org,
              "financial_institution": financial_institution, "staff": staff,
              "admin": staff if admin is None else admin, "mentor": mentor}  # fmt: skip
    if owner and owner_status is None:
        owner_status = OK
    return Row(url, method, expect, owner, owner_status, json, form)


def everyone(url, status=OK, method="GET", **kw) -> Row:
    """Every firm of the posting kinds and staff; lenders and mentors have no deals nor postings (403)."""
    return row(url, method, large_firm=status, small_firm=status, service_org=status, staff=status, **kw)


def posting_rows(bp: str, path: str, placeholder: str, role: str, owner: str) -> dict[str, Row]:
    base, item = f"/api/v1{path}", f"/api/v1{path}/{{{placeholder}}}"
    rows = {
        f"{bp}.list": row(base, **{role: OK}, owner=owner),
        # An empty body: the role check comes first; then the service names the missing title.
        f"{bp}.create": row(base, "POST", **{role: INVALID}, owner=owner, owner_status=INVALID, json={}),
        f"{bp}.show": row(item, **{role: HIDDEN}, staff=OK, owner=owner),
        # No If-Match: the owner is asked for it (428); a stranger learns nothing (404).
        f"{bp}.edit": row(item, "PATCH", **{role: HIDDEN}, owner=owner, owner_status=PRECONDITION,
                          json={"title": "改"}),  # fmt: skip
        # Published already: submitting again is refused with what is possible (409).
        f"{bp}.submit": row(f"{item}/submit", "POST", **{role: HIDDEN}, owner=owner, owner_status=CONFLICT),
        f"{bp}.withdraw": row(f"{item}/withdraw", "POST", **{role: HIDDEN}, owner=owner, json={"reason": "测试"}),
        f"{bp}.close": row(f"{item}/close", "POST", **{role: HIDDEN}, owner=owner, json={}),
    }
    return rows


def deal_move(part, roles, owner, owner_status=OK, match="order_match", json=None) -> Row:
    return row(f"/api/v1/deals/{{{match}}}/{part}", "POST", **dict.fromkeys(roles, HIDDEN), owner=owner,
               owner_status=owner_status, json=json)  # fmt: skip


def financing_rows() -> dict[str, Row]:
    """The financing zone (tests/webapp/access_financing.py's world): `fin_applied` waits for the buyer,
    `fin_confirmed` is seen by `own_fin` only, with its question `fin_offer` to the firm. The stranger
    institution was not chosen: 404 as other firms' strangers; the stranger buyer and firm too."""
    base = "/api/v1/financing"
    applied, confirmed = f"{base}/applications/{{fin_applied}}", f"{base}/applications/{{fin_confirmed}}"
    reason = {"reason": "测试"}

    def lender(part, json=None, owner_status=OK):
        return row(f"{confirmed}/{part}", "POST", financial_institution=HIDDEN, owner="own_fin",
                   owner_status=owner_status, json=json)  # fmt: skip

    return {
        "api_financing.list": row(f"{base}/applications", small_firm=OK, large_firm=OK, financial_institution=OK,
                                  staff=OK, owner="own_fin"),  # fmt: skip
        "api_financing.contracts": row(f"{base}/contracts", small_firm=OK, owner="own_small"),
        "api_financing.institutions": row(f"{base}/institutions", small_firm=OK, staff=OK, owner="own_small"),
        # The contract's receivable is held by `fin_applied` already: one receivable is financed once (409).
        "api_financing.apply": row(f"{base}/applications", "POST", small_firm=HIDDEN, owner="own_small",
                                   owner_status=CONFLICT, json={"contract_id": "{fin_contract}", "amount": "1万元",
                                                                "all_institutions": True}),  # fmt: skip
        "api_financing.show": row(confirmed, small_firm=HIDDEN, large_firm=HIDDEN, financial_institution=HIDDEN,
                                  staff=OK, owner="own_fin"),  # fmt: skip
        "api_financing.confirm": row(f"{applied}/confirm", "POST", large_firm=HIDDEN, owner="own_large"),
        "api_financing.dispute": row(f"{applied}/dispute", "POST", large_firm=HIDDEN, owner="own_large", json=reason),
        "api_financing.withdraw": row(f"{applied}/withdraw", "POST", small_firm=HIDDEN, owner="own_small",
                                      json=reason),  # fmt: skip
        "api_financing.offer": lender("offer", {"amount": "1万元", "rate": "4", "term_days": 30}),
        "api_financing.decline": lender("decline", reason),
        "api_financing.ask": lender("ask", {"question": "测试"}, CONFLICT),  # asked already: the firm answers first
        "api_financing.withdraw_offer": lender("withdraw-offer", reason, CONFLICT),  # no offer yet
        "api_financing.paid": lender("paid", {}, CONFLICT),  # no offer accepted yet
        "api_financing.repaid": lender("repaid", {}, CONFLICT),
        "api_financing.cancel": lender("cancel", reason, CONFLICT),
        "api_financing.answer": row(f"{base}/offers/{{fin_offer}}/answer", "POST", small_firm=HIDDEN,
                                    owner="own_small", json={"answer": "测试"}),  # fmt: skip
        # The institution asked and made no offer: nothing to accept yet (409).
        "api_financing.accept": row(f"{base}/offers/{{fin_offer}}/accept", "POST", small_firm=HIDDEN,
                                    owner="own_small", owner_status=CONFLICT),  # fmt: skip
        "api_financing.counters": row(f"{base}/counters", staff=OK),
    }


def mentor_rows() -> dict[str, Row]:
    """Mentors: `mentor` is `own_mentor`'s profile, `mentor_session` own_small's request to it. The stranger
    mentor (`mentor`) and small firm get 404 for them; small firms see every active mentor's profile."""
    item = "/api/v1/mentor-sessions/{mentor_session}"
    reason = {"reason": "测试"}
    return {
        "api_mentors.recommended": row("/api/v1/mentors/recommended", small_firm=OK, owner="own_small"),
        "api_mentors.list": row("/api/v1/mentors", small_firm=OK, staff=OK, owner="own_small"),
        "api_mentors.show": row("/api/v1/mentors/{mentor}", small_firm=OK, staff=OK, mentor=HIDDEN,
                                owner="own_mentor"),  # fmt: skip
        # Any small firm may ask an active mentor: without a topic, so nothing is made (422 naming it).
        "api_mentors.request_session": row("/api/v1/mentors/{mentor}/sessions", "POST", small_firm=INVALID,
                                           owner="own_small", owner_status=INVALID, json={"topic": ""}),  # fmt: skip
        "api_mentors.counters": row("/api/v1/mentors/counters", staff=OK),
        "api_mentor_sessions.list": row("/api/v1/mentor-sessions", small_firm=OK, mentor=OK, staff=OK,
                                        owner="own_mentor"),  # fmt: skip
        "api_mentor_sessions.show": row(item, small_firm=HIDDEN, mentor=HIDDEN, staff=OK, owner="own_small"),
        "api_mentor_sessions.withdraw": row(f"{item}/withdraw", "POST", small_firm=HIDDEN, owner="own_small",
                                            json=reason),  # fmt: skip
        "api_mentor_sessions.accept": row(f"{item}/accept", "POST", mentor=HIDDEN, owner="own_mentor"),
        "api_mentor_sessions.decline": row(f"{item}/decline", "POST", mentor=HIDDEN, owner="own_mentor", json=reason),
        # Requested, not accepted: it cannot be held nor cancelled yet (409).
        "api_mentor_sessions.record_held": row(f"{item}/held", "POST", mentor=HIDDEN, owner="own_mentor",
                                               owner_status=CONFLICT, json={"note": "测试"}),  # fmt: skip
        "api_mentor_sessions.cancel": row(f"{item}/cancel", "POST", small_firm=HIDDEN, mentor=HIDDEN,
                                          owner="own_mentor", owner_status=CONFLICT, json=reason),  # fmt: skip
    }


API_ROWS: dict[str, Row] = {
    **posting_rows("api_orders", "/orders", "order", "large_firm", "own_large"),
    "api_orders.candidates": row("/api/v1/orders/{order}/candidates", large_firm=HIDDEN, staff=OK, owner="own_large"),
    **posting_rows("api_listings", "/listings", "listing", "small_firm", "own_small"),
    **posting_rows("api_packages", "/service-packages", "package", "service_org", "own_service"),
    **posting_rows("api_demands", "/service-demands", "demand", "small_firm", "own_small"),
    "api_recommendations.orders": row("/api/v1/recommendations/orders", small_firm=OK, owner="own_small"),
    "api_recommendations.packages": row("/api/v1/recommendations/packages", small_firm=OK, owner="own_small"),
    "api_recommendations.demands": row("/api/v1/recommendations/demands", service_org=OK, owner="own_service"),
    "api_deals.list": everyone("/api/v1/deals"),
    "api_deals.applicants": row("/api/v1/deals/applicants", service_org=OK, owner="own_service"),
    "api_deals.show": row("/api/v1/deals/{order_match}", large_firm=HIDDEN, small_firm=HIDDEN,
                          service_org=HIDDEN, staff=OK, owner="own_small"),  # fmt: skip
    "api_deals.open_pair": row("/api/v1/pairs/order/{order}/{listing}", "POST", large_firm=HIDDEN,
                               small_firm=HIDDEN, service_org=HIDDEN, staff=OK, owner="own_small"),  # fmt: skip
    "api_deals.mark_seen": deal_move("seen", ("small_firm",), "own_small"),
    "api_deals.interest": deal_move("interest", ("small_firm",), "own_small"),
    "api_deals.withdraw": deal_move("withdraw", ("small_firm",), "own_small", json={"reason": "测试"}),
    "api_deals.accept_invitation": deal_move("accept-invitation", ("small_firm",), "own_small", CONFLICT),
    "api_deals.decline_invitation": deal_move("decline-invitation", ("small_firm",), "own_small", CONFLICT,
                                              json={"reason": "测试"}),  # fmt: skip
    "api_deals.invite": deal_move("invite", ("large_firm",), "own_large"),
    "api_deals.negotiate": deal_move("negotiate", ("large_firm",), "own_large", CONFLICT),
    "api_deals.intention": deal_move("intention", ("large_firm",), "own_large", CONFLICT),
    "api_deals.decline": deal_move("decline", ("large_firm", "service_org"), "own_large", json={"reason": "测试"}),
    "api_deals.apply": deal_move("apply", ("small_firm",), "own_small", CONFLICT, match="service_match"),
    "api_deals.accept": deal_move("accept", ("service_org",), "own_service", match="service_match"),
    "api_deals.create_contract": deal_move("contract", ("large_firm",), "own_large", CREATED, match="signed_match",
                                           json={"amount": "1万元"}),  # fmt: skip
    "api_deals.messages": row("/api/v1/deals/{order_match}/messages", large_firm=HIDDEN, small_firm=HIDDEN,
                              service_org=HIDDEN, staff=OK, owner="own_small"),  # fmt: skip
    # The thread opens once someone acted on the deal: the owner's message to a mere recommendation is 409.
    "api_deals.post_message": row("/api/v1/deals/{order_match}/messages", "POST", large_firm=HIDDEN,
                                  small_firm=HIDDEN, service_org=HIDDEN, owner="own_small",
                                  owner_status=CONFLICT, json={"body": "测试"}),  # fmt: skip
    "api_deals.contract": row("/api/v1/contracts/{contract}", large_firm=HIDDEN, small_firm=HIDDEN,
                              service_org=HIDDEN, staff=OK, owner="own_small"),  # fmt: skip
    "api_deals.confirm_contract": row("/api/v1/contracts/{contract}/confirm", "POST", large_firm=HIDDEN,
                                      small_firm=HIDDEN, owner="own_small"),  # fmt: skip
    "api_deals.advance_contract": row("/api/v1/contracts/{contract}/advance", "POST", large_firm=HIDDEN,
                                      small_firm=HIDDEN, owner="own_large",
                                      json={"status": "cancelled", "reason": "测试"}),  # fmt: skip
    # Staff only: an upload without its fields is 422 to staff; an unknown job 404.
    "api_imports.create": row("/api/v1/imports", "POST", staff=INVALID, form={}),
    "api_imports.show": row("/api/v1/imports/no-such-job", staff=HIDDEN),
    "api_imports.rejected": row("/api/v1/imports/no-such-job/rejected", staff=HIDDEN),
    "api_staff.counters": row("/api/v1/staff/counters", staff=OK),
    **financing_rows(),
    **mentor_rows(),
    # Open data (webapp/api/opendata.py): public OCDS releases, the same for everyone, with no token too.
    "api_ocds.releases": Row("/api/v1/ocds/releases", expect=dict.fromkeys(ROLES, OK)),
    "api_staff.list": row("/api/v1/staff/lists/orders", staff=OK),
}
READS = frozenset({"GET"})


def api_endpoints(app) -> set[str]:
    from webapp.api import api_blueprint_names

    names = api_blueprint_names(app)
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in names}


def test_every_api_operation_has_a_row(app):
    endpoints = api_endpoints(app)
    assert endpoints and not sorted(endpoints - set(API_ROWS)), "API operations without a row"
    assert not sorted(set(API_ROWS) - endpoints), "rows for API operations that no longer exist"
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    assert not [name for name, r in API_ROWS.items() if r.method not in methods[name]]


@pytest.fixture
def api_tokens(world, session):  # noqa: F811
    from sqlalchemy import select

    from models import User

    users = [session.scalar(select(User).where(User.username == name)) for name in USERS]
    tokens = make_tokens(session, users)
    session.commit()
    return tokens


def _filled(value, ids: dict):
    """A JSON body's "{placeholder}" strings as the world's ids."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def _call(client, r: Row, ids: dict, headers: dict):
    url = r.url.format(**ids)
    json = None if r.json is None else {key: _filled(value, ids) for key, value in r.json.items()}
    if r.form is not None:
        return client.open(url, method=r.method, data=r.form, headers=headers, content_type="multipart/form-data")
    return client.open(url, method=r.method, json=json, headers=headers)


@pytest.mark.parametrize("scope", ["write", "read"])
@pytest.mark.parametrize("role", ROLES)
def test_api_access_matrix(app, world, api_tokens, session, role, scope):  # noqa: F811
    before = _snapshot(session)
    client = app.test_client()
    headers = {} if role == "anonymous" else api_tokens.headers(role, scope)
    wrong, leaks, shapes = {}, [], []
    for endpoint, r in sorted(API_ROWS.items()):
        expected = r.expect[role]
        if scope == "read" and r.method not in READS and role != "anonymous":
            expected = DENY
        response = _call(client, r, world, headers)
        if response.status_code != expected:
            wrong[endpoint] = f"got {response.status_code}, expected {expected}"
        if response.status_code >= 400 and set((response.get_json() or {}).get("error", {})) < {"code", "message"}:
            shapes.append(endpoint)
        if role not in ("staff", "admin") and MARKER in response.get_data(as_text=True):
            leaks.append(endpoint)
    _wait_for_background_jobs()
    assert not wrong, f"{role} ({scope} token): {wrong}"
    assert not shapes, f"errors not in the API's one shape: {shapes}"
    assert not leaks, f"the owner's data was shown to {role} by {leaks}"
    if role not in ("staff", "admin"):
        assert _snapshot(session) == before, f"a request from {role} changed data"


@pytest.mark.parametrize("endpoint", sorted(name for name, r in API_ROWS.items() if r.owner))
def test_owners_get_their_answer(app, world, api_tokens, endpoint):  # noqa: F811
    r = API_ROWS[endpoint]
    response = _call(app.test_client(), r, world, api_tokens.headers(r.owner, "write"))
    _wait_for_background_jobs()
    assert response.status_code == r.owner_status, response.get_data(as_text=True)
