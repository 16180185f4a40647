"""`qianfan stats`: the staff dashboard's counters in the terminal, as a table or as JSON.

The figures are those of `qianfan.stats.COUNTERS`, computed as the dashboard computes them; titles are
shown in Chinese (the zh_CN catalogue) with the English beside them, or in English alone (`--lang en`).
"""

from __future__ import annotations

import json
from decimal import Decimal

import click

from qianfan.cli_context import AppContext, pass_app


def _catalogue(lang: str):
    """gettext for `lang` from the web app's catalogue (read as text: no compiled file needed)."""
    if lang == "en":
        return lambda message: message
    from qianfan.translations import load_catalog

    catalog = load_catalog()

    def translate(message: str) -> str:
        entry = catalog.get(message)
        return entry.string if entry is not None and entry.string else message

    return translate


def _time_to_money_row(financing, _, lang: str) -> tuple[str, str, str]:
    """The financing zone's clock: median hours from application to money, and the share within 48 hours."""
    title = _("Median hours to money")
    title = title if lang == "en" else f"{title} Median hours to money"
    if financing.median_hours_to_money is None:
        return title, "—", _("nothing paid yet")
    share = _("%(share)s paid within %(hours)s hours") % {
        "share": f"{financing.share_within_target:.0%}", "hours": financing.target_hours
    }
    return title, f"{financing.median_hours_to_money:,.1f}", share


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _width(text: str) -> int:
    """Columns a text takes in a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: every counter by its key.")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True,
              help="Language of the titles in the table.")  # fmt: skip
@pass_app
def stats_command(app: AppContext, as_json: bool, lang: str) -> None:
    """The programme's counters, as the staff dashboard shows them."""
    from qianfan.stats import COUNTERS, FINANCING_COUNTERS, financing_counters, programme_counters

    with app.db.session_scope() as session:
        counters = programme_counters(session)
        financing = financing_counters(session)
    if as_json:
        figures = {**counters.as_dict(), **financing.as_dict()}
        data = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in figures.items()}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    _ = _catalogue(lang)
    rows = []
    for spec in (*COUNTERS, *FINANCING_COUNTERS):
        source = financing if spec in FINANCING_COUNTERS else counters
        title = _(spec.title) if lang == "en" else f"{_(spec.title)} {spec.title}"
        figure = f"{getattr(source, spec.key):,}"
        notes = []
        if spec.open_key:
            notes.append(_("open now: %(n)s") % {"n": f"{getattr(counters, spec.open_key):,}"})
        if spec.value_key:
            notes.append(_("%(amount)s yuan") % {"amount": _yuan(getattr(source, spec.value_key))})
        rows.append((title, figure, " · ".join(notes)))
    rows.append(_time_to_money_row(financing, _, lang))
    left = max(_width(r[0]) for r in rows)
    right = max(len(r[1]) for r in rows)
    for title, figure, note in rows:
        click.echo(f"{_pad(title, left)}  {figure:>{right}}  {note}".rstrip())
