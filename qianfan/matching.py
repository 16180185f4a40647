"""The match service: published postings from the database through the matcher, ranked lists back.

Every published posting has one kept list (models.Ranking) per side of the market it is on: an order its
best listings (one entry per firm, the firm's other listings folded under it) and a listing its best
open orders; a service demand its best packages and a package its best demands. Lists are arrays of
candidate ids, scores, weighted score parts and near-miss rules; explanations are built when a page
shows a pair (`explain`). A pair gets a row of its own (models.Match) only when someone acts on it.

Service API (each function opens its own short transactions on `db`, a qianfan.db.Database):

- `rematch_all(db, progress=None, settings=None, now=None) -> dict`
  Rank every published posting of both sides and make the result current at once (a new generation,
  written in short batches, then switched to in one small transaction). Readers see the old lists until
  the switch; a rematch killed at any point leaves them whole. For changed weights, rules or words.
- `rematch_postings(db, due, settings=None, now=None) -> dict`
  Rank again what the given (kind, id) postings affect: their own lists and the lists of the other side
  they enter or leave. The lists come out exactly as a full rematch would make them.
- `rematch_changed(db, settings=None, now=None) -> dict`
  `rematch_postings` for every posting changed since it was last ranked (published, edited, closed,
  its firm changed); a full rematch instead when the settings that shape rankings changed.

A third kind, mentors for small firms, is kept the same way and ranked whole by `rematch_all` and by
`rematch_changed` when anything it reads changed (qianfan.mentors.matching).
- `ranked_list(session, kind, posting_id) -> RankedEntries | None`: a posting's current kept list.
- `explain(session, side, query, candidate, entry) -> dict`: what a page shows for one pair.

Only one rematch of a side runs at a time: a lock row in the database (`ranking_state`), taken with one
UPDATE that works the same on SQLite and PostgreSQL, refreshed while the rematch runs and taken over
when it is older than LOCK_STALE_SECONDS (its holder died).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import resource
import socket
import threading
import time
import uuid
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from matcher.engine import Matcher, RankedList, explain_pair
from matcher.qualifications import from_record, parse
from matcher.records import Firm, Posting
from matcher.rules import rule_ids
from matcher.tokenize import DomainTokenizer, unpack
from models import (
    Company,
    CompanyQualification,
    Contract,
    Listing,
    Match,
    Order,
    Ranking,
    RankingState,
    ServiceDemand,
    ServicePackage,
)
from models.errors import DomainError
from qianfan import jobs
from qianfan.config import instance_dir, load_settings

SIGNED_CONTRACT = ("signed", "performing", "completed", "terminated")
LOCK_STALE_SECONDS = 600
WRITE_BATCH = 1000  # rows per write transaction: SQLite's write lock is held only this long
Progress = Callable[[str, int, int], None]

_tokenizer = DomainTokenizer()


class MatchingBusy(DomainError):
    """Another rematch of the same side holds the lock."""


@dataclass(frozen=True)
class Side:
    """One kind of matching: which postings ask (queries) and which answer (candidates)."""

    kind: str  # "order" or "service"
    query_name: str
    candidate_name: str
    query_model: type
    candidate_model: type


ORDER_SIDE = Side("order", "order", "listing", Order, Listing)
SERVICE_SIDE = Side("service", "demand", "package", ServiceDemand, ServicePackage)
SIDES = (ORDER_SIDE, SERVICE_SIDE)
SIDE_OF = {s.query_name: s for s in SIDES} | {s.candidate_name: s for s in SIDES}
MODELS = {"order": Order, "listing": Listing, "demand": ServiceDemand, "package": ServicePackage}
OWNER = {"order": "buyer_id", "listing": "supplier_id", "demand": "company_id", "package": "provider_id"}


# --- tokens ---------------------------------------------------------------------------------------


def posting_text(title: str | None, description: str | None, tags=None) -> tuple[str, str]:
    """(title, body) the matcher reads: a listing's tags count as part of its body."""
    body = description or ""
    if tags:
        body = f"{body} {' '.join(tags)}"
    return title or "", body


def ensure_tokens(
    session: Session, kinds: Iterable[str] = tuple(MODELS), ids: dict | None = None, every: bool = True
) -> int:
    """Tokenise published postings whose kept tokens are missing or were made from other text or word
    lists, in the caller's transaction; returns how many were. `ids`: only these ids per kind.
    `every=False`: only postings changed since they were last ranked (the others' tokens were checked then),
    so a steady-state rematch does not read every text again."""
    changed = 0
    for kind in kinds:
        for batch in _stale_tokens(session, kind, ids, every):
            _write_tokens(session.connection(), kind, batch)
            changed += len(batch)
    return changed


def ensure_tokens_in_batches(db, kinds: Iterable[str], every: bool) -> int:
    """ensure_tokens for a rematch: each batch of new tokens is written in a short transaction of its own,
    so that tokenising a whole 10× demo never holds SQLite's write lock for more than a moment."""
    changed = 0
    for kind in kinds:
        with db.session_scope() as reader:
            batches = list(_stale_tokens(reader, kind, None, every))
        for batch in batches:
            with db.engine.begin() as connection:
                _write_tokens(connection, kind, batch)
            changed += len(batch)
    return changed


