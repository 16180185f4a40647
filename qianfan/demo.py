"""Demo data that looks like the programme: real large-firm orders, composed firms, offers and demands.

`load_demo(session, scale, seed)` fills an initialised database (reference tables loaded):
- large firms and their orders come from the real notices (ingest.notices), `is_composed=False`; at a
  scale that needs more orders than the notices give, the extra ones are variants of real orders (a later
  phase or batch of the same project, budget and deadline varied) and are marked composed;
- small firms, their listings and service demands, incubators and service organisations and their
  service packages are composed from qianfan.demo_vocabulary, the industry descriptions and the
  procurement catalogue, deterministic for a seed, and all marked `is_composed=True`;
- start-up mentors are composed by qianfan.mentors.demo (1,000 at programme scale), marked composed;
- demo accounts get passwords generated at load time, returned to be printed, never stored in the repo.

Dates are moved so that the newest notice was published on the load day, which keeps most orders
open; orders whose deadline is still past are loaded as expired. Rows are written with bulk
`insert()` in batches, so `programme` loads in seconds and `10x` in bounded memory.
`advance_demo_deals` walks a sample of the matching engine's matches through the deal lifecycle.
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ingest.credit_code import check_character
from ingest.notices import OrderRecord, convert_notices, read_notice_files, region_codes_from_rows
from ingest.values import CHINA_TZ
from models import (
    AuditEvent,
    Company,
    CompanyQualification,
    Contract,
    Industry,
    Listing,
    Match,
    Order,
    ProcurementCategory,
    Region,
    ServiceDemand,
    ServicePackage,
    transition,
)
from models.errors import DomainError
from qianfan import demo_vocabulary as vocab
from qianfan.accounts import create_user

DEMO_ACTION = "demo_load"
BATCH = 5000


@dataclass(frozen=True)
class Scale:
    orders: int
    small_firms: int
    listings: int
    providers: int
    packages: int
    demands: int


SCALES = {
    "small": Scale(orders=40, small_firms=60, listings=150, providers=12, packages=40, demands=100),
    # The seed's quarter: 170+ large firms, 700+ orders, 20,000+ listings, 400+ providers, 17,000+ demands.
    "programme": Scale(
        orders=700,
        small_firms=6_000,
        listings=20_000,
        providers=400,
        packages=2_000,
        demands=17_000,
    ),
    "10x": Scale(
        orders=7_000,
        small_firms=60_000,
        listings=200_000,
        providers=4_000,
        packages=20_000,
        demands=170_000,
    ),
}
# What most postings look like after screening; the rest wait for staff or were sent back.
POSTING_STATUS_WEIGHTS = (("published", 85), ("submitted", 8), ("draft", 4), ("rejected", 3))
VARIANT_PHASES = ("二期", "三期", "扩容", "续期", "第二批", "第三批", "补充", "升级改造")
OPERATOR_INDUSTRIES = {
    "中国移动": "6312",
    "中国电信": "6311",
    "中国联通": "6311",
    "中国铁塔": "6319",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    company: str | None


@dataclass
class DemoSummary:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[DemoAccount] = field(default_factory=list)
    set_aside_notices: int = 0


def demo_loaded(session: Session) -> AuditEvent | None:
    """The record of an earlier demo load into this database, if any."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == DEMO_ACTION).limit(1)
    ).first()


