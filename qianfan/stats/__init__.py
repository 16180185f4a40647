"""The programme's counters, defined once (`counters`), and `qianfan stats`, which prints them (`cli`).

Entry points kept stable for the web layer and any cache in front of it: `programme_counters(session)`
returns a `ProgrammeCounters`; `COUNTERS` describes each figure and the staff list that shows its rows;
`financing_counters(session)` and `FINANCING_COUNTERS` do the same for the financing zone.
"""

from qianfan.stats.counters import (
    COUNTERS,
    OPEN_NOW,
    PUBLISHED_EVER,
    SIGNED_CONTRACT,
    CounterSpec,
    ProgrammeCounters,
    intentions_signed,
    matched_postings,
    programme_counters,
)
from qianfan.stats.financing import FINANCING_COUNTERS, FinancingCounters, financing_counters

__all__ = [
    "COUNTERS",
    "FINANCING_COUNTERS",
    "FinancingCounters",
    "OPEN_NOW",
    "PUBLISHED_EVER",
    "SIGNED_CONTRACT",
    "CounterSpec",
    "ProgrammeCounters",
    "intentions_signed",
    "matched_postings",
    "financing_counters",
    "programme_counters",
]