def _stale_tokens(session: Session, kind: str, ids: dict | None, every: bool, size: int = 2000):
    """Batches of {"row_id", "tokens"} for the published postings of `kind` whose tokens are stale."""
    model = MODELS[kind]
    columns = [model.id, model.title, model.description, model.tokens]
    columns.append(model.tags if kind == "listing" else model.id.label("no_tags"))
    stmt = select(*columns).where(model.status == "published")
    if ids is not None:
        stmt = stmt.where(model.id.in_(list(ids.get(kind, ()))))
    if not every:
        side = SIDE_OF[kind].kind
        generation = current_generation(session, side)[0]
        ranking = select(Ranking.posting_id, Ranking.updated_at).where(
            Ranking.posting_kind == kind, Ranking.generation == generation
        ).subquery()
        stmt = stmt.outerjoin(ranking, ranking.c.posting_id == model.id).where(
            or_(model.tokens.is_(None), ranking.c.posting_id.is_(None), model.updated_at > ranking.c.updated_at)
        )
    stale = []
    for row in session.execute(stmt):
        title, body = posting_text(row.title, row.description, row[4] if kind == "listing" else None)
        if not _tokenizer.is_current(row.tokens, title, body):
            stale.append({"row_id": row.id, "tokens": _tokenizer.pack(title, body)})
            if len(stale) >= size:
                yield stale
                stale = []
    if stale:
        yield stale


def _write_tokens(connection, kind: str, batch: list[dict]) -> None:
    # The posting's updated_at (what "changed since ranked" reads) stays as it was.
    table = MODELS[kind].__table__
    connection.execute(
        update(table).where(table.c.id == bindparam("row_id"))
        .values(tokens=bindparam("tokens"), updated_at=table.c.updated_at),
        batch,
    )


# --- records, loaded with Core column selects -------------------------------------------------------


def _firms(session: Session, company_ids: Iterable[int] | None = None) -> dict[int, Firm]:
    """Companies as the matcher sees them, with qualifications and signed contracts as supplier (None: all)."""
    company_ids = None if company_ids is None else sorted(set(company_ids))

    def only(stmt, column):
        return stmt if company_ids is None else stmt.where(column.in_(company_ids))

    qualifications: dict[int, list] = defaultdict(list)
    for company_id, name, grade in session.execute(
        only(select(CompanyQualification.company_id, CompanyQualification.name, CompanyQualification.grade),
             CompanyQualification.company_id)
    ):  # fmt: skip
        qualifications[company_id].append(from_record(name, grade))
    amounts: dict[int, list[float]] = defaultdict(list)
    buyers: dict[int, Counter] = defaultdict(Counter)
    dated: dict[int, list] = defaultdict(list)
    signed = (
        select(Contract.supplier_id, Contract.buyer_id, Contract.amount_yuan, Contract.signed_on, Match.order_id)
        .outerjoin(Match, Match.id == Contract.match_id)
        .where(Contract.status.in_(SIGNED_CONTRACT))
    )
    for supplier_id, buyer_id, amount, signed_on, order_id in session.execute(only(signed, Contract.supplier_id)):
        buyers[supplier_id][buyer_id] += 1
        # When it was signed and the order whose deal it came from: an order is ranked only with the
        # history known before it was published, and never with its own deal's contract.
        dated[supplier_id].append((buyer_id, signed_on.toordinal() if signed_on else None, order_id))
        if amount is not None:
            amounts[supplier_id].append(float(amount))
    firms = {}
    for row in session.execute(
        only(select(Company.id, Company.region_code, Company.industry_code, Company.size_class, Company.founded_on),
             Company.id)
    ):  # fmt: skip
        firms[row.id] = Firm(
            id=row.id, region_code=row.region_code, industry_code=row.industry_code,
            size_class=row.size_class, founded_on=row.founded_on,
            qualifications=tuple(qualifications.get(row.id, ())),
            past_amounts=tuple(amounts.get(row.id, ())),
            past_buyers=tuple(sorted(buyers[row.id].items())) if row.id in buyers else (),
            contracts=tuple(sorted(dated.get(row.id, ()), key=repr)),
        )  # fmt: skip
    return firms


def _amount(value) -> float | None:
    return None if value is None else float(value)


_COLUMNS = {
    "order": ("id", "status", "tokens", "buyer_id", "kind", "deadline", "industry_code", "region_code",
              "budget_yuan", "required_qualifications", "qualifications_mandatory", "region_mandatory",
              "published_at"),
    "listing": ("id", "status", "tokens", "supplier_id", "kind", "industry_code", "region_codes",
                "max_contract_yuan"),
    "demand": ("id", "status", "tokens", "company_id", "category", "budget_yuan"),
    "package": ("id", "status", "tokens", "provider_id", "category", "eligible_region_codes", "value_yuan",
                "quota", "quota_used", "valid_until", "max_company_age_years", "eligible_industry_codes",
                "eligible_sizes"),
}  # fmt: skip


def _record(kind: str, row, firms: dict[int, Firm]) -> Posting:
    """The matcher's record of one posting row (its tokens must be current: see ensure_tokens)."""
    common = {"id": row.id, "tokens": unpack(row.tokens or []), "status": row.status}
    if kind == "order":
        requirements, unparsed = parse_requirements(row.required_qualifications)
        mandatory = frozenset(
            rule for rule, flag in (("qualifications", row.qualifications_mandatory),
                                    ("region", row.region_mandatory)) if flag
        )  # fmt: skip
        return Posting(
            side="order", kind=row.kind, owner=firms[row.buyer_id], deadline=row.deadline,
            industry_code=row.industry_code, region_codes=(row.region_code,) if row.region_code else (),
            amount=_amount(row.budget_yuan), required_qualifications=requirements,
            unparsed_requirements=unparsed, mandatory=mandatory,
            published_on=row.published_at.date() if row.published_at else None, **common,
        )  # fmt: skip
    if kind == "listing":
        return Posting(
            side="listing", kind=row.kind, owner=firms[row.supplier_id], industry_code=row.industry_code,
            region_codes=tuple(row.region_codes or ()), amount=_amount(row.max_contract_yuan), **common,
        )  # fmt: skip
    if kind == "demand":
        return Posting(
            side="demand", kind=row.category, owner=firms[row.company_id], amount=_amount(row.budget_yuan),
            **common,
        )  # fmt: skip
    return Posting(
        side="package", kind=row.category, owner=firms[row.provider_id],
        region_codes=tuple(row.eligible_region_codes or ()), amount=_amount(row.value_yuan),
        quota_left=row.quota - row.quota_used, valid_until=row.valid_until,
        max_company_age_years=row.max_company_age_years,
        eligible_industry_codes=tuple(row.eligible_industry_codes or ()),
        eligible_sizes=tuple(row.eligible_sizes or ()), **common,
    )  # fmt: skip


