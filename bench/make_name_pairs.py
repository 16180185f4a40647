"""Builds the labelled company-name pairs that measure ingest.dedup (tests/ingest/data/company_name_pairs.csv).

The names are the real buyers written in the titles of the 3,073 notices ("中国移动江西公司南昌分公司",
"中国铁塔股份有限公司浙江省分公司", "赣州电信分公司", "福建移动" ...). Each is labelled with who it is by
rules that know these four firms' structure, independently of ingest.dedup: the organisation (中国移动,
中国电信, 中国联通, 中国铁塔, and the separate subsidiaries 铁塔能源, 电信信息产业, the 工会), the level
(group, provincial company, city branch) and the place. Two names are the same firm when all three
agree. Positive pairs are real names written two ways in the notices, and each name against variants
people produce: traditional characters, full-width spaces, the legal form added or dropped (股份有限公司,
通信集团…有限公司), 省/市 dropped, HTML remnants. Negative pairs are the hard ones: the same firm's other
branches, the other firms in the same place, a group against its provincial company or branch, and
subsidiaries against their parent.

    .venv/bin/python bench/make_name_pairs.py
"""

from __future__ import annotations

import csv
import itertools
import random
import re
import sys
from functools import lru_cache
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.normalize import normalize_text  # noqa: E402
from ingest.notices import read_notice_files  # noqa: E402
from ingest.reference import region_rows  # noqa: E402

OUT = ROOT / "tests" / "ingest" / "data" / "company_name_pairs.csv"
PROVINCES = ("福建", "浙江", "江西")
OPERATORS = ("移动", "电信", "联通", "铁塔")
_NAME = re.compile(
    r"(铁塔能源有限公司[\u4e00-\u9fff]{2,3}分公司|江西电信信息产业有限公司|中国电信集团工会[\u4e00-\u9fff]{2,8}分公司"
    r"|中国(?:移动|电信|联通|铁塔)[\u4e00-\u9fff]{0,12}?(?:分公司|公司)(?:[\u4e00-\u9fff]{2,4}分公司)?"
    r"|(?:福建|浙江|江西)(?:移动|电信|联通)"
    r"|[\u4e00-\u9fff]{2}(?:移动|电信|联通)分公司)"
)


def real_names() -> list[str]:
    names: dict[str, None] = {}
    for notice in read_notice_files():
        title = re.sub(r"^(?:关于)?(?:征集|征询)?", "", normalize_text(notice["title"]))
        title = re.sub(r"^\d{4}(?:-\d{4})?年度?", "", title)
        for match in _NAME.finditer(title):
            name = re.sub(
                r"(?:福建|浙江|江西)(?:移动|电信|联通)征集", lambda m: m[0][:-2], match[1]
            )
            if who(name):
                names[name] = None
    return list(names)


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """Every division's name, full and without 省/市/区/县, → the short form."""
    places = {}
    for row in region_rows():
        short = re.sub(r"(?:省|市|区|县)$", "", row["name"])
        places[row["name"]] = places[short] = short
    return places


def who(name: str) -> tuple[str, str, str] | None:
    """(organisation, level, place) of a buyer name, or None when the rules cannot tell."""
    special = {
        "工会": "电信工会",
        "铁塔能源": "铁塔能源",
        "信息产业": "电信信息产业",
        "终端": "移动终端",
    }
    org = next((o for word, o in special.items() if word in name), None)
    org = org or next((op for op in OPERATORS if op in name), None)
    if org is None:
        return None
    if not name.endswith("分公司"):
        if (
            "集团有限公司" in name
            and not any(p in name for p in PROVINCES)
            or name.endswith("股份有限公司")
        ):
            return org, "group", ""
        province = next((p for p in PROVINCES if p in name), None)
        return (org, "province", province) if province else None
    body = name.removesuffix("分公司")
    place = next((places for n in range(6, 1, -1) if (places := _places().get(body[-n:]))), None)
    if place is None:  # a unit that is no division: "泉州台商投资区", "衢州数智建设运营"
        place = re.sub(r"^.*?(?:公司|移动|电信|联通|铁塔)", "", body) or re.sub(
            r"(?:移动|电信|联通|铁塔)$", "", body
        )
    return org, ("province" if place in PROVINCES else "branch"), place


_T2S = opencc.OpenCC("s2t")


