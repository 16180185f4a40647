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
