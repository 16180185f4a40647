"""Access rules as a matrix: every role against every endpoint of the app, with the status each must get.

The world holds one firm of each kind that owns everything (an order, listings, a demand, a package, an
order deal, a service deal, a contract — all titled with the marker "机密"), and, for each firm role, a
*stranger* firm of the same kind that guesses those ids. Each endpoint's row says what every role gets:
anonymous visitors are sent to the login page, a role a page is not for gets 403, a firm of the right
kind guessing another firm's id gets 404 and never the data, staff see everything and act for no firm,
and the owner (the row's `owner`) gets the page or its action. Nothing a stranger posts changes a thing.

`app.url_map` is enumerated: an endpoint without a row here fails `test_every_endpoint_has_a_row`, so a
new page cannot slip in unchecked. Add a row to ENDPOINTS (firms' pages) or STAFF_ENDPOINTS (staff pages).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (
    Contract,
    FinancingApplication,
    Match,
    MentorSession,
    Notification,
    ServicePackage,
    User,
)
from tests.webapp.access_financing import financing_rows, financing_staff_rows, financing_world
from tests.webapp.access_market import market_rows, market_world
from tests.webclient import WebClient

ROLES = ("anonymous", "large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin", "mentor")
OK, MOVED, LOGIN, DENY, HIDDEN = 200, 302, 302, 403, 404
MARKER = "机密"
OWNERS = {"own_large": "large_firm", "own_small": "small_firm", "own_service": "service_org",
          "own_fin": "financial_institution", "own_mentor": "mentor"}


@dataclass(frozen=True)
class Row:
    """One endpoint: its URL (placeholders filled from the world), method, and the status per role."""

    url: str
    method: str = "GET"
    expect: dict = field(default_factory=dict)  # role -> status; missing firm roles mean DENY
    owner: str | None = None  # one of OWNERS: the firm that owns the objects in the URL
    owner_status: int | None = None
    data: dict = field(default_factory=dict)


def row(url, method="GET", *, anonymous=LOGIN, large_firm=DENY, small_firm=DENY, service_org=DENY,
        financial_institution=DENY, staff=DENY, admin=None, mentor=DENY, owner=None, owner_status=None,
        data=None) -> Row:  # fmt: skip
    expect = {"anonymous": anonymous, "large_firm": large_firm, "small_firm": small_firm,
              "service_org": service_org, "financial_institution": financial_institution,
              "staff": staff, "admin": staff if admin is None else admin, "mentor": mentor}  # fmt: skip
    if owner and owner_status is None:
        owner_status = OK if method == "GET" else MOVED
    return Row(url, method, expect, owner, owner_status, data or {})


def everyone(url, status=OK, method="GET", **others) -> Row:
    return row(url, method, **{"large_firm": status, "small_firm": status, "service_org": status,
                               "financial_institution": status, "staff": status, "mentor": status, **others})


def posting_rows(
    bp: str, kind: str, base: str, placeholder: str, role: str, owner: str
) -> dict[str, Row]:
    """The seven pages of one kind of posting (webapp.posting_views) for the role that posts it."""
    mine = {role: OK}
    guess = {role: HIDDEN}
    item = f"{base}/{{{placeholder}}}"
    return {
        f"{bp}.{kind}_list": row(f"{base}/", **mine, owner=owner),
        f"{bp}.{kind}_new": row(f"{base}/new", **mine, owner=owner),
        f"{bp}.{kind}_show": row(item, **guess, staff=OK, owner=owner),
        f"{bp}.{kind}_edit": row(f"{item}/edit", **guess, owner=owner),
        f"{bp}.{kind}_submit": row(f"{item}/submit", "POST", **guess, owner=owner),
        f"{bp}.{kind}_withdraw": row(
            f"{item}/withdraw", "POST", **guess, owner=owner, data={"reason": "测试"}
        ),
        f"{bp}.{kind}_close": row(f"{item}/close", "POST", **guess, owner=owner),
    }


ENDPOINTS: dict[str, Row] = {
    "health": everyone("/health", anonymous=OK),
    "names.lookup": everyone("/names/region?q=海淀"),
    "auth.login": everyone("/login", MOVED, anonymous=OK),
    "auth.logout": everyone("/logout", MOVED, "POST"),
    "auth.password": everyone("/account/password"),
    "auth.set_language": row(
        "/language/en",
        "POST",
        anonymous=MOVED,
        large_firm=MOVED,
        small_firm=MOVED,
        service_org=MOVED,
        financial_institution=MOVED,
        staff=MOVED,
        mentor=MOVED,
        data={"next": "/"},
    ),  # fmt: skip
    "home.index": everyone("/"),
    # Accounts (webapp/accounts.py): sign-up and the e-mailed links are for anyone; a made-up link is gone (410).
    "accounts.signup_page": everyone("/signup", MOVED, anonymous=OK),
    "accounts.forgot_password": everyone("/password/forgot", anonymous=OK),
    "accounts.reset_password": everyone("/password/reset/made-up", 410, anonymous=410),
    "accounts.join": everyone("/invitation/made-up", 410, anonymous=410),
    # A firm's colleagues: its own only (no id in the URL); only its admin user invites (none here is one).
    "accounts.colleagues": row("/company/users", large_firm=OK, small_firm=OK, service_org=OK,
                               financial_institution=OK, owner="own_small"),
    "accounts.invite": row(
        "/company/users/invite", "POST", data={"display_name": "某人", "email": "someone@example.cn"}
    ),
    **posting_rows("orders", "order", "/orders", "order", "large_firm", "own_large"),
    "orders.candidates": row(
        "/orders/{order}/candidates", large_firm=HIDDEN, staff=OK, owner="own_large"
    ),
    **posting_rows("supply", "listing", "/supply/listings", "listing", "small_firm", "own_small"),
    **posting_rows("supply", "demand", "/supply/demands", "demand", "small_firm", "own_small"),
    "supply.profile": row("/supply/profile", small_firm=OK, owner="own_small"),
    "supply.recommended": row("/supply/recommended", small_firm=OK, owner="own_small"),
    "supply.packages": row("/supply/packages", small_firm=OK, owner="own_small"),
    **posting_rows("packages", "package", "/packages", "package", "service_org", "own_service"),
    "packages.demands": row("/packages/demands", service_org=OK, owner="own_service"),
    "packages.applicants": row("/packages/applicants", service_org=OK, owner="own_service"),
    "deals.index": everyone("/deals/", financial_institution=DENY, mentor=DENY),  # neither has deals
    "deals.show": row(
        "/deals/{order_match}",
        large_firm=HIDDEN,
        small_firm=HIDDEN,
        service_org=HIDDEN,
        staff=OK,
        owner="own_small",
    ),  # fmt: skip
    "deals.mark_seen": row(
        "/deals/{order_match}/seen", "POST", small_firm=HIDDEN, owner="own_small"
    ),
    "deals.interest": row(
        "/deals/{order_match}/interest", "POST", small_firm=HIDDEN, owner="own_small"
    ),
    "deals.withdraw": row(
        "/deals/{order_match}/withdraw",
        "POST",
        small_firm=HIDDEN,
        owner="own_small",
        data={"reason": "测试"},
    ),  # fmt: skip
    "deals.invite": row(
        "/deals/{order_match}/invite", "POST", large_firm=HIDDEN, owner="own_large"
    ),
    # The supplier answers an invitation; both sides write in the deal's thread (staff read it only).
    "deals.accept_invitation": row(
        "/deals/{order_match}/accept-invitation", "POST", small_firm=HIDDEN, owner="own_small"
    ),
    "deals.decline_invitation": row(
        "/deals/{order_match}/decline-invitation", "POST", small_firm=HIDDEN, owner="own_small",
        data={"reason": "测试"},
    ),  # fmt: skip
    "deals.post_message": row(
        "/deals/{order_match}/messages", "POST", large_firm=HIDDEN, small_firm=HIDDEN, service_org=HIDDEN,
        owner="own_small", data={"body": "测试"},
    ),  # fmt: skip
    # Everyone has an inbox; a notification is opened by the user it was for only.
    "notifications.inbox": everyone("/notifications/"),
    "notifications.settings": everyone("/notifications/settings"),
    "notifications.read_all": everyone("/notifications/read", MOVED, "POST"),
    "notifications.open_one": row(
        "/notifications/{notification}/open", "POST", large_firm=HIDDEN, small_firm=HIDDEN,
        service_org=HIDDEN, financial_institution=HIDDEN, staff=HIDDEN, mentor=HIDDEN, owner="own_small",
    ),  # fmt: skip
    "deals.negotiate": row(
        "/deals/{order_match}/negotiate", "POST", large_firm=HIDDEN, owner="own_large"
    ),
    "deals.intention": row(
        "/deals/{order_match}/intention", "POST", large_firm=HIDDEN, owner="own_large"
    ),
    "deals.decline": row(
        "/deals/{order_match}/decline",
        "POST",
        large_firm=HIDDEN,
        service_org=HIDDEN,
        owner="own_large",
        data={"reason": "测试"},
    ),  # fmt: skip
    "deals.create_contract": row(
        "/deals/{signed_match}/contract",
        "POST",
        large_firm=HIDDEN,
        owner="own_large",
        data={"amount": "1万元"},
    ),  # fmt: skip
    "deals.apply": row(
        "/deals/{service_match}/apply", "POST", small_firm=HIDDEN, owner="own_small"
    ),
    "deals.accept": row(
        "/deals/{service_match}/accept", "POST", service_org=HIDDEN, owner="own_service"
    ),
    # A firm follows only the background rematches it started itself (webapp.firm_jobs).
    "firm_jobs.status": row("/matching/no-such-job", large_firm=HIDDEN, small_firm=HIDDEN, service_org=HIDDEN),
    # A recommended pair is opened (its deal row made) or first acted on by its two sides only.
    "deals.open_pair": row(
        "/deals/pair/order/{order}/{listing}", large_firm=HIDDEN, small_firm=HIDDEN, service_org=HIDDEN,
        staff=MOVED, owner="own_small", owner_status=MOVED,
    ),  # fmt: skip
    "deals.pair_move": row(
        "/deals/pair/order/{order}/{listing}/interest", "POST", small_firm=HIDDEN, owner="own_small"
    ),
    # A contract made on the platform has a deal page: its own URL sends there (302) those who may see it.
    "deals.contract": row(
        "/contracts/{contract}",
        large_firm=HIDDEN,
        small_firm=HIDDEN,
        service_org=HIDDEN,
        staff=MOVED,
        owner="own_small",
        owner_status=MOVED,
    ),  # fmt: skip
    "deals.confirm_contract": row(
        "/contracts/{contract}/confirm",
        "POST",
        large_firm=HIDDEN,
        small_firm=HIDDEN,
        owner="own_small",
    ),  # fmt: skip
    "deals.advance_contract": row(
        "/contracts/{contract}/advance",
        "POST",
        large_firm=HIDDEN,
        small_firm=HIDDEN,
        owner="own_large",
        data={"status": "cancelled", "reason": "测试"},
    ),  # fmt: skip
    # Mentors (webapp/mentors.py): small firms see active mentors and their own sessions; a mentor sees its
    # own profile and the sessions asked of it and answers them; another firm's or mentor's session is a 404.
    "mentors.index": row("/mentors/", small_firm=OK, staff=OK, owner="own_small"),
    "mentors.show": row("/mentors/{mentor}", small_firm=OK, staff=OK, mentor=HIDDEN, owner="own_mentor"),
    "mentors.request_session": row(
        "/mentors/{mentor}/request", "POST", small_firm=MOVED, owner="own_small", data={"topic": ""}
    ),
    "mentors.session_list": row("/mentors/sessions/", small_firm=OK, staff=OK, mentor=OK, owner="own_mentor"),
    "mentors.session_show": row(
        "/mentors/sessions/{mentor_session}", small_firm=HIDDEN, mentor=HIDDEN, staff=OK, owner="own_small"
    ),
    "mentors.withdraw": row(
        "/mentors/sessions/{mentor_session}/withdraw", "POST", small_firm=HIDDEN, owner="own_small",
        data={"reason": "测试"},
    ),  # fmt: skip
    "mentors.accept": row("/mentors/sessions/{mentor_session}/accept", "POST", mentor=HIDDEN, owner="own_mentor"),
    "mentors.decline": row(
        "/mentors/sessions/{mentor_session}/decline", "POST", mentor=HIDDEN, owner="own_mentor",
        data={"reason": "测试"},
    ),  # fmt: skip
    "mentors.record_held": row(
        "/mentors/sessions/{mentor_session}/held", "POST", mentor=HIDDEN, owner="own_mentor", data={"note": "测试"}
    ),
    "mentors.cancel": row(
        "/mentors/sessions/{mentor_session}/cancel", "POST", small_firm=HIDDEN, mentor=HIDDEN, owner="own_mentor",
        data={"reason": "测试"},
    ),  # fmt: skip
}


def staff_only(url, method="GET", status=None, data=None) -> Row:
    """A page for programme staff only; firms get 403 whatever the ids."""
    return row(url, method, staff=status or (OK if method == "GET" else MOVED), data=data)


# Staff pages (webapp/staff.py, webapp/home.py): the staff engineer keeps these rows up to date.
STAFF_ENDPOINTS: dict[str, Row] = {
    "home.counters": staff_only("/staff/counters"),
    "staff.index": staff_only("/staff/", status=MOVED),  # on to the dashboard
    "staff.dashboard": staff_only("/staff/dashboard"),
    "staff.screening_queue": staff_only("/staff/screening"),
    # The order is already published: publishing it again is refused (409) with what is possible instead.
    "staff.publish": staff_only("/staff/screening/order/{order}/publish", "POST", status=409),
    "staff.reject": staff_only(
        "/staff/screening/order/{order}/reject", "POST", data={"reason": "测试"}
    ),
    "staff.screen_many": staff_only(
        "/staff/screening/order/bulk", "POST", data={"action": "publish"}
    ),
    "staff.list_view": staff_only("/staff/lists/orders"),
    "staff.export_list": staff_only("/staff/lists/orders/export.csv"),
    "staff.imports": staff_only("/staff/imports"),
    "staff.import_template": staff_only("/staff/imports/templates/orders.xlsx"),
    "staff.job": staff_only("/staff/jobs/no-such-job", status=HIDDEN),
    "staff.job_status": staff_only("/staff/jobs/no-such-job/status", status=HIDDEN),
    "staff.job_rejected_rows": staff_only("/staff/jobs/no-such-job/rejected.csv", status=HIDDEN),
    "staff.rematch": staff_only("/staff/rematch", "POST"),
    "staff_jobs.rerun": staff_only("/staff/jobs/no-such-job/rerun", "POST", status=HIDDEN),
    "staff.duplicates": staff_only("/staff/duplicates"),
    "staff.merge_pair": staff_only("/staff/duplicates/999999/merge", "POST", status=HIDDEN),
    "staff.keep_pair_apart": staff_only(
        "/staff/duplicates/999999/keep-apart", "POST", status=HIDDEN
    ),
    "staff_renames.pending": staff_only("/staff/renames"),
    # New firms: verifying or rejecting one is for staff (an unknown id is 404 to them, 403 to firms).
    "accounts.new_firms": staff_only("/staff/firms"),
    "accounts.verify": staff_only("/staff/firms/999999/verify", "POST", status=HIDDEN),
    "accounts.reject": staff_only("/staff/firms/999999/reject", "POST", status=HIDDEN, data={"note": "测试"}),
    "staff_mail.outbox": staff_only("/staff/mail"),
    "staff_mail.retry": staff_only("/staff/mail/999999/retry", "POST", status=HIDDEN),
    "staff_renames.accept": staff_only("/staff/renames/999999/accept", "POST", status=HIDDEN),
    "staff_renames.decline": staff_only("/staff/renames/999999/decline", "POST", status=HIDDEN),
    "mentors.staff_list": staff_only("/staff/mentors"),
    "mentors.staff_new": staff_only("/staff/mentors/new"),
    "mentors.staff_edit": staff_only("/staff/mentors/{mentor}/edit"),
    # The mentor has a login already: refused with a message, back to its page.
    "mentors.staff_login": staff_only(
        "/staff/mentors/{mentor}/login", "POST", data={"username": "another", "password": "secret-pass-1"}
    ),
}

# API tokens (webapp/api/tokens_page.py): every logged-in user has the page; a form without a name is 422;
# another user's token id is 404. The API's description and its docs page are public.
API_PAGES: dict[str, Row] = {
    "api_tokens.index": everyone("/account/api-tokens/"),
    "api_tokens.create": everyone("/account/api-tokens/", 422, "POST"),
    "api_tokens.revoke": everyone("/account/api-tokens/999999/revoke", HIDDEN, "POST"),
    "api_docs.openapi": everyone("/api/v1/openapi.json", anonymous=OK),
    "api_docs.page": everyone("/api/v1/docs", anonymous=OK),
}

# The open market (webapp/market.py): tests/webapp/access_market.py.
MARKET_ENDPOINTS = market_rows(row, OK, MOVED, DENY, HIDDEN)
# The financing zone (webapp/financing.py): tests/webapp/access_financing.py.
FINANCING_ENDPOINTS = {**financing_rows(row, OK, MOVED, DENY, HIDDEN), **financing_staff_rows(staff_only, HIDDEN)}
ALL_ROWS = {**ENDPOINTS, **STAFF_ENDPOINTS, **MARKET_ENDPOINTS, **FINANCING_ENDPOINTS, **API_PAGES}
IGNORED = {"static"}  # files, the same for everyone


def test_every_endpoint_has_a_row(app):
    from webapp.api import api_blueprint_names

    # The API's operations (token-authenticated) have their own matrix: tests/webapp/test_api_access_matrix.py.
    api = api_blueprint_names(app)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] not in api}
    endpoints -= IGNORED
    missing = sorted(endpoints - set(ALL_ROWS))
    stale = sorted(set(ALL_ROWS) - endpoints)
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    assert not stale, f"rows for endpoints that no longer exist: {stale}"


def test_each_row_matches_its_endpoints_method(app):
    methods = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.endpoint, set()).update(rule.methods)
    wrong = [
        name for name, r in ALL_ROWS.items() if name in methods and r.method not in methods[name]
    ]
    assert not wrong


# --- the world --------------------------------------------------------------------------------------


@pytest.fixture
def world(factory, session):
    """Owners with one of everything, strangers of each firm kind, staff and an admin."""
    own_large = factory.user("large_firm", username="own_large")
    own_small = factory.user("small_firm", username="own_small")
    own_service = factory.user("service_org", username="own_service")
    own_fin = factory.user("financial_institution", username="own_fin")
    for role in ("large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin"):
        factory.user(role, username=role)
    rival = factory.user("small_firm", username="rival_small")

    def title(what):
        return f"{MARKER}{what}"

    order = factory.order(buyer=own_large.company, status="published", title=title("订单"))
    listing = factory.listing(supplier=own_small.company, status="published", title=title("供给"))
    second = factory.listing(supplier=own_small.company, status="published", title=title("供给二"))
    demand = factory.demand(company=own_small.company, status="published", title=title("需求"))
    package = factory.package(
        provider=own_service.company, status="published", title=title("服务包"), quota=3
    )
    rival_listing = factory.listing(
        supplier=rival.company, status="published", title="竞争对手的供给"
    )
    order_match = Match(kind="order", order=order, listing=listing, score=0.9)
    signed_match = Match(
        kind="order", order=order, listing=second, score=0.8, status="intention_signed"
    )
    rival_match = Match(kind="order", order=order, listing=rival_listing, score=0.7)
    service_match = Match(
        kind="service", demand=demand, package=package, score=0.6, status="applied"
    )
    session.add_all([order_match, signed_match, rival_match, service_match])
    session.flush()
    contract_match = Match(kind="order", order=factory.order(buyer=own_large.company, title=title("合同订单")),
                           listing=listing, score=0.5, status="intention_signed")  # fmt: skip
    session.add(contract_match)
    session.flush()
    contract = Contract(match_id=contract_match.id, buyer_id=own_large.company_id,
                        supplier_id=own_small.company_id, title=title("合同"), amount_yuan=Decimal("10000"))  # fmt: skip
    session.add(contract)
    # The kept lists a rematch would leave: the order's candidates, each listing's orders, the demand's packages.
    factory.ranking("order", order.id, [listing.id, second.id, rival_listing.id], scores=[0.9, 0.8, 0.7])
    for candidate in (listing, second, rival_listing):
        factory.ranking("listing", candidate.id, [order.id], scores=[0.9])
    factory.ranking("demand", demand.id, [package.id], scores=[0.6])
    # A mentor with a login (own_mentor), another mentor guessing ids (mentor), and own_small's request.
    from qianfan.mentors.registry import MentorForm, create_mentor, give_login

    staff_user = session.scalar(select(User).where(User.username == "staff"))
    mentor = create_mentor(session, staff_user, MentorForm(name="王导师", expertise="水务物联网产品规划"))
    give_login(session, staff_user, mentor.id, "own_mentor", "secret-pass-1")
    other_mentor = create_mentor(session, staff_user, MentorForm(name="李导师", expertise="餐饮运营"))
    give_login(session, staff_user, other_mentor.id, "mentor", "secret-pass-1")
    mentoring = MentorSession(mentor=mentor, company_id=own_small.company_id, topic=title("辅导"), status="requested")
    session.add(mentoring)
    factory.ranking("firm", own_small.company_id, [mentor.id], scores=[0.5])
    market = market_world(factory, session, own_large, own_small, rival, title)
    market.update(financing_world(factory, session, own_large, own_small, own_fin, title))
    note = Notification(user_id=own_small.id, kind="invitation", params={"title": title("通知"), "firm": "x"},
                        link=f"/deals/{order_match.id}")  # fmt: skip
    session.add(note)
    session.commit()
    return {
        "order": order.id, "listing": listing.id, "demand": demand.id, "package": package.id,
        "order_match": order_match.id, "signed_match": signed_match.id, "service_match": service_match.id,
        "contract": contract.id, "rival_match": rival_match.id, **market, "notification": note.id,
        "mentor": mentor.id, "mentor_session": mentoring.id,
    }  # fmt: skip


def _client(app, username: str | None) -> WebClient:
    app.test_client_class = WebClient
    client = app.test_client()
    if username:
        assert client.login(username).status_code == 200
    return client


def _request(client: WebClient, r: Row, ids: dict):
    url = r.url.format(**ids)
    if r.method == "GET":
        return client.get(url)
    return client.submit(url, {key: value.format(**ids) for key, value in r.data.items()})


def _snapshot(session) -> list:
    """Everything a stranger's request must leave as it was."""
    session.expire_all()
    matches = [
        (m.id, m.status, m.status_reason) for m in session.scalars(select(Match).order_by(Match.id))
    ]
    contracts = [
        (c.id, c.status, c.buyer_confirmed_at, c.supplier_confirmed_at)
        for c in session.scalars(select(Contract))
    ]
    packages = [(p.id, p.status, p.quota_used) for p in session.scalars(select(ServicePackage))]
    mentoring = [(m.id, m.status, m.note) for m in session.scalars(select(MentorSession).order_by(MentorSession.id))]
    financing = [(a.id, a.status, tuple((o.id, o.status) for o in a.offers))
                 for a in session.scalars(select(FinancingApplication).order_by(FinancingApplication.id))]  # fmt: skip
    return [matches, contracts, packages, mentoring, financing]


