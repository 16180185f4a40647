"""The match service: published postings from the database through the matcher, and Match rows back.

Service API (every function takes the caller's Session, flushes and never commits):

- `ensure_tokens(session, models=POSTING_MODELS, only_published=True) -> int`
  Tokenise the postings whose text (or the tokenizer's word lists) changed since their tokens were
  kept in the `tokens` column; returns how many were (re)tokenised. Setting `posting.tokens = None`
  forces it. The functions below call it, so callers rarely need to.
- `rematch_all(session, progress=None, settings=None, now=None) -> dict`
  Full rematch of orders × listings and service demands × packages. The recommended set is replaced
  inside the caller's transaction, so readers see the old set until the caller commits and never half
  of a result. Matches people acted on (any status beyond 'recommended'/'seen') are kept and their
  score refreshed; a 'seen' match still recommended stays 'seen'. `progress(stage, done, total)` is
  called as it goes. Returns counts: {"order": {...}, "service": {...}}.
- `rematch_posting(session, kind, posting, settings=None, now=None) -> dict`
  The same for one new, changed, closed or withdrawn posting; kind is "order", "listing", "demand"
  or "package". It gives exactly the rows a full rematch would give for the same data: a query
  posting (order, demand) is ranked against all candidates; for a candidate posting (listing,
  package), every query it is or could be matched with is ranked again.
- `rematch_changed(session, settings=None, now=None) -> dict`
  `rematch_posting` for every published posting whose text changed since it was last tokenised.
- `explanation(match) -> dict`: what a page shows for a Match ({"score", "parts", "terms", "passed",
  "failed", "near_miss"}); the same data is stored in `Match.score_parts` and `Match.reasons`:
  reasons = {"terms": [{"term", "weight"}], "passed": [{"id", "zh", "en"}],
  "failed": {"id", "zh", "en"} (near misses only)}.

Settings (qianfan.config): MATCH_TOP_K, MATCH_SERVICE_TOP_K, MATCH_SCORE_FLOOR, MATCH_NEAR_MISSES,
MATCH_ORDER_WEIGHTS, MATCH_SERVICE_WEIGHTS, MATCH_ORDER_RULES, MATCH_SERVICE_RULES.

A fitted matcher per database and side is kept in memory and rebuilt only when the candidate side
changed (its rows, their firms' qualifications or contracts), so one new order is matched in
milliseconds.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from matcher.engine import Matcher, MatchResult
from matcher.qualifications import from_record, parse
from matcher.records import Firm, Posting
from matcher.tokenize import DomainTokenizer, unpack
from models import (
    Company,
    CompanyQualification,
    Contract,
    Listing,
    Match,
    Order,
    ServiceDemand,
    ServicePackage,
)
from qianfan.config import load_settings

POSTING_MODELS = (Order, Listing, ServiceDemand, ServicePackage)
# Statuses a rematch may replace; any other means someone acted on the match, and it is kept.
REPLACEABLE = ("recommended", "seen")
SIGNED_CONTRACT = ("signed", "performing", "completed", "terminated")
Progress = Callable[[str, int, int], None]

_tokenizer = DomainTokenizer()


@dataclass(frozen=True)
class Side:
    """One kind of matching: which model asks (query), which answers (candidate), and the Match columns."""

    kind: str
    query_model: type
    candidate_model: type
    query_column: str
    candidate_column: str
    query_name: str
    candidate_name: str


ORDER_SIDE = Side("order", Order, Listing, "order_id", "listing_id", "order", "listing")
SERVICE_SIDE = Side(
    "service", ServiceDemand, ServicePackage, "demand_id", "package_id", "demand", "package"
)
SIDES = (ORDER_SIDE, SERVICE_SIDE)
_BY_POSTING_KIND = {s.query_name: s for s in SIDES} | {s.candidate_name: s for s in SIDES}
_OWNER = {
    "order": "buyer_id",
    "listing": "supplier_id",
    "demand": "company_id",
    "package": "provider_id",
}


# --- tokens ---------------------------------------------------------------------------------------


def posting_text(posting) -> tuple[str, str]:
    """(title, body) the matcher reads: a listing's tags count as part of its body."""
    body = posting.description or ""
    tags = getattr(posting, "tags", None)
    if tags:
        body = f"{body} {' '.join(tags)}"
    return posting.title or "", body


