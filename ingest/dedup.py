"""Is this company one we already have? Credit codes first, then names, cautiously.

The same firm arrives as "中国移动通信集团福建有限公司" and "福建移动", as "中国铁塔股份有限公司浙江省分公司"
and "中國鐵塔浙江省分公司". Names are cut into parts: the place words (中国, 福建, 杭州市 ...), the legal
form and generic words (有限公司, 股份, 集团, 科技 ...), the branch (…南平分公司), and what is left, the
distinctive core (移动, 铁塔). Only the core may make two names one:

- same core, same branch, same places: `SURE` (merged);
- cores that share a distinctive two-character word and are close by rapidfuzz, or the same core where
  one name says less about its place: `LIKELY` (sent to the staff review queue);
- anything else, including different places or branches: `DIFFERENT` (kept apart).

A two-character word held by very many companies ("数据", "智慧") is not distinctive and proposes no
candidates. The precision and recall of these rules on labelled pairs are measured by
bench/dedup_eval.py on tests/ingest/data/company_name_pairs.csv.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from ingest.normalize import normalize_text
from ingest.reference import region_rows
from ingest.resolve import short_place

SURE, LIKELY, DIFFERENT = "sure", "likely", "different"
LIKELY_SCORE = 70.0  # rapidfuzz ratio of two cores that share a distinctive word
MAX_POSTING = 200  # a two-character word shared by more companies than this is not distinctive

# Legal forms and words that say what a firm does rather than which firm it is; longest first.
_GENERIC = (
    "股份有限公司 有限责任公司 集团有限公司 有限公司 普通合伙 有限合伙 合伙企业 个人独资 集团 股份 有限 责任 "
    "公司 企业 科技 技术 信息 网络 通信 通讯 控股 实业 发展 国际 co ltd inc limited company corp"
)
GENERIC_WORDS = sorted(_GENERIC.split(), key=len, reverse=True)
_BRANCH = re.compile(r"(分公司|分行|支行|分中心|办事处|营业部|分部)$")
_NATIONAL = ("中华人民共和国", "中国", "中华", "全国")


@lru_cache(maxsize=1)
def _place_words() -> tuple[dict[str, str], dict[str, str]]:
    """Place words as written → short form: (provinces and cities in full or short and districts in
    full, used anywhere in a name; every division short or full, used only right before 分公司)."""
    anywhere: dict[str, str] = {}
    before_branch: dict[str, str] = {}
    for row in region_rows():
        name = row["name"]
        if name in ("市辖区", "县"):
            continue
        short = short_place(name)
        anywhere[name] = before_branch[name] = short
        before_branch.setdefault(short, short)
        if row["level"] < 3:
            anywhere.setdefault(short, short)
    for word in _NATIONAL:
        anywhere[word] = "中国"
    return anywhere, before_branch


@lru_cache(maxsize=1)
def _implied_places() -> dict[str, frozenset[str]]:
    """Short place → the short names of the places above it, where the name is one division only:
    "海淀" → {"北京"}; "朝阳" (Beijing and Changchun) implies nothing."""
    rows = {row["code"]: row for row in region_rows()}
    by_short: dict[str, set[str]] = defaultdict(set)
    for code, row in rows.items():
        if row["name"] not in ("市辖区", "县"):
            by_short[short_place(row["name"])].add(code)
    implied = {}
    for short, codes in by_short.items():
        if len(codes) == 1:
            row, above = rows[next(iter(codes))], set()
            while row["parent_code"]:
                row = rows[row["parent_code"]]
                if row["name"] not in ("市辖区", "县"):
                    above.add(short_place(row["name"]))
            implied[short] = frozenset(above)
    return implied


@lru_cache(maxsize=1)
def _provinces() -> frozenset[str]:
    return frozenset(short_place(row["name"]) for row in region_rows() if row["level"] == 1)


def _split_places(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text without its place words, and those words as (written, short form), in order."""
    words = _place_words()[0]
    rest, places, i = [], [], 0
    while i < len(text):
        for length in (7, 6, 5, 4, 3, 2):
            piece = text[i : i + length]
            if len(piece) == length and piece in words:
                places.append((piece, words[piece]))
                i += length
                break
        else:
            rest.append(text[i])
            i += 1
    return "".join(rest), places


def _branch_of(body: str) -> tuple[str, str]:
    """(parent, branch place) of a branch name without its 分公司: "中国移动杭州" → ("中国移动", "杭州"),
    "中国联通股份有限公司江西上饶市" → ("中国联通股份有限公司江西", "上饶")."""
    cut = body.rfind("公司")
    # "…有限公司南平分公司": the branch is what follows the firm, and only that
    head, tail = (body[: cut + 2], body[cut + 2 :]) if 0 <= cut < len(body) - 2 else ("", body)
    before_branch = _place_words()[1]
    for length in (7, 6, 5, 4, 3, 2):
        if len(tail) >= length and tail[-length:] in before_branch:
            return head + tail[:-length], before_branch[tail[-length:]]
    # "赣州电信", "泉州台商投资区": the last specific place word names the branch, the rest stays with the firm
    specific = [p for p in _split_places(tail)[1] if p[1] != "中国"]
    if specific:
        written, short = specific[-1]
        before, _, after = tail.rpartition(written)
        return head + before + after, short
    return head or body, short_place(tail)


