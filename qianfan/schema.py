"""Database schema through Alembic: upgrade to head, autogenerate a revision, check for drift."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from qianfan.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to `revision` (the newest by default)."""
    with _migrating(db) as connection:
        command.upgrade(_alembic_config(connection), revision)


@contextmanager
def _migrating(db: Database) -> Iterator[Connection]:
    """A connection for migrations. On SQLite foreign keys are off while they run, as SQLite's own procedure
    for altering a table says: a batch migration copies a table into a new one and drops the old, which the
    keys of the rows pointing at it would refuse on a database with data. They are checked whole before the
    commit, and on again after."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or it is ignored
            connection.commit()
        try:
            with connection.begin():
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").first()):
                    raise RuntimeError(f"the migration left a row of {broken[0]} pointing at no row of {broken[2]}")
        finally:
            if sqlite:
                connection.rollback()  # whatever a failed migration left open
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def _shown(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def require_database_file(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist, before connecting would create it empty."""
    from models.errors import DomainError

    path = url.split("///", 1)[-1] if url.startswith("sqlite") else ""
    if path not in ("", ":memory:") and not Path(path).is_file():
        raise DomainError("There is no database at %(url)s yet: run `qianfan init-db` first.", url=_shown(url))


def require_schema(db: Database) -> None:
    """Refuse, saying what to do, a database without a schema or with another one than this version's."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models.errors import DomainError

    shown = _shown(db.url)
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        raise DomainError(
            "The database at %(url)s has no schema yet: run `qianfan init-db` first.", url=shown
        )
    script = ScriptDirectory(str(MIGRATIONS))
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        raise DomainError(
            "The database at %(url)s has a newer schema (%(current)s) than this version of Qianfan knows; "
            "update Qianfan.", url=shown, current=", ".join(sorted(current)),
        )  # fmt: skip
    if current != set(script.get_heads()):
        raise DomainError(
            "The database at %(url)s has an older schema (%(current)s): run `qianfan init-db` to upgrade it.",
            url=shown, current=", ".join(sorted(current)),
        )  # fmt: skip


def downgrade(db: Database, revision: str) -> None:
    with _migrating(db) as connection:
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
