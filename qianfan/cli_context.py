"""What every CLI command receives: the settings and, on first use, the database."""

from __future__ import annotations

import click

from qianfan import localtime
from qianfan.config import load_settings
from qianfan.db import Database


class AppContext:
    """What every command needs: the settings and, on first use, the database."""

    def __init__(self) -> None:
        self.settings = load_settings()
        localtime.configure(self.settings)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings["DATABASE_URL"])
        return self._db


pass_app = click.make_pass_decorator(AppContext, ensure=True)
