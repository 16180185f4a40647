"""`qianfan train` (fit a ranker model and write its file) and `qianfan eval-split` (a labelled set cut by date)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qianfan.cli_context import AppContext, pass_app


@click.command("train")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False),
    help="A labelled set (orders.jsonl, suppliers.jsonl, qrels.tsv) to fit the order side's model on.",
)
@click.option(
    "--from-outcomes",
    is_flag=True,
    help="Fit on the platform's own deals: signed contract 2, invitation/interest 1, shown and ignored 0.",
)
@click.option(
    "--side",
    type=click.Choice(["order", "service"]),
    default="order",
    show_default=True,
    help="Which side's model (--from-outcomes only; labelled sets are orders).",
)
@click.option(
    "--out",
    "output",
    type=click.Path(dir_okay=False),
    help="Where to write the model file [default: the instance folder's models/ranker-SIDE.json.gz].",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(0, 20),
    help="With --from: also record cross-validated figures in the file (0: none, faster).",
)
@pass_app
def train_command(app: AppContext, source: str | None, from_outcomes: bool, side: str, output: str | None,
                  folds: int) -> None:  # fmt: skip
    """Fit the learned ranker and write a versioned model file (model, features, metrics, date, data)."""
    from matcher.ranker.models import describe
    from qianfan.ranker import train

    if bool(source) == from_outcomes:
        raise click.UsageError("Give exactly one of --from DIR or --from-outcomes.")
    if source and side != "order":
        raise click.UsageError(
            "A labelled set trains the order side; use --from-outcomes for the service side."
        )
    path = Path(output) if output else train.default_output(side)
    if source:
        model, size = train.train_from_set(source, path, app.settings, folds=folds)
    else:
        model, size = train.train_from_outcomes(app.db, side, path, app.settings)
    info = describe(model.metadata)
    click.echo(f"wrote {path} ({size / 1024:.0f} KiB), {len(model.features)} features, "
               f"trained at {info['trained_at']} in {info['training_seconds']} s on {json.dumps(info['data'], ensure_ascii=False)}")  # fmt: skip
    for name, metrics in info.get("metrics", {}).items():
        click.echo(f"{name:>10}: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    setting = f"QIANFAN_MATCH_{side.upper()}_MODEL={path}"
    click.echo(
        f"rank with it: {setting} (then `qianfan match --full`, or wait for the scheduled catch-up)"
    )


@click.command("eval-split")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.argument("output", type=click.Path(file_okay=False))
@click.option(
    "--at", "at", help="First date (YYYYMMDD) of the late part [default: the median order date]."
)
@pass_app
def split_command(app: AppContext, directory: str, output: str, at: str | None) -> None:
    """Cut a labelled set by date into OUTPUT/early and OUTPUT/late (for `qianfan eval late --train early`)."""
    from qianfan.ranker.split import split_by_date

    counts = split_by_date(directory, output, at)
    for part, (orders, first, last) in counts.items():
        click.echo(f"{Path(output) / part}: {orders} orders, {first} … {last}")
