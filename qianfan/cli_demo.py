"""The `qianfan demo` command: load demo data at a scale, match it, advance some deals, print the accounts.

Loading is one unit of work: all of it is committed, or nothing. Then the full rematch
(qianfan.matching.rematch_all, in its own short transactions) ranks it, and some deals are advanced.

It refuses to load into a database that already holds demo data (there is no `--reset`: deleting rows
that other work may point to is not something a demo command should do); start from a fresh database.
`--skip-if-loaded` turns that refusal into a note and exit code 0, for `make demo` run a second time.
"""

from __future__ import annotations

import random
import time

import click

from qianfan.cli_context import AppContext, pass_app
from qianfan.demo import SCALES, advance_demo_deals, demo_loaded, load_demo
from qianfan.financing.demo import load_financing_demo
from qianfan.matching import rematch_all


@click.command("demo")
@click.option("--scale", type=click.Choice(list(SCALES)), default="small", show_default=True,
              help="small: a few hundred objects; programme: the seed's quarter; 10x: ten times that.")  # fmt: skip
@click.option(
    "--seed", type=int, default=1, show_default=True, help="The same seed composes the same data."
)
@click.option(
    "--skip-if-loaded", is_flag=True, help="Say so and succeed when demo data is already there."
)
@pass_app
def demo_command(app: AppContext, scale: str, seed: int, skip_if_loaded: bool) -> None:
    """Load demo data: real large-firm orders, composed small firms, packages and demands (marked 示例)."""
    started = time.perf_counter()
    with app.db.session_scope() as session:
        if skip_if_loaded and demo_loaded(session) is not None:
            click.echo(
                "demo data is already loaded; nothing done (the accounts printed then still work)"
            )
            return
        summary = load_demo(session, scale, seed)
    click.echo(f"demo data loaded (scale {scale}, seed {seed}) in {time.perf_counter() - started:.1f} s")
    for name, count in summary.counts.items():
        click.echo(f"  {name}: {count:,}")
    click.echo(f"  notices set aside (no content, or not a purchase): {summary.set_aside_notices:,}")
    matching_started = time.perf_counter()
    matched = rematch_all(app.db, settings=app.settings)
    click.echo(f"matched in {time.perf_counter() - matching_started:.1f} s:")
    for side, figures in matched.items():
        counts = {k: v for k, v in figures.items() if isinstance(v, int)}
        click.echo(f"  {side}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    with app.db.session_scope() as session:
        deals = advance_demo_deals(session, random.Random(f"{seed}:deals"))
        financing = load_financing_demo(session, random.Random(f"{seed}:financing"))  # the financing zone
    click.echo("deals advanced: " + (", ".join(f"{k} {v:,}" for k, v in deals.items()) or "none"))
    click.echo("financing: " + ", ".join(f"{k} {v:,}" for k, v in financing.counts.items()))
    summary.accounts += financing.accounts
    click.echo("\ndemo accounts (passwords are shown only now; keep them or create new accounts):")
    for account in summary.accounts:
        company = f"  {account.company}" if account.company else ""
        click.echo(
            f"  {account.username:<16} {account.password:<14} {account.role:<22}{company}".rstrip()
        )
    click.echo(
        "Small firms, listings, packages, demands and mentors are composed (示例数据); orders are real notices."
    )