def parse_requirements(texts) -> tuple[tuple, tuple[str, ...]]:
    """An order's requirement texts as certificate entries, and the texts that name none the parser knows
    (kept to be shown as not understood: a requirement is never silently dropped)."""
    entries, unparsed = [], []
    for text in texts or ():
        entry = tuple(parse(text))
        if entry:
            entries.append(entry)
        elif text and text.strip():
            unparsed.append(text.strip())
    return tuple(entries), tuple(unparsed)


def load_postings(
    session: Session, kind: str, firms: dict[int, Firm], ids: Iterable[int] | None = None
) -> list[Posting]:
    """Published postings of `kind` as matcher records, by id (`ids`: only these)."""
    model = MODELS[kind]
    stmt = select(*(getattr(model, c) for c in _COLUMNS[kind])).where(model.status == "published")
    if ids is not None:
        stmt = stmt.where(model.id.in_(sorted(set(ids))))
    # Streamed: each row's decoded tokens become the record's interned tuple and are let go at once
    # (all rows decoded first held 1.4 GB at 10×, the records alone 0.3 GB).
    rows = session.execute(stmt.order_by(model.id).execution_options(yield_per=2000))
    return [_record(kind, row, firms) for row in rows]


# --- the fitted matcher, kept while the candidate side is unchanged -------------------------------


def matcher_options(settings: dict, kind: str) -> dict:
    """The Matcher's keyword arguments from the settings."""
    service = kind == "service"
    return {
        "kind": kind,
        "weights": settings.get(f"MATCH_{kind.upper()}_WEIGHTS") or None,
        "top_k": int(settings["MATCH_SERVICE_TOP_K"] if service else settings["MATCH_TOP_K"]),
        "score_floor": float(settings["MATCH_SCORE_FLOOR"]),
        "near_misses": int(settings["MATCH_NEAR_MISSES"]),
        "rules": settings.get(f"MATCH_{kind.upper()}_RULES") or None,
        "retrieval_depth": int(settings["MATCH_SERVICE_RETRIEVAL_DEPTH" if service else "MATCH_RETRIEVAL_DEPTH"]),
        "reverse_depth": int(settings["MATCH_REVERSE_DEPTH"]),
        "text_floor": float(settings["MATCH_TEXT_FLOOR"]),
        "reverse_top_k": int(settings["MATCH_SERVICE_REVERSE_TOP_K" if service else "MATCH_REVERSE_TOP_K"]),
        "reverse_near_misses": int(settings["MATCH_NEAR_MISSES"]),
        "per_owner": int(settings["MATCH_PER_FIRM"]),
        "model": settings.get(f"MATCH_{kind.upper()}_MODEL") or None,
        "text_gate": float(settings.get("MATCH_TEXT_GATE") or 0.0),
    }


def settings_key(settings: dict, kind: str) -> str:
    """Fingerprint of what shapes a side's rankings: a change means a full rematch of that side."""
    shape = {"options": matcher_options(settings, kind), "words": _tokenizer.words_version(),
             "model": model_fingerprint(settings, kind)}  # fmt: skip
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:32]


def part_names(settings: dict, kind: str) -> list[str]:
    """The names of the parts a side's scorer writes (the groups of the learned ranker, or the factors)."""
    matcher = Matcher(**matcher_options(settings, kind))
    matcher._load_scorer()
    return list(matcher.factors_)


