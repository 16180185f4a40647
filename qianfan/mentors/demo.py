"""Composed mentors for the demo (qianfan.demo calls `load_demo_mentors` once): every row `is_composed`.

No public list of the programme's mentors exists, so each mentor is written from qianfan.demo_vocabulary:
one or two of the small-firm profiles it knows (their capabilities, GB/T 4754 industries and application
scenes) and one or two of the start-up topics the demo's service demands ask for (financing, IP,
qualifications, marketing ...), with a composed name, position and bio. Three mentors get logins
(demo-mentor1..3); sessions are composed at every stage (requested, accepted, held with a note, declined,
withdrawn, cancelled), through the lifecycle, so each leaves its audit records.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models import Company, Industry, Mentor, MentorSession, transition
from qianfan import demo_vocabulary as vocab
from qianfan.accounts import create_user

MENTORS = {"small": 60, "programme": 1_000, "10x": 1_000}  # the programme has a thousand mentors
SESSIONS = {"small": 24, "programme": 400, "10x": 1_000}
LOGINS = 3

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建国志宏海波宁晨曦思远文博雅琳浩然子轩"
POSITIONS = (
    "{brand}科技有限公司 创始人", "{brand}资本 投资合伙人", "{brand}{word}有限公司 首席技术官",
    "{brand}孵化器 创业导师", "高校技术转移中心 研究员", "{brand}律师事务所 合伙人", "{brand}会计师事务所 合伙人",
    "{brand}{word}有限公司 副总裁",
)  # fmt: skip
# Start-up topics a mentor coaches, by the demo's service-demand categories (qianfan.demo_vocabulary.DEMANDS).
TOPICS = {
    "financing": ("股权融资与商业计划书", "融资路演辅导", "应收账款融资与科技信贷"),
    "ip": ("专利布局与知识产权保护", "软件著作权与商标策略"),
    "legal": ("股权架构与员工激励", "合同风险管理"),
    "marketing": ("政企客户拓展", "产品定位与市场推广"),
    "consulting": ("高新技术企业认定辅导", "专精特新企业申报辅导", "创业团队管理"),
    "tech_transfer": ("科技成果转化", "产学研合作对接"),
    "testing": ("产品检测认证规划",),
    "hr": ("研发团队搭建与招聘",),
}
MODES = (("both", 5), ("online", 3), ("in_person", 2))
STAGES = (("requested", 20), ("accepted", 15), ("held", 35), ("declined", 12), ("withdrawn", 6), ("cancelled", 12))
DECLINES = ("本月辅导已排满", "该主题不在本人专长范围内", "近期出差，无法安排")
WITHDRAWALS = ("已找到其他导师", "问题已解决")
CANCELS = ("时间冲突，改期另约", "企业临时调整计划")
NOTES = (
    "梳理了{topic}的关键问题，建议先完善{scene}场景下的标杆案例，下月回访进展。",
    "围绕{topic}逐页修改了材料，约定两周内提交修订稿。",
    "讨论了{scene}方向的客户画像与定价，建议优先拓展已有合作方。",
)


def _weighted(rng: random.Random, pairs) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _compose(rng: random.Random, sections: dict[str, str]) -> dict:
    profiles = rng.sample(vocab.PROFILES, rng.choice((1, 1, 2)))
    topics = rng.sample(sorted(TOPICS), rng.choice((1, 2)))
    capabilities = [c for p in profiles for c in rng.sample(p.capabilities, 2)]
    scenes = rng.sample(vocab.SCENES, 2)
    coaching = [rng.choice(TOPICS[t]) for t in topics]
    industries = sorted({code[:2] for p in profiles for code in p.industries})
    brand = "".join(rng.sample(vocab.BRAND_CHARS, 2))
    years = rng.randint(8, 25)
    expertise = "；".join([*capabilities, *coaching])
    field_names = "、".join(dict.fromkeys(sections.get(code, "") for code in industries if sections.get(code)))
    bio = (f"{years}年{field_names or '科技'}行业从业经历，长期关注{scenes[0]}与{scenes[1]}，"
           f"擅长{capabilities[0]}，辅导过{rng.randint(5, 60)}家初创企业{coaching[0]}。")  # fmt: skip
    region = rng.choices(list(vocab.BEIJING_DISTRICT_WEIGHTS), list(vocab.BEIJING_DISTRICT_WEIGHTS.values()))[0]
    regions = [] if rng.random() < 0.3 else ["11"] if rng.random() < 0.5 else [region]
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
        "title": rng.choice(POSITIONS).format(brand=brand, word=profiles[0].word),
        "expertise": expertise, "bio": bio, "industry_codes": industries, "region_codes": regions,
        "sessions_per_month": 0 if rng.random() < 0.08 else rng.choice((1, 2, 2, 3, 4)),
        "mode": _weighted(rng, MODES), "active": rng.random() > 0.03, "is_composed": True,
        "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC),
    }  # fmt: skip


def load_demo_mentors(session: Session, scale: str, seed: int, counts: dict) -> list[tuple[str, str]]:
    """Insert the scale's composed mentors and sessions; returns (username, password) of the mentors'
    logins."""
    rng = random.Random(f"{seed}:mentors")
    sections = dict(session.execute(select(Industry.code, Industry.name).where(Industry.level == 2)).all())
    rows = [_compose(rng, sections) for _ in range(MENTORS.get(scale, MENTORS["small"]))]
    session.execute(insert(Mentor.__table__), rows)
    mentors = list(session.scalars(select(Mentor).where(Mentor.is_composed.is_(True)).order_by(Mentor.id)))
    counts["mentors"] = len(mentors)
    available = [m for m in mentors if m.active and m.sessions_per_month > 0]
    logins = []
    for i, mentor in enumerate(available[:LOGINS], 1):
        password = secrets.token_urlsafe(9)
        mentor.user = create_user(session, username=f"demo-mentor{i}", password=password, role="mentor",
                                  display_name=mentor.name)  # fmt: skip
        logins.append((f"demo-mentor{i}", password))
    counts["mentor_sessions"] = _sessions(session, rng, available, SESSIONS.get(scale, SESSIONS["small"]))
    session.flush()
    return logins


def _sessions(session: Session, rng: random.Random, mentors: list[Mentor], wanted: int) -> int:
    """Sessions at every stage between composed small firms and mentors who know their industry."""
    firms = list(session.execute(
        select(Company.id, Company.industry_code).where(Company.kind == "small_firm", Company.is_composed.is_(True))
        .order_by(Company.id).limit(wanted * 3)
    ))  # fmt: skip
    if not firms or not mentors:
        return 0
    by_industry: dict[str, list[Mentor]] = {}
    for mentor in mentors:
        for code in mentor.industry_codes:
            by_industry.setdefault(code, []).append(mentor)
    made = 0
    used = set()
    # The first mentors (the ones with logins) get a share of every stage, so their pages show each.
    for i in range(wanted):
        firm = firms[i % len(firms)]
        fitting = by_industry.get((firm.industry_code or "")[:2]) or mentors
        mentor = mentors[i % LOGINS] if i < 6 * LOGINS else rng.choice(fitting)
        if (firm.id, mentor.id) in used:
            continue
        used.add((firm.id, mentor.id))
        stage = STAGES[(i // LOGINS) % len(STAGES)][0] if i < 6 * LOGINS else _weighted(rng, STAGES)
        topic_kind = rng.choice(sorted(TOPICS))
        topic = rng.choice(TOPICS[topic_kind])
        mentoring = MentorSession(mentor=mentor, company_id=firm.id, topic=topic, status="requested",
                                  message=f"希望请教{topic}方面的问题，结合我们在{rng.choice(vocab.SCENES)}领域的产品。")  # fmt: skip
        session.add(mentoring)
        session.flush()
        _walk(mentoring, stage, rng, topic)
        made += 1
    return made


def _walk(mentoring: MentorSession, stage: str, rng: random.Random, topic: str) -> None:
    """Take a requested session to `stage` through the lifecycle (each move an audit record)."""
    now = datetime.now(UTC)
    if stage == "requested":
        return
    if stage == "declined":
        transition(mentoring, "declined", reason=rng.choice(DECLINES))
        mentoring.answered_at = now
        return
    if stage == "withdrawn":
        transition(mentoring, "withdrawn", reason=rng.choice(WITHDRAWALS))
        return
    transition(mentoring, "accepted")
    mentoring.answered_at = now
    if stage == "held":
        transition(mentoring, "held")
        mentoring.note = rng.choice(NOTES).format(topic=topic, scene=rng.choice(vocab.SCENES))
        mentoring.held_at = now
    elif stage == "cancelled":
        transition(mentoring, "cancelled", reason=rng.choice(CANCELS))
