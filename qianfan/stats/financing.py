"""The financing zone's counters (金融服务专区), defined once: the dashboard and `qianfan stats` read these.

- *applied*: every financing application made, whatever became of it, and the amounts applied for;
- *confirmed*: applications whose receivable the buyer confirmed (确权), whatever came after;
- *paid*: applications whose money the institution recorded as paid (paid, then perhaps repaid), and the
  amounts paid;
- *hours to money*: from the application to the money recorded as paid, over the paid applications; the
  median of those, and the share of them paid within the seed's 48 hours (None while none is paid).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.financing import FinancingApplication
from qianfan.financing import TARGET_HOURS
from qianfan.stats.counters import N_, CounterSpec

FINANCING_COUNTERS: tuple[CounterSpec, ...] = (
    CounterSpec("financing_applied", N_("Financing applied for"),
                N_("Receivables financing applications made, whatever became of them, and the amounts applied for."),
                value_key="financing_applied_yuan"),
    CounterSpec("financing_confirmed", N_("Receivables confirmed"),
                N_("Applications whose receivable the contract's buyer confirmed (确权), and their amounts."),
                value_key="financing_confirmed_yuan"),
    CounterSpec("financing_paid", N_("Financing paid"),
                N_("Applications whose money the institution recorded as paid (repaid ones too), and the amounts paid."),
                value_key="financing_paid_yuan"),
)  # fmt: skip


@dataclass(frozen=True)
class FinancingCounters:
    financing_applied: int
    financing_applied_yuan: Decimal
    financing_confirmed: int
    financing_confirmed_yuan: Decimal
    financing_paid: int
    financing_paid_yuan: Decimal
    median_hours_to_money: float | None  # None while nothing is paid
    paid_within_target: int  # paid within TARGET_HOURS of the application
    share_within_target: float | None  # of the paid ones, 0..1

    target_hours: int = TARGET_HOURS

    def as_dict(self) -> dict:
        return asdict(self)

    def __getitem__(self, key: str):  # _counters.html reads counters[key]
        return getattr(self, key)


def financing_counters(session: Session) -> FinancingCounters:
    app = FinancingApplication
    applied, applied_yuan = session.execute(select(func.count(), func.sum(app.amount_yuan))).one()
    confirmed, confirmed_yuan = session.execute(
        select(func.count(), func.sum(app.amount_yuan)).where(app.confirmed_at.is_not(None))
    ).one()
    paid_rows = session.execute(select(app.applied_at, app.paid_at, app.paid_amount_yuan).where(app.paid_at.is_not(None))).all()
    hours = [(paid_at - applied_at).total_seconds() / 3600 for applied_at, paid_at, _ in paid_rows]
    within = sum(1 for h in hours if h <= TARGET_HOURS)
    return FinancingCounters(
        financing_applied=int(applied or 0),
        financing_applied_yuan=Decimal(applied_yuan or 0),
        financing_confirmed=int(confirmed or 0),
        financing_confirmed_yuan=Decimal(confirmed_yuan or 0),
        financing_paid=len(paid_rows),
        financing_paid_yuan=sum((Decimal(a or 0) for _, _, a in paid_rows), Decimal(0)),
        median_hours_to_money=round(median(hours), 1) if hours else None,
        paid_within_target=within,
        share_within_target=within / len(hours) if hours else None,
    )