def variants(name: str) -> list[tuple[str, str]]:
    """The same firm written otherwise, with what was changed."""
    out = [(_T2S.convert(name), "traditional"), (name[:4] + "\u3000" + name[4:], "full-width space"),
           (f"<span>{name[:4]}</span>{name[4:]}", "html remnant")]  # fmt: skip
    org, level, place = who(name)
    operator = "中国" + org if org in OPERATORS else None
    if operator and name.startswith(operator) and "股份有限公司" not in name and level == "branch":
        out.append((name.replace(operator, operator + "股份有限公司", 1), "legal form added"))
    if "股份有限公司" in name:
        out.append((name.replace("股份有限公司", "", 1), "legal form dropped"))
    if org == "移动" and level == "province" and name == f"中国移动{place}公司":
        out.append((f"中国移动通信集团{place}有限公司", "registered name"))
        out.append((f"{place}移动", "short name"))
    if re.search(r"(?:省|市)分公司$", name):
        out.append((re.sub(r"(?:省|市)分公司$", "分公司", name), "省/市 dropped"))
    return out


_TRADE = "华信泰达中科博瑞智云天宇恒通联创新远航盛安捷鼎德佳英源汇明光启星"
_PLACES = ("北京", "北京市海淀区", "上海", "深圳市", "杭州", "南京市江宁区", "成都", "武汉市")
_TRADES = ("科技", "信息技术", "网络科技", "智能科技", "软件", "电子")
_FORMS = ("有限公司", "股份有限公司", "有限责任公司")


def composed_pairs(rng: random.Random, firms: int = 150) -> dict[tuple[str, str], tuple[int, str]]:
    """Small-firm names composed as registered names are (place, trade name, trade, legal form), labelled by
    construction. Written after ingest.dedup's rules were settled, so they measure them without having
    shaped them (the real names above did shape them)."""
    pairs: dict[tuple[str, str], tuple[int, str]] = {}
    seen: set[str] = set()
    while len(seen) < firms:
        seen.add("".join(rng.sample(_TRADE, 2)))
    for trade_name in sorted(seen):
        place, trade, form = rng.choice(_PLACES), rng.choice(_TRADES), rng.choice(_FORMS)
        name = f"{place}{trade_name}{trade}{form}"
        city = re.sub(r"市.*$", "", place)
        same = [(f"{trade_name}{trade}（{city}）{form}", "composed: place in brackets"),
                (_T2S.convert(name), "composed: traditional"),
                (name.replace(form, "有限公司" if form != "有限公司" else "股份有限公司"), "composed: legal form changed"),
                (f"{city}市{trade_name}{trade}{form}",
                 "composed: district left out" if "区" in place else "composed: city written in full")]  # fmt: skip
        for variant, how in same:
            if variant != name:
                pairs[(name, variant)] = (1, how)
        other_place = rng.choice([p for p in _PLACES if not p.startswith(city)])
        typo = trade_name[0] + rng.choice([c for c in _TRADE if c not in trade_name])
        unrelated = "".join(rng.sample([c for c in _TRADE if c not in trade_name], 2))
        pairs[(name, f"{other_place}{trade_name}{trade}{form}")] = (
            0,
            "composed: same trade name, other city",
        )
        pairs[(name, f"{place}{typo}{trade}{form}")] = (
            0,
            "composed: trade name one character apart",
        )
        pairs[(name, f"{place}{unrelated}{trade}{form}")] = (
            0,
            "composed: another firm, same place and trade",
        )
    return pairs


def build(seed: int = 20261123) -> list[tuple[str, str, int, str]]:
    rng = random.Random(seed)
    names = real_names()
    pairs: dict[tuple[str, str], tuple[int, str]] = {}
    for name in names:
        for variant, how in variants(name):
            pairs[(name, variant)] = (1, how)
    for a, b in itertools.combinations(names, 2):
        wa, wb = who(a), who(b)
        if wa == wb:
            pairs[(a, b)] = (1, "real names of one firm")
        elif wa[0] == wb[0] and wa[1:] != wb[1:]:
            relation = (
                "other branch of the same firm"
                if wa[1] == wb[1] == "branch"
                else "group, province, branch"
            )
            pairs[(a, b)] = (0, relation)
        elif wa[2] == wb[2] and wa[0] != wb[0]:
            pairs[(a, b)] = (0, "another firm in the same place")
    pairs.update(composed_pairs(rng))
    negatives = [k for k, v in pairs.items() if v[0] == 0 and not v[1].startswith("composed")]
    # Hard negatives also come written otherwise: a traditional-character branch of another city.
    for a, b in rng.sample(negatives, min(150, len(negatives))):
        pairs[(a, _T2S.convert(b))] = (0, pairs[(a, b)][1] + ", traditional")
    return sorted(
        ((a, b, same, how) for (a, b), (same, how) in pairs.items()),
        key=lambda p: (-p[2], p[3], p[0], p[1]),
    )


def main() -> None:
    pairs = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name_a", "name_b", "same", "how"])
        writer.writerows(pairs)
    positives = sum(p[2] for p in pairs)
    print(
        f"{len(pairs)} pairs ({positives} same firm, {len(pairs) - positives} different) written to {OUT}"
    )


if __name__ == "__main__":
    main()
