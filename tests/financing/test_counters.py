"""The financing zone's counters: applied, confirmed, paid, the median hours to money and the share
within 48 hours, the same on the staff dashboard and in `qianfan stats`."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from qianfan.cli import main
from qianfan.financing import applications as apps
from qianfan.financing import lending
from qianfan.stats import financing_counters
from tests.webclient import WebClient


def _paid_after(session, fin, contract_amount, hours):
    """A new signed contract, financed and paid `hours` after the application."""
    from models import Contract

    contract = Contract(buyer_id=fin.buyer.company_id, supplier_id=fin.supplier.company_id, title=f"合同{hours}",
                        amount_yuan=Decimal(contract_amount), status="signed", signed_on=fin.contract.signed_on,
                        buyer_confirmed_at=fin.contract.buyer_confirmed_at,
                        supplier_confirmed_at=fin.contract.buyer_confirmed_at)  # fmt: skip
    session.add(contract)
    session.flush()
    application = apps.apply(session, fin.supplier, contract.id, "100万元", [fin.bank1.company_id])
    application.applied_at -= timedelta(hours=hours)
    apps.confirm(session, fin.buyer, application.id)
    offer = lending.make_offer(session, fin.bank1, application.id, "90万元", "4", "90")
    apps.accept_offer(session, fin.supplier, offer.id)
    lending.record_paid(session, fin.bank1, application.id)
    return application


def test_counts_values_median_and_share_within_48_hours(session, fin):
    assert financing_counters(session).median_hours_to_money is None
    apps.apply(session, fin.supplier, fin.contract.id, "300万元", [fin.bank1.company_id])  # applied only
    for hours in (10, 30, 70):
        _paid_after(session, fin, 2_000_000, hours)
    counters = financing_counters(session)
    assert (counters.financing_applied, counters.financing_confirmed, counters.financing_paid) == (4, 3, 3)
    assert counters.financing_applied_yuan == Decimal("6000000")
    assert counters.financing_paid_yuan == Decimal("2700000")
    assert round(counters.median_hours_to_money) == 30
    assert counters.paid_within_target == 2 and abs(counters.share_within_target - 2 / 3) < 1e-9


def test_the_dashboard_and_qianfan_stats_show_the_same_figures(app, db, session, fin, factory, runner, monkeypatch):
    _paid_after(session, fin, 2_000_000, 20)
    factory.user("staff", username="clerk")
    session.commit()
    monkeypatch.setenv("QIANFAN_DATABASE_URL", db.url)
    figures = json.loads(runner.invoke(main, ["stats", "--json"]).output)
    assert (figures["financing_applied"], figures["financing_paid"], figures["financing_paid_yuan"]) == (1, 1, "900000.00")
    assert figures["share_within_target"] == 1.0 and round(figures["median_hours_to_money"]) == 20
    table = runner.invoke(main, ["stats"]).output
    assert "已放款融资" in table and "48 小时内放款占 100%" in table
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    app.test_client_class = WebClient
    client = app.test_client()
    client.login("clerk")
    page = client.get("/staff/dashboard").get_data(as_text=True)
    section = page[page.index('id="financing"'):]
    assert "金融服务专区" in page and "已放款融资" in section and "90.00万元" in section
    assert "48 小时内放款占 100%" in section