def model_fingerprint(settings: dict, kind: str) -> str | None:
    """A digest of the side's model file (a retrained model means a full rematch); None: no model file."""
    path = Matcher(**matcher_options(settings, kind)).model_path()
    if path is None:
        return None
    try:
        stat = Path(path).stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in _fingerprints:
            _fingerprints[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
        return _fingerprints[key]
    except OSError:
        return "missing"


_fingerprints: dict[tuple, str] = {}


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


def fitted_matcher(session: Session, side: Side, settings: dict, firms: dict[int, Firm] | None = None) -> Matcher:
    """The matcher of `side` fitted on the published candidates: from memory, or from the checkpoint in
    the instance folder (a new process, e.g. `qianfan match`), when the candidates have not changed since;
    otherwise fitted again and checkpointed."""
    options = matcher_options(settings, side.kind)
    engine = session.get_bind()
    key = (side.kind, repr(sorted(options.items())), model_fingerprint(settings, side.kind))
    version = _candidate_version(session, side)
    with _cache_lock:
        found = _cache.get(engine, {}).get(key)
    if found and found[0] == version:
        return found[1]
    checkpoint = _checkpoint_path(engine, key)
    matcher = _read_checkpoint(checkpoint, version)
    if matcher is None:
        firms = firms if firms is not None else _firms(session)
        matcher = Matcher(**options).fit(load_postings(session, side.candidate_name, firms))
        _write_checkpoint(checkpoint, version, matcher)
    with _cache_lock:
        _cache.setdefault(engine, {})[key] = (version, matcher)
    return matcher


def _checkpoint_path(engine, key: tuple) -> Path:
    # One file per database and matcher options; the instance folder is the deployment's own (it holds
    # the secret key too), so reading a pickle from it trusts no one new.
    name = hashlib.sha256(f"{engine.url.render_as_string(hide_password=True)}|{key}".encode()).hexdigest()[:24]
    return instance_dir() / "matchers" / f"{key[0]}-{name}.pickle"


def _read_checkpoint(path: Path, version: tuple) -> Matcher | None:
    try:
        with path.open("rb") as handle:
            saved_version, matcher = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None
    return matcher if saved_version == version else None


def _write_checkpoint(path: Path, version: tuple, matcher: Matcher) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((version, matcher), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # whole or not at all, for readers in other processes
    except OSError:
        pass  # a checkpoint only saves time


def _query_firms(session: Session, side: Side) -> dict[int, Firm]:
    """The firms behind the published queries of `side` (all of them only where the queries need it)."""
    model = side.query_model
    owner = getattr(model, OWNER[side.query_name])
    return _firms(session, session.scalars(select(owner).where(model.status == "published").distinct()).all())


# --- kept lists: packing, reading, writing --------------------------------------------------------


def pack(ranked: RankedList) -> dict:
    """A RankedList as the columns of a Ranking row."""
    return {
        "candidate_ids": np.asarray(ranked.candidate_ids, dtype=np.int64).tobytes(),
        "scores": np.asarray(ranked.scores, dtype=np.float32).tobytes(),
        "failed": np.asarray(ranked.failed, dtype=np.int16).tobytes(),
        "parts": np.asarray(ranked.parts, dtype=np.float32).tobytes(),
        "n_matches": int((np.asarray(ranked.failed) < 0).sum()),
        "floor": float(ranked.floor),
        "outcomes": dict(ranked.outcomes),
    }


@dataclass(frozen=True)
class RankedEntries:
    """A kept list read back: arrays in rank order (matches, then near misses)."""

    side: str
    candidate_ids: np.ndarray
    scores: np.ndarray
    failed: np.ndarray  # index into rule_ids(side); -1 for a match
    parts: np.ndarray  # entries × factors
    factors: list[str]
    floor: float
    outcomes: dict
    ranked_at: datetime

    def parts_of(self, i: int) -> dict[str, float]:
        return {f: round(float(v), 4) for f, v in zip(self.factors, self.parts[i], strict=True)}

    def failed_rule(self, i: int) -> str | None:
        code = int(self.failed[i])
        return rule_ids(self.side)[code] if code >= 0 else None


def _unpack(side: str, row, factors: list[str]) -> RankedEntries:
    parts = np.frombuffer(row.parts, dtype=np.float32)
    return RankedEntries(
        side=side,
        candidate_ids=np.frombuffer(row.candidate_ids, dtype=np.int64),
        scores=np.frombuffer(row.scores, dtype=np.float32),
        failed=np.frombuffer(row.failed, dtype=np.int16),
        parts=parts.reshape(-1, len(factors)) if factors else parts.reshape(0, 0),
        factors=factors,
        floor=row.floor,
        outcomes=row.outcomes or {},
        ranked_at=row.updated_at,
    )


def current_generation(session: Session, side: str) -> tuple[int, list[str]]:
    state = session.get(RankingState, side)
    return (state.generation, list(state.factors or [])) if state else (0, [])


def ranked_lists(session: Session, kind: str, posting_ids: Iterable[int]) -> dict[int, RankedEntries]:
    """The current kept lists of these postings of `kind`, by posting id (postings never ranked: absent)."""
    side = SIDE_OF[kind].kind
    generation, factors = current_generation(session, side)
    ids = sorted(set(posting_ids))
    found = {}
    for start in range(0, len(ids), 500):
        stmt = select(Ranking).where(
            Ranking.posting_kind == kind,
            Ranking.generation == generation,
            Ranking.posting_id.in_(ids[start : start + 500]),
        )
        for row in session.execute(stmt).scalars():
            found[row.posting_id] = _unpack(side, row, factors)
    return found


def ranked_list(session: Session, kind: str, posting_id: int) -> RankedEntries | None:
    return ranked_lists(session, kind, [posting_id]).get(posting_id)


def _write(db, kind: str, generation: int, lists: Sequence[RankedList], ranked_at: datetime,
           heartbeat: Callable[[], None] | None = None, replace: bool = False) -> int:  # fmt: skip
    """Write lists as Ranking rows of `generation` in short transactions (`replace`: drop the old row first)."""
    table = Ranking.__table__
    written = 0
    for start in range(0, len(lists), WRITE_BATCH):
        batch = lists[start : start + WRITE_BATCH]
        rows = [
            {"posting_kind": kind, "posting_id": int(r.posting_id), "generation": generation,
             "updated_at": ranked_at, **pack(r)}
            for r in batch
        ]  # fmt: skip
        with db.engine.begin() as connection:
            if replace:
                connection.execute(
                    delete(table).where(
                        table.c.posting_kind == kind,
                        table.c.generation == generation,
                        table.c.posting_id.in_([row["posting_id"] for row in rows]),
                    )
                )
            connection.execute(insert(table), rows)
        written += len(rows)
        if heartbeat:
            heartbeat()
    return written


def _delete_lists(db, kind: str, generation: int, posting_ids: Sequence[int]) -> int:
    table = Ranking.__table__
    deleted = 0
    ids = sorted(set(posting_ids))
    for start in range(0, len(ids), WRITE_BATCH):
        with db.engine.begin() as connection:
            deleted += connection.execute(
                delete(table).where(
                    table.c.posting_kind == kind, table.c.generation == generation,
                    table.c.posting_id.in_(ids[start : start + WRITE_BATCH]),
                )
            ).rowcount  # fmt: skip
    return deleted


def _drop_generations(db, kinds: Sequence[str], keep: int) -> None:
    """Delete the rows of every other generation of these kinds, a batch at a time."""
    table = Ranking.__table__
    while True:
        with db.engine.begin() as connection:
            ids = list(
                connection.execute(
                    select(table.c.id)
                    .where(table.c.posting_kind.in_(kinds), table.c.generation != keep)
                    .limit(WRITE_BATCH * 5)
                ).scalars()
            )
            if not ids:
                return
            connection.execute(delete(table).where(table.c.id.in_(ids)))


# --- the lock ---------------------------------------------------------------------------------------


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_state(db, side: str) -> None:
    with db.engine.begin() as connection:
        if connection.execute(select(RankingState.side).where(RankingState.side == side)).first() is None:
            try:
                with connection.begin_nested():
                    connection.execute(insert(RankingState.__table__), {"side": side, "generation": 0, "factors": []})
            except Exception:  # noqa: BLE001 - another process created it first
                pass


@contextmanager
def side_lock(db, side: str, wait_seconds: float = 0.0):
    """Hold the rematch lock of `side`; wait up to `wait_seconds` for it, then raise MatchingBusy.

    Yields a heartbeat function that keeps the lock fresh during long work.
    """
    _ensure_state(db, side)
    holder = _holder()
    table = RankingState.__table__
    deadline = time.monotonic() + wait_seconds
    while True:
        now = datetime.now(UTC)
        with db.engine.begin() as connection:
            current = connection.execute(select(table.c.locked_by).where(table.c.side == side)).scalar()
            # A holder that is a dead process of this host is known dead at once; one elsewhere, once its
            # lock has not been refreshed for LOCK_STALE_SECONDS.
            free = [table.c.locked_by.is_(None), table.c.locked_at < now - timedelta(seconds=LOCK_STALE_SECONDS)]
            if current is not None and jobs.holder_gone(current) is True:
                free.append(table.c.locked_by == current)
            taken = connection.execute(
                update(table).where(table.c.side == side, or_(*free)).values(locked_by=holder, locked_at=now)
            ).rowcount
        if taken == 1:
            break
        if time.monotonic() >= deadline:
            raise MatchingBusy("Another rematch is running; try again when it has finished.")
        time.sleep(0.2)

    def heartbeat() -> None:
        with db.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.side == side, table.c.locked_by == holder)
                .values(locked_at=datetime.now(UTC))
            )  # fmt: skip

    try:
        yield heartbeat
    finally:
        with db.engine.begin() as connection:
            connection.execute(
                update(table).where(table.c.side == side, table.c.locked_by == holder)
                .values(locked_by=None, locked_at=None)
            )  # fmt: skip


