"""No input crashes the web app (issue 9): ids beyond any row, out-of-range dates and huge numbers in
forms, page numbers of any length, bodies over the upload limit, and an import whose rows are refused.

Each answers as a person can act on it (404, the form with a message beside the field, 413 in the UI's
error page, the job page naming row, field and reason), never 500 or a trace; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gc
import io
import json
import re
import time
import warnings

import pytest
from sqlalchemy import func, select

from models import Order, ServicePackage
from tests.webclient import WebClient
from webapp.converters import MAX_ID, parse_id

_INT_ARG = re.compile(r"<int:(\w+)>")
_OTHER_ARG = re.compile(r"<(?:string:)?(\w+)>")
FAR = "9999-12-31 24:00"


@pytest.fixture
def firms(factory, session):
    users = {
        role: factory.user(role, username=role)
        for role in ("large_firm", "small_firm", "service_org", "staff")
    }
    session.commit()
    return users


def _login(client, role: str) -> WebClient:
    client.login(role)
    client.submit("/language/en", {"next": "/"})
    return client


def _id_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]


def _url(rule, ident: str) -> str:
    url = _INT_ARG.sub(ident, rule.rule)
    return _OTHER_ARG.sub(lambda m: "order" if m.group(1) == "kind" else "x", url)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_the_converter_bounds_ids_to_what_every_database_holds(app):
    assert (
        len(_id_rules(app)) >= 22
    )  # the routes of the issue; a new one is covered by the converter
    assert MAX_ID == 2**31 - 1
    assert [
        parse_id(v) for v in ("42", str(MAX_ID), str(MAX_ID + 1), "9" * 5000, "٤٢", "", "-1")
    ] == [
        42,
        MAX_ID,
        None,
        None,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize("ident", [str(2**31), str(2**63), str(2**64), "9" * 30, "9" * 5000, "٤٢"])
def test_an_id_no_row_can_have_is_404_on_every_route_before_any_view_runs(app, client, ident):
    answers = {}
    for rule in _id_rules(app):
        for method in _methods(rule):
            answers[f"{method} {rule.rule}"] = client.open(
                _url(rule, ident), method=method
            ).status_code
    assert set(answers.values()) == {404}, answers


@pytest.mark.parametrize("role", ["large_firm", "small_firm", "service_org", "staff"])
def test_the_largest_id_reaches_the_views_and_is_not_found_not_an_error(
    app, client, firms, role, session
):
    from qianfan.apitokens import create_token

    _login(client, role)
    # The JSON API (/api/v1) takes a bearer token instead of the session.
    token = {"Authorization": f"Bearer {create_token(session, firms[role], 'test', 'write')[1]}"}
    session.commit()
    answers = {}
    for rule in _id_rules(app):
        for method in _methods(rule):
            url = _url(rule, str(MAX_ID))
            if url.startswith("/api/"):
                response = client.open(url, method=method, json={}, headers=token)
            else:
                response = (
                    client.get(url) if method == "GET" else client.submit(url, {"ids": [str(MAX_ID)]})
                )
            answers[f"{method} {rule.rule}"] = response.status_code
    assert 500 not in answers.values(), answers
    # 422: the API names a missing field of the body before it looks the id up.
    assert {404, 403} >= set(answers.values()) - {302, 405, 409, 422}, answers


def test_bulk_screening_ignores_ids_no_row_can_have(client, firms, factory, session):
    order = factory.order(status="submitted", title="待审核的订单")
    session.commit()
    _login(client, "staff")
    response = client.submit(
        "/staff/screening/order/bulk",
        {"action": "publish", "ids": [str(2**63), "9" * 5000, str(MAX_ID + 1), str(order.id)]},
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Order, order.id).status == "published"


@pytest.mark.parametrize("page", ["9" * 5000, "9" * 30, str(2**63), "٣", "-1", "0"])
def test_a_page_number_of_any_length_shows_a_page(client, firms, page):
    _login(client, "large_firm")
    assert client.get(f"/orders/?page={page}&per_page={page}").status_code == 200


# --- forms share the importer's bounds -----------------------------------------------------------


def _package(**fields) -> dict:
    return {"title": "知识产权服务包", "category": "ip", "quota": "5", **fields}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quota": "9" * 400}, "must be between 1 and 1000000"),
        ({"quota": "7" * 5000}, "must be between 1 and 1000000"),
        ({"max_company_age_years": "1" * 400}, "must be between 1 and 100"),
        ({"valid_until": FAR}, "outside the years 1000 to 3000"),
        ({"valid_until": "0001-01-01"}, "outside the years 1000 to 3000"),
        ({"value": "万万万"}, "is not an amount of money"),
    ],
)
def test_a_package_form_with_an_out_of_range_value_says_so_beside_the_field(
    client, firms, session, fields, message
):
    _login(client, "service_org")
    response = client.submit("/packages/new", _package(**fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ServicePackage)) == 0


def test_a_valid_package_form_still_saves(client, firms, session):
    _login(client, "service_org")
    assert client.submit("/packages/new", _package(quota="1000000")).status_code == 302
    assert session.scalar(select(ServicePackage.quota)) == 1_000_000


@pytest.mark.parametrize(
    ("url", "fields", "message"),
    [
        ("/orders/new", {"title": "某平台建设", "deadline": FAR}, "outside the years"),
        ("/orders/new", {"title": "某平台建设", "budget": "万元"}, "is not an amount of money"),
        ("/orders/new", {"title": "某平台建设", "budget": "9" * 5000}, "too long: at most 120"),
        ("/supply/listings/new", {"title": "产品", "max_contract": "9" * 400}, "too long"),
        (
            "/supply/demands/new",
            {"title": "需求", "category": "ip", "budget": "万万万"},
            "not an amount",
        ),
        ("/supply/profile", {"founded_on": FAR}, "outside the years"),
        ("/supply/profile", {"founded_on": "0001-01-01 00:00"}, "outside the years"),
    ],
)
def test_forms_refuse_the_importers_bad_values_with_a_message_not_a_500(
    client, firms, url, fields, message
):
    role = {"/orders": "large_firm", "/supply": "small_firm"}[url[: url.index("/", 1)]]
    _login(client, role)
    response = client.submit(url, fields)
    assert response.status_code == 422, response.status_code
    assert message in response.get_data(as_text=True)


# --- request bodies over the limit -------------------------------------------------------------


@pytest.fixture
def small_app(db):
    from webapp import create_app

    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "MAX_CONTENT_LENGTH": 4096})
    app.test_client_class = WebClient
    yield app
    app.extensions["qianfan_db"].dispose()


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "qianfan-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"x" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


class _Counting(io.BytesIO):
    """A request body that counts what the app read of it."""

    def read(self, size=-1):
        data = super().read(size)
        self.taken = getattr(self, "taken", 0) + len(data)
        return data


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_refused_with_the_ui_page_before_it_is_read(small_app, chunked):
    client = small_app.test_client()
    body, content_type = _multipart(2**20)
    stream = _Counting(body)
    environ = {"wsgi.input": stream, "CONTENT_TYPE": content_type}
    if chunked:  # no Content-Length: the server says the stream ends (as waitress does)
        environ |= {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    else:
        environ["CONTENT_LENGTH"] = str(len(body))
    with warnings.catch_warnings():
        # werkzeug leaves the part it was spooling when the limit stops it; the collector closes it.
        warnings.simplefilter("ignore", ResourceWarning)
        response = client.post("/staff/imports", environ_overrides=environ)
        gc.collect()
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<header class="topbar">' in page and "上传的文件太大。" in page  # the UI's error page
    assert "Traceback" not in page
    assert getattr(stream, "taken", 0) <= 4096 + 64 * 1024  # at most the limit and a read buffer


# --- an import whose rows are refused names them on the job page ----------------------------------


def _finished(client, job_url: str) -> dict:
    for _ in range(400):
        status = client.get(job_url + "/status").get_json()
        if status["state"] not in ("queued", "running"):
            return status
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def test_a_refused_import_job_names_row_field_and_reason_not_a_system_error(client, firms):
    _login(client, "staff")
    notice = {"id": "n-1", "operator": "中国电信", "title": "中国电信龙岩分公司机房空调维保服务项目招标公告",
              "region": "福建", "url": "https://example.com/n/1", "purchaseContent": "空调维保"}  # fmt: skip
    data = {
        "notices": [
            notice,
            {**notice, "id": "n-2", "url": 12345},
            {**notice, "id": "n-3", "deadline": FAR},
        ]
    }
    response = client.submit(
        "/staff/imports",
        {"kind": "notices", "file": (io.BytesIO(json.dumps(data).encode()), "notices.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.status_code
    assert _finished(client, response.location)["state"] == "finished"
    page = client.get(response.location).get_data(as_text=True)
    assert "Something went wrong" not in page and "系统出现错误" not in page
    assert "<td>2</td><td>url</td>" in page
    assert "&#39;12345&#39; is not a web address (http:// or https://)." in page
