"""Demo financing: composed institutions with accounts, and applications at every stage on signed contracts.

Runs after `qianfan.demo.advance_demo_deals` has signed contracts (`qianfan demo` calls `load_financing_demo`
once). Applications are made on a sample of those contracts, each by its supplier, and walked to one stage:
waiting for confirmation, disputed, confirmed and under review (with a question, with offers), offer accepted,
paid, repaid, withdrawn or cancelled. Times go back from now so the clock from application to money has
figures (some within 48 hours, some not); the audit events carry the same times.
Rows are written directly (the sides are composed firms without accounts), through `transition`.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent, Company, Contract, transition
from models.base import utcnow
from models.financing import FinancingApplication, FinancingChoice, FinancingOffer
from qianfan.accounts import create_user
from qianfan.financing import DEFAULT_MAX_PER_CONTRACT
from qianfan.financing.applications import ANOTHER_OFFER_TAKEN, live_application, unpaid_yuan

# Composed lenders (is_composed): a bank branch, a factoring firm, a leasing firm, a small-loan firm ...
INSTITUTIONS = (
    "千帆示范商业银行中关村支行",
    "京创科技商业保理有限公司",
    "中科融信融资租赁（北京）有限公司",
    "北京海纳科技小额贷款有限公司",
    "汇通供应链金融服务（北京）有限公司",
    "北京瑞丰科创银行海淀支行",
)
# (stage, weight): where each demo application stops.
STAGES = (
    ("applied", 3), ("disputed", 1), ("confirmed", 2), ("asked", 1), ("offered", 2), ("accepted", 1),
    ("paid", 4), ("repaid", 2), ("withdrawn", 1), ("cancelled", 1),
)  # fmt: skip
HOURS_TO_MONEY = (6, 12, 20, 26, 30, 40, 46, 60, 90, 130)
ENDED = ("disputed", "withdrawn", "cancelled", "repaid")  # after these the contract may be financed again
LIVE_FIRST = ("applied", "paid", "accepted", "offered", "asked", "confirmed")  # the live stages, by need
MIN_ROOM = timedelta(days=2)  # a contract is financed in the demo if its deal fits this far back
SHARE_OF_CONTRACTS = 0.3  # of the signed contracts, at least FLOOR and at most CAP get an application
FLOOR, CAP = 12, 400
DISPUTES = ("该合同款项已于上月结清", "发票金额与合同约定不符，待双方核对", "货物尚未验收，应收账款未成立")
DECLINES = ("企业成立时间较短，暂不符合准入要求", "该行业授信额度已满", "合同期限超出我行产品期限")
QUESTIONS = ("请提供最近一期增值税发票及验收单", "请说明回款账户是否为监管账户", "请补充近两年财务报表")
ANSWERS = ("已上传发票及验收单扫描件", "回款账户为我司基本户，可配合设置监管", "已补充，请查阅附件")


@dataclass
class FinancingDemo:
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list = field(default_factory=list)  # qianfan.demo.DemoAccount


def load_financing_demo(session: Session, rng: random.Random, *, now: datetime | None = None) -> FinancingDemo:
    """Institutions, their accounts, and applications at every stage on the demo's signed contracts."""
    from qianfan.demo import DemoAccount

    now = now or utcnow()
    result = FinancingDemo()
    banks = [Company(name=name, kind="financial", is_composed=True, size_class="large", region_code=None)
             for name in INSTITUTIONS]  # fmt: skip
    session.add_all(banks)
    session.flush()
    for n, bank in enumerate(banks[:3], 1):
        password = secrets.token_urlsafe(9)
        create_user(session, username=f"demo-bank{n}", password=password, role="financial_institution",
                    company=bank, display_name=f"信贷经理{n}", company_admin=True)  # fmt: skip
        result.accounts.append(DemoAccount(f"demo-bank{n}", password, "financial_institution", bank.name))
    contracts = [
        c for c in session.scalars(
            select(Contract).where(Contract.status.in_(("signed", "performing", "completed")), Contract.amount_yuan > 0)
            .order_by(Contract.id)
        )
        if _room(c, now) >= MIN_ROOM
    ]  # fmt: skip
    size = min(len(contracts), CAP, max(FLOOR, int(len(contracts) * SHARE_OF_CONTRACTS)))
    chosen = sorted(rng.sample(contracts, size), key=lambda c: c.id)
    if not chosen:
        return result
    # The demo signs its contracts at load time; these were signed earlier, so that financing can follow.
    free_from = {c.id: _sign_earlier(session, rng, c, now) for c in chosen}
    weighted = [s for s, weight in STAGES for _ in range(weight)]
    made: list[tuple[FinancingApplication, str]] = []

    def fits(contract: Contract) -> bool:
        return live_application(session, contract.id) is None and unpaid_yuan(session, contract) > 0 \
            and now - free_from[contract.id] >= timedelta(hours=36)  # fmt: skip

    def walk(contract: Contract, stage: str) -> None:
        application = _walk(session, rng, contract, banks, stage, free_from[contract.id], now)
        session.flush()
        free_from[contract.id] = _last_step(application)
        made.append((application, stage))
        result.counts[stage] = result.counts.get(stage, 0) + 1

    # Every stage at least once, each on the contract with the most time left: the ended ones first (an
    # ended application holds no receivable, so another may follow it on the same contract: the small demo
    # has fewer contracts than stages), the live ones last; then one drawn stage on each contract left.
    for stage in (*ENDED, *LIVE_FIRST):
        if candidates := [c for c in chosen if fits(c)]:
            walk(max(candidates, key=lambda c: now - free_from[c.id]), stage)
    used = {a.contract_id for a, _ in made}
    for contract in chosen:
        if contract.id not in used and fits(contract):
            walk(contract, rng.choice(weighted))
    session.flush()
    result.accounts += _firm_accounts(session, made)
    result.counts["institutions"] = len(banks)
    return result


