"""What programme staff monitor and export: the dashboard's figures and the filterable lists.

The dashboard holds the PRODUCT.md counters (qianfan.stats), the weeks' trends, breakdowns by industry
section (GB/T 4754 门类) and by district, and the funnel of orders from posted to contract signed. Lists
of orders, listings, companies and contracts share one filter shape (`ListFilters`), one page at a time
(qianfan.paging), and the same rows are exported as tables (ingest.export escapes the cells).

Weeks start on Monday in the programme's time zone (qianfan.localtime; Beijing time by default), not in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, and_, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models import (
    AuditEvent,
    Company,
    Contract,
    Industry,
    Listing,
    Match,
    Order,
    Ranking,
    RankingState,
    Region,
    User,
)
from models.base import utcnow
from models.company import COMPANY_KINDS
from models.deal import CONTRACT_STATUSES
from models.errors import Forbidden, ValidationError
from models.posting import LISTING_KINDS, ORDER_KINDS, POSTING_STATUSES
from qianfan import localtime
from qianfan.paging import Page, PageRequest, paginate
from qianfan.stats import (
    PUBLISHED_EVER,
    SIGNED_CONTRACT,
    FinancingCounters,
    ProgrammeCounters,
    financing_counters,
    programme_counters,
)

WEEKS = 26  # the trend charts cover half a year
TOP_DISTRICTS = 20
EXPORT_MAX_ROWS = 100_000
# The road of an order's match from recommendation to contract; the funnel counts each step.
FUNNEL_PATH = ("interested", "invited", "negotiating", "intention_signed", "contract_signed")
_ENDED = ("declined", "withdrawn", "expired")  # where a deal may end after passing some steps


def N_(message: str) -> str:  # noqa: N802 - the name gettext extraction knows
    """Marks a column title as a message id for the catalogue; the web layer translates it when shown."""
    return message


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise Forbidden("Only programme staff see the programme's reports.")


# ---------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class WeekRow:
    week: date  # the Monday that starts it
    orders: int  # orders published
    listings: int  # listings published
    interested: int  # suppliers' interest expressed
    intentions: int  # 意向签约
    contracts: int  # 正式签约


@dataclass(frozen=True)
class BreakdownRow:
    code: str | None  # 门类 letter or district code; None: not stated
    name: str | None
    orders: int
    orders_value_yuan: Decimal
    listings: int
    contracts: int
    signed_value_yuan: Decimal


@dataclass(frozen=True)
class FunnelStep:
    key: str  # "posted", "matched", then FUNNEL_PATH
    orders: int  # orders with at least one match that reached this step or a later one
    matches: int | None  # matches that reached it (None for "posted")


@dataclass(frozen=True)
class Dashboard:
    counters: ProgrammeCounters
    weeks: list[WeekRow]
    by_industry: list[BreakdownRow]
    by_district: list[BreakdownRow]
    districts_total: int  # districts with any activity; by_district shows the busiest TOP_DISTRICTS
    funnel: list[FunnelStep]
    computed_at: datetime
    financing: FinancingCounters | None = None  # the financing zone (qianfan.stats.financing)


def dashboard(session: Session, actor: User, today: date | None = None) -> Dashboard:
    """Everything the staff dashboard shows, computed from the database now."""
    _require_staff(actor)
    by_district = _by_district(session)
    counters = programme_counters(session)
    return Dashboard(
        counters=counters,
        weeks=_weeks(session, today or localtime.local_today()),
        by_industry=_by_industry(session),
        by_district=by_district[:TOP_DISTRICTS],
        districts_total=len(by_district),
        funnel=_funnel(session, counters),
        computed_at=utcnow(),
        financing=financing_counters(session),
    )


def _week_start(session: Session, column):
    """The Monday (programme's zone) of the week `column` falls in, as an SQL expression."""
    zone = localtime.programme_zone()
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", func.timezone(zone.key, column)), Date)
    # SQLite keeps UTC timestamps as text and knows no zones: the zone's offset now (Beijing has one offset
    # all year; a zone with summer time is off by an hour around its changes). 'weekday 0' moves to the
    # next Sunday (or stays), -6 days: Monday.
    offset = int(localtime.to_local(utcnow()).utcoffset().total_seconds() // 60)
    return func.date(column, f"{offset:+d} minutes", "weekday 0", "-6 days")


def _date_week_start(session: Session, column):
    """As `_week_start`, for a calendar date column (no time of day, no time zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week", column), Date)
    return func.date(column, "weekday 0", "-6 days")


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _weekly(session: Session, week, where, since: date) -> dict[date, int]:
    stmt = select(week, func.count()).where(where).group_by(week)
    return {
        _as_date(w): int(n)
        for w, n in session.execute(stmt)
        if w is not None and _as_date(w) >= since
    }


def _weeks(session: Session, today: date) -> list[WeekRow]:
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=WEEKS - 1)
    # Compare in UTC with a day's margin; the exact local week is decided by _week_start.
    since_ts = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    series = {
        "orders": _weekly(
            session, _week_start(session, Order.published_at), Order.published_at >= since_ts, first
        ),
        "listings": _weekly(
            session,
            _week_start(session, Listing.published_at),
            Listing.published_at >= since_ts,
            first,
        ),
        # When suppliers said they were interested (the audit trail); matches themselves are replaced by
        # every rematch, so their creation dates say little.
        "interested": _weekly(
            session,
            _week_start(session, AuditEvent.at),
            and_(
                AuditEvent.object_type == Match.__tablename__,
                AuditEvent.to_status == "interested",
                AuditEvent.at >= since_ts,
            ),
            first,
        ),
        # Through the status index: only a match that got that far (or ended after it) has the date.
        "intentions": _weekly(
            session,
            _week_start(session, Match.intention_signed_at),
            and_(
                Match.status.in_(("intention_signed", "contract_signed", *_ENDED)),
                Match.intention_signed_at >= since_ts,
            ),
            first,
        ),
        "contracts": _weekly(
            session,
            _date_week_start(session, Contract.signed_on),
            and_(Contract.status.in_(SIGNED_CONTRACT), Contract.signed_on >= first),
            first,
        ),
    }
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    return [WeekRow(w, *(series[key].get(w, 0) for key in series)) for w in weeks]


def _breakdown(session: Session, key, names: dict[str | None, str]) -> list[BreakdownRow]:
    """Rows keyed by `key`, an SQL expression over Company (the firm) or Industry, busiest first."""
    published_order = Order.status.in_(PUBLISHED_EVER)
    orders = {
        k: (int(n), Decimal(v or 0))
        for k, n, v in session.execute(
            select(key, func.count(), func.sum(Order.budget_yuan))
            .select_from(Order)
            .join(Company, Company.id == Order.buyer_id)
            .outerjoin(Industry, Industry.code == Order.industry_code)
            .where(published_order)
            .group_by(key)
        )
    }
    listings = {
        k: int(n)
        for k, n in session.execute(
            select(key, func.count())
            .select_from(Listing)
            .join(Company, Company.id == Listing.supplier_id)
            .outerjoin(Industry, Industry.code == Listing.industry_code)
            .where(Listing.status.in_(PUBLISHED_EVER))
            .group_by(key)
        )
    }
    contracts = {
        k: (int(n), Decimal(v or 0))
        for k, n, v in session.execute(
            select(key, func.count(), func.sum(Contract.amount_yuan))
            .select_from(Contract)
            .join(Company, Company.id == Contract.supplier_id)
            .outerjoin(Match, Match.id == Contract.match_id)
            .outerjoin(Order, Order.id == Match.order_id)
            .outerjoin(Industry, Industry.code == Order.industry_code)
            .where(Contract.status.in_(SIGNED_CONTRACT))
            .group_by(key)
        )
    }
    rows = [
        BreakdownRow(
            code=key,
            name=names.get(key),
            orders=orders.get(key, (0, 0))[0],
            orders_value_yuan=orders.get(key, (0, Decimal(0)))[1],
            listings=listings.get(key, 0),
            contracts=contracts.get(key, (0, 0))[0],
            signed_value_yuan=contracts.get(key, (0, Decimal(0)))[1],
        )
        for key in set(orders) | set(listings) | set(contracts)
    ]
    # Busiest first; "not stated" (None) last whatever its size, so that it never hides the real ones.
    return sorted(
        rows, key=lambda r: (r.code is None, -(r.orders + r.listings + r.contracts), r.code or "")
    )


def _by_industry(session: Session) -> list[BreakdownRow]:
    """By 门类 of the order's (listing's) industry; a contract counts under its order's industry."""
    names = dict(
        session.execute(select(Industry.code, Industry.name).where(Industry.level == 1)).all()
    )
    return _breakdown(session, Industry.section, names)


def _by_district(session: Session) -> list[BreakdownRow]:
    """By district of the firm: the buyer for orders, the supplier for listings and contracts."""
    rows = _breakdown(session, Company.region_code, {})
    codes = [r.code for r in rows if r.code]
    names = dict(
        session.execute(select(Region.code, Region.full_name).where(Region.code.in_(codes))).all()
    )
    return [BreakdownRow(r.code, names.get(r.code, r.code), *_counts(r)) for r in rows]


def _counts(row: BreakdownRow) -> tuple:
    return row.orders, row.orders_value_yuan, row.listings, row.contracts, row.signed_value_yuan


def _funnel(session: Session, counters: ProgrammeCounters) -> list[FunnelStep]:
    """Orders (and their matches) at each step: posted and matched as the counters (qianfan.stats) count
    them, then the deals. A match counts at a step when it is there now, is further
    along the path, or passed through it and was later declined, withdrawn or expired (the audit trail
    says so).

    Only the few matches that moved past 'seen' are read, through the status index; the match table
    itself, with every recommendation's reasons, is never scanned (at programme scale that takes seconds).
    """
    generation = select(RankingState.generation).where(RankingState.side == "order").scalar_subquery()
    matched_pairs = session.scalar(
        select(func.coalesce(func.sum(Ranking.n_matches), 0)).where(
            Ranking.posting_kind == "order", Ranking.generation == generation
        )
    )
    matched = (counters.orders_matched, int(matched_pairs or 0))
    rank = {step: i for i, step in enumerate(FUNNEL_PATH)}
    moved = session.execute(
        select(Match.id, Match.order_id, Match.status).where(
            Match.status.in_((*FUNNEL_PATH, *_ENDED)), Match.order_id.is_not(None)
        )
    ).all()
    furthest = {match_id: rank.get(status, -1) for match_id, _order, status in moved}
    ended = [match_id for match_id, _order, status in moved if status in _ENDED]
    for start in range(0, len(ended), 500):
        passed = session.execute(
            select(AuditEvent.object_id, AuditEvent.to_status).where(
                AuditEvent.object_type == Match.__tablename__,
                AuditEvent.object_id.in_(ended[start : start + 500]),
                AuditEvent.to_status.in_(FUNNEL_PATH),
            )
        )
        for match_id, step in passed:
            furthest[match_id] = max(furthest[match_id], rank[step])
    order_of = {match_id: order_id for match_id, order_id, _status in moved}
    steps = [
        FunnelStep("posted", counters.orders, None),
        FunnelStep("matched", int(matched[0]), int(matched[1])),
    ]
    for i, step in enumerate(FUNNEL_PATH):
        reached = [match_id for match_id, at in furthest.items() if at >= i]
        steps.append(FunnelStep(step, len({order_of[m] for m in reached}), len(reached)))
    return steps


# ---------------------------------------------------------------- lists and exports


@dataclass(frozen=True)
class ListFilters:
    """What a staff list is narrowed to; every field is optional."""

    q: str | None = None  # words in the title or the firm's name (companies: name or credit code)
    status: str | None = None
    kind: str | None = None
    section: str | None = None  # GB/T 4754 门类 letter
    region: str | None = None  # a region code or its prefix: "11" Beijing, "110108" Haidian


@dataclass(frozen=True)
class Column:
    title: str  # English msgid; the web layer translates it
    value: Callable  # row → cell value
    is_label: bool = False  # a status or kind code, shown through the UI's labels


@dataclass(frozen=True)
class ReportSpec:
    model: type
    statuses: tuple[str, ...]
    kinds: tuple[str, ...]
    sort_columns: dict
    columns: tuple[Column, ...]
    # A status filter value that stands for several statuses, as the counters (qianfan.stats) count them:
    # key → (English title, statuses).
    status_groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def statuses_of(self, status: str) -> tuple[str, ...]:
        """The statuses a status filter value means: a group's, or the one named."""
        return self.status_groups[status][1] if status in self.status_groups else (status,)


POSTING_GROUPS = {"ever_published": (N_("Published at any time (open, closed or expired)"), PUBLISHED_EVER)}
CONTRACT_GROUPS = {"signed_or_later": (N_("Signed (signed, performing, completed or terminated)"), SIGNED_CONTRACT)}


def _company_filters(stmt, company_column, filters: ListFilters):
    if filters.region:
        stmt = stmt.where(company_column.region_code.startswith(filters.region.strip()))
    return stmt


def _orders_stmt(filters: ListFilters):
    stmt = select(Order).join(Company, Company.id == Order.buyer_id)
    if filters.q:
        stmt = stmt.where(
            or_(_contains(Order.title, filters.q), _contains(Company.name, filters.q))
        )
    if filters.status:
        stmt = stmt.where(Order.status.in_(REPORTS["orders"][0].statuses_of(filters.status)))
    if filters.kind:
        stmt = stmt.where(Order.kind == filters.kind)
    if filters.section:
        stmt = stmt.join(Industry, Industry.code == Order.industry_code).where(
            Industry.section == filters.section
        )
    return _company_filters(stmt, Company, filters)


def _listings_stmt(filters: ListFilters):
    stmt = select(Listing).join(Company, Company.id == Listing.supplier_id)
    if filters.q:
        stmt = stmt.where(
            or_(_contains(Listing.title, filters.q), _contains(Company.name, filters.q))
        )
    if filters.status:
        stmt = stmt.where(Listing.status.in_(REPORTS["listings"][0].statuses_of(filters.status)))
    if filters.kind:
        stmt = stmt.where(Listing.kind == filters.kind)
    if filters.section:
        stmt = stmt.join(Industry, Industry.code == Listing.industry_code).where(
            Industry.section == filters.section
        )
    return _company_filters(stmt, Company, filters)


def _companies_stmt(filters: ListFilters):
    stmt = select(Company).options(selectinload(Company.qualifications))  # the export lists them
    if filters.q:
        stmt = stmt.where(
            or_(
                _contains(Company.name, filters.q), Company.credit_code == filters.q.strip().upper()
            )
        )
    if filters.kind:
        stmt = stmt.where(Company.kind == filters.kind)
    if filters.section:
        stmt = stmt.join(Industry, Industry.code == Company.industry_code).where(
            Industry.section == filters.section
        )
    return _company_filters(stmt, Company, filters)


def _contracts_stmt(filters: ListFilters):
    stmt = select(Contract).join(Company, Company.id == Contract.supplier_id)
    if filters.q:
        buyer_named = select(Company.id).where(_contains(Company.name, filters.q))
        stmt = stmt.where(
            or_(
                _contains(Contract.title, filters.q),
                _contains(Company.name, filters.q),
                Contract.buyer_id.in_(buyer_named),
            )
        )
    if filters.status:
        stmt = stmt.where(Contract.status.in_(REPORTS["contracts"][0].statuses_of(filters.status)))
    return _company_filters(stmt, Company, filters)


def _contains(column, text: str):
    """`column` contains `text` literally, case-insensitively (% and _ typed by a person match themselves)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


REPORTS: dict[str, tuple[ReportSpec, Callable]] = {
    "orders": (
        ReportSpec(
            Order,
            POSTING_STATUSES,
            ORDER_KINDS,
            {
                "updated_at": Order.updated_at,
                "published_at": Order.published_at,
                "title": Order.title,
                "budget": Order.budget_yuan,
                "buyer": Company.name,
            },
            (
                Column(N_("ID"), lambda o: o.id),
                Column(N_("Title"), lambda o: o.title),
                Column(N_("Buyer"), lambda o: o.buyer.name),
                Column(N_("Kind"), lambda o: o.kind, is_label=True),
                Column(N_("Status"), lambda o: o.status, is_label=True),
                Column(N_("Industry"), lambda o: o.industry_code),
                Column(N_("District"), lambda o: o.buyer.region_code),
                Column(N_("Budget (yuan)"), lambda o: o.budget_yuan),
                Column(N_("Published"), lambda o: o.published_at),
                Column(N_("Deadline"), lambda o: o.deadline),
                Column(N_("Composed demo data"), lambda o: "yes" if o.is_composed else ""),
            ),
            POSTING_GROUPS,
        ),
        _orders_stmt,
    ),
    "listings": (
        ReportSpec(
            Listing,
            POSTING_STATUSES,
            LISTING_KINDS,
            {
                "updated_at": Listing.updated_at,
                "published_at": Listing.published_at,
                "title": Listing.title,
                "capacity": Listing.max_contract_yuan,
                "supplier": Company.name,
            },
            (
                Column(N_("ID"), lambda o: o.id),
                Column(N_("Title"), lambda o: o.title),
                Column(N_("Supplier"), lambda o: o.supplier.name),
                Column(N_("Kind"), lambda o: o.kind, is_label=True),
                Column(N_("Status"), lambda o: o.status, is_label=True),
                Column(N_("Industry"), lambda o: o.industry_code),
                Column(N_("District"), lambda o: o.supplier.region_code),
                Column(N_("Largest contract (yuan)"), lambda o: o.max_contract_yuan),
                Column(N_("Published"), lambda o: o.published_at),
                Column(N_("Composed demo data"), lambda o: "yes" if o.is_composed else ""),
            ),
            POSTING_GROUPS,
        ),
        _listings_stmt,
    ),
    "companies": (
        ReportSpec(
            Company,
            (),
            COMPANY_KINDS,
            {
                "name": Company.name,
                "updated_at": Company.updated_at,
                "founded_on": Company.founded_on,
            },
            (
                Column(N_("ID"), lambda c: c.id),
                Column(N_("Name"), lambda c: c.name),
                Column(N_("Credit code"), lambda c: c.credit_code),
                Column(N_("Kind"), lambda c: c.kind, is_label=True),
                Column(N_("Size"), lambda c: c.size_class),
                Column(N_("Industry"), lambda c: c.industry_code),
                Column(N_("District"), lambda c: c.region_code),
                Column(N_("Founded"), lambda c: c.founded_on),
                Column(N_("Qualifications"), lambda c: "、".join(q.name for q in c.qualifications)),
                Column(N_("Composed demo data"), lambda c: "yes" if c.is_composed else ""),
            ),
        ),
        _companies_stmt,
    ),
    "contracts": (
        ReportSpec(
            Contract,
            CONTRACT_STATUSES,
            (),
            {
                "updated_at": Contract.updated_at,
                "signed_on": Contract.signed_on,
                "amount": Contract.amount_yuan,
                "title": Contract.title,
            },
            (
                Column(N_("ID"), lambda c: c.id),
                Column(N_("Title"), lambda c: c.title),
                Column(N_("Buyer"), lambda c: c.buyer.name),
                Column(N_("Supplier"), lambda c: c.supplier.name),
                Column(N_("Amount (yuan)"), lambda c: c.amount_yuan),
                Column(N_("Status"), lambda c: c.status, is_label=True),
                Column(N_("Buyer confirmed"), lambda c: c.buyer_confirmed_at),
                Column(N_("Supplier confirmed"), lambda c: c.supplier_confirmed_at),
                Column(N_("Signed on"), lambda c: c.signed_on),
            ),
            CONTRACT_GROUPS,
        ),
        _contracts_stmt,
    ),
}


def report_spec(name: str) -> ReportSpec:
    if name not in REPORTS:
        raise ValidationError("Unknown list '%(name)s'.", field="name", name=name)
    return REPORTS[name][0]


def _checked(name: str, filters: ListFilters) -> tuple[ReportSpec, object]:
    spec = report_spec(name)
    if filters.status and filters.status not in (*spec.statuses, *spec.status_groups):
        raise ValidationError("Unknown status '%(status)s'.", field="status", status=filters.status)
    if filters.kind and filters.kind not in spec.kinds:
        raise ValidationError("Unknown kind '%(kind)s'.", field="kind", kind=filters.kind)
    if filters.region and not filters.region.strip().isdigit():
        raise ValidationError("A district is given by its code, e.g. 110108.", field="region")
    return spec, REPORTS[name][1](filters)


def report_page(
    session: Session, actor: User, name: str, filters: ListFilters, request: PageRequest
) -> Page:
    """One page of the list `name` ("orders", "listings", "companies", "contracts") narrowed by `filters`."""
    _require_staff(actor)
    spec, stmt = _checked(name, filters)
    return paginate(session, stmt, request, spec.sort_columns, spec.model.id)


@dataclass(frozen=True)
class Table:
    """Rows to export: English column titles, raw cell values, and which columns hold label codes."""

    titles: list[str]
    rows: list[list]
    label_columns: frozenset[int]


def report_table(
    session: Session, actor: User, name: str, filters: ListFilters, sort: str = ""
) -> Table:
    """Every row of the list `name` under `filters` (at most EXPORT_MAX_ROWS), for CSV or XLSX export."""
    _require_staff(actor)
    spec, stmt = _checked(name, filters)
    total = int(
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    )
    if total > EXPORT_MAX_ROWS:
        raise ValidationError(
            "%(total)s rows match; narrow the filters to at most %(max)s to export them.",
            field="q",
            total=total,
            max=EXPORT_MAX_ROWS,
        )
    key = sort.removeprefix("-")
    column = spec.sort_columns.get(key, spec.model.id)
    ordered = stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), spec.model.id)
    rows = [[c.value(obj) for c in spec.columns] for obj in session.scalars(ordered).unique()]
    labels = frozenset(i for i, c in enumerate(spec.columns) if c.is_label)
    return Table([c.title for c in spec.columns], rows, labels)


def filter_choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The options of the lists' industry-section and district filters: (code, name), by code."""
    sections = session.execute(
        select(Industry.code, Industry.name).where(Industry.level == 1).order_by(Industry.code)
    )
    districts = session.execute(
        select(Region.code, Region.full_name)
        .where(
            Region.code.in_(
                select(Company.region_code).where(Company.region_code.is_not(None)).distinct()
            )
        )
        .order_by(Region.code)
    )
    return {"sections": [tuple(r) for r in sections], "districts": [tuple(r) for r in districts]}
