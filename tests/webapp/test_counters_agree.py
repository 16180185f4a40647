"""On one database (the small demo, matched, its deals advanced) the staff dashboard, the staff lists, their
exports and `qianfan stats` show the same figures for every counter."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import date

from qianfan.cli import main
from qianfan.config import load_settings
from qianfan.demo import advance_demo_deals, load_demo
from qianfan.matching import rematch_all
from qianfan.stats import COUNTERS

TODAY = date(2026, 11, 20)


def _shown_figure(page: str, key: str) -> int:
    card = page[page.index(f'id="counter-{key}"') :]
    value = re.search(r'class="counter-value">(?:<a [^>]*>)?([\d,]+)', card)
    return int(value.group(1).replace(",", ""))


def _list_total(client, name: str, filters: tuple) -> int:
    page = client.get(f"/staff/lists/{name}", query_string=dict(filters)).get_data(as_text=True)
    return int(re.search(r"Export these ([\d,]+) rows", page).group(1).replace(",", ""))


def _export_rows(client, name: str, filters: tuple) -> int:
    body = client.get(f"/staff/lists/{name}/export.csv", query_string=dict(filters)).data.decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(body)))) - 1


def test_dashboard_lists_exports_and_the_cli_agree(db, factory, session, client, runner, monkeypatch):
    load_demo(session, "small", seed=1, today=TODAY)
    session.commit()
    rematch_all(db, settings=load_settings({"MATCH_PROCESSES": 1}))
    advance_demo_deals(session, random.Random("1:deals"), today=TODAY)
    factory.user("staff", username="counting-staff")
    session.commit()

    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    result = runner.invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.output)

    client.login("counting-staff")
    client.submit("/language/en", {"next": "/"})
    dashboard = client.get("/staff/dashboard").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    for spec in COUNTERS:
        shown = _shown_figure(dashboard, spec.key)
        assert shown == cli[spec.key] == _shown_figure(home, spec.key), spec.key
        if spec.list_name:
            assert _list_total(client, spec.list_name, spec.list_filters) == shown, spec.key
            assert _export_rows(client, spec.list_name, spec.list_filters) == shown, spec.key
        if spec.open_key:
            assert f'data-open="{cli[spec.open_key]}"' in dashboard[dashboard.index(f'id="counter-{spec.key}"') :]
            if spec.list_name:
                assert _list_total(client, spec.list_name, spec.open_filters) == cli[spec.open_key], spec.key
    # The demo has expired orders: posted and open differ, and each agrees with its own list.
    assert cli["orders"] > cli["orders_open"] > 0
    funnel = dashboard[dashboard.index('id="funnel"') : dashboard.index('id="weeks"')]
    steps = re.findall(r'<td class="num">([\d,]+)</td>', funnel)
    assert int(steps[0]) == cli["orders"] and int(steps[1]) == cli["orders_matched"]
    # The funnel's intention step counts the same deals as the counter.
    intention_row = funnel[funnel.index("Intention signed") if "Intention signed" in funnel else 0 :]
    assert cli["intentions_signed"] == int(re.search(r'<td class="num">([\d,]+)</td>\s*<td class="num">([\d,]+)', intention_row).group(2))
    # Companies: the providers' counter is the companies list by kind.
    providers = sum(_list_total(client, "companies", (("kind", k),)) for k in ("incubator", "service_org"))
    assert providers == cli["service_orgs"]
