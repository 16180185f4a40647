"""Property-based tests of the whole OpenAPI file with schemathesis, in-process through WSGI: every
operation, with valid (positive) and invalid (negative) requests generated from its schemas, must answer
with a status the file documents, a body of the documented schema, and never a 5xx.

Not checked: that every schema-valid request is accepted (schemathesis' positive_data_acceptance).
The services refuse what no JSON Schema can say — a region that does not exist, a deadline in the
past, a move the deal's state does not allow — with 422 or 409, which the file documents.

Each operation is called with a write token of a role it serves (an order's operations as a large firm,
imports as staff, ...), on a world where every kind of posting and deal exists, so the generated
requests reach the services and not only the role check. Kept small: a few examples per operation,
derandomized, so the run takes seconds and gives the same result every time.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from models import Contract, Match
from tests.webapp.api.conftest import make_tokens

EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
ROLE_BY_PATH = (
    *((f"/api/v1/financing/applications/{{application_id}}/{move}", "large_firm") for move in ("confirm", "dispute")),
    *((f"/api/v1/financing/applications/{{application_id}}/{move}", "financial_institution")
      for move in ("offer", "decline", "ask", "withdraw-offer", "paid", "repaid", "cancel")),
    ("/api/v1/financing/applications/{application_id}", "financial_institution"),
    ("/api/v1/financing/counters", "staff"),
    ("/api/v1/financing", "small_firm"),
    *((f"/api/v1/mentor-sessions/{{session_id}}/{move}", "mentor") for move in ("accept", "decline", "held")),
    ("/api/v1/mentors/counters", "staff"),
    ("/api/v1/mentors", "small_firm"),
    ("/api/v1/mentor-sessions", "small_firm"),
    *((f"/api/v1/deals/{{match_id}}/{move}", "small_firm")
      for move in ("seen", "interest", "withdraw", "accept-invitation", "decline-invitation", "apply")),
    ("/api/v1/deals/{match_id}/accept", "service_org"),
    ("/api/v1/listings", "small_firm"),
    ("/api/v1/service-demands", "small_firm"),
    ("/api/v1/recommendations/orders", "small_firm"),
    ("/api/v1/recommendations/packages", "small_firm"),
    ("/api/v1/service-packages", "service_org"),
    ("/api/v1/recommendations/demands", "service_org"),
    ("/api/v1/deals/applicants", "service_org"),
    ("/api/v1/imports", "staff"),
    ("/api/v1/staff", "staff"),
    ("/api/v1/", "large_firm"),
)


SERVICE_MOVES = ("apply", "accept")


def role_for(path: str) -> str:
    return next(role for prefix, role in ROLE_BY_PATH if path == prefix or path.startswith(prefix + "/")
                or (prefix.endswith("/") and path.startswith(prefix)))  # fmt: skip


def own_ids(path: str, world: dict) -> dict:
    """Path parameters naming the world's own objects, so that generated requests reach the services."""
    kind = next((k for k in ("orders", "listings", "service-packages", "service-demands") if f"/{k}/" in path), None)
    ids = {"posting_id": world.get(kind), "contract_id": world["contract"], "name": "orders",
           "kind": "order", "query_id": world["orders"], "candidate_id": world["listings"],
           "match_id": world["service_match"] if path.rsplit("/", 1)[-1] in SERVICE_MOVES else world["order_match"],
           "application_id": world["application"], "offer_id": world["offer"], "mentor_id": world["mentor"],
           "session_id": world["mentor_session"]}
    return {name: value for name, value in ids.items() if "{" + name + "}" in path and value is not None}