def _room(contract: Contract, now: datetime) -> timedelta:
    """How far back the contract's deal may be moved: not before its order and listing were published."""
    match = contract.match
    published = [p.published_at for p in (match.order, match.listing) if match and p.published_at] if match else []
    return now - max(published) if published else timedelta(days=30)  # no posting to come after


def _sign_earlier(session: Session, rng: random.Random, contract: Contract, now: datetime) -> datetime:
    """Move the contract's deal (its match's and contract's history, intention, confirmations, signing day)
    back by the same span, keeping its order; returns when the contract was then signed."""
    from qianfan.localtime import local_date

    room_days = _room(contract, now).total_seconds() / 86400
    signed_at = now - timedelta(days=rng.uniform(MIN_ROOM.days - 0.5, max(MIN_ROOM.days - 0.5, min(room_days - 0.5, 45))))
    shift = (contract.buyer_confirmed_at or now) - signed_at
    contract.buyer_confirmed_at = signed_at
    contract.supplier_confirmed_at = signed_at
    contract.signed_on = local_date(signed_at)
    about = [(contract.__tablename__, contract.id)]
    if contract.match is not None:
        about.append((contract.match.__tablename__, contract.match.id))
        if contract.match.intention_signed_at is not None:
            contract.match.intention_signed_at -= shift
    for object_type, object_id in about:
        for event in session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        ):
            event.at -= shift
    return signed_at


def _last_step(application: FinancingApplication) -> datetime:
    times = [application.applied_at, application.confirmed_at, application.accepted_at, application.paid_at,
             application.repaid_at]  # fmt: skip
    return max(t for t in times if t is not None) + timedelta(hours=1)


def _at(event: AuditEvent, when: datetime) -> datetime:
    event.at = when
    return when