def _strip_generic(text: str) -> str:
    for word in GENERIC_WORDS:
        text = text.replace(word, "")
    return re.sub(r"[()（）\[\]【】.,，、·&\-_/'\"]", "", text)


@dataclass(frozen=True)
class NameKey:
    """A company name cut into the parts that decide whether two names are one firm."""

    normalized: str
    core: str
    places: frozenset[str]  # specific places of the parent firm (not 中国)
    branch: str  # "南平" for …南平分公司; "" for a firm that is no branch

    @property
    def words(self) -> set[str]:
        return {self.core[i : i + 2] for i in range(len(self.core) - 1)}


@lru_cache(maxsize=65536)
def name_key(name: str) -> NameKey:
    normalized = normalize_text(name).replace(" ", "").lower()
    parent, branch = normalized, ""
    match = _BRANCH.search(normalized)
    if match:
        parent, branch = _branch_of(normalized[: match.start()])
    rest, places = _split_places(parent)
    specific = {short for _, short in places if short != "中国"}
    specific |= {above for place in list(specific) for above in _implied_places().get(place, ())}
    if branch in _provinces():  # a provincial branch (…浙江省分公司) is the firm in that province
        specific.add(branch)
        branch = ""
    return NameKey(
        normalized=normalized, core=_strip_generic(rest), places=frozenset(specific), branch=branch
    )


def compare(a: NameKey, b: NameKey) -> tuple[str, float]:
    """`SURE`, `LIKELY` or `DIFFERENT`, with the rapidfuzz ratio of the two cores (0-100)."""
    if a.normalized == b.normalized:
        return SURE, 100.0
    if a.branch != b.branch or len(a.core) < 2 or len(b.core) < 2:
        return DIFFERENT, 0.0
    if a.places and b.places and not (a.places <= b.places or b.places <= a.places):
        return DIFFERENT, 0.0
    score = fuzz.ratio(a.core, b.core, processor=None)
    if a.core == b.core:
        # A city branch says where the firm is: "中国移动丽水分公司" needs no 浙江 to be 中国移动浙江公司丽水分公司.
        implied = a.branch and not (a.places and b.places)
        return (SURE if a.places == b.places or implied else LIKELY), score
    shared = a.words & b.words
    if shared and (score >= LIKELY_SCORE or a.core in b.core or b.core in a.core):
        return LIKELY, score
    return DIFFERENT, score


@dataclass(frozen=True)
class Decision:
    """What the index says about a name: which company, how sure, and the core ratio."""

    verdict: str
    company_id: int | None = None
    score: float = 0.0


class CompanyIndex:
    """Known companies by credit code, name and distinctive words; `find` decides about a new one."""

    def __init__(self) -> None:
        self._by_code: dict[str, int] = {}
        self._codes: dict[int, str | None] = {}
        self._by_core: dict[str, set[int]] = defaultdict(set)
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._keys: dict[int, NameKey] = {}

    def add(self, company_id: int, name: str, credit_code: str | None) -> None:
        key = name_key(name)
        self._keys[company_id] = key
        self._codes[company_id] = credit_code
        if credit_code:
            self._by_code[credit_code] = company_id
        self._by_core[key.core].add(company_id)
        for word in key.words:
            self._by_word[word].add(company_id)

    def by_code(self, credit_code: str) -> int | None:
        return self._by_code.get(credit_code)

    def find(self, name: str, credit_code: str | None = None) -> Decision:
        """The best existing match for a company of this name (and code, when known)."""
        if credit_code and credit_code in self._by_code:
            return Decision(SURE, self._by_code[credit_code], 100.0)
        key = name_key(name)
        candidates = set(self._by_core.get(key.core, ())) if key.core else set()
        for word in key.words:
            posting = self._by_word.get(word, ())
            if len(posting) <= MAX_POSTING:
                candidates.update(posting)
        best = Decision(DIFFERENT)
        rank = {SURE: 2, LIKELY: 1, DIFFERENT: 0}
        for company_id in sorted(candidates):
            other_code = self._codes[company_id]
            if credit_code and other_code and other_code != credit_code:
                continue  # two valid, different codes are two firms, whatever their names
            verdict, score = compare(key, self._keys[company_id])
            if (rank[verdict], score) > (rank[best.verdict], best.score):
                best = Decision(verdict, company_id, score)
        return best if best.verdict != DIFFERENT else Decision(DIFFERENT)
