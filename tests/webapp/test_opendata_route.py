"""GET /api/v1/ocds/releases: public OCDS releases a page at a time, cacheable, with clear errors."""

from __future__ import annotations

import pytest

from qianfan.opendata.validate import package_errors
from tests.qianfan import opendata_world as w
from webapp.api import opendata


@pytest.fixture
def world(session, factory):
    return w.build_world(session, factory)


def test_anyone_reads_the_releases_page_by_page_following_links_next(app, world, monkeypatch):
    monkeypatch.setattr(opendata, "PER_PAGE", 3)
    client = app.test_client()
    url, ids = "/api/v1/ocds/releases", []
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/json"
        package = response.get_json()
        assert package_errors(package) == []
        ids += [r["id"] for r in package["releases"]]
        url = package.get("links", {}).get("next")
    assert len(ids) == 7 == len(set(ids))
    text = client.get("/api/v1/ocds/releases").get_data(as_text=True)
    assert w.DRAFT_TITLE not in text and w.BUYER_EMAIL not in text and "智能巡检平台建设" in text


def test_since_filters_and_is_kept_in_the_next_link(app, world, monkeypatch):
    monkeypatch.setattr(opendata, "PER_PAGE", 2)
    client = app.test_client()
    first = client.get("/api/v1/ocds/releases?since=2026-02-01").get_json()
    assert all(not r["ocid"].endswith(f"-{world.old.id}") for r in first["releases"])
    assert "since=2026-02-01" in first["links"]["next"] and "page=2" in first["links"]["next"]
    assert first["uri"].endswith("/api/v1/ocds/releases?page=1&since=2026-02-01")


def test_public_data_is_cacheable_and_sets_no_cookie_even_for_a_logged_in_user(app, world, factory, session):
    from tests.webclient import WebClient

    factory.user("small_firm", username="reader")
    session.commit()
    app.test_client_class = WebClient
    client = app.test_client()
    assert client.login("reader").status_code == 200
    response = client.get("/api/v1/ocds/releases")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers and "no-store" not in response.headers["Cache-Control"]
    assert client.get("/").headers["Cache-Control"] == "no-store"  # the pages stay private
    again = client.get("/api/v1/ocds/releases", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()


@pytest.mark.parametrize(("query", "field"), [("since=2026-13-01", "since"), ("page=0", "page"),
                                              ("page=abc", "page")])  # fmt: skip
def test_bad_parameters_get_one_clear_json_error(app, world, query, field):
    response = app.test_client().get(f"/api/v1/ocds/releases?{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][0]["field"] == field