def _walk(session: Session, rng: random.Random, contract: Contract, banks: list[Company], stage: str,
          start: datetime, now: datetime) -> FinancingApplication:  # fmt: skip
    unpaid = unpaid_yuan(session, contract)
    amount = min(unpaid * Decimal(str(rng.choice((0.3, 0.5, 0.6, 0.8, 1.0)))), DEFAULT_MAX_PER_CONTRACT)
    amount = min(max(amount.quantize(Decimal("1000")), Decimal("1000")), unpaid)
    everyone = rng.random() < 0.3
    picked = [] if everyone else rng.sample(banks, rng.randint(1, 3))
    # Money within 48 hours for most paid ones, as the seed promises "at best"; some take days.
    window = (now - start).total_seconds() / 3600 - 24  # hours left, keeping a day's margin before now
    hours_to_money = rng.choice([h for h in HOURS_TO_MONEY if h <= window * 0.8] or [max(1, int(window / 2))])
    # After the contract was signed (or its last application ended), leaving time for the money.
    latest = now - timedelta(hours=hours_to_money + 24)
    applied_at = start + (latest - start) * (rng.uniform(0.02, 0.15) if stage in ENDED else rng.uniform(0.05, 0.9))
    application = FinancingApplication(
        contract_id=contract.id, applicant_id=contract.supplier_id, buyer_id=contract.buyer_id, amount_yuan=amount,
        all_institutions=everyone, status="applied", applied_at=applied_at,
        choices=[FinancingChoice(institution_id=b.id) for b in picked],
        note=rng.choice((None, "用于采购原材料和支付项目人员工资", "补充流动资金，保障合同按期交付")),
    )  # fmt: skip
    session.add(application)
    session.flush()
    session.add(AuditEvent(action="create", object_type=application.__tablename__, object_id=application.id,
                           to_status="applied", at=applied_at, detail={"amount_yuan": str(amount)}))  # fmt: skip
    if stage == "applied":
        return application
    if stage == "disputed":
        _at(transition(application, "disputed", reason=rng.choice(DISPUTES)), applied_at + timedelta(hours=5))
        return application
    if stage == "withdrawn" and rng.random() < 0.5:
        _at(transition(application, "withdrawn", reason="已通过其他渠道解决资金"), applied_at + timedelta(hours=3))
        return application
    confirmed_at = applied_at + timedelta(hours=min(4, hours_to_money / 3))
    gap = timedelta(hours=min(6, hours_to_money / 2))  # from the confirmation to the accepted offer
    application.confirmed_at = _at(transition(application, "confirmed"), confirmed_at)
    lenders = banks if everyone else picked
    offers = []
    for n, bank in enumerate(lenders[:3]):
        offer = FinancingOffer(application=application, institution_id=bank.id, status="reviewing")
        session.add(offer)
        session.flush()
        if stage == "confirmed":
            continue
        if stage == "asked" and n == 0:
            offer.question = rng.choice(QUESTIONS)
            _at(transition(offer, "info_requested"), confirmed_at + gap * 0.2)
            continue
        if n > 0 and rng.random() < 0.3:
            _at(transition(offer, "declined", reason=rng.choice(DECLINES)), confirmed_at + gap * 0.4)
            continue
        offer.amount_yuan = (amount * Decimal(str(rng.choice((0.8, 0.9, 1.0))))).quantize(Decimal("1000"))
        offer.rate_percent = Decimal(str(rng.choice((3.85, 4.2, 4.35, 4.8, 5.5))))
        offer.term_days = rng.choice((90, 180, 360))
        offer.offered_at = _at(transition(offer, "offered"), confirmed_at + gap * (0.3 + 0.2 * n))
        offers.append(offer)
    if stage in ("confirmed", "asked", "offered"):
        return application
    if stage == "withdrawn" or not offers:
        when = confirmed_at + timedelta(hours=6)
        _at(transition(application, "withdrawn", reason="已通过其他渠道解决资金"), when)
        for offer in application.offers:
            if offer.status in ("reviewing", "info_requested", "offered"):
                _at(transition(offer, "lapsed", reason="融资申请已结束"), when)
        return application
    taken = offers[0]
    accepted_at = confirmed_at + gap
    application.accepted_at = _at(transition(application, "accepted"), accepted_at)
    _at(transition(taken, "accepted"), accepted_at)
    for offer in application.offers:
        if offer is not taken and offer.status in ("reviewing", "info_requested", "offered"):
            _at(transition(offer, "lapsed", reason=ANOTHER_OFFER_TAKEN), accepted_at)
    if stage == "accepted":
        return application
    if stage == "cancelled":
        _at(transition(application, "cancelled", reason="终审未通过：核心企业授信额度不足"), accepted_at + timedelta(hours=8))
        return application
    paid_at = min(applied_at + timedelta(hours=hours_to_money), now)
    application.paid_at = _at(transition(application, "paid"), paid_at)
    application.paid_amount_yuan = taken.amount_yuan
    if stage == "repaid":
        left = (now - paid_at).total_seconds() / 86400
        repaid_at = paid_at + timedelta(days=rng.uniform(0.5, max(0.5, min(20, left / 3))))
        application.repaid_at = _at(transition(application, "repaid"), min(repaid_at, now))
    return application


def _firm_accounts(session: Session, made: list[tuple[FinancingApplication, str]]) -> list:
    """Logins for one firm with offers to accept and for one buyer with a receivable to confirm."""
    from qianfan.demo import DemoAccount

    accounts = []
    wanted = (("demo-fin-firm", "small_firm", "applicant_id", ("offered", "asked", "confirmed")),
              ("demo-fin-buyer", "large_firm", "buyer_id", ("applied",)))  # fmt: skip
    for username, role, column, stages in wanted:
        application = next((a for a, stage in made if stage in stages), None)
        if application is None:
            continue
        company = session.get(Company, getattr(application, column))
        password = secrets.token_urlsafe(9)
        create_user(session, username=username, password=password, role=role, company=company)
        accounts.append(DemoAccount(username, password, role, company.name))
    return accounts