def load_demo(
    session: Session, scale: str = "small", seed: int = 1, *, today: date | None = None
) -> DemoSummary:
    """Compose and insert the demo at `scale`; deterministic for `seed` (and `today`) except passwords."""
    if scale not in SCALES:
        raise DomainError(
            "Unknown demo scale '%(scale)s'; choose one of %(scales)s.",
            scale=scale,
            scales=", ".join(SCALES),
        )
    earlier = demo_loaded(session)
    if earlier is not None:
        raise DomainError(
            "This database already holds demo data (scale %(scale)s, seed %(seed)s); load the demo into a "
            "fresh database instead (delete the SQLite file or point QIANFAN_DATABASE_URL elsewhere).",
            scale=(earlier.detail or {}).get("scale", "?"),
            seed=(earlier.detail or {}).get("seed", "?"),
        )
    if not session.scalar(select(func.count()).select_from(Region)):
        raise DomainError("The reference tables are empty; run `qianfan init-db` first.")
    composer = _Composer(session, SCALES[scale], seed, today or date.today())
    summary = DemoSummary(scale=scale, seed=seed)
    summary.set_aside_notices = composer.load_orders(summary.counts)
    composer.load_small_firms(summary.counts)
    composer.load_listings(summary.counts)
    composer.load_providers_and_packages(summary.counts)
    composer.load_demands(summary.counts)
    summary.accounts = composer.create_accounts()
    # Start-up mentors (千名创业导师), composed, with a few logins and sessions at every stage.
    from qianfan.mentors.demo import load_demo_mentors

    for username, password in load_demo_mentors(session, scale, seed, summary.counts):
        summary.accounts.append(DemoAccount(username, password, "mentor", None))
    summary.counts["users"] = len(summary.accounts)
    session.add(
        AuditEvent(
            action=DEMO_ACTION,
            object_type="demo",
            detail={"scale": scale, "seed": seed, **summary.counts},
        )
    )
    session.flush()
    return summary


