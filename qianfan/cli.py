"""The `qianfan` command: set up the database, create users, load demo data, import, match, serve.

Each command opens one unit of work and commits it once; errors meant for a person are printed
without a stack trace and end the command with exit code 1.
"""

from __future__ import annotations

import sys

import click

from models.errors import DomainError
from qianfan.cli_context import AppContext, pass_app
from qianfan.cli_demo import demo_command
from qianfan.cli_ingest import ingest_command, template_command
from qianfan.cli_match import eval_command, match_command
from qianfan.cli_worker import worker_command


class QianfanGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DomainError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=QianfanGroup)
def main() -> None:
    """Qianfan (千帆) order-and-service matchmaking."""


@main.command("init-db")
@pass_app
def init_db(app: AppContext) -> None:
    """Create or upgrade the schema and load the reference tables."""
    from ingest.reference import load_reference
    from qianfan.schema import upgrade

    upgrade(app.db)
    with app.db.session_scope() as session:
        loaded = load_reference(session)
    click.echo(f"database ready at {app.db.engine.url.render_as_string(hide_password=True)}")
    for table, count in loaded.items():
        click.echo(f"  {table}: {count} rows loaded" if count else f"  {table}: already loaded")


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["large_firm", "small_firm", "service_org", "staff", "admin"]))
@click.option("--company-id", type=int, help="The company a firm-side account belongs to.")
@click.option("--display-name")
@click.password_option(help="Asked for when not given.")
@pass_app
def create_user_command(app: AppContext, username, role, company_id, display_name, password) -> None:
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
            session, username=username, password=password, role=role, company=company, display_name=display_name
        )
        click.echo(f"created {user.username} ({user.role})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=None,
              help="Run queued jobs in this process too; default: when the queue is the embedded SQLite one.")  # fmt: skip
def serve(host: str, port: int, worker: bool | None) -> None:
    """Serve the web app with waitress, and run its jobs too on the embedded queue (one process)."""
    # The CLI is the composition root: it may start the web layer, which itself depends on qianfan.
    import waitress

    from qianfan.tasks.queue import is_embedded
    from webapp import create_app
    from webapp.serving import bound_chunked_bodies, waitress_options

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


# Commands of the other areas live beside their services and are registered here, in one list.
for _command in (ingest_command, template_command, demo_command, match_command, eval_command, worker_command):
    main.add_command(_command)