# --- rematching -----------------------------------------------------------------------------------


def _settings(settings: dict | None) -> dict:
    return settings if settings is not None else load_settings()


def _rank_side_fully(db, side: Side, settings: dict, now: datetime, progress: Progress | None) -> dict:
    clock = _Stopwatch()
    with side_lock(db, side.kind, wait_seconds=float(settings.get("MATCH_LOCK_WAIT_SECONDS", 0))) as heartbeat:
        ranked_at = datetime.now(UTC)
        if progress:
            progress(side.kind, 0, 3)
        with db.session_scope() as session:
            state = session.get(RankingState, side.kind)
            words_changed = state is None or state.settings_key != settings_key(settings, side.kind)
        ensure_tokens_in_batches(db, [side.query_name, side.candidate_name], every=words_changed)
        clock.lap("tokens")
        with db.session_scope() as session:
            matcher = fitted_matcher(session, side, settings)
            queries = load_postings(session, side.query_name, _query_firms(session, side))
            generation = current_generation(session, side.kind)[0]
        clock.lap("load")
        if progress:
            progress(side.kind, 1, 3)
        rankings = matcher.rank(queries, now, forward=True, reverse=None)
        clock.lap("rank")
        heartbeat()
        if progress:
            progress(side.kind, 2, 3)
        kinds = [side.query_name, side.candidate_name]
        new = generation + 1
        _drop_generations(db, kinds, keep=generation)  # what a killed rematch left behind
        _write(db, side.query_name, new, rankings.forward, ranked_at, heartbeat)
        _write(db, side.candidate_name, new, rankings.reverse, ranked_at, heartbeat)
        clock.lap("write")
        with db.engine.begin() as connection:
            connection.execute(
                update(RankingState.__table__).where(RankingState.side == side.kind).values(
                    generation=new, factors=list(matcher.factors_), finished_at=datetime.now(UTC),
                    settings_key=settings_key(settings, side.kind),
                )
            )  # fmt: skip
        _drop_generations(db, kinds, keep=new)
        clock.lap("switch")
        if progress:
            progress(side.kind, 3, 3)
    peak_mib = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {**_summary(side, queries, matcher, rankings), "seconds": clock.laps, "peak_mib": peak_mib}