def _wait_for_background_jobs() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("job-"):
            thread.join(timeout=60)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, session, role):
    """Every endpoint for one role: the status in its row, none of the owner's data, nothing changed."""
    before = _snapshot(session)
    client = _client(app, None if role == "anonymous" else role)
    wrong, leaks = {}, []
    # Logging out ends every session of the user, this client's too: it comes last.
    for endpoint, r in sorted(ALL_ROWS.items(), key=lambda item: item[0] == "auth.logout"):
        response = _request(
            _client(app, None if role == "anonymous" else role)
            if endpoint == "auth.logout"
            else client,
            r,
            world,
        )
        if response.status_code != r.expect[role]:
            wrong[endpoint] = f"got {response.status_code}, expected {r.expect[role]}"
        if role not in ("staff", "admin") and MARKER in response.get_data(as_text=True):
            leaks.append(endpoint)
    _wait_for_background_jobs()  # a staff rematch runs in a thread; let it end before the data goes
    assert not wrong, f"{role}: {wrong}"
    assert not leaks, f"the owner's data was shown to {role} by {leaks}"
    if role not in ("staff", "admin"):
        assert _snapshot(session) == before, f"a request from {role} changed data"


@pytest.mark.parametrize("owner", sorted(OWNERS))
def test_owners_see_their_own_pages(app, world, owner):
    client = _client(app, owner)
    pages = {name: r for name, r in ALL_ROWS.items() if r.owner == owner and r.method == "GET"}
    got = {name: _request(client, r, world).status_code for name, r in pages.items()}
    assert got == {name: r.owner_status for name, r in pages.items()}


@pytest.mark.parametrize(
    "endpoint", sorted(name for name, r in ALL_ROWS.items() if r.owner and r.method == "POST")
)
def test_owners_may_act_on_their_own_objects(app, world, endpoint):
    r = ALL_ROWS[endpoint]
    status = _request(_client(app, r.owner), r, world).status_code
    _wait_for_background_jobs()  # withdrawing a listing or package rematches it in a thread
    assert status == r.owner_status


def test_login_redirects_anonymous_visitors_to_the_login_page(app, world):
    response = _client(app, None).get(f"/orders/{world['order']}")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_supplier_never_sees_another_suppliers_match(app, world):
    owner = _client(app, "own_small")
    assert owner.get(f"/deals/{world['rival_match']}").status_code == 404
    page = owner.get("/supply/recommended").get_data(as_text=True)
    assert f"{MARKER}订单" in page and "竞争对手的供给" not in page
    assert "竞争对手的供给" in _client(app, "own_large").get(
        f"/orders/{world['order']}/candidates"
    ).get_data(as_text=True)
