"""The rules a candidate must pass, each one switchable, each able to say why a candidate failed it.

A rule looks at many (query, candidate) pairs at once, given as a chunk of queries and two arrays
(`qrow`: the pair's query in the chunk, `cpos`: its candidate's position in the index), and answers
with one boolean per pair. Rules marked `fixable` describe something a firm can act on (a missing
certificate, a region not served); a candidate that scores well and fails only one such rule is a
near miss and is shown with that rule's message, e.g. "缺少 ISO 9001".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from matcher.index import CandidateIndex, age_in_years, per_query, timestamp
from matcher.qualifications import missing
from matcher.records import Posting

# Which listing kinds can serve which order kinds.
ORDER_KIND_FITS = {
    "procurement": {"product", "technology", "service"},
    "tech_cooperation": {"technology", "service"},
    "investment": {"product", "technology"},
}

Check = Callable[[CandidateIndex, Sequence[Posting], np.ndarray, np.ndarray, datetime], np.ndarray]
Why = Callable[[Posting, Posting, datetime], tuple[str, str]]


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # "order" or "service"
    zh: str  # what passing means, for people
    en: str
    fixable: bool
    check: Check
    why: Why


SIDE_NAMES = {
    "order": ("订单", "order"),
    "listing": ("供给", "listing"),
    "demand": ("需求", "demand"),
    "package": ("服务包", "package"),
    "firm": ("企业", "firm"),
    "mentor": ("导师", "mentor"),
}


def is_open(posting: Posting, now: datetime) -> bool:
    if posting.status != "published":
        return False
    if posting.deadline is not None and timestamp(posting.deadline) <= timestamp(now):
        return False
    return posting.valid_until is None or posting.valid_until >= now.date()


def _open(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    queries_open = np.array([is_open(q, now) for q in queries], dtype=bool)
    return queries_open[qrow] & index.open_mask(now)[cpos]


def _why_open(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    zh, en = SIDE_NAMES[(candidate if is_open(query, now) else query).side]
    return f"{zh}已截止或未发布", f"The {en} is closed, past its deadline or not published"


def _not_own(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    owners = np.array([index.owner_code.get(q.owner.id, -1) for q in queries], dtype=np.int64)
    return owners[qrow] != index.owners[cpos]


def _why_own(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "同一企业发布", "Posted by the same company"


def kinds_fitting(query: Posting) -> frozenset[str]:
    """The candidate kinds that can serve `query`: listing kinds for an order, its own category otherwise."""
    return (
        frozenset(ORDER_KIND_FITS.get(query.kind, ()))
        if query.side == "order"
        else frozenset((query.kind,))
    )


def _kind_fits(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    kinds = [kinds_fitting(q) for q in queries]
    return per_query(index, "kind", kinds, qrow, cpos, lambda k: np.isin(index.kind, list(k)), bool)


def _why_kind(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return (
        f"类型不符: {query.kind} / {candidate.kind}",
        f"Kinds do not fit: {query.kind} / {candidate.kind}",
    )


def qualification_mask(index: CandidateIndex, query: Posting) -> np.ndarray:
    """Candidates whose firms meet every requirement entry of `query` (any certificate of an entry)."""
    mask = np.ones(index.n, dtype=bool)
    for entry in query.required_qualifications:
        if entry:
            mask &= np.logical_or.reduce([index.holders(need) for need in entry])
    return mask


def _qualifications(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    by_requirements = {q.required_qualifications: q for q in queries}

    def qualified(requirements) -> np.ndarray:
        if not requirements:
            return np.ones(index.n, dtype=bool)
        return qualification_mask(index, by_requirements[requirements])

    values = [q.required_qualifications for q in queries]
    return per_query(index, "qualified", values, qrow, cpos, qualified, bool)


def _why_qualifications(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    held = list(candidate.owner.qualifications)
    lacking = []
    for entry in query.required_qualifications:
        if entry and len(missing(held, list(entry))) == len(entry):
            lacking.append(" 或 ".join(q.label for q in entry))
    text = "; ".join(lacking)
    return f"缺少 {text}", f"Lacks {text}"


def _capacity(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    budgets = np.array([np.nan if q.amount is None else q.amount for q in queries], dtype=float)[qrow]
    amounts = index.amount[cpos]
    with np.errstate(invalid="ignore"):
        enough = amounts >= budgets
    return enough | np.isnan(amounts) | np.isnan(budgets)


def _why_capacity(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return (
        f"可承接金额 {candidate.amount:,.0f} 元低于预算 {query.amount:,.0f} 元",
        f"Largest contract {candidate.amount:,.0f} yuan is below the budget of {query.amount:,.0f} yuan",
    )


def _region(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    served = index.regions_listed

    def serves(region: str | None) -> np.ndarray:
        if not region:
            return np.ones(index.n, dtype=bool)
        return served.empty | served.listing_related(region)

    regions = [q.region_codes[0] if q.region_codes else None for q in queries]
    return per_query(index, "serves", regions, qrow, cpos, serves, bool)


def _why_region(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    region = query.region_codes[0] if query.region_codes else ""
    return f"服务地区不含 {region}", f"Does not serve region {region}"


# Service packages: the demand's firm must be eligible; the package must have quota left.


def _quota(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    return index.quota_left[cpos] > 0


def _why_quota(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "服务包名额已满", "No quota left in the package"


def _why_availability(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "导师暂不接受辅导预约", "The mentor takes no sessions at present"


def _age(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
    ages = np.array([age_in_years(q.owner.founded_on, now.date()) for q in queries], dtype=float)
    limits = index.max_age[cpos]
    return (ages[qrow] <= limits) | np.isinf(limits)


def _why_age(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    years = candidate.max_company_age_years
    if query.owner.founded_on is None:
        return (
            f"成立日期未知 (限成立 {years} 年内)",
            f"Founding date unknown (only firms under {years} years)",
        )
    return f"企业成立超过 {years} 年", f"The firm is older than {years} years"


def _eligible(
    name: str,
    listed: Callable[[CandidateIndex], object],
    attribute: Callable[[Posting], str | None],
):
    """A rule met when the package lists nothing, or lists the query firm's value (or a broader one)."""

    def check(index: CandidateIndex, queries: Sequence[Posting], qrow, cpos, now: datetime) -> np.ndarray:
        codes = listed(index)
        match = codes.listing_exactly if name == "size" else codes.listing_prefix_of
        values = [attribute(q) for q in queries]
        return per_query(index, name, values, qrow, cpos, lambda v: codes.empty | match(v), bool)

    return check


