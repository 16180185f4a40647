"""The README tells a newcomer what the issue found missing, and the pictures it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 3)
    return README[start : end if end > 0 else None]


def test_the_first_steps_say_where_the_tools_are_and_what_comes_first():
    first = _section("First steps, for a newcomer")
    assert ".venv/bin/qianfan" in first and "source .venv/bin/activate" in first
    assert first.index("qianfan init-db") < first.index("qianfan demo")
    assert "printed **once**" in first or "prints them **once**" in first
    assert "qianfan create-user" in first  # how to make an account when the demo passwords are lost
    assert "rm -f instance/qianfan.sqlite3" in first  # resetting the demo
    assert "tests/data/eval-tiny" in first and "make bench" in first


def test_every_command_in_the_makefile_bench_and_the_cli_table_exists():
    assert re.search(r"(?m)^bench: ", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert "qianfan stats" in _section("Command line")


def test_the_readme_shows_two_screenshots_that_are_in_docs():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README)
    assert len(images) >= 2
    for image in images:
        assert image.startswith("docs/") and (ROOT / image).is_file(), image


def _curl_requests(section: str) -> list[dict]:
    """The README's curl lines as requests: method, path, headers, JSON body."""
    import shlex

    found = []
    for line in re.findall(r"(?m)^curl .+$", section):
        words, request = shlex.split(line)[1:], {"method": "GET", "headers": {}, "body": None}
        while words:
            word = words.pop(0)
            if word == "-X":
                request["method"] = words.pop(0)
            elif word == "-H":
                name, _, value = words.pop(0).partition(": ")
                request["headers"][name] = value
            elif word == "-d":
                request["body"] = words.pop(0)
            else:
                request["url"] = word.removeprefix("http://127.0.0.1:5000")
        found.append(request)
    return found


def test_the_api_examples_of_the_readme_work_as_written(app, factory, session):
    """A large firm's system posts an order, submits it and, once published and matched, reads its
    candidates: the README's own curl lines, sent to the app."""
    import json

    from qianfan.apitokens import create_token
    from qianfan.screening import publish

    section = _section("API (JSON, /api/v1)")
    first, submit, candidates = [r for r in _curl_requests(section) if "/financing/" not in r["url"]]
    buyer = factory.user("large_firm")
    staff = factory.user("staff")
    token = create_token(session, buyer, "采购系统", "write")[1]
    session.commit()
    client = app.test_client()

    def send(request, order=None):
        url = request["url"].replace("$ORDER", str(order))
        headers = {k: v.replace("$TOKEN", token) for k, v in request["headers"].items()}
        return client.open(url, method=request["method"], headers=headers, data=request["body"])

    created = send(first)
    assert created.status_code == 201, created.get_data(as_text=True)
    order = created.get_json()
    assert order["status"] == "draft" and order["budget_yuan"] == "7460365.00"
    assert json.loads(first["body"])["title"] == order["title"]
    assert send(submit, order["id"]).get_json()["status"] == "submitted"
    # Staff publish it and the matcher ranks a supplier for it (as the screening page and a rematch do).
    listing = factory.listing(status="published", title="水务物联网监测系统")
    publish(session, staff, "order", order["id"])
    factory.ranking("order", order["id"], [listing.id], scores=[0.8])
    session.commit()
    answer = send(candidates, order["id"])
    assert answer.status_code == 200
    entries = answer.get_json()["items"]
    assert [e["listing"]["id"] for e in entries] == [listing.id] and entries[0]["reasons"]["terms"]


def test_the_lenders_api_example_of_the_readme_works_as_written(app, factory, session):
    """A lender's system lists the applications confirmed for it, reads one and offers: the README's lines."""
    from datetime import date
    from decimal import Decimal

    from models import Contract
    from models.base import utcnow
    from qianfan.apitokens import create_token
    from qianfan.financing import applications

    listed, read, offer = [r for r in _curl_requests(_section("API (JSON, /api/v1)")) if "/financing/" in r["url"]]
    firm, buyer, lender = (factory.user(role) for role in ("small_firm", "large_firm", "financial_institution"))
    now = utcnow()
    contract = Contract(buyer_id=buyer.company_id, supplier_id=firm.company_id, title="水表采购合同",
                        amount_yuan=Decimal("2000000"), status="signed", buyer_confirmed_at=now,
                        supplier_confirmed_at=now, signed_on=date(2026, 11, 2))  # fmt: skip
    session.add(contract)
    session.flush()
    application = applications.apply(session, firm, contract.id, "80万元", [lender.company_id])
    applications.confirm(session, buyer, application.id)
    token = create_token(session, lender, "授信系统", "write")[1]
    session.commit()
    client = app.test_client()

    def send(request):
        url = request["url"].replace("$APPLICATION", str(application.id))
        headers = {k: v.replace("$LENDER_TOKEN", token) for k, v in request["headers"].items()}
        return client.open(url, method=request["method"], headers=headers, data=request["body"])

    assert [a["id"] for a in send(listed).get_json()["items"]] == [application.id]
    facts = send(read).get_json()
    assert facts["contract"]["unpaid_yuan"] == "2000000.00" and facts["firm"]["contracts_signed"] == 1
    answer = send(offer)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["own_offer"]["status"] == "offered"
    assert answer.get_json()["own_offer"]["amount_yuan"] == "800000.00"
