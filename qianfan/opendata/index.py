"""Which releases exist, in publication order: one small `Entry` per release, read from a few narrow queries.

The index holds a key per release (its date, what it is about, the ids to load), not the releases: a
page or a streamed export then loads and maps only the rows of its own entries. At programme scale it
is a few thousand tuples.

What counts as a change:
- an order edit after publication is an audit event `update` on the order (`detail.fields` names what
  changed; the earlier values are not kept), later than its `published_at`;
- a contract change is an audit event `update` or `amend` on a contract after it was signed. No page
  writes one yet (a contract's amount and title are fixed once drafted); when renegotiation is built it
  should record `amend` with `detail.fields`, and it is published here without further work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEvent, Contract, Match, Order
from qianfan import localtime

# Orders that were published at some time; `published_at` is set only when one is.
PUBLIC_ORDER_STATUSES = ("published", "closed", "expired", "withdrawn")
ORDER_ENDS = ("closed", "expired", "withdrawn")
# A contract is public once both sides signed it; `cancelled` counts only after signing (signed_on set).
SIGNED_CONTRACT_STATUSES = ("signed", "performing", "completed", "terminated", "cancelled")
CONTRACT_ENDS = ("completed", "terminated", "cancelled")
ORDER_AMENDMENT_ACTIONS = ("update",)
CONTRACT_AMENDMENT_ACTIONS = ("update", "amend")

# Release kinds, in the order they are listed when two share a date.
TENDER, TENDER_AMENDMENT, CONTRACT, CONTRACT_AMENDMENT, CONTRACT_END, TENDER_END = range(6)


@dataclass(frozen=True, order=True)
class Entry:
    """One release to publish. Sorted by date, then order, then kind, then the row it comes from."""

    date: datetime
    order_id: int
    kind: int
    ref: int  # order id (tender kinds), contract id, or audit event id (amendments)
    # (date, order, kind, ref) is unique: what follows does not take part in the order.
    contract_id: int | None = field(default=None, compare=False)
    status: str | None = field(default=None, compare=False)  # the status an end release publishes
    amends: str | None = field(default=None, compare=False)  # an amendment: the `suffix` it amends

    @property
    def suffix(self) -> str:
        """The release id without its ocid; stable: the same release has it in every export."""
        if self.kind == TENDER:
            return "tender"
        if self.kind == TENDER_END:
            return f"tender-{self.status}"
        if self.kind == TENDER_AMENDMENT:
            return f"tender-amendment-{self.ref}"
        if self.kind == CONTRACT:
            return f"contract-{self.contract_id}"
        if self.kind == CONTRACT_AMENDMENT:
            return f"contract-{self.contract_id}-amendment-{self.ref}"
        return f"contract-{self.contract_id}-{self.status}"


def signed_at(confirmed: Iterable[datetime | None], signed_on: date) -> datetime:
    """When a contract was signed: the second confirmation, if it fell on `signed_on` (local);
    else the start of that local day (contracts recorded with an earlier signing day)."""
    instants = [c for c in confirmed if c is not None]
    last = max(instants) if instants else None
    if last is not None and localtime.local_date(last) == signed_on:
        return localtime.as_utc(last)
    return localtime.local_date_to_utc(signed_on)


def _last_status_events(session: Session, object_type: str, statuses: tuple[str, ...]) -> dict:
    """(object id, status) -> when the object last moved to that status."""
    rows = session.execute(
        select(AuditEvent.object_id, AuditEvent.to_status, func.max(AuditEvent.at))
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.action == "status",
            AuditEvent.to_status.in_(statuses),
        )
        .group_by(AuditEvent.object_id, AuditEvent.to_status)
    )
    return {(object_id, status): at for object_id, status, at in rows}


def build_index(session: Session, since: datetime | None = None) -> list[Entry]:
    """Every public release, oldest first; only those dated at or after `since` when given."""
    orders = {
        order_id: (published_at, status, updated_at)
        for order_id, published_at, status, updated_at in session.execute(
            select(Order.id, Order.published_at, Order.status, Order.updated_at).where(
                Order.published_at.is_not(None), Order.status.in_(PUBLIC_ORDER_STATUSES)
            )
        )
    }
    entries: list[Entry] = []
    order_ends = _last_status_events(session, Order.__tablename__, ORDER_ENDS)
    for order_id, (published_at, status, updated_at) in orders.items():
        entries.append(Entry(localtime.as_utc(published_at), order_id, TENDER, order_id))
        if status in ORDER_ENDS:
            # Demo and imported orders may have ended without a recorded move: their last change then.
            ended = localtime.as_utc(order_ends.get((order_id, status)) or updated_at)
            ended = max(ended, localtime.as_utc(published_at))  # never before its own tender
            entries.append(Entry(ended, order_id, TENDER_END, order_id, status=status))
    for event_id, order_id, at in session.execute(
        select(AuditEvent.id, AuditEvent.object_id, AuditEvent.at).where(
            AuditEvent.object_type == Order.__tablename__,
            AuditEvent.action.in_(ORDER_AMENDMENT_ACTIONS),
        )
    ):
        if order_id in orders and localtime.as_utc(at) > localtime.as_utc(orders[order_id][0]):
            entries.append(Entry(localtime.as_utc(at), order_id, TENDER_AMENDMENT, event_id))

    contracts = session.execute(
        select(
            Contract.id, Match.order_id, Contract.buyer_confirmed_at, Contract.supplier_confirmed_at,
            Contract.signed_on, Contract.status, Contract.updated_at,
        )  # fmt: skip
        .join(Match, Match.id == Contract.match_id)
        .where(
            Match.kind == "order",
            Contract.signed_on.is_not(None),
            Contract.status.in_(SIGNED_CONTRACT_STATUSES),
        )
    ).all()
    contract_ends = _last_status_events(session, Contract.__tablename__, CONTRACT_ENDS)
    signed: dict[int, tuple[int, datetime]] = {}
    for contract_id, order_id, buyer_at, supplier_at, signed_on, status, updated_at in contracts:
        if order_id not in orders:
            continue  # the order itself was never published: nothing of it is public
        at = signed_at((buyer_at, supplier_at), signed_on)
        signed[contract_id] = (order_id, at)
        entries.append(Entry(at, order_id, CONTRACT, contract_id, contract_id))
        if status in CONTRACT_ENDS:
            ended = contract_ends.get((contract_id, status)) or updated_at
            entries.append(
                Entry(max(localtime.as_utc(ended), at), order_id, CONTRACT_END, contract_id,
                      contract_id, status=status)
            )  # fmt: skip
    for event_id, contract_id, at in session.execute(
        select(AuditEvent.id, AuditEvent.object_id, AuditEvent.at).where(
            AuditEvent.object_type == Contract.__tablename__,
            AuditEvent.action.in_(CONTRACT_AMENDMENT_ACTIONS),
        )
    ):
        if contract_id in signed and localtime.as_utc(at) > signed[contract_id][1]:
            order_id = signed[contract_id][0]
            entries.append(
                Entry(localtime.as_utc(at), order_id, CONTRACT_AMENDMENT, event_id, contract_id)
            )
    entries.sort()
    entries = _link_amendments(entries)
    if since is not None:
        entries = [entry for entry in entries if entry.date >= since]
    return entries


def _link_amendments(entries: list[Entry]) -> list[Entry]:
    """Give each amendment the id of the release it amends: the tender's or contract's last version."""
    last: dict[tuple, str] = {}
    linked = []
    for entry in entries:
        key = (entry.order_id, entry.contract_id)
        if entry.kind in (TENDER, CONTRACT):
            last[key] = entry.suffix
        elif entry.kind in (TENDER_AMENDMENT, CONTRACT_AMENDMENT):
            entry = replace(entry, amends=last.get(key))
            last[key] = entry.suffix
        linked.append(entry)
    return linked
