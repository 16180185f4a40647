"""`qianfan match` and `qianfan eval`: the matching engine from the command line.

`match` runs the full rematch that the scheduler also runs (qianfan.jobs); `eval` measures the
matcher's quality on a labelled set (qianfan.evaluation) and prints one JSON line.
"""

from __future__ import annotations

import json

import click

from qianfan.cli_context import AppContext, pass_app


@click.command("match")
@click.option(
    "--full", is_flag=True, help="Rank every published posting again and replace the whole set."
)
@pass_app
def match_command(app: AppContext, full: bool) -> None:
    """Rematch postings new or edited since they were last matched; --full: everything, in one transaction."""
    from qianfan import matching
    from qianfan.jobs import rematch_job

    if not full:
        with app.db.session_scope() as session:
            done = matching.rematch_changed(session, settings=app.settings)
        click.echo(
            "rematched: "
            + (", ".join(f"{n} {kind}" for kind, n in done.items()) or "nothing had changed")
        )
        return
    summary = rematch_job(app.db, app.settings)
    for kind, counts in summary.items():
        click.echo(
            f"{kind}: {counts['queries']} queries × {counts['candidates']} candidates → "
            f"{counts['matches']} matches, {counts['near_misses']} near misses "
            f"({counts['inserted']} new, {counts['updated']} updated, {counts['deleted']} removed)"
        )


@click.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--train", "train", type=click.Path(exists=True, file_okay=False),
              help="Fit the weights on this labelled set instead of cross-validation folds of DIRECTORY.")  # fmt: skip
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@pass_app
def eval_command(app: AppContext, directory: str, train: str | None, folds: int) -> None:
    """Measure matching on a labelled set (orders.jsonl, suppliers.jsonl, qrels.tsv); print one JSON line."""
    from qianfan.evaluation import evaluate

    result = evaluate(directory, train=train, settings=app.settings, folds=folds)
    click.echo(json.dumps(result, ensure_ascii=False))
