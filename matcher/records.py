"""What the matcher reads: postings and the firms behind them, as plain frozen records.

The database layer (qianfan.matching) builds these from its rows; tests and benchmarks build them
directly. One `Posting` type serves all four sides (order, listing, service demand, service package):
fields a side has no use for stay at their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from matcher.qualifications import Qualification
from matcher.tokenize import PostingTokens

SIDES = ("order", "listing", "demand", "package")


@dataclass(frozen=True)
class Firm:
    """The company behind a posting, with what the rules and soft factors need to know of it."""

    id: int | str
    region_code: str | None = None
    industry_code: str | None = None
    size_class: str | None = None
    founded_on: date | None = None
    qualifications: tuple[Qualification, ...] = ()
    # Signed contracts as supplier: amounts delivered, and how many with each buyer (buyer id, count).
    past_amounts: tuple[float, ...] = ()
    past_buyers: tuple[tuple[int | str, int], ...] = ()
    # Signed contracts as supplier with their dates, for history known before an order's date:
    # (buyer id, signed on as a date ordinal or None, the order whose deal it came from or None).
    contracts: tuple[tuple[int | str, int | None, int | str | None], ...] = ()

    @property
    def n_contracts(self) -> int:
        return sum(count for _, count in self.past_buyers) or len(self.past_amounts)


@dataclass(frozen=True)
class Posting:
    """An order, listing, service demand or service package, with its kept tokens.

    `kind` is the order kind, the listing kind, or the service category of a demand or package.
    `amount` is an order's budget, a listing's largest contract, a demand's budget or a package's value.
    `region_codes` is an order's region requirement (one code), the regions a listing serves, or the
    districts a package is open to; empty means anywhere.
    """

    id: int | str
    side: str
    kind: str
    owner: Firm
    tokens: PostingTokens
    status: str = "published"
    deadline: datetime | None = None
    industry_code: str | None = None
    region_codes: tuple[str, ...] = ()
    amount: float | None = None
    # Each entry must be met; an entry naming several certificates is met by any one of them.
    required_qualifications: tuple[tuple[Qualification, ...], ...] = ()
    # Requirements the buyer wrote that name no certificate the parser knows: shown as not understood.
    unparsed_requirements: tuple[str, ...] = ()
    # Fixable rules the buyer made hard for this order ("qualifications", "region"): failing one drops a pair.
    mandatory: frozenset[str] = frozenset()
    # The day the posting was published: history after it is not used to rank it.
    published_on: date | None = None
    # Service packages only.
    quota_left: int | None = None
    valid_until: date | None = None
    max_company_age_years: int | None = None
    eligible_industry_codes: tuple[str, ...] = ()
    eligible_sizes: tuple[str, ...] = field(default=())
