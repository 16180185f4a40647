"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from sqlalchemy import inspect

from ingest.reference import load_reference
from models import Base
from qianfan.schema import check, downgrade, upgrade


def test_migrations_match_the_models(db):
    check(db)  # raises when a model change has no migration


def test_downgrade_to_base_and_upgrade_again(db):
    downgrade(db, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(db)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    with db.session_scope() as session:  # later tests on the shared PostgreSQL schema need these
        assert load_reference(session)["industry"] > 1000


def test_a_database_with_firms_orders_and_deals_migrates_down_and_up_keeping_every_row(db, factory, session):
    """Migrations that rebuild a table (SQLite batch mode) must not trip on the rows whose keys point at it."""
    from models import Company, Match, Order

    buyer, supplier = factory.company("large_firm"), factory.company("small_firm")
    order = factory.order(buyer, status="published")
    listing = factory.listing(supplier, status="published")
    session.add(Match(kind="order", order_id=order.id, listing_id=listing.id, score=0.5, status="interested"))
    session.commit()
    session.close()

    def counts() -> tuple[int, int, int]:
        with db.session_scope() as reader:
            return tuple(reader.query(model).count() for model in (Company, Order, Match))

    before = counts()
    downgrade(db, "0004_jobs")  # before the migrations that add columns to purchase_order, company and app_user
    upgrade(db)
    assert counts() == before
