"""Shared fixtures: a migrated database on SQLite and, where QIANFAN_TEST_DATABASE_URL is set, PostgreSQL.

Every test that takes `db` runs once per backend. SQLite tests copy a template file migrated once per
session; PostgreSQL tests share one migrated schema and empty the non-reference tables after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from ingest.reference import load_reference
from models import Base
from qianfan.db import Database
from qianfan.schema import upgrade

REFERENCE_TABLES = {"industry", "region", "procurement_category", "alembic_version"}


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's own database, config or secret."""
    for key in list(os.environ):
        if key.startswith("QIANFAN_") and key != "QIANFAN_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("QIANFAN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setattr("models.user.PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


def _migrate_and_load(db: Database) -> None:
    upgrade(db)
    with db.session_scope() as session:
        load_reference(session)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    _migrate_and_load(db)
    db.dispose()
    return str(path)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Database]:
    url = os.environ.get("QIANFAN_TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need QIANFAN_TEST_DATABASE_URL (CI sets it)")
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as err:  # noqa: BLE001 - any connection failure means: no server here
        pytest.skip(f"no PostgreSQL server answers at QIANFAN_TEST_DATABASE_URL: {err}")
    _migrate_and_load(db)
    yield db
    db.dispose()


def _empty_postgres(db: Database) -> None:
    # DELETE, children first, is much faster than TRUNCATE on the handful of rows a test leaves.
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path, sqlite_template) -> Iterator[Database]:
    """A migrated database with the reference tables loaded, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "qianfan.sqlite3"
        shutil.copyfile(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        yield database
        _empty_postgres(database)


@pytest.fixture
def session(db):
    """A session on `db`; tests commit or flush as the code under test would."""
    with db.sessionmaker() as session:
        yield session


@pytest.fixture
def factory(session):
    """Builds companies, users and postings in `session` (see tests/factories.py)."""
    from tests.factories import Factory

    return Factory(session)


@pytest.fixture
def app(db):
    """The web app on the test database, CSRF protection on as in production."""
    from webapp import create_app

    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "STAFF_HOME_COUNTERS_MAX_AGE": 0})
    yield app
    app.extensions["qianfan_db"].dispose()


@pytest.fixture
def client(app):
    from tests.webclient import WebClient

    app.test_client_class = WebClient
    return app.test_client()


@pytest.fixture
def runner():
    """Invokes the `qianfan` CLI in-process (it reads the database from QIANFAN_DATABASE_URL)."""
    from click.testing import CliRunner

    return CliRunner()