def ensure_tokens(
    session: Session, models: Iterable[type] = POSTING_MODELS, only_published: bool = True
) -> int:
    """Tokenise postings whose kept tokens are missing or were made from other text or word lists."""
    changed = 0
    for model in models:
        stmt = select(model)
        if only_published:
            stmt = stmt.where(model.status == "published")
        for posting in session.execute(stmt).scalars():
            changed += _ensure_one(posting)
    if changed:
        session.flush()
    return changed


def _ensure_one(posting) -> int:
    title, body = posting_text(posting)
    if _tokenizer.is_current(posting.tokens, title, body):
        return 0
    posting.tokens = _tokenizer.pack(title, body)
    return 1


# --- records --------------------------------------------------------------------------------------


def _firms(session: Session, company_ids: Sequence[int] | None = None) -> dict[int, Firm]:
    """Companies as the matcher sees them, with qualifications and signed contracts as supplier (None: all)."""

    def only(stmt, column):
        return stmt if company_ids is None else stmt.where(column.in_(list(company_ids)))

    qualifications: dict[int, list] = defaultdict(list)
    for company_id, name, grade in session.execute(
        only(select(CompanyQualification.company_id, CompanyQualification.name, CompanyQualification.grade),
             CompanyQualification.company_id)
    ):  # fmt: skip
        qualifications[company_id].append(from_record(name, grade))
    amounts: dict[int, list[float]] = defaultdict(list)
    buyers: dict[int, Counter] = defaultdict(Counter)
    signed = select(Contract.supplier_id, Contract.buyer_id, Contract.amount_yuan).where(
        Contract.status.in_(SIGNED_CONTRACT)
    )
    for supplier_id, buyer_id, amount in session.execute(only(signed, Contract.supplier_id)):
        buyers[supplier_id][buyer_id] += 1
        if amount is not None:
            amounts[supplier_id].append(float(amount))
    firms = {}
    for row in session.execute(
        only(select(Company.id, Company.region_code, Company.industry_code, Company.size_class, Company.founded_on),
             Company.id)
    ):  # fmt: skip
        firms[row.id] = Firm(
            id=row.id,
            region_code=row.region_code,
            industry_code=row.industry_code,
            size_class=row.size_class,
            founded_on=row.founded_on,
            qualifications=tuple(qualifications.get(row.id, ())),
            past_amounts=tuple(amounts.get(row.id, ())),
            past_buyers=tuple(sorted(buyers[row.id].items())) if row.id in buyers else (),
        )
    return firms


def _amount(value) -> float | None:
    return None if value is None else float(value)


def _record(posting, firms: dict[int, Firm]) -> Posting:
    """The matcher's record of a database posting (its tokens must be current: see ensure_tokens)."""
    tokens = unpack(posting.tokens or [])
    common = {"id": posting.id, "tokens": tokens, "status": posting.status}
    if isinstance(posting, Order):
        requirements = tuple(
            entry
            for entry in (tuple(parse(text)) for text in posting.required_qualifications or ())
            if entry
        )
        return Posting(
            side="order", kind=posting.kind, owner=firms[posting.buyer_id], deadline=posting.deadline,
            industry_code=posting.industry_code, region_codes=(posting.region_code,) if posting.region_code else (),
            amount=_amount(posting.budget_yuan), required_qualifications=requirements, **common,
        )  # fmt: skip
    if isinstance(posting, Listing):
        return Posting(
            side="listing", kind=posting.kind, owner=firms[posting.supplier_id], industry_code=posting.industry_code,
            region_codes=tuple(posting.region_codes or ()), amount=_amount(posting.max_contract_yuan), **common,
        )  # fmt: skip
    if isinstance(posting, ServiceDemand):
        return Posting(
            side="demand", kind=posting.category, owner=firms[posting.company_id],
            amount=_amount(posting.budget_yuan), **common,
        )  # fmt: skip
    return Posting(
        side="package", kind=posting.category, owner=firms[posting.provider_id],
        region_codes=tuple(posting.eligible_region_codes or ()), amount=_amount(posting.value_yuan),
        quota_left=posting.quota_left, valid_until=posting.valid_until,
        max_company_age_years=posting.max_company_age_years,
        eligible_industry_codes=tuple(posting.eligible_industry_codes or ()),
        eligible_sizes=tuple(posting.eligible_sizes or ()), **common,
    )  # fmt: skip


