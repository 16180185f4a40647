"""`qianfan worker`: consume the job queue (imports, rematches, the schedule) in this process.

Start as many as the work needs, on any machine that reaches the database and the queue (QUEUE_URL);
give periodic tasks (`--periodic`) to one of them only: that one is the schedule.
"""

from __future__ import annotations

import logging
import os

import click

from qianfan.cli_context import AppContext, pass_app


@click.command("worker")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Jobs run at the same time in this process.")  # fmt: skip
@click.option("--periodic/--no-periodic", default=None,
              help="Run the periodic jobs (the scheduled rematch); default: the SCHEDULER_ENABLED setting.")  # fmt: skip
@click.option("--nice", "niceness", default=None, type=click.IntRange(0, 19),
              help="Lower this process's CPU priority by N so that pages are served first; default: the WORKER_NICE setting (10).")  # fmt: skip
@pass_app
def worker_command(app: AppContext, threads: int, periodic: bool | None, niceness: int | None) -> None:
    """Run queued jobs until stopped (Ctrl-C or SIGTERM: after the running job; twice: at once)."""
    from qianfan.tasks.queue import queue_url
    from qianfan.tasks.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if queue_url(app.settings) == "immediate":
        raise click.UsageError("QUEUE_URL is 'immediate': jobs run where they are started, there is nothing to consume")
    if periodic is None:
        periodic = bool(app.settings.get("SCHEDULER_ENABLED"))
    niceness = int(app.settings.get("WORKER_NICE", 0)) if niceness is None else niceness
    if niceness:
        os.nice(niceness)  # the processes a rematch forks inherit it
    url = queue_url(app.settings).split("@")[-1]
    click.echo(f"worker on queue {url}, database {app.db.engine.url.render_as_string(hide_password=True)}, "
               f"nice {os.nice(0)}", err=True)  # fmt: skip
    run_worker(app.settings, app.db, workers=threads, periodic=periodic)