def _batched(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert(session: Session, model, rows: Iterable[dict]) -> int:
    """Bulk-insert `rows` in batches with Core executemany: no ORM objects, no per-row RETURNING."""
    count = 0
    for chunk in _batched(rows):
        session.execute(insert(model.__table__), chunk)
        count += len(chunk)
    return count


def _insert_returning_ids(session: Session, model, rows: Iterable[dict]) -> list[int]:
    ids: list[int] = []
    for chunk in _batched(rows):
        table = model.__table__
        ids.extend(
            session.scalars(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk
            )
        )
    return ids


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _status(rng: random.Random) -> tuple[str, str | None]:
    status = _weighted(rng, POSTING_STATUS_WEIGHTS)
    return status, (rng.choice(vocab.REJECTION_REASONS) if status == "rejected" else None)


def _round_yuan(value: float, step: int = 1000) -> Decimal:
    return Decimal(max(step, int(round(value / step)) * step))


def _org_code(body: str) -> str:
    """GB 11714 organisation code check character for an 8-character body of digits."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class _Firm:
    id: int
    name: str
    profile: vocab.Profile
    industry_code: str
    region_code: str
    size_class: str
    founded_on: date


class _Composer:
    """Holds the reference lookups and the random streams; each `load_*` writes one part of the demo."""

    def __init__(self, session: Session, scale: Scale, seed: int, today: date) -> None:
        self.session = session
        self.scale = scale
        self.seed = seed
        self.today = today
        self.now = datetime.combine(today, time(9, 0), tzinfo=CHINA_TZ)
        self.industries = dict(session.execute(select(Industry.code, Industry.name)).all())
        self.industry_descriptions = dict(
            session.execute(
                select(Industry.code, Industry.description).where(Industry.level == 4)
            ).all()
        )
        self.region_rows = session.execute(select(Region.full_name, Region.code)).all()
        self.districts_by_province: dict[str, list[str]] = {}
        for _name, code in sorted(self.region_rows, key=lambda row: row[1]):
            if len(code) == 6:
                self.districts_by_province.setdefault(code[:2], []).append(code)
        self.catalogue = session.execute(
            select(ProcurementCategory.code, ProcurementCategory.name).where(
                ProcurementCategory.level >= 2
            )
        ).all()
        self.profiles = self._checked_profiles()
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set(
            session.scalars(select(Company.credit_code).where(Company.credit_code.is_not(None)))
        )
        self.records: list[OrderRecord] = []
        self.small_firms: list[_Firm] = []

    def rng(self, part: str) -> random.Random:
        """One random stream per part, so changing how one part is composed leaves the others as they were."""
        return random.Random(f"{self.seed}:{part}")

    def _checked_profiles(self) -> list[tuple[vocab.Profile, list[str]]]:
        """Each profile with its catalogue item names; a code missing from the reference data is a bug here."""
        out = []
        for profile in vocab.PROFILES:
            missing = [code for code in profile.industries if code not in self.industries]
            items = sorted(
                {
                    name.split(" ")[0]
                    for code, name in self.catalogue
                    if code.startswith(profile.catalogue)
                }
            )
            if missing or not items:
                raise DomainError(
                    "Demo profile %(word)s does not fit the reference data (missing %(missing)s).",
                    word=profile.word,
                    missing=", ".join(missing) or "catalogue items",
                )
            out.append((profile, items))
        return out

    # Large firms and orders ---------------------------------------------------------------------------

    def load_orders(self, counts: dict[str, int]) -> int:
        records, set_aside = convert_notices(
            read_notice_files(), region_codes_from_rows(self.region_rows)
        )
        self.records = records
        rng = self.rng("orders")
        wanted = self.scale.orders
        by_buyer: dict[str, list[int]] = {}
        for index, record in enumerate(records):
            by_buyer.setdefault(record.buyer_name, []).append(index)
        # Every real buyer posts at least one order when the scale allows, as in the programme.
        chosen = (
            [rng.choice(indexes) for indexes in by_buyer.values()]
            if wanted >= len(by_buyer)
            else []
        )
        rest = sorted(set(range(len(records))) - set(chosen))
        chosen = sorted(chosen + rng.sample(rest, min(wanted, len(records)) - len(chosen)))
        picks: list[tuple[OrderRecord, int]] = [(records[i], 0) for i in chosen]
        variant = 1
        while len(picks) < wanted:  # more orders than notices: later phases of real projects
            picks.extend((record, variant) for record in records[: wanted - len(picks)])
            variant += 1
        newest = max(r.published_on for r in records if r.published_on)
        shift = timedelta(days=(self.today - newest).days)

        # Notices imported before (`qianfan ingest notices`) are already orders, under the same source key,
        # and their buyers already companies: the demo keeps those and adds only what is missing.
        imported = set(
            self.session.scalars(select(Order.source_key).where(Order.source_key.is_not(None)))
        )
        kept = [(r, v) for r, v in picks if _order_key(r, v) not in imported]
        if len(kept) < len(picks):
            counts["orders_already_imported"] = len(picks) - len(kept)
        picks = kept
        known_buyers = dict(
            self.session.execute(
                select(Company.name, Company.id).where(Company.kind == "large_firm").order_by(Company.id)
            ).all()
        )
        buyers: dict[str, tuple[str, str | None]] = {}
        for record, _ in picks:
            if record.buyer_name not in known_buyers:
                buyers.setdefault(record.buyer_name, (record.operator, record.region_code))
        buyer_ids = dict(
            zip(
                buyers,
                _insert_returning_ids(
                    self.session,
                    Company,
                    (
                        {
                            "name": name,
                            "kind": "large_firm",
                            "size_class": "large",
                            "region_code": region,
                            "industry_code": self._known_industry(
                                OPERATOR_INDUSTRIES.get(operator)
                            ),
                            "description": f"{name}：{operator}在本地的采购主体，订单来自其公开采购公告。",
                            "is_composed": False,
                        }
                        for name, (operator, region) in buyers.items()
                    ),
                ),
                strict=True,
            )
        )
        counts["large_firms"] = len(buyer_ids)
        buyer_ids.update(known_buyers)
        counts["orders"] = _insert(
            self.session,
            Order,
            (self._order_row(r, v, buyer_ids[r.buyer_name], shift, rng) for r, v in picks),
        )
        counts["orders_from_notices"] = sum(1 for _, v in picks if v == 0)
        return len(set_aside)

    def _known_industry(self, code: str | None) -> str | None:
        return code if code in self.industries else None

    def _order_row(
        self, record: OrderRecord, variant: int, buyer_id: int, shift: timedelta, rng
    ) -> dict:
        title, budget, budget_text, key = (
            record.title,
            record.budget_yuan,
            record.budget_text,
            record.source_key,
        )
        deadline = record.deadline + shift if record.deadline else None
        published = record.published_on + shift if record.published_on else self.today
        if variant:
            phase = VARIANT_PHASES[(variant - 1) % len(VARIANT_PHASES)]
            title = f"{record.title}({phase})"
            key = _order_key(record, variant)
            if budget is not None:
                budget = _round_yuan(float(budget) * rng.uniform(0.5, 1.6), 100)
                budget_text = f"{budget / 10000:.2f}万元"
            published = self.today - timedelta(days=rng.randint(0, 60))
            deadline = self.now + timedelta(days=rng.randint(-10, 45)) if deadline else None
        status, reason = _status(rng)
        if deadline is not None and deadline < self.now and status == "published":
            status, reason = "expired", "响应截止时间已过"
        return {
            "buyer_id": buyer_id,
            "kind": "procurement",
            "title": title[:300],
            "description": record.description,
            "budget_yuan": budget,
            "budget_text": budget_text[:120] if budget_text else None,
            "region_code": record.region_code,
            "required_qualifications": list(record.required_qualifications),
            "deadline": deadline,
            "source_key": key,
            "source_url": record.source_url,
            "status": status,
            "status_reason": reason,
            "published_at": datetime.combine(published, time(9, 0), tzinfo=CHINA_TZ)
            if status in ("published", "expired")
            else None,
            "is_composed": bool(variant),
        }

    # Small firms ---------------------------------------------------------------------------------------

    def _name(self, rng: random.Random, pattern: str, region_code: str) -> str:
        place = vocab.FIRM_PLACE_PREFIX.get(region_code[:2], "")
        for attempt in range(50):
            brand = "".join(rng.sample(vocab.BRAND_CHARS, 2))
            if attempt > 20:  # the two-character names of a large demo run out: three characters
                brand += rng.choice(vocab.BRAND_CHARS)
            name = pattern.format(place=place, brand=brand)
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise DomainError("Could not compose a new company name; the name lists are too short.")

    def _credit_code(self, rng: random.Random, region_code: str) -> str:
        division = region_code.ljust(6, "0")[:6]
        while True:
            first17 = "91" + division + _org_code(f"{rng.randrange(10**8):08d}")
            code = first17 + check_character(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def _firm_region(self, rng: random.Random) -> str:
        if rng.random() < vocab.BEIJING_SHARE:
            return _weighted(rng, vocab.BEIJING_DISTRICT_WEIGHTS.items())
        province = _weighted(rng, vocab.OTHER_PROVINCE_WEIGHTS.items())
        return rng.choice(self.districts_by_province[province])

    def load_small_firms(self, counts: dict[str, int]) -> None:
        rng = self.rng("small_firms")
        profiles = [(p, p.weight) for p, _ in self.profiles]
        specs = []
        for _ in range(self.scale.small_firms):
            profile = _weighted(rng, profiles)
            region = self._firm_region(rng)
            suffix = _weighted(rng, vocab.FIRM_SUFFIXES)
            name = self._name(rng, "{place}{brand}" + profile.word + suffix, region)
            founded = self.today - timedelta(days=int(rng.triangular(120, 15 * 365, 2 * 365)))
            specs.append(
                (
                    name,
                    profile,
                    rng.choice(profile.industries),
                    region,
                    _weighted(rng, vocab.SIZE_WEIGHTS),
                    founded,
                )
            )
        ids = _insert_returning_ids(
            self.session,
            Company,
            (
                {
                    "name": name,
                    "credit_code": self._credit_code(rng, region),
                    "kind": "small_firm",
                    "region_code": region,
                    "industry_code": industry,
                    "size_class": size,
                    "founded_on": founded,
                    "description": self._firm_description(rng, name, profile, industry, founded),
                    "is_composed": True,
                }
                for name, profile, industry, region, size, founded in specs
            ),
        )
        self.small_firms = [
            _Firm(i, s[0], s[1], s[2], s[3], s[4], s[5]) for i, s in zip(ids, specs, strict=True)
        ]
        counts["small_firms"] = len(ids)
        counts["qualifications"] = _insert(
            self.session, CompanyQualification, self._qualification_rows(rng)
        )

    def _firm_description(
        self, rng, name: str, profile: vocab.Profile, industry: str, founded: date
    ) -> str:
        abilities = "、".join(rng.sample(profile.capabilities, 3))
        scenes = "、".join(rng.sample(vocab.SCENES, 2))
        return (
            f"{name}成立于{founded.year}年，属于{self.industries[industry]}，"
            f"主要面向{scenes}等场景，具备{abilities}等能力。"
        )

    def _qualification_rows(self, rng: random.Random) -> Iterator[dict]:
        for firm in self.small_firms:
            for name, grade, share in firm.profile.qualifications:
                if rng.random() < share:
                    yield {"company_id": firm.id, "name": name, "grade": grade}

    # Listings ------------------------------------------------------------------------------------------

    def load_listings(self, counts: dict[str, int]) -> None:
        rng = self.rng("listings")
        items = {p.word: names for p, names in self.profiles}
        firms = self.small_firms
        owners = list(range(len(firms)))[: self.scale.listings]
        owners += [rng.randrange(len(firms)) for _ in range(self.scale.listings - len(owners))]
        order_phrases = [p for p in (_project_phrase(r.title) for r in self.records) if p]
        counts["listings"] = _insert(
            self.session,
            Listing,
            (
                self._listing_row(rng, firms[i], items[firms[i].profile.word], order_phrases)
                for i in owners
            ),
        )

    def _listing_row(self, rng, firm: _Firm, items: list[str], order_phrases: list[str]) -> dict:
        profile = firm.profile
        kind = rng.choice(profile.kinds)
        scene = rng.choice(vocab.SCENES)
        item = rng.choice(items)
        brand = firm.name.removeprefix(vocab.FIRM_PLACE_PREFIX.get(firm.region_code[:2], ""))[:2]
        if order_phrases and rng.random() < 0.25:
            # Written against what the large firms actually buy, as a real supplier would.
            title = (
                rng.choice(order_phrases)
                + {"product": "产品与系统", "technology": "解决方案", "service": "服务"}[kind]
            )
        elif kind == "product":
            title = f"{brand}{rng.choice(vocab.QUALIFIERS)}{item}"
        elif kind == "technology":
            title = f"面向{scene}的{item.removesuffix('服务')}技术"
        else:
            title = f"{scene}{item}"
        abilities = "、".join(rng.sample(profile.capabilities, 2))
        description = (
            f"{firm.name}提供{item}，适用于{scene}等场景。核心能力：{abilities}。"
            f"{(self.industry_descriptions.get(firm.industry_code) or '').removeprefix('指')[:80]}"
        )
        ceiling = {
            "micro": (500_000, 3_000_000),
            "small": (1_000_000, 10_000_000),
            "medium": (5_000_000, 50_000_000),
        }
        low, high = ceiling[firm.size_class]
        roll = rng.random()
        regions = [] if roll < 0.55 else [firm.region_code[:2]]
        if roll > 0.85:
            regions += rng.sample(
                [p for p in vocab.OTHER_PROVINCE_WEIGHTS if p != firm.region_code[:2]], 2
            )
        status, reason = _status(rng)
        return {
            "supplier_id": firm.id,
            "kind": kind,
            "industry_code": firm.industry_code,
            "title": title[:300],
            "description": description,
            "max_contract_yuan": _round_yuan(rng.uniform(low, high), 10_000)
            if rng.random() < 0.8
            else None,
            "region_codes": regions,
            "tags": [scene, *rng.sample(profile.capabilities, 2)],
            "status": status,
            "status_reason": reason,
            "published_at": self.now - timedelta(days=rng.randint(0, 90))
            if status == "published"
            else None,
            "is_composed": True,
        }

    # Incubators, service organisations and their packages ----------------------------------------------

    def load_providers_and_packages(self, counts: dict[str, int]) -> None:
        rng = self.rng("providers")
        by_name = {name: code for code, name in self.industries.items()}
        specs = []
        for _ in range(self.scale.providers):
            kind, pattern, category, industry_name, _w = _weighted(
                rng, [(entry, entry[-1]) for entry in vocab.PROVIDER_KINDS]
            )
            region = _weighted(rng, vocab.BEIJING_DISTRICT_WEIGHTS.items())
            specs.append(
                (
                    self._name(rng, pattern, region),
                    kind,
                    category,
                    by_name.get(industry_name),
                    region,
                )
            )
        ids = _insert_returning_ids(
            self.session,
            Company,
            (
                {
                    "name": name,
                    "credit_code": self._credit_code(rng, region),
                    "kind": kind,
                    "region_code": region,
                    "industry_code": industry,
                    "size_class": rng.choice(("small", "medium")),
                    "founded_on": self.today - timedelta(days=rng.randint(2 * 365, 20 * 365)),
                    "description": f"{name}是中关村千帆计划的服务机构，主要提供{_CATEGORY_NAMES[category]}服务。",
                    "is_composed": True,
                }
                for name, kind, category, industry, region in specs
            ),
        )
        counts["providers"] = len(ids)
        owners = list(range(len(ids)))[: self.scale.packages]
        owners += [rng.randrange(len(ids)) for _ in range(self.scale.packages - len(owners))]
        counts["packages"] = _insert(
            self.session, ServicePackage, (self._package_row(rng, ids[i], specs[i]) for i in owners)
        )

    def _package_row(self, rng, provider_id: int, spec: tuple) -> dict:
        name, kind, main_category, _industry, region = spec
        roll = rng.random()
        if kind == "financial" or (kind == "service_org" and roll < 0.85) or roll < 0.5:
            category = main_category
        elif kind == "incubator":
            category = rng.choice(vocab.INCUBATOR_CATEGORIES)
        else:
            category = rng.choice(("consulting", "other"))
        titles, (low, high), (quota_low, quota_high) = vocab.PACKAGES[category]
        title = rng.choice(titles)
        value = _round_yuan(rng.uniform(low, high))
        quota = rng.randint(quota_low, quota_high)
        max_age = rng.choice((None, None, 3, 5, 8))
        regions = rng.choice(([], [], ["11"], [region]))
        profile = rng.choice(self.profiles)[0] if rng.random() < 0.2 else None
        industries = sorted({code[:2] for code in profile.industries}) if profile else []
        sizes = ["small", "micro"] if rng.random() < 0.4 else []
        who = "、".join(
            part
            for part in (
                f"成立{max_age}年以内" if max_age else "",
                "小微" if sizes else "",
                f"{profile.word}领域" if profile else "",
                "北京地区" if regions == ["11"] else ("本区" if regions else ""),
            )
            if part
        )
        status, reason = _status(rng)
        return {
            "provider_id": provider_id,
            "category": category,
            "title": title,
            "description": (
                f"{name}面向{who or '入驻千帆计划'}的中小微企业提供{title.removesuffix('服务包')}服务，"
                f"每家企业可享价值约{value / 10000:.1f}万元的服务，共{quota}个名额。"
            ),
            "value_yuan": value,
            "quota": quota,
            "quota_used": 0,
            "valid_until": self.today + timedelta(days=rng.randint(180, 720)),
            "max_company_age_years": max_age,
            "eligible_region_codes": regions,
            "eligible_industry_codes": industries,
            "eligible_sizes": sizes,
            "status": status,
            "status_reason": reason,
            "published_at": self.now - timedelta(days=rng.randint(0, 120))
            if status == "published"
            else None,
            "is_composed": True,
        }

    # Service demands -----------------------------------------------------------------------------------

    def load_demands(self, counts: dict[str, int]) -> None:
        rng = self.rng("demands")
        categories = list(vocab.DEMAND_CATEGORY_WEIGHTS.items())
        counts["demands"] = _insert(
            self.session,
            ServiceDemand,
            (
                self._demand_row(rng, rng.choice(self.small_firms), _weighted(rng, categories))
                for _ in range(self.scale.demands)
            ),
        )

    def _demand_row(self, rng, firm: _Firm, category: str) -> dict:
        titles, (low, high) = vocab.DEMANDS[category]
        title = rng.choice(titles)
        age = max(1, (self.today - firm.founded_on).days // 365)
        size = {"micro": "微型", "small": "小型", "medium": "中型"}[firm.size_class]
        budget = _round_yuan(rng.uniform(low, high)) if rng.random() < 0.6 else None
        status, reason = _status(rng)
        return {
            "company_id": firm.id,
            "category": category,
            "title": title,
            "description": (
                f"{firm.name}（{self.industries[firm.industry_code]}，{size}企业，成立约{age}年）"
                f"希望{title}，{rng.choice(firm.profile.capabilities)}业务发展需要相关支持。"
            ),
            "budget_yuan": budget,
            "status": status,
            "status_reason": reason,
            "published_at": self.now - timedelta(days=rng.randint(0, 60))
            if status == "published"
            else None,
            "is_composed": True,
        }

    # Accounts ------------------------------------------------------------------------------------------

    def create_accounts(self) -> list[DemoAccount]:
        """One staff, one admin and three accounts of each firm role, with passwords made now."""
        buyers = (
            self.session.execute(
                select(Company)
                .join(Order, Order.buyer_id == Company.id)
                .group_by(Company.id)
                .order_by(func.count().desc(), Company.id)
                .limit(3)
            )
            .scalars()
            .all()
        )
        suppliers = [self.session.get(Company, firm.id) for firm in self.small_firms[:3]]
        providers = self.session.scalars(
            select(Company)
            .where(Company.kind.in_(("incubator", "service_org", "financial")))
            .order_by(Company.id)
            .limit(3)
        ).all()
        plan = [("demo-staff", "staff", None), ("demo-admin", "admin", None)]
        plan += [(f"demo-buyer{i}", "large_firm", c) for i, c in enumerate(buyers, 1)]
        plan += [(f"demo-supplier{i}", "small_firm", c) for i, c in enumerate(suppliers, 1)]
        plan += [(f"demo-provider{i}", "service_org", c) for i, c in enumerate(providers, 1)]
        accounts = []
        for username, role, company in plan:
            password = secrets.token_urlsafe(9)
            create_user(
                self.session, username=username, password=password, role=role, company=company
            )
            accounts.append(
                DemoAccount(username, password, role, company.name if company else None)
            )
        return accounts


_CATEGORY_NAMES = {
    "financing": "投融资", "ip": "知识产权", "legal": "法律", "testing": "检验检测", "marketing": "市场推广",
    "space": "孵化空间", "hr": "人力资源", "consulting": "创业辅导与咨询", "tech_transfer": "技术转移", "other": "综合",
}  # fmt: skip
_PROJECT_NOISE = re.compile(
    r"^.*(?:分公司|公司|集团)|\d{4}(?:年)?(?:[-—至~]\d{4}年?)?(?:度)?|[(（][^)）]*[)）]|标包\d+|[A-Z]{2,}[-\w]*\d+[-\w]*"
)
_PROJECT_TAIL = re.compile(r"(?:集中)?(?:采购|询比|比选|招标|建设|实施)?(?:服务)?项目.*$")


def _project_phrase(title: str) -> str | None:
    """What a real order buys, without buyer, years and notice words: "智慧水务数字化供水漏损治理"."""
    phrase = _PROJECT_TAIL.sub("", _PROJECT_NOISE.sub("", title)).strip("_-—:： 年")
    phrase = phrase.removeprefix("某").removeprefix("全省").removeprefix("全市")
    return phrase if 4 <= len(phrase) <= 24 else None


# Two-character words too common to say what a firm does.
_GENERIC_WORDS = {
    "服务",
    "系统",
    "技术",
    "设备",
    "工程",
    "项目",
    "采购",
    "建设",
    "平台",
    "智能",
    "产品",
    "开发",
    "管理",
}


def _fitting_phrases(profile: vocab.Profile, items: list[str], phrases: list[str]) -> list[str]:
    """The real orders' project phrases that share two words with what firms of `profile` offer."""
    text = "".join((profile.word, *profile.capabilities, *items))
    words = {text[i : i + 2] for i in range(len(text) - 1)} - _GENERIC_WORDS
    return [
        phrase
        for phrase in phrases
        if len({phrase[i : i + 2] for i in range(len(phrase) - 1)} & words) >= 2
    ]


# Deals -------------------------------------------------------------------------------------------------

ORDER_STAGES = (  # (status, share of the matches at the previous stage that reach it)
    ("seen", 1.0),
    ("interested", 0.6),
    ("invited", 0.7),
    ("negotiating", 0.75),
    ("intention_signed", 0.6),
    ("contract_signed", 0.6),
)
SAMPLE_SHARE = 0.1  # of the recommended matches, at least SAMPLE_FLOOR and at most SAMPLE_CAP
SAMPLE_FLOOR = 60
SAMPLE_CAP = 3000


def _sample_pairs(session: Session, rng: random.Random, kind: str) -> list[tuple[int, int]]:
    """A sample of the recommended (not near-miss) pairs of the current ranked lists of `kind`."""
    from qianfan import matching

    list_kind = "order" if kind == "order" else "demand"
    model = Order if kind == "order" else ServiceDemand
    ids = session.scalars(select(model.id).where(model.status == "published").order_by(model.id)).all()
    pairs = []
    for posting_id, ranked in sorted(matching.ranked_lists(session, list_kind, ids).items()):
        pairs.extend((posting_id, int(c)) for c, f in zip(ranked.candidate_ids, ranked.failed, strict=True) if f < 0)
    size = min(len(pairs), SAMPLE_CAP, max(SAMPLE_FLOOR, int(len(pairs) * SAMPLE_SHARE)))
    return sorted(rng.sample(pairs, size))


def _loaded(session: Session, kind: str, pairs: list[tuple[int, int]]) -> Iterator[Match]:
    from qianfan.recommendations import pair_deal

    query_model, candidate_model = (Order, Listing) if kind == "order" else (ServiceDemand, ServicePackage)
    for query_id, candidate_id in pairs:
        yield pair_deal(session, kind, session.get(query_model, query_id), session.get(candidate_model, candidate_id))


def advance_demo_deals(
    session: Session, rng: random.Random, *, today: date | None = None
) -> dict[str, int]:
    """Walk a sample of recommended matches through the deal lifecycle so the counters have something to show.

    Order matches go seen → interested → invited → negotiating → intention signed → contract signed (with
    a Contract both sides confirmed), some declined on the way with a reason; one contract per order.
    Service matches go applied → accepted while the package has quota left, counting `quota_used`.
    """
    signed_day = today or date.today()
    counts: dict[str, int] = {}
    contracted_orders: set[int] = set()
    for match in _loaded(session, "order", _sample_pairs(session, rng, "order")):
        for status, share in ORDER_STAGES:
            if rng.random() >= share:
                if rng.random() < 0.25 and match.status != "recommended":
                    transition(match, "declined", reason=rng.choice(vocab.DECLINE_REASONS))
                    counts["declined"] = counts.get("declined", 0) + 1
                break
            if status == "contract_signed":
                if match.order_id in contracted_orders:
                    break
                _sign_contract(session, match, rng, signed_day)
                contracted_orders.add(match.order_id)
            if status == "intention_signed":
                match.intention_signed_at = datetime.now(UTC)
            transition(match, status)
            counts[status] = counts.get(status, 0) + 1
    for match in _loaded(session, "service", _sample_pairs(session, rng, "service")):
        if rng.random() < 0.5:
            transition(match, "seen")
        if rng.random() < 0.6:
            transition(match, "applied")
            counts["applied"] = counts.get("applied", 0) + 1
            package = match.package
            if package.quota_left > 0 and rng.random() < 0.7:
                package.quota_used += 1
                transition(match, "accepted")
                counts["accepted"] = counts.get("accepted", 0) + 1
            elif rng.random() < 0.5:
                reason = "服务包名额已满" if package.quota_left <= 0 else "企业已获得同类服务"
                transition(match, "declined", reason=reason)
                counts["declined"] = counts.get("declined", 0) + 1
    session.flush()
    return counts


def _sign_contract(
    session: Session, match: Match, rng: random.Random, signed_day: date
) -> Contract:
    order, listing = match.order, match.listing
    budget = order.budget_yuan or _round_yuan(rng.uniform(200_000, 2_000_000))
    confirmed = datetime.now(UTC)
    contract = Contract(
        match_id=match.id,
        buyer_id=order.buyer_id,
        supplier_id=listing.supplier_id,
        title=order.title[:300],
        amount_yuan=_round_yuan(float(budget) * rng.uniform(0.7, 1.0), 100),
        buyer_confirmed_at=confirmed,
        supplier_confirmed_at=confirmed,
        signed_on=signed_day,
    )
    session.add(contract)
    session.flush()
    transition(contract, "signed")
    if rng.random() < 0.4:
        transition(contract, "performing")
    return contract


def _order_key(record: OrderRecord, variant: int) -> str:
    """The source key of a demo order: the notice's own (as `qianfan ingest notices` keys it), or a variant's."""
    return (f"{record.source_key}#{variant}" if variant else record.source_key)[:120]