class _Stopwatch:
    """Seconds spent in each stage, for the summary (what `qianfan match --full -v` and the bench print)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _summary(side: Side, queries, matcher: Matcher, rankings) -> dict:
    def counts(lists):
        with_match = sum(1 for r in lists if len(r) and (r.failed < 0).any())
        return with_match, sum(int((r.failed < 0).sum()) for r in lists), sum(int((r.failed >= 0).sum()) for r in lists)

    f_with, f_matches, f_near = counts(rankings.forward)
    r_with, _, _ = counts(rankings.reverse)
    return {
        "queries": len(queries), "candidates": matcher.index_.n, "matches": f_matches, "near_misses": f_near,
        f"{side.query_name}s_with_match": f_with, f"{side.candidate_name}s_with_match": r_with,
    }  # fmt: skip


def rematch_all(db, progress: Progress | None = None, settings: dict | None = None, now: datetime | None = None) -> dict:
    """Full rematch of both sides (see the module docstring); with MATCH_PROCESSES > 1 the two sides
    are ranked at once in processes of their own (both cores: numpy and the sparse kernels hold the GIL
    for much of the work)."""
    settings = _settings(settings)
    now = now or datetime.now(UTC)
    parallel_from = int(settings.get("MATCH_PARALLEL_FROM", 20_000))
    if int(settings.get("MATCH_PROCESSES") or 1) < 2 or _published_count(db) < parallel_from:
        done = {side.kind: _rank_side_fully(db, side, settings, now, progress) for side in SIDES}
        return {**done, "mentor": _rank_mentors(db, settings, now)}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # The service side in a second process, the order side here meanwhile. A process with one thread (the
    # CLI) forks, after closing its pooled connections so the child inherits none; one with threads (a web
    # server, a worker) starts a fresh interpreter instead, whose start-up the order side's work hides.
    single = threading.active_count() == 1
    if single:
        db.engine.dispose()
    context = multiprocessing.get_context("fork" if single else "spawn")
    plain = {k: v for k, v in settings.items() if isinstance(v, (str, int, float, bool, list, dict, type(None)))}
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        service = pool.submit(_rank_side_in_process, db.url, SERVICE_SIDE.kind, plain, now)
        # The mentor side next in the same second process, while the order side still runs here; the job
        # page follows the order side's stages, and the others report once they are done.
        mentor = pool.submit(_rank_side_in_process, db.url, "mentor", plain, now)
        done = {ORDER_SIDE.kind: _rank_side_fully(db, ORDER_SIDE, settings, now, progress)}
        done[SERVICE_SIDE.kind] = service.result()
        done["mentor"] = mentor.result()
        if progress:
            progress(SERVICE_SIDE.kind, 3, 3)
    return done


def _rank_mentors(db, settings: dict, now: datetime) -> dict:
    """The third kind, mentors for small firms (qianfan.mentors.matching), ranked whole when anything it
    reads changed since it was last ranked; otherwise its lists are what a ranking would give again (its
    rules do not depend on the time), and it is left as it is."""
    from qianfan.mentors.matching import is_stale, rank_mentors

    with db.session_scope() as session:
        stale = is_stale(session, settings)
    return rank_mentors(db, settings, now) if stale else {"unchanged": 1}


def _published_count(db) -> int:
    with db.session_scope() as session:
        return sum(
            session.scalar(select(func.count()).select_from(model).where(model.status == "published")) or 0
            for model in MODELS.values()
        )


def _rank_side_in_process(url: str, kind: str, settings: dict, now: datetime) -> dict:
    from qianfan.db import Database

    db = Database(url)
    try:
        if kind == "mentor":
            return _rank_mentors(db, settings, now)
        side = next(s for s in SIDES if s.kind == kind)
        return _rank_side_fully(db, side, settings, now, None)
    finally:
        db.dispose()


def _scan_lists(session: Session, kind: str, generation: int, wanted: set[int]) -> set[int]:
    """Postings of `kind` whose current list holds any of the `wanted` ids."""
    if not wanted:
        return set()
    wanted_array = np.array(sorted(wanted), dtype=np.int64)
    found = set()
    stmt = select(Ranking.posting_id, Ranking.candidate_ids).where(
        Ranking.posting_kind == kind, Ranking.generation == generation
    )
    for posting_id, blob in session.execute(stmt.execution_options(yield_per=2000)):
        if np.isin(np.frombuffer(blob, dtype=np.int64), wanted_array).any():
            found.add(posting_id)
    return found


def _floors(session: Session, kind: str, generation: int) -> dict[int, float]:
    return dict(session.execute(
        select(Ranking.posting_id, Ranking.floor).where(Ranking.posting_kind == kind, Ranking.generation == generation)
    ).all())  # fmt: skip


def _entering(matcher: Matcher, changed: Sequence[Posting], others: Sequence[Posting], floors: dict[int, float],
              changed_are_queries: bool) -> set:  # fmt: skip
    """Ids of `others` whose first stage a changed posting now enters: text similarity above their
    list's floor (a hair below, so that rounding never hides one), or a past contract between the firms."""
    if not changed or not others:
        return set()
    vectorizer = matcher.vectorizer_
    changed_rows = vectorizer.transform([p.tokens.all for p in changed])
    if changed_are_queries:  # the others are the candidates, already in the index
        other_rows = matcher.index_.text
        others = matcher.index_.postings
    else:
        other_rows = vectorizer.transform([p.tokens.all for p in others])
    similarity = (changed_rows @ other_rows.T).tocoo()
    floor_of = np.array([floors.get(p.id, matcher.text_floor) for p in others], dtype=np.float32)
    above = similarity.data > floor_of[similarity.col] - 1e-6
    entering = {others[c].id for c in np.unique(similarity.col[above])}
    # A firm's past buyers are always considered, whatever the text.
    if changed_are_queries:
        for posting in changed:
            entering.update(others[p].id for p, _ in matcher.index_.history.get(posting.owner.id, ()))
    else:
        buyers = {buyer for posting in changed for buyer, _ in posting.owner.past_buyers}
        entering.update(q.id for q in others if q.owner.id in buyers)
    return entering


