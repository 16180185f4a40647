"""The `qianfan` command: set up the database, create users, load demo data, import, match, serve.

Each command opens one unit of work and commits it once. Nothing a person runs ends in a stack trace:
errors meant for a person are printed as they are, a database without this version's schema says to
run `qianfan init-db`, and anything unexpected is summed up in one line with the full trace written to
a file in the instance folder (QIANFAN_TRACEBACK=1 shows it instead). Exit code 1 in every such case.

Commands are imported when they run, not to list them: `qianfan --help` loads neither the database
layer nor the matcher (scikit-learn). A command living in another module is named in LAZY_COMMANDS.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from datetime import datetime

import click

from qianfan.cli_context import AppContext, pass_app

# name → (module, attribute, the one-line help `qianfan --help` shows without importing the module)
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("qianfan.cli_demo", "demo_command", "Load demo data: real large-firm orders, composed small firms, packages and demands."),
    "ingest": ("qianfan.cli_ingest", "ingest_command", "Import companies, orders, listings, packages, demands or notices."),
    "template": ("qianfan.cli_ingest", "template_command", "Write the XLSX template of one kind of import file."),
    "match": ("qianfan.cli_match", "match_command", "Rematch what changed since it was last ranked; --full: everything."),
    "eval": ("qianfan.cli_match", "eval_command", "Measure matching on a labelled set."),
    "eval-split": ("qianfan.ranker.cli", "split_command", "Cut a labelled set by date into an early and a late part."),
    "train": ("qianfan.ranker.cli", "train_command", "Fit the learned ranker and write its model file."),
    "worker": ("qianfan.cli_worker", "worker_command", "Run queued jobs until stopped."),
    "stats": ("qianfan.stats.cli", "stats_command", "The programme's counters, as the staff dashboard shows them."),
    "export": ("qianfan.opendata.cli", "export_group", "Export open data: OCDS 1.1.5 release packages."),
}  # fmt: skip


class QianfanGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and name not in self.commands:
            module, attribute, _help = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(formatter.width)))
            else:
                rows.append((name, LAZY_COMMANDS[name][2]))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from qianfan.config import instance_dir

        formatter.write_paragraph()
        formatter.write_text(
            f"Instance folder (SQLite database, job queue, secret key): {instance_dir()}; "
            "QIANFAN_INSTANCE_DIR moves it, QIANFAN_DATABASE_URL names another database. "
            "Start with `qianfan init-db`."
        )

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as err:  # noqa: BLE001 - the one place a command's failure reaches a person
            _explain(err)
            sys.exit(1)


def _explain(err: Exception) -> None:
    """One line for a person instead of a stack trace."""
    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from models.errors import DomainError

    if isinstance(err, DomainError):
        click.secho(f"error: {err}", fg="red", err=True)
        return
    if os.environ.get("QIANFAN_TRACEBACK"):
        traceback.print_exception(err)
    if isinstance(err, OperationalError | ProgrammingError) and "no such table" in str(err.orig) or (
        isinstance(err, ProgrammingError) and "does not exist" in str(err.orig)
    ):
        click.secho(
            "error: the database lacks a table this version needs: run `qianfan init-db` first "
            f"({str(err.orig).splitlines()[0]})",
            fg="red",
            err=True,
        )
        return
    if isinstance(err, DBAPIError):
        click.secho(f"error: the database refused: {str(err.orig).splitlines()[0]}", fg="red", err=True)
        return
    if isinstance(err, OSError) and err.strerror:  # a file or folder that cannot be read or written
        where = f": {err.filename}" if err.filename else ""
        click.secho(f"error: {err.strerror}{where}", fg="red", err=True)
        return
    where = _write_trace(err)
    click.secho(
        f"error: an unexpected {type(err).__name__}: {err}"
        + (f" (the full trace is in {where})" if where else ""),
        fg="red",
        err=True,
    )


def _write_trace(err: Exception) -> str | None:
    from qianfan.config import instance_dir

    try:
        folder = instance_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"cli-error-{datetime.now():%Y%m%d-%H%M%S}.log"
        path.write_text("".join(traceback.format_exception(err)), encoding="utf-8")
        return str(path)
    except OSError:
        return None


@click.group(cls=QianfanGroup)
def main() -> None:
    """Qianfan (千帆) order-and-service matchmaking."""


@main.command("init-db")
@pass_app
def init_db(app: AppContext) -> None:
    """Create or upgrade the schema and load the reference tables."""
    from ingest.reference import load_reference
    from qianfan.config import instance_dir
    from qianfan.schema import upgrade

    upgrade(app.raw_db)
    with app.raw_db.session_scope() as session:
        loaded = load_reference(session)
    click.echo(f"database ready at {app.raw_db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"instance folder: {instance_dir()}")
    for table, count in loaded.items():
        click.echo(f"  {table}: {count} rows loaded" if count else f"  {table}: already loaded")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True,
              type=click.Choice(["large_firm", "small_firm", "service_org", "financial_institution", "staff", "admin"]))
@click.option("--company-id", type=int, help="The company a firm-side account belongs to.")
@click.option("--display-name")
@click.option("--email", help="Where password resets, invitations and notifications go.")
@click.option("--company-admin", is_flag=True, help="The company's admin user: invites colleagues.")
@click.password_option(help="Asked for when not given.")
@pass_app
def create_user_command(app: AppContext, username, role, company_id, display_name, email, company_admin, password) -> None:
    """Create a login account."""
    from models import Company
    from models.errors import NotFound
    from qianfan.accounts import create_user

    with app.db.session_scope() as session:
        company = None
        if company_id is not None:
            company = session.get(Company, company_id)
            if company is None:
                raise NotFound("No company with id %(id)s.", id=company_id)
        user = create_user(
            session, username=username, password=password, role=role, company=company, display_name=display_name,
            email=email, company_admin=company_admin,
        )
        click.echo(f"created {user.username} ({user.role})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=None,
              help="Run queued jobs in this process too; default: when the queue is the embedded SQLite one.")  # fmt: skip
@pass_app
def serve(app_context: AppContext, host: str, port: int, worker: bool | None) -> None:
    """Serve the web app with waitress, and run its jobs too on the embedded queue (one process)."""
    # The CLI is the composition root: it may start the web layer, which itself depends on qianfan.
    import waitress

    from qianfan.tasks.queue import is_embedded
    from webapp import create_app
    from webapp.serving import bound_chunked_bodies, waitress_options

    app_context.db.dispose()  # refuses a database without this version's schema before anything is served
    app = create_app()
    consumer = None
    if worker or (worker is None and is_embedded(app.config)):
        from qianfan.tasks.worker import start_embedded

        consumer = start_embedded(
            app.config, app.extensions["qianfan_db"], periodic=bool(app.config.get("SCHEDULER_ENABLED"))
        )  # fmt: skip
    click.echo(f"Qianfan is served on http://{host}:{port}/" + (" (jobs run here too)" if consumer else ""))
    try:
        bound_chunked_bodies()  # no client may hold the I/O thread or every connection (issue 9)
        waitress.serve(app, host=host, port=port, **waitress_options(app))
    finally:
        if consumer is not None:
            consumer.stop(graceful=False)