def _why_district(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "所在地区不在服务包适用范围", "The firm's district is not among the package's"


def _why_industry(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "所属行业不在服务包适用范围", "The firm's industry is not among the package's"


def _why_size(query: Posting, candidate: Posting, now: datetime) -> tuple[str, str]:
    return "企业规模不在服务包适用范围", "The firm's size class is not among the package's"


RULES: tuple[Rule, ...] = (
    Rule("open", "order", "订单与供给均有效且未截止", "Order and listing are open", False, _open, _why_open),
    Rule("not_own", "order", "非本企业发布", "Not the firm's own posting", False, _not_own, _why_own),
    Rule("kind", "order", "供给类型符合订单", "Listing kind fits the order", False, _kind_fits, _why_kind),
    Rule("qualifications", "order", "具备所需资质", "Holds the required qualifications", True, _qualifications, _why_qualifications),
    Rule("capacity", "order", "可承接金额覆盖预算", "Can take a contract of this size", True, _capacity, _why_capacity),
    Rule("region", "order", "服务地区覆盖订单地区", "Serves the order's region", True, _region, _why_region),
    Rule("open", "service", "需求与服务包均有效", "Demand and package are open", False, _open, _why_open),
    Rule("not_own", "service", "非本机构发布", "Not the organisation's own posting", False, _not_own, _why_own),
    Rule("kind", "service", "服务类别一致", "Same service category", False, _kind_fits, _why_kind),
    Rule("quota", "service", "服务包尚有名额", "The package has quota left", False, _quota, _why_quota),
    Rule("age", "service", "企业成立年限符合", "Firm age is eligible", True, _age, _why_age),
    Rule(
        "district", "service", "所在地区符合", "District is eligible", True,
        _eligible("district", lambda index: index.regions_listed, lambda q: q.owner.region_code), _why_district,
    ),
    Rule(
        "industry", "service", "所属行业符合", "Industry is eligible", True,
        _eligible("industry", lambda index: index.industries_listed, lambda q: q.owner.industry_code), _why_industry,
    ),
    Rule(
        "size", "service", "企业规模符合", "Size class is eligible", True,
        _eligible("size", lambda index: index.sizes_listed, lambda q: q.owner.size_class), _why_size,
    ),
    # Mentors (a small firm is the query, mentors the candidates): active, and taking sessions.
    Rule("open", "mentor", "导师在册", "The mentor is active", False, _open, _why_open),
    Rule("availability", "mentor", "导师可预约辅导", "The mentor takes sessions", False, _quota, _why_availability),
)  # fmt: skip


def rules_for(kind: str, switches: dict[str, bool] | None = None) -> tuple[Rule, ...]:
    """The rules of `kind` ("order", "service" or "mentor") that are switched on (all are, unless switched off)."""
    switches = switches or {}
    return tuple(r for r in RULES if r.kind == kind and switches.get(r.id, True))


def rule_ids(kind: str) -> list[str]:
    return [r.id for r in RULES if r.kind == kind]


def pair_fails(rule: Rule, query: Posting, candidate: Posting, now: datetime) -> bool:
    """Whether one pair fails a fixable order rule, computed for that pair alone (for explanations:
    a rule is only shown as passed when the pair passes it)."""
    if rule.kind != "order":
        return False
    if rule.id == "qualifications":
        held = list(candidate.owner.qualifications)
        return any(entry and len(missing(held, list(entry))) == len(entry) for entry in query.required_qualifications)
    if rule.id == "capacity":
        return query.amount is not None and candidate.amount is not None and candidate.amount < query.amount
    if rule.id == "region":
        region = query.region_codes[0] if query.region_codes else None
        if not region or not candidate.region_codes:
            return False
        return not any(region.startswith(c) or c.startswith(region) for c in candidate.region_codes)
    return False


NOT_UNDERSTOOD = ("资质要求未能识别, 请人工核对: %s", "Requirement not understood, check it by hand: %s")