@pytest.fixture
def api_world(factory, session):
    users = {role: factory.user(role, username=role)
             for role in ("large_firm", "small_firm", "service_org", "financial_institution", "staff")}  # fmt: skip
    order = factory.order(buyer=users["large_firm"].company, status="published")
    listing = factory.listing(supplier=users["small_firm"].company, status="published")
    demand = factory.demand(company=users["small_firm"].company, status="published")
    package = factory.package(provider=users["service_org"].company, status="published")
    factory.ranking("order", order.id, [listing.id])
    factory.ranking("listing", listing.id, [order.id])
    factory.ranking("demand", demand.id, [package.id])
    factory.ranking("package", package.id, [demand.id])
    order_match = Match(kind="order", order=order, listing=listing, score=0.9, status="interested")
    service_match = Match(kind="service", demand=demand, package=package, score=0.6, status="applied")
    signed = Match(kind="order", order=factory.order(buyer=order.buyer, status="published"), listing=listing,
                   score=0.5, status="intention_signed")  # fmt: skip
    session.add_all([order_match, service_match, signed])
    session.flush()
    contract = Contract(match_id=signed.id, buyer_id=order.buyer_id, supplier_id=listing.supplier_id,
                        title="合同", amount_yuan=Decimal("10000"))  # fmt: skip
    session.add(contract)
    more = financing_and_mentors(session, users, order.buyer_id, listing.supplier_id)
    tokens = make_tokens(session, users.values())
    session.commit()
    return tokens, {"orders": order.id, "listings": listing.id, "service-demands": demand.id,
                    "service-packages": package.id, "order_match": order_match.id,
                    "service_match": service_match.id, "contract": contract.id, **more}  # fmt: skip


def financing_and_mentors(session, users, buyer_id, supplier_id) -> dict:
    """A confirmed financing application on a signed contract with the institution's question to the firm,
    and a mentor with a login (`users["mentor"]`) whom the small firm asked for a session."""
    from datetime import date

    from models import MentorSession
    from models.base import utcnow
    from qianfan.financing import applications, lending
    from qianfan.mentors.registry import MentorForm, create_mentor, give_login

    now = utcnow()
    signed = Contract(buyer_id=buyer_id, supplier_id=supplier_id, title="融资合同", amount_yuan=Decimal("1000000"),
                      status="signed", buyer_confirmed_at=now, supplier_confirmed_at=now, signed_on=date(2026, 11, 1))  # fmt: skip
    session.add(signed)
    session.flush()
    lender = users["financial_institution"]
    found = applications.apply(session, users["small_firm"], signed.id, "10万元", [lender.company_id])
    applications.confirm(session, users["large_firm"], found.id)
    question = lending.ask(session, lender, found.id, "请补充发票")
    mentor = create_mentor(session, users["staff"], MentorForm(name="王导师", expertise="水务物联网产品规划"))
    users["mentor"] = give_login(session, users["staff"], mentor.id, "mentor", "secret-pass-1")
    mentoring = MentorSession(mentor=mentor, company_id=supplier_id, topic="产品规划", status="requested")
    session.add(mentoring)
    session.flush()
    return {"application": found.id, "offer": question.id, "mentor": mentor.id, "mentor_session": mentoring.id}


def _property_test(operation, mode, examples, path_parameters, headers, statuses):
    """One operation's hypothesis test: generated requests sent with `headers`, every check but one."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case):
        response = case.call_and_validate(headers={**(case.headers or {}), **headers},
                                          excluded_checks=[positive_data_acceptance])  # fmt: skip
        statuses.setdefault(operation.label, Counter())[response.status_code] += 1

    return run


def test_every_operation_keeps_to_the_openapi_file(app, api_world):
    app.config["API_RATE_LIMIT"] = 0  # generated requests come fast: no limit here
    from qianfan.apitokens.ratelimit import counter_for

    app.extensions["qianfan_api_rate"] = counter_for(app.config)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    statuses: dict[str, Counter] = {}
    tokens, world = api_world
    for operation in operations:
        headers = tokens.headers(role_for(operation.path))
        # Random ids (mostly someone else's or none: 404), then the world's own objects.
        runs = [(mode, examples, None) for mode, examples in EXAMPLES.items()]
        if "{" in operation.path:
            runs.append((GenerationMode.POSITIVE, EXAMPLES[GenerationMode.POSITIVE], own_ids(operation.path, world)))
        for mode, examples, path_parameters in runs:
            run = _property_test(operation, mode, examples, path_parameters, headers, statuses)
            try:
                run()
            except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 - each reported with its operation
                failures[f"{operation.label} ({mode.value}, {path_parameters})"] = str(err)[:2000]
    spec = app.extensions["qianfan_api"].openapi()
    documented = sum(1 for item in spec["paths"].values() for method in item if method != "parameters")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert len(operations) == documented and set(statuses) == {op.label for op in operations}
    # The generated requests reached the services, not only the token and role checks.
    succeeded = {label for label, counts in statuses.items() if any(200 <= s < 300 for s in counts)}
    assert len(succeeded) >= len(operations) // 2, sorted(set(statuses) - succeeded)
