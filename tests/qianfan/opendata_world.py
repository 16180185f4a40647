"""A small programme for the open data tests, made through the same services the pages use.

- order 1 (old): published 2026-01-10, withdrawn 2026-01-20;
- order 2: published, edited after publication (an amendment), a contract drafted, confirmed by both
  sides (signed), performed and completed;
- order 3: published, a contract drafted but confirmed by one side only (pending: not public);
- a draft order, a rejected order: never public.
Contact data sits where a careless mapping would pick it up: people's names, e-mails and phones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from models import AuditEvent, Match, Order, transition
from qianfan import dealroom, deals, postings

BUYER_PERSON = "采购经理王小明"
BUYER_EMAIL = "wang.xiaoming@buyer.example.cn"
SUPPLIER_PERSON = "销售总监李四"
SUPPLIER_EMAIL = "lisi@supplier.example.cn"
PHONE = "13812345678"
DESCRIPTION = f"智能巡检平台建设。联系人：王小明，电话 {PHONE}，邮箱 {BUYER_EMAIL}"
DRAFT_TITLE = "草稿订单不可公开"
REJECTED_TITLE = "被退回的订单不可公开"
PENDING_TITLE = "只有一方确认的合同"
MESSAGE = "这是双方之间的私信内容"

ORDER = {
    "title": "智能巡检平台建设",
    "description": DESCRIPTION,
    "kind": "procurement",
    "budget": "120万元",
    "region": "北京市海淀区",
    "required_qualifications": "ISO 9001",
    "deadline": "2099-09-30",
}


@dataclass
class World:
    buyer: object
    supplier: object
    staff: object
    old: Order
    signed: Order
    pending: Order
    draft: Order
    rejected: Order
    contract_id: int
    amendment_event_id: int


def no_rematch(*_args) -> None:
    """The open data needs no ranked lists: publishing and editing skip the matcher."""


def published(session, buyer, staff, values) -> Order:
    order = postings.save_posting(session, buyer, "order", values, rematch=no_rematch)
    postings.submit_posting(session, buyer, "order", order.id)
    transition(order, "published", actor=staff)
    session.flush()
    return order


def signed_deal(session, order, buyer, supplier, listing, amount="100万元", both=True, keeps_open=True):
    match = Match(kind="order", order=order, listing=listing, score=0.8, rank=1)
    session.add(match)
    session.flush()
    deals.express_interest(session, supplier, match.id)
    deals.invite(session, buyer, match.id)
    deals.accept_invitation(session, supplier, match.id)
    deals.record_intention(session, buyer, match.id)
    contract = deals.create_contract(session, buyer, match.id, amount, keeps_order_open=keeps_open)
    deals.confirm_contract(session, buyer, contract.id)
    if both:
        deals.confirm_contract(session, supplier, contract.id)
    return match, contract


def build_world(session, factory) -> World:
    buyer = factory.user("large_firm", display_name=BUYER_PERSON, email=BUYER_EMAIL)
    supplier = factory.user("small_firm", display_name=SUPPLIER_PERSON, email=SUPPLIER_EMAIL)
    buyer.company.name, supplier.company.name = "华北能源集团有限公司", "海淀智巡科技有限公司"
    supplier.company.credit_code = "91110108551385082Q"
    staff = factory.user("staff")
    listing = factory.listing(supplier=supplier.company, status="published", title="巡检机器人")

    old = published(session, buyer, staff, {**ORDER, "title": "去年的旧订单"})
    postings.withdraw_posting(session, buyer, "order", old.id, "项目取消", rematch=no_rematch)
    signed = published(session, buyer, staff, ORDER)
    postings.save_posting(session, buyer, "order", {**ORDER, "budget": "150万元"}, signed.id,
                          rematch=no_rematch)  # fmt: skip
    amendment = session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "purchase_order",
                                 AuditEvent.object_id == signed.id, AuditEvent.action == "update")
    ).one()  # fmt: skip
    match, contract = signed_deal(session, signed, buyer, supplier, listing)
    dealroom.post_message(session, buyer, match.id, MESSAGE)
    deals.advance_contract(session, supplier, contract.id, "performing")
    deals.advance_contract(session, buyer, contract.id, "completed")

    pending = published(session, buyer, staff, {**ORDER, "title": "第三个订单"})
    second_listing = factory.listing(supplier=supplier.company, status="published", title="巡检软件")
    signed_deal(session, pending, buyer, supplier, second_listing, both=False)

    draft = postings.save_posting(session, buyer, "order", {**ORDER, "title": DRAFT_TITLE},
                                  rematch=no_rematch)  # fmt: skip
    rejected = postings.save_posting(session, buyer, "order", {**ORDER, "title": REJECTED_TITLE},
                                     rematch=no_rematch)  # fmt: skip
    postings.submit_posting(session, buyer, "order", rejected.id)
    transition(rejected, "rejected", actor=staff, reason="信息不全")

    # The old order's life happened in January: its publication and withdrawal are dated then.
    old.published_at = datetime(2026, 1, 10, 1, 0, tzinfo=UTC)
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.object_type == "purchase_order", AuditEvent.object_id == old.id)
        .values(at=datetime(2026, 1, 20, 2, 0, tzinfo=UTC))
    )
    session.commit()
    return World(buyer, supplier, staff, old, signed, pending, draft, rejected, contract.id, amendment.id)
