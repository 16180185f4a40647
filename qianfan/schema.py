"""Database schema through Alembic: upgrade to head, autogenerate a revision, check for drift."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from qianfan.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to `revision` (the newest by default)."""
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def downgrade(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def make_revision(db: Database, message: str) -> None:
    """Autogenerate a migration from the difference between the models and `db` (for developers)."""
    with db.engine.begin() as connection:
        command.revision(_alembic_config(connection), message=message, autogenerate=True)


def check(db: Database) -> None:
    """Raise if the models and the migrated database differ (a migration is missing)."""
    with db.engine.begin() as connection:
        command.check(_alembic_config(connection))


def regenerate_initial(scratch_url: str = "sqlite://") -> None:
    """Rewrite the single initial migration from the models (only while no release has shipped)."""
    for old in (MIGRATIONS / "versions").glob("*.py"):
        old.unlink()
    make_revision(Database(scratch_url), "initial schema")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--regenerate-initial"]:
        regenerate_initial()
    else:
        sys.exit("usage: python -m qianfan.schema --regenerate-initial")
