"""`qianfan match` and `qianfan eval`: the matching engine from the command line.

`match` ranks again what changed, as the scheduled job does (qianfan.jobs); `--full` ranks everything; `eval` measures the
matcher's quality on a labelled set (qianfan.evaluation) and prints a table (`--json`: one JSON line).
"""

from __future__ import annotations

import json

import click

from qianfan.cli_context import AppContext, pass_app


@click.command("match")
@click.option(
    "--full", is_flag=True, help="Rank every published posting again (after changing weights, rules or words)."
)
@pass_app
def match_command(app: AppContext, full: bool) -> None:
    """Rematch what changed since it was last ranked; --full: rank everything again."""
    import time

    from qianfan import matching

    started = time.perf_counter()
    if not full:
        done = matching.rematch_changed(app.db, settings=app.settings)
        changed = done.pop("changed", {})
        # A side never ranked, or ranked with other settings, words or model, was ranked whole.
        said = [f"the {side} side whole (never ranked, or its settings or model changed)"
                for side, result in sorted(done.items()) if isinstance(result, dict) and "full" in result]  # fmt: skip
        said += [f"{n} {kind}" for kind, n in sorted(changed.items())]
        click.echo(f"rematched: {', '.join(said) or 'nothing had changed'} ({time.perf_counter() - started:.1f} s)")
        return
    summary = matching.rematch_all(app.db, settings=app.settings)
    for side in matching.SIDES:
        c = summary[side.kind]
        q, k = side.query_name, side.candidate_name
        click.echo(
            f"{side.kind}: {c['queries']:,} {q}s × {c['candidates']:,} {k}s → {c['matches']:,} matches, "
            f"{c['near_misses']:,} near misses; {c[q + 's_with_match']:,} {q}s and "
            f"{c[k + 's_with_match']:,} {k}s have at least one match"
        )
    click.echo(f"ranked in {time.perf_counter() - started:.1f} s")


@click.command("eval")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--train", "train", type=click.Path(exists=True, file_okay=False),
              help="Fit on this labelled set and score all of DIRECTORY, instead of folds and forward in time.")  # fmt: skip
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--blocks", default=5, show_default=True, type=click.IntRange(1, 20),
              help="Forward in time: orders scored in this many blocks by date, each by a model fitted on earlier ones.")
@click.option("--no-before", is_flag=True, help="Leave out the weighted sum of factors (the ranking before the learned ranker).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line instead of the table.")
@pass_app
def eval_command(app: AppContext, directory: str, train: str | None, folds: int, blocks: int, no_before: bool,
                 as_json: bool) -> None:  # fmt: skip
    """Measure matching on a labelled set (orders.jsonl, suppliers.jsonl, qrels.tsv): the learned ranker,
    the weighted sum before it and BM25, 5-fold and forward in time (or --train)."""
    from qianfan.evaluation import evaluate, table

    result = evaluate(directory, train=train, settings=app.settings, folds=folds, blocks=blocks, before=not no_before)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else table(result))
