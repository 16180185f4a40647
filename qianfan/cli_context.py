"""What every CLI command receives: the settings and, on first use, the database (its schema checked).

Kept light: `qianfan --help` imports this module, so the database layer is imported only when a
command first uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from qianfan import localtime
from qianfan.config import load_settings

if TYPE_CHECKING:
    from qianfan.db import Database


class AppContext:
    """What every command needs: the settings and, on first use, the database."""

    def __init__(self) -> None:
        self.settings = load_settings()
        localtime.configure(self.settings)
        self._db: Database | None = None
        self._checked = False
        ctx = click.get_current_context(silent=True)
        if ctx is not None:  # the command's context ends: its pooled connections are closed
            ctx.call_on_close(self.close)

    @property
    def raw_db(self) -> Database:
        """The database as it is, schema or not (`init-db` creates the schema)."""
        if self._db is None:
            from qianfan.db import Database

            self._db = Database(self.settings["DATABASE_URL"])
        return self._db

    @property
    def db(self) -> Database:
        """The database, once it is known to have this version's schema; else a DomainError saying
        to run `qianfan init-db` (the group prints it without a trace)."""
        if not self._checked:
            from qianfan.schema import require_database_file, require_schema

            require_database_file(self.settings["DATABASE_URL"])
            require_schema(self.raw_db)
            self._checked = True
        return self.raw_db


    def close(self) -> None:
        """Close the database's pooled connections (the command is over)."""
        if self._db is not None:
            self._db.dispose()
            self._db = None
            self._checked = False


pass_app = click.make_pass_decorator(AppContext, ensure=True)
