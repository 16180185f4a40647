"""What each side is recommended, read from the kept ranked lists (qianfan.matching), explained on view.

- A large firm sees an order's candidates: one entry per supplier firm, its best listing first and its
  other fitting listings folded under it (`order_candidates`).
- A small firm sees the open orders recommended for its listings, one entry per order for its best
  listing, and the near misses (`recommended_orders`); when there is none, why (`Coverage`).
- A small firm sees the service packages for its demands (`recommended_packages`); a provider sees the
  small firms' demands for its packages (`package_demands`).

An entry carries the deal row (models.Match) when someone has acted on the pair; otherwise `open_pair`
creates it when a side first acts (opens the deal, expresses interest, invites, applies), with the score
and the explanation it had then, which the deal keeps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from matcher.index import timestamp
from matcher.rules import RULES
from models import Listing, Match, Order, ServiceDemand, ServicePackage, User
from models.base import utcnow
from models.errors import Forbidden, NotFound
from qianfan import matching
from qianfan.paging import MAX_PER_PAGE, Page, PageRequest

# Statuses in which a match is only a suggestion, not yet a deal anyone acted on.
SUGGESTED = ("recommended", "seen")
NEAR_MISSES_SHOWN = 10
SORTS = ("score", "status", "updated_at")


@dataclass
class Recommendation:
    """One entry of a kept list as a page shows it; quacks like a Match for the templates."""

    kind: str  # "order" (order–listing) or "service" (demand–package)
    score: float
    score_parts: dict
    failed_rule: str | None
    order: Order | None = None
    listing: Listing | None = None
    demand: ServiceDemand | None = None
    package: ServicePackage | None = None
    deal: Match | None = None
    ranked_at: datetime | None = None
    rank: int | None = None
    folded: list[Recommendation] = field(default_factory=list)  # the firm's other fitting listings
    reasons: dict = field(default_factory=dict)  # filled for the entries a page shows

    @property
    def id(self) -> int | None:
        return self.deal.id if self.deal else None

    @property
    def near_miss(self) -> bool:
        return self.failed_rule is not None

    @property
    def status(self) -> str:
        return self.deal.status if self.deal else "recommended"

    @property
    def updated_at(self) -> datetime | None:
        return self.deal.updated_at if self.deal else self.ranked_at

    @property
    def query_id(self) -> int:
        return self.order.id if self.kind == "order" else self.demand.id

    @property
    def candidate_id(self) -> int:
        return self.listing.id if self.kind == "order" else self.package.id


@dataclass
class Coverage:
    """Why a firm sees no recommendation: `reason` is "no_postings", "no_text" or "rule"."""

    reason: str
    considered: int = 0
    rule_id: str | None = None
    rule_zh: str = ""
    rule_en: str = ""
    excluded: int = 0


@dataclass
class Recommendations:
    page: Page
    near_misses: list[Recommendation]
    coverage: Coverage | None = None


# --- reading kept lists ---------------------------------------------------------------------------


def _entries(ranked: matching.RankedEntries):
    for i, candidate_id in enumerate(ranked.candidate_ids):
        yield int(candidate_id), float(ranked.scores[i]), ranked.parts_of(i), ranked.failed_rule(i)


def _deals(session: Session, kind: str, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Match]:
    """The deal rows of these (query, candidate) pairs, where someone acted on them.

    One side of a page's pairs is a few postings (one order, or a firm's own listings): the rows are
    read by that side's ids with a plain index lookup (a row-value IN over hundreds of pairs costs
    PostgreSQL ten times as much) and kept when their pair is asked for."""
    if not pairs:
        return {}
    left, right = (Match.order_id, Match.listing_id) if kind == "order" else (Match.demand_id, Match.package_id)
    wanted = set(pairs)
    lefts, rights = {q for q, _ in wanted}, {c for _, c in wanted}
    column, ids = (left, lefts) if len(lefts) <= len(rights) else (right, rights)
    found = {}
    for chunk in _chunks(sorted(ids), 500):
        for match in session.scalars(select(Match).where(Match.kind == kind, column.in_(chunk))):
            pair = (getattr(match, left.key), getattr(match, right.key))
            if pair in wanted:
                found[pair] = match
    return found


def _chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _loaded(session: Session, model, ids, *options) -> dict[int, object]:
    ids = sorted(set(ids))
    found = {}
    for start in range(0, len(ids), 500):
        stmt = select(model).where(model.id.in_(ids[start : start + 500])).options(*options)
        found.update((p.id, p) for p in session.scalars(stmt).unique())
    return found


def _is_open(posting, now: datetime) -> bool:
    if posting is None or posting.status != "published":
        return False
    deadline = getattr(posting, "deadline", None)
    return deadline is None or timestamp(deadline) > timestamp(now)


def _paged(entries: list[Recommendation], request: PageRequest) -> Page:
    key = request.sort_key if request.sort_key in SORTS else "score"

    def sort_value(entry: Recommendation):
        if key == "status":
            return entry.status
        if key == "updated_at":
            return entry.updated_at.timestamp() if entry.updated_at else 0.0
        return entry.score

    # Ties go to the lower candidate id whichever way the list is sorted.
    ordered = sorted(entries, key=lambda e: (sort_value(e), -e.candidate_id), reverse=request.descending)
    per_page = min(max(request.per_page, 1), MAX_PER_PAGE)
    number = min(max(request.page, 1), max(1, ceil(len(ordered) / per_page)))
    effective = PageRequest(number, per_page, ("-" if request.descending else "") + key)
    return Page(ordered[(number - 1) * per_page : number * per_page], len(ordered), effective, SORTS)


def explain_entries(session: Session, entries: list[Recommendation]) -> None:
    """Fill each entry's reasons (shared terms, rules passed, what a near miss lacks): for a page's entries."""
    for kind, query_kind, candidate_kind in (("order", "order", "listing"), ("service", "demand", "package")):
        # Folded listings show a title and a link to their deal page, which explains the pair itself.
        mine = [e for e in entries if e.kind == kind and e.deal is None]
        if not mine:
            continue
        queries, candidates = matching.pair_records(
            session, (query_kind, {e.query_id for e in mine}), (candidate_kind, {e.candidate_id for e in mine})
        )
        for entry in mine:
            query, candidate = queries.get(entry.query_id), candidates.get(entry.candidate_id)
            if query and candidate:
                why = matching.explain(kind, query, candidate, entry.score, entry.score_parts, entry.failed_rule)
                entry.reasons = {"terms": why["terms"], "passed": why["passed"]}
                if why["failed"]:
                    entry.reasons["failed"] = why["failed"]
    for entry in entries:
        if entry.deal is not None:  # a deal keeps the explanation it had when someone acted on it
            entry.reasons = entry.deal.reasons or {}
            entry.score_parts = entry.deal.score_parts or entry.score_parts


# --- the large firm's candidates --------------------------------------------------------------------


def order_candidates(session: Session, user: User, order_id: int, request: PageRequest) -> tuple[Order, Page]:
    """The ranked supplier firms recommended for one of the buyer's orders (staff: any order), best first,
    with the deals already under way on the order (interest shown from the supplier's side too)."""
    order = session.get(Order, order_id)
    if order is None or not (user.is_staff or order.buyer_id == user.company_id):
        raise NotFound("No order %(id)s among yours.", id=order_id)
    ranked = matching.ranked_list(session, "order", order_id)
    # Near misses are shown to the supplier, not here. Only the page's listings are loaded whole: the
    # others are grouped by firm from three columns.
    listed = [(i, int(ranked.candidate_ids[i])) for i in np.flatnonzero(ranked.failed < 0)] if ranked else []
    owners = _published_owners(session, [listing_id for _, listing_id in listed])
    # Every deal row of the order, in one read: those of listed pairs, and those acted on whatever the list says.
    order_deals = list(session.scalars(
        select(Match).options(joinedload(Match.listing).joinedload(Listing.supplier))
        .where(Match.kind == "order", Match.order_id == order_id)
    ).unique())  # fmt: skip
    deals = {match.listing_id: match for match in order_deals}
    entries: list[Recommendation] = []
    by_firm: dict[int, Recommendation] = {}
    index_of: dict[int, int] = {}
    for i, listing_id in listed:
        supplier_id = owners.get(listing_id)
        if supplier_id is None:
            continue
        index_of[listing_id] = i
        entry = Recommendation("order", float(ranked.scores[i]), {}, None, order=order, listing=_Unloaded(listing_id),
                               deal=deals.get(listing_id), ranked_at=ranked.ranked_at)  # fmt: skip
        head = by_firm.get(supplier_id)
        if head is None:
            by_firm[supplier_id] = entry
            entries.append(entry)
        else:
            head.folded.append(entry)
    shown = set(index_of)
    for match in order_deals:
        if match.status not in SUGGESTED and match.listing_id not in shown:
            entries.append(Recommendation("order", match.score, match.score_parts or {}, None, order=order,
                                          listing=match.listing, deal=match))  # fmt: skip
    for rank, entry in enumerate(sorted(entries, key=lambda e: -e.score), start=1):
        entry.rank = rank
    page = _paged(entries, request)
    on_page = [e for head in page.items for e in (head, *head.folded) if isinstance(e.listing, _Unloaded)]
    listings = _loaded(session, Listing, [e.listing.id for e in on_page], joinedload(Listing.supplier))
    for entry in on_page:
        entry.score_parts = ranked.parts_of(index_of[entry.listing.id])
        entry.listing = listings[entry.listing.id]
    explain_entries(session, page.items)
    return order, page


@dataclass(frozen=True)
class _Unloaded:
    """A listing known by id until its entry turns out to be on the page shown."""

    id: int


def _published_owners(session: Session, listing_ids: list[int]) -> dict[int, int]:
    """listing id → supplier id, of those listings that are published."""
    found = {}
    for chunk in _chunks(sorted(set(listing_ids)), 500):
        stmt = select(Listing.id, Listing.supplier_id).where(Listing.id.in_(chunk), Listing.status == "published")
        found.update((row[0], row[1]) for row in session.execute(stmt))
    return found


# --- the small firm's orders ----------------------------------------------------------------------


def _own(session: Session, model, owner_column, company_id: int | None, published: bool = True) -> list[int]:
    stmt = select(model.id).where(owner_column == company_id)
    if published:
        stmt = stmt.where(model.status == "published")
    return list(session.scalars(stmt))


def recommended_orders(session: Session, user: User, request: PageRequest) -> Recommendations:
    """Open orders recommended for the small firm's published listings, one entry per order (for its best
    listing), and the best near misses (orders it fits but for one rule, e.g. a qualification it lacks)."""
    _require_role(user, "small_firm")
    now = utcnow()
    listing_ids = _own(session, Listing, Listing.supplier_id, user.company_id)
    lists = matching.ranked_lists(session, "listing", listing_ids)
    best: dict[int, tuple] = {}
    near: dict[int, tuple] = {}
    for listing_id, ranked in lists.items():
        for order_id, score, parts, failed in _entries(ranked):
            target = near if failed else best
            if order_id not in target or score > target[order_id][0]:
                target[order_id] = (score, parts, failed, listing_id, ranked.ranked_at)
    near = {k: v for k, v in near.items() if k not in best}
    orders = _loaded(session, Order, [*best, *near], joinedload(Order.buyer))
    listings = _loaded(session, Listing, [v[3] for v in (*best.values(), *near.values())])
    pairs = [(o, v[3]) for o, v in (*best.items(), *near.items())]
    deals = _deals(session, "order", pairs)
    # Deals the firm is in on whatever the lists now say: interest it expressed stays on this page.
    for match in session.scalars(
        select(Match).where(Match.kind == "order", Match.listing_id.in_(listing_ids), Match.status == "interested")
    ):  # fmt: skip
        if match.order_id not in best:
            best[match.order_id] = (match.score, match.score_parts or {}, None, match.listing_id, match.updated_at)
            orders.update(_loaded(session, Order, [match.order_id], joinedload(Order.buyer)))
            listings.setdefault(match.listing_id, match.listing)
            deals[(match.order_id, match.listing_id)] = match

    def entry(order_id: int, values: tuple) -> Recommendation:
        score, parts, failed, listing_id, ranked_at = values
        return Recommendation("order", score, parts, failed, order=orders[order_id], listing=listings[listing_id],
                              deal=deals.get((order_id, listing_id)), ranked_at=ranked_at)  # fmt: skip

    def visible(order_id: int, values: tuple) -> bool:
        deal = deals.get((order_id, values[3]))
        suggested_or_interested = deal is None or deal.status in (*SUGGESTED, "interested")
        return _is_open(orders.get(order_id), now) and values[3] in listings and suggested_or_interested

    entries = [entry(o, v) for o, v in best.items() if visible(o, v)]
    near_entries = sorted((entry(o, v) for o, v in near.items() if visible(o, v)), key=lambda e: -e.score)
    near_entries = near_entries[:NEAR_MISSES_SHOWN]
    page = _paged(entries, request)
    explain_entries(session, [*page.items, *near_entries])
    coverage = None if entries else _coverage(session, listing_ids, lists, "order")
    return Recommendations(page, near_entries, coverage)


def _coverage(session: Session, posting_ids: list[int], lists: dict, side: str) -> Coverage:
    """Why a firm's postings have no recommendation: none published, no text in common, or a rule."""
    if not posting_ids:
        return Coverage("no_postings")
    outcomes: Counter = Counter()
    for ranked in lists.values():
        outcomes.update(ranked.outcomes)
    considered = sum(outcomes.values())
    rules = {k: v for k, v in outcomes.items() if k not in ("matched", "below_floor")}
    if not rules:
        return Coverage("no_text", considered=considered)
    rule_id, excluded = max(rules.items(), key=lambda item: (item[1], item[0]))
    rule = next((r for r in RULES if r.kind == side and r.id == rule_id), None)
    return Coverage("rule", considered=considered, rule_id=rule_id, rule_zh=rule.zh if rule else rule_id,
                    rule_en=rule.en if rule else rule_id, excluded=excluded)  # fmt: skip


# --- service packages and demands -----------------------------------------------------------------


def recommended_packages(session: Session, user: User, request: PageRequest) -> Page:
    """Published service packages recommended for the small firm's service demands (not yet applied for)."""
    _require_role(user, "small_firm")
    return _service_page(session, "demand", _own(session, ServiceDemand, ServiceDemand.company_id, user.company_id),
                         request, shown=(*SUGGESTED, "applied", "accepted", "declined"))  # fmt: skip


def package_demands(session: Session, user: User, request: PageRequest) -> Page:
    """For a provider: small firms' demands recommended for its published packages (not yet applied)."""
    _require_role(user, "service_org")
    return _service_page(
        session, "package", _own(session, ServicePackage, ServicePackage.provider_id, user.company_id), request
    )


def _service_page(
    session: Session, kind: str, posting_ids: list[int], request: PageRequest, shown: tuple = SUGGESTED
) -> Page:
    """The matches (not near misses) in the kept lists of these demands or packages, as demand–package entries;
    a pair with a deal only while the deal is in `shown` (the applicant keeps seeing its applications)."""
    lists = matching.ranked_lists(session, kind, posting_ids)
    rows = [(owner, *entry, ranked.ranked_at) for owner, ranked in lists.items()
            for entry in _entries(ranked) if entry[3] is None]  # fmt: skip
    query_is_demand = kind == "demand"
    pairs = [(r[0], r[1]) if query_is_demand else (r[1], r[0]) for r in rows]
    demands = _loaded(session, ServiceDemand, [d for d, _ in pairs], joinedload(ServiceDemand.company))
    packages = _loaded(session, ServicePackage, [p for _, p in pairs], joinedload(ServicePackage.provider))
    deals = _deals(session, "service", pairs)
    entries = []
    for (demand_id, package_id), row in zip(pairs, rows, strict=True):
        demand, package = demands.get(demand_id), packages.get(package_id)
        deal = deals.get((demand_id, package_id))
        if not (demand and package and demand.status == "published" and package.status == "published"):
            continue
        if deal is not None and deal.status not in shown:
            continue
        entries.append(Recommendation("service", row[2], row[3], None, demand=demand, package=package,
                                      deal=deal, ranked_at=row[5]))  # fmt: skip
    page = _paged(entries, request)
    explain_entries(session, page.items)
    return page


# --- a pair's deal row, made when a side first acts on it -------------------------------------------


def open_pair(session: Session, user: User, kind: str, query_id: int, candidate_id: int) -> Match:
    """The deal row of a recommended pair, created from its kept list entry the first time a side (or
    staff) opens it or acts on it; the deal keeps the score and explanation the pair had then."""
    if kind not in ("order", "service"):
        raise NotFound("No such kind of deal.")
    query_model, candidate_model = (Order, Listing) if kind == "order" else (ServiceDemand, ServicePackage)
    query, candidate = session.get(query_model, query_id), session.get(candidate_model, candidate_id)
    if query is None or candidate is None:
        raise NotFound("This pair is not among your recommendations.")
    owners = (query.buyer_id, candidate.supplier_id) if kind == "order" else (query.company_id, candidate.provider_id)
    if not (user.is_staff or user.company_id in owners):
        raise NotFound("This pair is not among your recommendations.")
    return pair_deal(session, kind, query, candidate)


def pair_deal(session: Session, kind: str, query, candidate) -> Match:
    """The deal row of a pair (its kept list entry made into a row the first time); no access check."""
    query_id, candidate_id = query.id, candidate.id
    left, right = (Match.order_id, Match.listing_id) if kind == "order" else (Match.demand_id, Match.package_id)
    existing = session.scalar(select(Match).where(left == query_id, right == candidate_id))
    if existing is not None:
        return existing
    entry = _find_entry(session, kind, query_id, candidate_id)
    if entry is None:
        raise NotFound("This pair is not among your recommendations.")
    score, parts, failed = entry
    recommendation = Recommendation(kind, score, parts, failed)
    if kind == "order":
        recommendation.order, recommendation.listing = query, candidate
    else:
        recommendation.demand, recommendation.package = query, candidate
    explain_entries(session, [recommendation])
    match = Match(kind=kind, score=score, score_parts=parts, reasons=recommendation.reasons,
                  near_miss=failed is not None, status="recommended")  # fmt: skip
    if kind == "order":
        match.order_id, match.listing_id = query_id, candidate_id
    else:
        match.demand_id, match.package_id = query_id, candidate_id
    session.add(match)
    session.flush()
    return match


def _find_entry(session: Session, kind: str, query_id: int, candidate_id: int):
    """(score, parts, failed rule) of the pair in the query's list or the candidate's list."""
    query_kind, candidate_kind = ("order", "listing") if kind == "order" else ("demand", "package")
    for list_kind, owner, other in ((query_kind, query_id, candidate_id), (candidate_kind, candidate_id, query_id)):
        ranked = matching.ranked_list(session, list_kind, owner)
        if ranked is None:
            continue
        for other_id, score, parts, failed in _entries(ranked):
            if other_id == other:
                return score, parts, failed
    return None


def _require_role(user: User, role: str) -> None:
    if user.role != role:
        raise Forbidden("This page is for %(role)s accounts.", role=role)
