"""Mentors matched to small firms by the same matcher as orders and packages: a third kind ("mentor").

A small firm is the query: its company description, its published listings and its published service
demands read as one text (titles as its title, the rest as its body, from the postings' kept tokens).
Mentors are the candidates: expertise as title, expertise, bio and their industries' names as body;
the industries and districts they list; `sessions_per_month` as availability (0: takes none now).
`Matcher(kind="mentor")` scores text, title, industry and region (matcher.factors) under the rules
"active" and "takes sessions" (matcher.rules), and explains a pair with the shared terms.

Kept like the other kinds: one `Ranking` row per small firm (posting_kind "firm", posting_id the
company's id: its mentors) and per mentor (posting_kind "mentor": its firms), in generations under the
`RankingState` side "mentor", written in short batches and switched to at once (qianfan.matching's
writers). The side is small (1,000 mentors), so every change ranks it whole: `rank_mentors` after a
full rematch of the other sides, and from `rematch_changed` when a mentor, a small firm or one of its
postings changed since the side was last ranked.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import resource
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from matcher.engine import Matcher, Rankings, explain_pair
from matcher.records import Firm, Posting
from matcher.tokenize import PostingTokens, unpack
from models import Company, Listing, Mentor, RankingState, ServiceDemand
from qianfan import matching
from qianfan.config import instance_dir
from qianfan.reading import names

SIDE = "mentor"
FIRM_KIND, MENTOR_KIND = "firm", "mentor"
SMALL_FIRM = "small_firm"


def matcher_options(settings: dict) -> dict:
    return {
        "kind": SIDE,
        "top_k": int(settings.get("MENTOR_TOP_K", 10)),
        "score_floor": float(settings["MATCH_SCORE_FLOOR"]),
        "near_misses": 0,  # nothing a firm can fix makes a mentor fit: no near misses
        "retrieval_depth": int(settings.get("MENTOR_RETRIEVAL_DEPTH", 100)),
        "reverse_depth": int(settings.get("MENTOR_REVERSE_DEPTH", 100)),
        "text_floor": float(settings["MATCH_TEXT_FLOOR"]),
        "reverse_top_k": int(settings.get("MENTOR_REVERSE_TOP_K", 20)),
        "reverse_near_misses": 0,
        "model": "linear",
    }


def settings_key(settings: dict) -> str:
    import json

    shape = {"options": matcher_options(settings), "words": matching._tokenizer.words_version()}
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:32]


# --- tokens and records -----------------------------------------------------------------------------


def mentor_text(mentor: Mentor) -> tuple[str, str]:
    """(title, body) the matcher reads of a mentor: expertise, then bio and its industries by name."""
    industries = " ".join(names.industry_name(code, "zh") or "" for code in mentor.industry_codes or ())
    return mentor.expertise or "", f"{mentor.expertise or ''} {mentor.bio or ''} {industries}"


def ensure_mentor_tokens(session: Session, since: datetime | None = None) -> int:
    """Tokenise mentors whose kept tokens are missing or stale (caller's transaction); how many were.
    `since`: only mentors without tokens or changed after it (the others were checked then)."""
    stmt = select(Mentor)
    if since is not None:
        stmt = stmt.where(or_(Mentor.tokens.is_(None), Mentor.updated_at > since))
    mentors = session.scalars(stmt)
    changed = 0
    for mentor in mentors:
        title, body = mentor_text(mentor)
        if not matching._tokenizer.is_current(mentor.tokens, title, body):
            # The mentor's updated_at stays: tokens are the matcher's, not an edit.
            session.execute(
                update(Mentor).where(Mentor.id == mentor.id)
                .values(tokens=matching._tokenizer.pack(title, body), updated_at=Mentor.updated_at)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            changed += 1
    return changed


def mentor_record(mentor: Mentor, tokens: PostingTokens | None = None) -> Posting:
    return Posting(
        id=mentor.id, side=MENTOR_KIND, kind=SIDE, owner=Firm(id=f"mentor:{mentor.id}"),
        tokens=tokens or unpack(mentor.tokens or matching._tokenizer.pack(*mentor_text(mentor))),
        status="published" if mentor.active else "closed",
        region_codes=tuple(mentor.region_codes or ()), eligible_industry_codes=tuple(mentor.industry_codes or ()),
        quota_left=int(mentor.sessions_per_month or 0),
    )  # fmt: skip


def load_mentors(session: Session) -> list[Posting]:
    return [mentor_record(m) for m in session.scalars(select(Mentor).order_by(Mentor.id))]


def firm_records(session: Session, company_ids=None, described: dict | None = None) -> list[Posting]:
    """Small firms as the matcher's queries: description, published listings and demands as one text.
    `described`: kept description tokens by company id ({id: (digest, tokens)}, see _DescriptionCache),
    used where the description is unchanged and updated where it changed."""
    stmt = select(Company.id, Company.region_code, Company.industry_code, Company.size_class,
                  Company.founded_on, Company.description).where(Company.kind == SMALL_FIRM)  # fmt: skip
    if company_ids is not None:
        stmt = stmt.where(Company.id.in_(sorted(set(company_ids))))
    firms = list(session.execute(stmt.order_by(Company.id)))
    titles: dict[int, list[str]] = defaultdict(list)
    bodies: dict[int, list[str]] = defaultdict(list)
    wanted = None if company_ids is None else [f.id for f in firms]
    for model, owner in ((Listing, Listing.supplier_id), (ServiceDemand, ServiceDemand.company_id)):
        postings = select(owner, model.tokens).where(model.status == "published")
        if wanted is not None:
            postings = postings.where(owner.in_(wanted))
        for company_id, packed in session.execute(postings.execution_options(yield_per=2000)):
            if not packed:  # never tokenised (rank_mentors tokenises published postings first)
                continue
            tokens = unpack(packed)
            titles[company_id].extend(tokens.title)
            bodies[company_id].extend(tokens.body)
    records = []
    for firm in firms:
        description = _description_tokens(firm.id, firm.description or "", described)
        tokens = PostingTokens(tuple(titles.get(firm.id, ())), tuple(bodies.get(firm.id, ())) + description)
        records.append(Posting(
            id=firm.id, side=FIRM_KIND, kind=SIDE, tokens=tokens,
            owner=Firm(id=firm.id, region_code=firm.region_code, industry_code=firm.industry_code,
                       size_class=firm.size_class, founded_on=firm.founded_on),
        ))  # fmt: skip
    return records


def _description_tokens(company_id: int, text: str, kept: dict | None) -> tuple[str, ...]:
    if kept is None:
        return matching._tokenizer.posting("", text).body
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    found = kept.get(company_id)
    if found is None or found[0] != digest:
        found = kept[company_id] = (digest, matching._tokenizer.posting("", text).body)
    return found[1]


class _DescriptionCache:
    """The small firms' description tokens, kept in the instance folder between rematches.

    Companies have no tokens column; tokenising 6,000 descriptions (and loading jieba to do it) was most of
    the mentor side's time. Kept per database and word lists; a description that changed is tokenised again.
    """

    def __init__(self, db) -> None:
        url = db.engine.url.render_as_string(hide_password=True)
        name = hashlib.sha256(f"{url}|{matching._tokenizer.words_version()}".encode()).hexdigest()[:24]
        self.path = instance_dir() / "matchers" / f"mentor-firms-{name}.pickle"
        try:
            with self.path.open("rb") as handle:
                self.kept = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            self.kept = {}
        self.size = len(self.kept)

    def save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            with temporary.open("wb") as handle:
                pickle.dump(self.kept, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError:
            pass  # the cache only saves time


# --- ranking ----------------------------------------------------------------------------------------


def rank_mentors(db, settings: dict, now: datetime | None = None) -> dict:
    """Rank the mentor side whole: every small firm's mentors and every mentor's firms, made current at once."""
    now = now or datetime.now(UTC)
    clock = matching._Stopwatch()
    wait = float(settings.get("MATCH_LOCK_WAIT_SECONDS", 0))
    with matching.side_lock(db, SIDE, wait_seconds=wait) as heartbeat:
        ranked_at = datetime.now(UTC)
        # The firms' text is their postings' kept tokens: those changed since the other sides last ranked.
        matching.ensure_tokens_in_batches(db, ["listing", "demand"], every=False)
        with db.session_scope() as session:
            state = session.get(RankingState, SIDE)
            same_words = state is not None and state.settings_key == settings_key(settings)
            ensure_mentor_tokens(session, state.finished_at if same_words else None)
        cache = _DescriptionCache(db)
        with db.session_scope() as session:
            mentors = load_mentors(session)
            firms = firm_records(session, described=cache.kept)
            generation = matching.current_generation(session, SIDE)[0]
        cache.save()
        clock.lap("load")
        matcher = Matcher(**matcher_options(settings))
        if mentors:
            rankings = matcher.fit(mentors).rank(firms, now, forward=True, reverse=None)
        else:  # no mentor yet: every firm's list is empty
            rankings = Rankings([], [])
            matcher._load_scorer()
        clock.lap("rank")
        heartbeat()
        new = generation + 1
        kinds = [FIRM_KIND, MENTOR_KIND]
        matching._drop_generations(db, kinds, keep=generation)
        matching._write(db, FIRM_KIND, new, rankings.forward, ranked_at, heartbeat)
        matching._write(db, MENTOR_KIND, new, rankings.reverse, ranked_at, heartbeat)
        with db.engine.begin() as connection:
            connection.execute(
                update(RankingState.__table__).where(RankingState.side == SIDE).values(
                    # When the data was read, not when the writing ended: a change made while this ran
                    # is newer than it, so the next catch-up (is_stale) and token check see it.
                    generation=new, factors=list(matcher.factors_), finished_at=ranked_at,
                    settings_key=settings_key(settings),
                )
            )  # fmt: skip
        matching._drop_generations(db, kinds, keep=new)
        clock.lap("write")
    with_mentor = sum(1 for r in rankings.forward if len(r))
    return {
        "firms": len(firms), "mentors": len(mentors), "firms_with_mentor": with_mentor,
        "matches": sum(len(r) for r in rankings.forward), "seconds": clock.laps,
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }  # fmt: skip


def is_stale(session: Session, settings: dict) -> bool:
    """Whether the mentor side needs ranking: never ranked, other settings, or a mentor, a small firm or
    one of its listings or demands changed since it was."""
    state = session.get(RankingState, SIDE)
    if state is None or state.finished_at is None or state.settings_key != settings_key(settings):
        return True
    latest = [
        session.scalar(select(func.max(Mentor.updated_at))),
        session.scalar(select(func.max(Company.updated_at)).where(Company.kind == SMALL_FIRM)),
        session.scalar(select(func.max(Listing.updated_at))),
        session.scalar(select(func.max(ServiceDemand.updated_at))),
    ]
    return any(moment is not None and moment > state.finished_at for moment in latest)


# --- reading the kept lists ------------------------------------------------------------------------


@dataclass
class MentorRecommendation:
    """One mentor on a firm's list (or one firm on a mentor's), as a page shows it; `reasons` and
    `score_parts` are what webapp.explain reads."""

    kind: ClassVar[str] = SIDE  # the side its score is compared within (qianfan.reading.strength)
    mentor: Mentor
    company: Company
    score: float
    score_parts: dict
    rank: int
    reasons: dict


def kept_list(session: Session, kind: str, owner_id: int) -> matching.RankedEntries | None:
    """The current kept list of a small firm (`kind` "firm") or of a mentor ("mentor")."""
    from models import Ranking

    generation, factors = matching.current_generation(session, SIDE)
    row = session.scalar(
        select(Ranking).where(
            Ranking.posting_kind == kind, Ranking.posting_id == owner_id, Ranking.generation == generation
        )
    )
    return matching._unpack(SIDE, row, factors) if row is not None else None


def explained(session: Session, company: Company, mentor: Mentor, score: float, parts: dict,
              now: datetime | None = None) -> dict:  # fmt: skip
    """Why this mentor fits this firm: shared terms, rules passed (what a page shows)."""
    query = firm_records(session, [company.id])
    result = explain_pair(SIDE, query[0], mentor_record(mentor), score, parts, None, now or datetime.now(UTC))
    reasons = result.reasons()
    return {"terms": reasons["terms"], "passed": reasons["passed"]}


def firm_mentors(session: Session, company: Company, limit: int | None = None) -> list[MentorRecommendation]:
    """A small firm's recommended mentors, best first, each explained."""
    ranked = kept_list(session, FIRM_KIND, company.id)
    if ranked is None or not len(ranked.candidate_ids):
        return []
    count = len(ranked.candidate_ids) if limit is None else min(limit, len(ranked.candidate_ids))
    ids = [int(i) for i in ranked.candidate_ids[:count]]
    mentors = {m.id: m for m in session.scalars(select(Mentor).where(Mentor.id.in_(ids), Mentor.active.is_(True)))}
    if not mentors:
        return []
    query = firm_records(session, [company.id])[0]
    now = datetime.now(UTC)
    found = []
    for i, mentor_id in enumerate(ids):
        mentor = mentors.get(mentor_id)
        if mentor is None:
            continue
        score, parts = float(ranked.scores[i]), ranked.parts_of(i)
        why = explain_pair(SIDE, query, mentor_record(mentor), score, parts, None, now).reasons()
        found.append(MentorRecommendation(mentor, company, score, parts, i + 1,
                                          {"terms": why["terms"], "passed": why["passed"]}))  # fmt: skip
    return found


def score_of(session: Session, company_id: int, mentor_id: int) -> tuple[float, dict] | None:
    """The pair's score and parts on the firm's current list (None: the mentor is not on it)."""
    ranked = kept_list(session, FIRM_KIND, company_id)
    if ranked is None:
        return None
    for i, candidate in enumerate(ranked.candidate_ids):
        if int(candidate) == mentor_id:
            return float(ranked.scores[i]), ranked.parts_of(i)
    return None


def mentor_firm_ids(session: Session, mentor_id: int) -> list[tuple[int, float]]:
    """The small firms a mentor fits best, (company id, score), best first."""
    ranked = kept_list(session, MENTOR_KIND, mentor_id)
    if ranked is None:
        return []
    return [(int(c), float(s)) for c, s in zip(ranked.candidate_ids, ranked.scores, strict=True)]
