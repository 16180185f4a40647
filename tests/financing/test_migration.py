"""Migration 0012_financing down and up on a database where lenders acted (SQLite batch mode and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from qianfan.financing import applications as apps
from qianfan.financing import lending
from qianfan.schema import downgrade, upgrade


def test_down_and_up_with_lenders_who_acted_keeps_their_accounts_and_records(db, session, fin):
    application = apps.apply(session, fin.supplier, fin.contract.id, "100万元", [fin.bank1.company_id])
    apps.confirm(session, fin.buyer, application.id)
    lending.ask(session, fin.bank1, application.id, "请提供发票")  # an audit record and the firm's inbox
    session.commit()
    session.close()

    def count(sql: str) -> int:
        with db.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    audit = count("SELECT count(*) FROM audit_event")
    downgrade(db, "0008_search_attachments")
    assert count("SELECT count(*) FROM app_user WHERE username = 'bank1' AND role = 'service_org'") == 1
    assert count("SELECT count(*) FROM audit_event") == audit
    upgrade(db)
    assert count("SELECT count(*) FROM financing_application") == 0
