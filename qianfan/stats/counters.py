"""The programme's counters (PRODUCT.md "What staff monitor"): each defined once, here, in PRODUCT terms.

`COUNTERS` says what every figure means and which staff list shows the same rows; `programme_counters`
computes them all from the database. The staff dashboard, the staff home page, `qianfan stats` and the
dashboard's funnel all read these, so no two places count the same thing two ways.

Words used below:
- *posted*: published by staff at some time, whatever became of it since (open now, closed or expired).
  This is what the programme reports ("700+ orders posted"). *Open now*: published and not yet closed or
  expired; what the lists call 已发布 (status `published`).
- *matched*: a posting whose current ranked list holds at least one match (a candidate that passed every
  rule), or that has a deal row made from a match. Near misses (a candidate that failed one rule, shown to
  the firm with that rule) never count, nor deals made from them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import distinct, func, or_, select, union
from sqlalchemy.orm import Session

from models import (
    Company,
    Contract,
    Listing,
    Match,
    Mentor,
    MentorSession,
    Order,
    Ranking,
    RankingState,
    ServicePackage,
)

# A posting counts as posted once staff have published it, whatever happened to it afterwards.
PUBLISHED_EVER = ("published", "closed", "expired")
OPEN_NOW = ("published",)
SIGNED_CONTRACT = ("signed", "performing", "completed", "terminated")
INTENTION_OR_BEYOND = ("intention_signed", "contract_signed")
PROVIDER_KINDS = ("incubator", "service_org")
# A mentoring session that was accepted: there now, held since, or cancelled after (only an accepted one can be).
MENTOR_ACCEPTED = ("accepted", "held", "cancelled")


def N_(message: str) -> str:  # noqa: N802 - the name gettext extraction knows
    """Marks a message id for the catalogue; the web layer and `qianfan stats` translate it when shown."""
    return message


@dataclass(frozen=True)
class CounterSpec:
    """One counter as people read it: its title, what it counts, and where the same rows are listed."""

    key: str  # field of ProgrammeCounters
    title: str  # English message id
    meaning: str  # English message id: what is counted, in PRODUCT terms
    value_key: str | None = None  # the amount shown with it (a ProgrammeCounters field)
    open_key: str | None = None  # how many of them are open now (a ProgrammeCounters field)
    list_name: str | None = None  # the staff list (qianfan.reports) whose total is this figure
    list_filters: tuple[tuple[str, str], ...] = ()  # that list's filters, e.g. (("status", "ever_published"),)
    open_filters: tuple[tuple[str, str], ...] = ()  # the list's filters for the open-now figure


COUNTERS: tuple[CounterSpec, ...] = (
    CounterSpec(
        "large_firms", N_("Large firms with orders"),
        N_("Large firms with at least one order posted (published at any time)."),
    ),
    CounterSpec(
        "orders", N_("Orders posted"),
        N_("Orders published at any time (open now, closed or expired), and their total budget."),
        value_key="orders_value_yuan", open_key="orders_open",
        list_name="orders", list_filters=(("status", "ever_published"),), open_filters=(("status", "published"),),
    ),
    CounterSpec(
        "listings", N_("Supply listings posted"),
        N_("Small firms' listings published at any time (open now, closed or expired)."),
        open_key="listings_open",
        list_name="listings", list_filters=(("status", "ever_published"),), open_filters=(("status", "published"),),
    ),
    CounterSpec(
        "service_orgs", N_("Incubators and service organisations"),
        N_("Companies registered as incubators or service organisations."),
    ),
    CounterSpec(
        "packages", N_("Service packages posted"),
        N_("Service packages published at any time (open now, closed or expired), and their total value."),
        value_key="packages_value_yuan", open_key="packages_open",
    ),
    CounterSpec(
        "orders_matched", N_("Orders matched"),
        N_("Orders with at least one recommended supplier that passed every rule, or a deal made from one; near misses do not count."),
    ),
    CounterSpec(
        "demands_matched", N_("Service demands matched"),
        N_("Service demands with at least one package that passed every rule, or an application made from one; near misses do not count."),
    ),
    CounterSpec(
        "intentions_signed", N_("Intentions signed"),
        N_("Deals that reached intention signing (意向签约), including those that went on to a contract or ended later."),
    ),
    CounterSpec(
        "contracts_signed", N_("Contracts signed"),
        N_("Contracts confirmed by both sides (signed, performing, completed or terminated), and their total amount."),
        value_key="signed_value_yuan",
        list_name="contracts", list_filters=(("status", "signed_or_later"),),
    ),
    CounterSpec("mentors", N_("Start-up mentors"), N_("Mentors registered by staff or imported, active or not.")),
    CounterSpec(
        "mentors_active", N_("Active mentors"),
        N_("Mentors shown to small firms and taking sessions (active, at least one session a month)."),
    ),
    CounterSpec(
        "mentor_requests", N_("Mentoring requests"),
        N_("Sessions small firms asked mentors for, whatever became of them."),
    ),
    CounterSpec(
        "mentor_sessions_accepted", N_("Mentoring sessions accepted"),
        N_("Requests the mentor accepted: waiting to be held, held, or cancelled after acceptance."),
    ),
    CounterSpec(
        "mentor_sessions_held", N_("Mentoring sessions held"),
        N_("Sessions the mentor recorded as held, with a note."),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ProgrammeCounters:
    large_firms: int
    orders: int  # posted (published at any time)
    orders_open: int
    orders_value_yuan: Decimal
    listings: int
    listings_open: int
    service_orgs: int
    packages: int
    packages_open: int
    packages_value_yuan: Decimal
    orders_matched: int
    demands_matched: int
    intentions_signed: int
    contracts_signed: int
    signed_value_yuan: Decimal
    mentors: int
    mentors_active: int
    mentor_requests: int
    mentor_sessions_accepted: int
    mentor_sessions_held: int

    def as_dict(self) -> dict:
        return asdict(self)


def _count(session: Session, stmt) -> int:
    return int(session.scalar(stmt) or 0)


def _sum(session: Session, stmt) -> Decimal:
    return Decimal(session.scalar(stmt) or 0)


def _postings(session: Session, model, statuses: tuple[str, ...]) -> int:
    return _count(session, select(func.count()).select_from(model).where(model.status.in_(statuses)))


def programme_counters(session: Session) -> ProgrammeCounters:
    """Every counter of COUNTERS, computed from the database now."""
    posted_order = Order.status.in_(PUBLISHED_EVER)
    posted_package = ServicePackage.status.in_(PUBLISHED_EVER)
    signed = Contract.status.in_(SIGNED_CONTRACT)
    return ProgrammeCounters(
        large_firms=_count(session, select(func.count(distinct(Order.buyer_id))).where(posted_order)),
        orders=_postings(session, Order, PUBLISHED_EVER),
        orders_open=_postings(session, Order, OPEN_NOW),
        orders_value_yuan=_sum(session, select(func.sum(Order.budget_yuan)).where(posted_order)),
        listings=_postings(session, Listing, PUBLISHED_EVER),
        listings_open=_postings(session, Listing, OPEN_NOW),
        service_orgs=_count(
            session, select(func.count()).select_from(Company).where(Company.kind.in_(PROVIDER_KINDS))
        ),
        packages=_postings(session, ServicePackage, PUBLISHED_EVER),
        packages_open=_postings(session, ServicePackage, OPEN_NOW),
        packages_value_yuan=_sum(session, select(func.sum(ServicePackage.value_yuan)).where(posted_package)),
        orders_matched=matched_postings(session, "order"),
        demands_matched=matched_postings(session, "demand"),
        intentions_signed=intentions_signed(session),
        contracts_signed=_count(session, select(func.count()).select_from(Contract).where(signed)),
        signed_value_yuan=_sum(session, select(func.sum(Contract.amount_yuan)).where(signed)),
        **mentor_counters(session),
    )


def mentor_counters(session: Session) -> dict[str, int]:
    """The mentors' counters (qianfan.mentors): registered, active, requests, accepted, held."""

    def sessions(*statuses: str) -> int:
        stmt = select(func.count()).select_from(MentorSession)
        return _count(session, stmt.where(MentorSession.status.in_(statuses)) if statuses else stmt)

    active = (Mentor.active.is_(True)) & (Mentor.sessions_per_month > 0)
    return {
        "mentors": _count(session, select(func.count()).select_from(Mentor)),
        "mentors_active": _count(session, select(func.count()).select_from(Mentor).where(active)),
        "mentor_requests": sessions(),
        "mentor_sessions_accepted": sessions(*MENTOR_ACCEPTED),
        "mentor_sessions_held": sessions("held"),
    }


def intentions_signed(session: Session) -> int:
    """Order deals that reached intention signing: there now, past it, or ended after it (the date stays)."""
    return _count(
        session,
        select(func.count())
        .select_from(Match)
        .where(or_(Match.status.in_(INTENTION_OR_BEYOND), Match.intention_signed_at.is_not(None))),
    )


def matched_postings(session: Session, kind: str) -> int:
    """Orders (or service demands) matched by the platform: those whose current ranked list holds at least
    one match, and those with a deal row made from a match. Near misses count in neither."""
    column = Match.order_id if kind == "order" else Match.demand_id
    side = "order" if kind == "order" else "service"
    generation = select(RankingState.generation).where(RankingState.side == side).scalar_subquery()
    listed = select(Ranking.posting_id.label("posting_id")).where(
        Ranking.posting_kind == kind, Ranking.generation == generation, Ranking.n_matches > 0
    )
    acted = select(column.label("posting_id")).where(column.is_not(None), Match.near_miss.is_(False))
    return _count(session, select(func.count()).select_from(union(listed, acted).subquery()))
