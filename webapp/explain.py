"""Why a match was made, ready for a page: shared terms with weights, rules passed, what a near miss lacks,
and the parts of the score, each in the reader's language.

A list entry (qianfan.recommendations.Recommendation) is explained when its page is built; a deal
(models.Match) keeps the explanation it had when someone acted on it. Both carry `reasons` and
`score_parts`; rules carry their own Chinese and English labels, so nothing here translates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from qianfan.reading import names
from qianfan.reading import strength as strengths
from webapp.database import get_session
from webapp.i18n import current_locale

# The parts of a score as the match service names them; a part not listed here shows its own name. With
# the learned ranker a part is a contribution that can be negative ("region -0.20": the region counted
# against the firm), so the labels name what was weighed, not a verdict.
PART_LABELS = {
    "text": _l("text similarity"),
    "title": _l("title similarity"),
    "work_type": _l("kind of work"),
    "industry": _l("industry"),
    "region": _l("region"),
    "budget": _l("budget and contract size"),
    "buyer_history": _l("history with this buyer"),
    "experience": _l("past contracts"),
    "qualification": _l("qualifications"),
    "grade_fit": _l("qualification grade"),
}


@dataclass
class Explanation:
    # Weights and part values come formatted ("0.31"): a page shows hundreds of them.
    terms: list[tuple[str, str]] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)
    words: dict = field(default_factory=dict)  # the block's own headings, in the reader's language


def _words() -> dict:
    """The language and translated labels, once per request: a list page explains 20 matches or more,
    and looking each word up again for every one of them was a good part of its rendering time."""
    if "explain_words" not in g:
        g.explain_words = {
            "language": "en" if current_locale() == "en" else "zh",
            "parts": {name: str(label) for name, label in PART_LABELS.items()},
            "why": gettext("Why recommended"),
            "score": gettext("score"),
            "strength": gettext("match strength"),
            "terms": gettext("Shared terms"),
            "none": gettext("No explanation was stored for this match."),
        }
    return g.explain_words


def _label(item, language: str) -> str:
    if isinstance(item, dict):
        return str(item.get(language) or item.get("label_" + language) or item.get("id") or "")
    return str(item)


def _labels(value, language: str) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [text for text in (_label(item, language) for item in items) if text]


def _named(failed, language: str) -> list[str]:
    """A near miss's labels, with the region codes the matcher writes ("服务地区不含 3302") by name."""
    items = failed if isinstance(failed, list) else [] if failed is None else [failed]
    return [
        names.region_codes_named(text, language)
        if isinstance(item, dict) and item.get("id") == "region" else text
        for item in items
        if (text := _label(item, language))
    ]  # fmt: skip


def _terms(value) -> list[tuple[str, str]]:
    terms = []
    for item in value or []:
        if isinstance(item, dict):
            terms.append((str(item.get("term", "")), f"{float(item.get('weight', 0)):.2f}"))
        elif isinstance(item, list | tuple) and len(item) == 2:
            terms.append((str(item[0]), f"{float(item[1]):.2f}"))
    return terms


def explain(match) -> Explanation:
    """The match's reasons in the current language."""
    words = _words()
    language = words["language"]
    reasons = match.reasons or {}
    # Parts that added nothing are left out: "region 0.00" explains nothing.
    parts = [
        (words["parts"].get(name, name), f"{float(value):.2f}")
        for name, value in (match.score_parts or {}).items()
        if isinstance(value, int | float) and round(float(value), 2) != 0
    ]
    return Explanation(
        terms=_terms(reasons.get("terms")),
        passed=_labels(reasons.get("passed"), language),
        failed=_named(reasons.get("failed"), language),
        parts=parts,
        words=words,
    )


def strength_of(score, kind: str = "order") -> int | None:
    """A pair's match strength: the share (0-100) of this round's recommendations of its side that scored
    lower (qianfan.reading.strength); None before anything was ranked."""
    scales = g.setdefault("strength_scales", {})
    if kind not in scales:
        scales[kind] = strengths.strength_scale(get_session(), kind)
    return scales[kind].of(score)


def strength(score, kind: str = "order") -> str:
    """The match strength as a page shows it, or a dash."""
    found = strength_of(score, kind)
    return "—" if found is None else str(found)


def deal_url(entry) -> str:
    """The deal page of a list entry: its deal row's page, or the address that opens the pair."""
    if entry.id:
        return url_for("deals.show", match_id=entry.id)
    return url_for("deals.open_pair", kind=entry.kind, query_id=entry.query_id, candidate_id=entry.candidate_id)


def move_url(entry, move: str) -> str:
    """Where a list entry's first move (interest, invite, apply) is posted."""
    if entry.id:
        return url_for(f"deals.{move}", match_id=entry.id)
    return url_for("deals.pair_move", kind=entry.kind, query_id=entry.query_id,
                   candidate_id=entry.candidate_id, move=move)  # fmt: skip


def init_app(app) -> None:
    app.jinja_env.globals.update(explain=explain, deal_url=deal_url, move_url=move_url)
    app.jinja_env.filters["strength"] = strength
    strengths.forget()  # a new app may find its database emptied and filled again