def _published(session: Session, model: type) -> list:
    return list(
        session.execute(
            select(model).where(model.status == "published").order_by(model.id)
        ).scalars()
    )


# --- the fitted matcher, kept while the candidate side is unchanged -------------------------------


def matcher_options(settings: dict, kind: str) -> dict:
    """The Matcher's keyword arguments from the settings."""
    return {
        "kind": kind,
        "weights": settings.get(f"MATCH_{kind.upper()}_WEIGHTS") or None,
        "top_k": int(
            settings["MATCH_TOP_K"] if kind == "order" else settings["MATCH_SERVICE_TOP_K"]
        ),
        "score_floor": float(settings["MATCH_SCORE_FLOOR"]),
        "near_misses": int(settings["MATCH_NEAR_MISSES"]),
        "rules": settings.get(f"MATCH_{kind.upper()}_RULES") or None,
        "candidates_per_query": settings.get("MATCH_CANDIDATES_PER_QUERY") or None,
        "n_jobs": int(settings.get("MATCH_THREADS") or 1),
    }


# engine -> (side, options) -> (candidate version, matcher); entries go with their engine.
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def _candidate_version(session: Session, side: Side) -> tuple:
    """Changes whenever anything the candidate index is built from changes (one round trip)."""
    model = side.candidate_model

    def scalar(*columns):
        return [select(column).scalar_subquery() for column in columns]

    return tuple(
        session.execute(
            select(
                *scalar(func.count(model.id), func.max(model.id), func.max(model.updated_at)),
                *scalar(func.count(Company.id), func.max(Company.updated_at)),
                *scalar(func.count(CompanyQualification.id), func.max(CompanyQualification.id)),
                *scalar(func.count(Contract.id), func.max(Contract.updated_at)),
            )
        ).one()
    )


def fitted_matcher(
    session: Session, side: Side, settings: dict, firms: dict[int, Firm] | None = None
) -> Matcher:
    # `firms` saves loading every company again when the caller has them; None loads them if needed.
    """The matcher of `side` fitted on the published candidates, from memory when nothing changed."""
    options = matcher_options(settings, side.kind)
    engine = session.get_bind()
    key = (side.kind, repr(sorted(options.items())))
    version = _candidate_version(session, side)
    with _cache_lock:
        found = _cache.get(engine, {}).get(key)
    if found and found[0] == version:
        return found[1]
    published = _published(session, side.candidate_model)
    # Candidates published without going through a rematch (bulk loads, imports) get their tokens here.
    if sum(_ensure_one(p) for p in published):
        session.flush()
        version = _candidate_version(session, side)
    firms = firms if firms is not None else _firms(session)
    candidates = [_record(p, firms) for p in published]
    matcher = Matcher(**options).fit(candidates)
    with _cache_lock:
        _cache.setdefault(engine, {})[key] = (version, matcher)
    return matcher


# --- saving ---------------------------------------------------------------------------------------