def _rematch_side(db, side: Side, changed_queries: set[int], changed_candidates: set[int], settings: dict,
                  now: datetime) -> dict:  # fmt: skip
    wait = float(settings.get("MATCH_LOCK_WAIT_SECONDS", 30))
    with db.session_scope() as session:
        generation, stored = current_generation(session, side.kind)
    if generation and stored != part_names(settings, side.kind):
        # The kept lists' parts are of another scorer (e.g. made before the learned ranker): a list ranked
        # now could not be read beside them, so the side is ranked whole, once.
        return _rank_side_fully(db, side, settings, now, None)
    with side_lock(db, side.kind, wait_seconds=wait):
        ranked_at = datetime.now(UTC)
        ensure_tokens_in_batches(db, [side.query_name, side.candidate_name], every=False)
        with db.session_scope() as session:
            generation = current_generation(session, side.kind)[0]
            firms = _firms(session)
            matcher = fitted_matcher(session, side, settings, firms)
            queries = load_postings(session, side.query_name, firms)
            published_queries = {q.id for q in queries}
            candidates = {p.id: p for p in matcher.index_.postings}
            # Lists of the other side that hold a changed posting now, or that it will enter.
            queries_affected = _scan_lists(session, side.query_name, generation, changed_candidates)
            candidates_affected = _scan_lists(session, side.candidate_name, generation, changed_queries)
            new_candidates = [candidates[c] for c in sorted(changed_candidates) if c in candidates]
            new_queries = [q for q in queries if q.id in changed_queries]
            queries_affected |= _entering(matcher, new_candidates, queries,
                                          _floors(session, side.query_name, generation), False)  # fmt: skip
            candidates_affected |= _entering(matcher, new_queries, list(candidates.values()),
                                             _floors(session, side.candidate_name, generation), True)  # fmt: skip
        if generation == 0:
            _ensure_generation(db, side.kind, matcher, settings)
            generation = 1
        forward_ids = (queries_affected | changed_queries) & published_queries
        reverse_ids = (candidates_affected | changed_candidates) & set(candidates)
        forward = [q for q in queries if q.id in forward_ids]
        rankings = matcher.rank(forward, now, forward=True, reverse=())
        _write(db, side.query_name, generation, rankings.forward, ranked_at, replace=True)
        reverse = matcher.rank(queries, now, forward=False, reverse=sorted(reverse_ids)).reverse if reverse_ids else []
        _write(db, side.candidate_name, generation, reverse, ranked_at, replace=True)
        gone_queries = (changed_queries | queries_affected) - published_queries
        gone_candidates = (changed_candidates | candidates_affected) - set(candidates)
        _delete_lists(db, side.query_name, generation, sorted(gone_queries))
        _delete_lists(db, side.candidate_name, generation, sorted(gone_candidates))
    return {f"{side.query_name}s": len(forward), f"{side.candidate_name}s": len(reverse),
            "removed": len(gone_queries) + len(gone_candidates)}  # fmt: skip


def _ensure_generation(db, side: str, matcher: Matcher, settings: dict) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(RankingState.__table__).where(RankingState.side == side, RankingState.generation == 0)
            .values(generation=1, factors=list(matcher.factors_), settings_key=settings_key(settings, side))
        )  # fmt: skip


def rematch_postings(db, due: Iterable[tuple[str, int]], settings: dict | None = None,
                     now: datetime | None = None) -> dict:  # fmt: skip
    """Rank again what the (kind, id) postings affect, exactly as a full rematch would (module docstring)."""
    settings = _settings(settings)
    now = now or datetime.now(UTC)
    by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, posting_id in due:
        if kind not in SIDE_OF:
            raise ValueError(f"kind must be one of {sorted(SIDE_OF)}, not {kind!r}")
        by_kind[kind].add(int(posting_id))
    done = {}
    for side in SIDES:
        queries, candidates = by_kind.get(side.query_name, set()), by_kind.get(side.candidate_name, set())
        if queries or candidates:
            done[side.kind] = _rematch_side(db, side, queries, candidates, settings, now)
    return done


def changed_since_ranked(session: Session) -> list[tuple[str, int]]:
    """Postings whose kept list is older than the posting or its firm, missing, or no longer wanted."""
    due = []
    for side in SIDES:
        generation = current_generation(session, side.kind)[0]
        for kind in (side.query_name, side.candidate_name):
            model = MODELS[kind]
            owner = getattr(model, OWNER[kind])
            ranking = select(Ranking.posting_id, Ranking.updated_at).where(
                Ranking.posting_kind == kind, Ranking.generation == generation
            ).subquery()
            stale = (
                select(model.id)
                .join(Company, Company.id == owner)
                .outerjoin(ranking, ranking.c.posting_id == model.id)
                .where(
                    model.status == "published",
                    or_(ranking.c.posting_id.is_(None), model.updated_at > ranking.c.updated_at,
                        Company.updated_at > ranking.c.updated_at),
                )
            )  # fmt: skip
            due.extend((kind, i) for i in session.execute(stale).scalars())
            unwanted = (
                select(ranking.c.posting_id)
                .outerjoin(model, and_(model.id == ranking.c.posting_id, model.status == "published"))
                .where(model.id.is_(None))
            )
            due.extend((kind, i) for i in session.execute(unwanted).scalars())
    return due