def _row(side: Side, result: MatchResult, now: datetime) -> dict:
    return {
        "kind": side.kind,
        side.query_column: result.query_id,
        side.candidate_column: result.candidate_id,
        "score": result.score,
        "rank": result.rank,
        "score_parts": result.parts,
        "reasons": result.reasons(),
        "near_miss": result.near_miss,
        "updated_at": now,
    }


def _by_columns(rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return groups


def _save(
    session: Session,
    side: Side,
    matcher: Matcher,
    queries: Sequence[Posting],
    results: list[MatchResult],
    now: datetime,
    scope: Sequence[int] | None,
) -> dict[str, int]:
    """Make the Match rows of the queries in `scope` (None: all) what `results` say, keeping acted ones."""
    query_col = getattr(Match, side.query_column)
    candidate_col = getattr(Match, side.candidate_column)
    stmt = select(Match.id, query_col, candidate_col, Match.status).where(Match.kind == side.kind)
    if scope is not None:
        stmt = stmt.where(query_col.in_(list(scope)))
    fresh = {(r.query_id, r.candidate_id): r for r in results}
    updates, deletes, acted = [], [], defaultdict(list)
    for match_id, query_id, candidate_id, status in session.execute(stmt):
        result = fresh.pop((query_id, candidate_id), None)
        if result is not None:
            row = _row(side, result, now)
            for column in ("kind", side.query_column, side.candidate_column):
                del row[column]
            updates.append({"id": match_id, **row})
        elif status in REPLACEABLE:
            deletes.append(match_id)
        else:
            acted[query_id].append((match_id, candidate_id))
    by_id = {q.id: q for q in queries}
    for query_id, pairs in acted.items():
        query = by_id.get(query_id)
        scored = matcher.score_pairs(query, [c for _, c in pairs], now) if query else {}
        for match_id, candidate_id in pairs:
            if candidate_id in scored:
                score, parts = scored[candidate_id]
                updates.append(
                    {
                        "id": match_id,
                        "score": score,
                        "score_parts": parts,
                        "rank": None,
                        "updated_at": now,
                    }
                )
    # Core statements (executemany), not the ORM's bulk machinery: a new order's rows go in at once.
    table = Match.__table__
    connection = session.connection()
    for start in range(0, len(deletes), 500):
        connection.execute(delete(table).where(table.c.id.in_(deletes[start : start + 500])))
    for columns, group in _by_columns(updates).items():
        statement = update(table).where(table.c.id == bindparam("match_id"))
        connection.execute(
            statement.values({c: bindparam(c) for c in columns if c != "id"}),
            [{**row, "match_id": row["id"]} for row in group],
        )
    inserts = [
        _row(side, r, now) | {"status": "recommended", "created_at": now} for r in fresh.values()
    ]
    if inserts:
        connection.execute(insert(table), inserts)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Match):  # rows changed under the ORM's feet
            session.expire(obj)
    return {"matches": sum(not r.near_miss for r in results), "near_misses": sum(r.near_miss for r in results),
            "inserted": len(inserts), "updated": len(updates), "deleted": len(deletes)}  # fmt: skip


# --- rematching -----------------------------------------------------------------------------------


def _settings(settings: dict | None) -> dict:
    return settings if settings is not None else load_settings()


def _rematch_side(
    session: Session, side: Side, settings: dict, now: datetime, firms, progress
) -> dict:
    matcher = fitted_matcher(session, side, settings, firms)
    queries = [_record(p, firms) for p in _published(session, side.query_model)]
    results: list[MatchResult] = []
    chunk = 256
    for start in range(0, len(queries), chunk):
        results.extend(matcher.match(queries[start : start + chunk], now))
        if progress:
            progress(side.kind, min(start + chunk, len(queries)), len(queries))
    summary = _save(session, side, matcher, queries, results, now, scope=None)
    return {"queries": len(queries), "candidates": matcher.index_.n, **summary}


def rematch_all(
    session: Session,
    progress: Progress | None = None,
    settings: dict | None = None,
    now: datetime | None = None,
) -> dict:
    """Full rematch of both sides in the caller's transaction (see the module docstring)."""
    settings = _settings(settings)
    now = now or datetime.now(UTC)
    if progress:
        progress("tokens", 0, 1)
    ensure_tokens(session)
    firms = _firms(session)
    return {
        side.kind: _rematch_side(session, side, settings, now, firms, progress) for side in SIDES
    }


def rematch_posting(
    session: Session, kind: str, posting, settings: dict | None = None, now: datetime | None = None
) -> dict:
    """Rematch what one new or changed posting affects, exactly as a full rematch would."""
    if kind not in _BY_POSTING_KIND:
        raise ValueError(f"kind must be one of {sorted(_BY_POSTING_KIND)}, not {kind!r}")
    side = _BY_POSTING_KIND[kind]
    settings = _settings(settings)
    now = now or datetime.now(UTC)
    _ensure_one(posting)
    session.flush()
    if kind == side.query_name:
        owner = _firms(session, [getattr(posting, _OWNER[kind])])
        queries = [_record(posting, owner)] if posting.status == "published" else []
        matcher = fitted_matcher(session, side, settings)
        return _save(
            session, side, matcher, queries, matcher.match(queries, now), now, scope=[posting.id]
        )
    ensure_tokens(session, [side.query_model])
    firms = _firms(session)
    matcher = fitted_matcher(session, side, settings, firms)
    queries = [_record(p, firms) for p in _published(session, side.query_model)]
    affected = set(
        session.execute(
            select(getattr(Match, side.query_column)).where(
                getattr(Match, side.candidate_column) == posting.id
            )
        ).scalars()
    )
    if posting.status == "published":
        alone = Matcher(**matcher_options(settings, side.kind)).fit([_record(posting, firms)])
        affected.update(r.query_id for r in alone.match(queries, now))
    chosen = [q for q in queries if q.id in affected]
    return _save(
        session, side, matcher, chosen, matcher.match(chosen, now), now, scope=sorted(affected)
    )


def rematch_changed(
    session: Session, settings: dict | None = None, now: datetime | None = None
) -> dict:
    """Rematch each published posting whose kept tokens are missing or stale (new or edited text)."""
    settings = _settings(settings)
    done: Counter = Counter()
    for kind, model in (
        ("listing", Listing),
        ("package", ServicePackage),
        ("order", Order),
        ("demand", ServiceDemand),
    ):
        for posting in session.execute(select(model).where(model.status == "published")).scalars():
            title, body = posting_text(posting)
            if not _tokenizer.is_current(posting.tokens, title, body):
                rematch_posting(session, kind, posting, settings=settings, now=now)
                done[kind] += 1
    return dict(done)


@dataclass(frozen=True)
class FactorTable:
    query_ids: list
    candidate_ids: list
    values: np.ndarray  # queries × candidates × factors, in Matcher.factors_ order


def factor_table(
    session: Session, side: Side, settings: dict, now: datetime | None = None
) -> FactorTable:
    """Soft factor values of every published query against every published candidate (to fit weights)."""
    ensure_tokens(session)
    firms = _firms(session)
    matcher = fitted_matcher(session, side, settings, firms)
    queries = [_record(p, firms) for p in _published(session, side.query_model)]
    chunks = [matcher.factor_values(parts) for _, parts, _ in matcher.factor_chunks(queries, now)]
    n_factors = len(matcher.factors_)
    values = np.concatenate(chunks) if chunks else np.zeros((0, matcher.index_.n, n_factors))
    return FactorTable([q.id for q in queries], [p.id for p in matcher.index_.postings], values)


def explanation(match: Match) -> dict:
    """What a page shows for one match (see the module docstring for the stored form)."""
    reasons = match.reasons or {}
    return {
        "score": match.score,
        "parts": dict(match.score_parts or {}),
        "terms": reasons.get("terms", []),
        "passed": reasons.get("passed", []),
        "failed": reasons.get("failed"),
        "near_miss": match.near_miss,
    }