def rematch_changed(db, settings: dict | None = None, now: datetime | None = None) -> dict:
    """Rematch what changed since it was ranked; a full rematch of a side whose settings changed."""
    settings = _settings(settings)
    done: dict = {}
    with db.session_scope() as session:
        # A side never ranked, or ranked with other weights, rules or words, is ranked whole.
        stale_sides = {
            side.kind for side in SIDES
            if (state := session.get(RankingState, side.kind)) is None
            or state.settings_key != settings_key(settings, side.kind)
        }  # fmt: skip
        due = [(k, i) for k, i in changed_since_ranked(session) if SIDE_OF[k].kind not in stale_sides]
    for side in SIDES:
        if side.kind in stale_sides:
            done[side.kind] = {"full": _rank_side_fully(db, side, settings, now or datetime.now(UTC), None)}
    counts = Counter(kind for kind, _ in due)
    if due:
        done.update(rematch_postings(db, due, settings=settings, now=now))
    mentors = _rank_mentors(db, settings, now or datetime.now(UTC))
    if "unchanged" not in mentors:
        done["mentor"] = mentors
    done["changed"] = dict(counts)
    return done


# --- explanations, for the pairs a page shows -----------------------------------------------------


def records(session: Session, kind: str, ids: Iterable[int]) -> dict[int, Posting]:
    """Matcher records of postings of `kind` whatever their status (for explaining pairs)."""
    return pair_records(session, (kind, ids))[0]


def pair_records(session: Session, *wanted: tuple[str, Iterable[int]]) -> list[dict[int, Posting]]:
    """Matcher records of several kinds of postings at once (a page's queries and candidates), whatever
    their status, with their owners' firm facts read once for all of them."""
    rows_of = []
    for kind, ids in wanted:
        ids = sorted(set(int(i) for i in ids))
        rows = _record_rows(session, kind, ids) if ids else []
        if any(row.tokens is None for row in rows):  # never tokenised (e.g. a draft): tokenise and keep it
            ensure_tokens_of_any_status(session, kind, [row.id for row in rows if row.tokens is None])
            rows = _record_rows(session, kind, ids)
        rows_of.append((kind, rows))
    firms = _firms(session, [getattr(row, OWNER[kind]) for kind, rows in rows_of for row in rows])
    return [{row.id: _record(kind, row, firms) for row in rows} for kind, rows in rows_of]


def _record_rows(session: Session, kind: str, ids: list[int]) -> list:
    model = MODELS[kind]
    return list(session.execute(select(*(getattr(model, c) for c in _COLUMNS[kind])).where(model.id.in_(ids))))


def ensure_tokens_of_any_status(session: Session, kind: str, ids: Sequence[int]) -> None:
    model = MODELS[kind]
    for posting in session.execute(select(model).where(model.id.in_(ids), model.tokens.is_(None))).scalars():
        posting.tokens = _tokenizer.pack(*posting_text(posting.title, posting.description, getattr(posting, "tags", None)))


def explain(side: str, query: Posting, candidate: Posting, score: float, parts: dict[str, float],
            failed_rule: str | None, now: datetime | None = None) -> dict:  # fmt: skip
    """What a page shows for one pair: {"score", "parts", "terms", "passed", "failed", "near_miss"}."""
    result = explain_pair(side, query, candidate, score, parts, failed_rule, now or datetime.now(UTC))
    reasons = result.reasons()
    return {
        "score": score, "parts": parts, "terms": reasons["terms"], "passed": reasons["passed"],
        "failed": reasons.get("failed"), "near_miss": result.near_miss,
    }  # fmt: skip


@dataclass(frozen=True)
class FactorTable:
    query_ids: list
    candidate_ids: list
    values: np.ndarray  # queries × candidates × factors, in Matcher.factors_ order


def factor_table(session: Session, side: Side, settings: dict, now: datetime | None = None) -> FactorTable:
    """Soft factor values of every published query against every published candidate (to fit weights)."""
    ensure_tokens(session)
    firms = _firms(session)
    matcher = fitted_matcher(session, side, settings, firms)
    queries = load_postings(session, side.query_name, firms)
    values = matcher.factor_values(queries, now)
    return FactorTable([q.id for q in queries], [p.id for p in matcher.index_.postings], values)


@dataclass(frozen=True)
class PairTable:
    query_ids: np.ndarray  # one per pair
    candidate_ids: np.ndarray
    values: np.ndarray  # pairs × features
    features: list[str]


def pair_table(session: Session, side: Side, settings: dict, now: datetime | None = None) -> PairTable:
    """Ranker features of the pairs a rematch would score (first stage, hard rules, mandatory
    requirements, text gate) for every published query of `side`: what a model is trained on."""
    from matcher.engine import FEATURES_ONLY

    ensure_tokens(session)
    firms = _firms(session)
    options = {**settings, f"MATCH_{side.kind.upper()}_MODEL": FEATURES_ONLY}
    matcher = fitted_matcher(session, side, options, firms)
    queries = load_postings(session, side.query_name, firms)
    qrow, cpos, values = matcher.pair_features(queries, now)
    query_ids = np.array([q.id for q in queries], dtype=np.int64)
    candidate_ids = np.array([p.id for p in matcher.index_.postings], dtype=np.int64)
    return PairTable(query_ids[qrow] if len(qrow) else query_ids[:0], candidate_ids[cpos] if len(cpos) else candidate_ids[:0],
                     values, list(matcher.features_))  # fmt: skip
