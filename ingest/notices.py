"""Real large-firm procurement notices (ingest/data/notices) converted into clean order records.

The notices were published by four state-owned firms (中国移动, 中国电信, 中国铁塔, 中国联通) in East China
and collected by a crawler whose fields are free text: amounts such as "746.0365万元", deadlines such as
"2026年08月10日09时30分" or a range, missing values written as "公告未明确列示". This module turns each
notice into an `OrderRecord` or sets it aside with a reason a person can read; it touches no database,
so the demo loader, the importer and the tests share it. Region codes come from a mapping passed in
(full region name → division code, e.g. {"福建省": "35", "福建省泉州市": "3505"}), built from the
Region reference rows with `region_codes_from_rows`.

The buyer is the branch that runs the procurement ("中国移动江西公司南昌分公司", "中国电信龙岩分公司"),
named the way each firm names its branches; where a title names no branch, the firm's provincial company
in the notice's region is the buyer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ingest.normalize import lone_surrogate, normalize_text
from ingest.values import NOT_STATED, parse_amount, parse_datetime, says_not_stated, shown
from models.errors import ValidationError

NOTICES_DIR = Path(__file__).parent / "data" / "notices"

# Qualification names an order can require and a company can hold, found in the notices' own wording.
# Grades are kept as written ("三级"); "及以上" is dropped, because holding a higher grade is the matcher's rule.
QUALIFICATION_PATTERNS = (
    r"(?:通信|机电|建筑|市政公用|电力|水利水电)工程施工总承包[特一二三]级",
    r"(?:建筑装修装饰|消防设施|电子与智能化|建筑机电安装|输变电)工程专业承包[一二三]?级?",
    r"安全生产许可证",
    r"ISO\s?(?:9001|14001|27001|20000)",
    r"CMMI\s?[345]级?",
    r"高新技术企业",
    r"专精特新",
    r"(?:增值)?电信业务经营许可证",
    r"信息系统(?:集成|建设和服务能力)[^\s,，;；。]{0,6}?(?:[一二三四]级|CS[1-5])",
    r"律师事务所执业许可证",
    r"林业调查规划设计[甲乙丙]级",
    r"空调维修资质",
    r"(?:高处作业|电工作业)(?:资质|证)?",
)
_QUALIFICATION = re.compile("|".join(f"(?:{p})" for p in QUALIFICATION_PATTERNS), re.IGNORECASE)

# How each firm names its provincial companies and city branches (their legal names, shortened).
_BRANCH_STYLE = {
    "中国移动": ("中国移动{province}公司", "中国移动{province}公司{city}分公司"),
    "中国电信": ("中国电信{province}公司", "中国电信{city}分公司"),
    "中国铁塔": ("中国铁塔{province}省分公司", "中国铁塔{city}{city_suffix}分公司"),
    "中国联通": ("中国联通{province}省分公司", "中国联通{city}{city_suffix}分公司"),
}
# Subsidiaries that procure under their own name, with the group they belong to.
_SUBSIDIARIES = {
    "铁塔能源": "铁塔能源有限公司{province}分公司",
    "中移铁通": "中移铁通{province}分公司",
}

_REQUEST_FOR_COMMENT = re.compile(r"意见|征求|征集")
_NOT_A_PURCHASE = re.compile(r"出租|出售|转让|拍卖")
# What follows the project's name in a title: the kind of notice, which is no part of the order's name.
_TITLE_PREFIX = re.compile(r"^(?:关于)?(?:征集)?")
_NOTICE_WORDS = re.compile(r"公告|公示|文件|通知|邀请|意见")
# The notice type at the end of a title ("_直接采购信息公告", "(第二次)招标公告2"). Every part has a
# bounded length and the pattern is only searched in the title's last `_SUFFIX_SPAN` characters, which
# hold any suffix it can match: unbounded parts made the search quadratic (an 80,000-character title
# took minutes), bounded ones make cleaning a title linear in its length.
_NOTICE_SUFFIX = re.compile(
    r"[_\-\s]{0,20}(?:[(\[【][^)\]】]{0,60}[)\]】])?[^\s_\-()\[\]【】]{0,8}(?:公告|公示)"
    r"(?:[(\[【][^)\]】]{0,60}[)\]】])?\d{0,8}$"
)
_SUFFIX_SPAN = 200  # longer than the longest match of _NOTICE_SUFFIX (20 + 62 + 8 + 2 + 62 + 8)
_PROVINCE_SUFFIXES = (
    "省",
    "市",
    "自治区",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
)


@dataclass(frozen=True)
class OrderRecord:
    """One usable notice as an order: what the demo loader and the importer write to `purchase_order`."""

    source_key: str
    source_url: str | None
    operator: str
    buyer_name: str
    title: str
    description: str
    budget_yuan: Decimal | None
    budget_text: str | None
    region_code: str | None
    deadline: datetime | None
    required_qualifications: tuple[str, ...]
    qualification_text: str
    published_on: date | None
    # Values that could not be read; the record is still usable, the value is left unknown.
    problems: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SetAside:
    """A notice that is not converted, and why."""

    source_key: str
    title: str
    reason: str


def read_notice_files(directory: Path = NOTICES_DIR) -> list[dict]:
    """Every notice of every `*.json` file in `directory`, in file order, with the file's `fetchedAt`."""
    notices = []
    for path in sorted(directory.glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for notice in payload["notices"]:
            notices.append({**notice, "fetchedAt": payload.get("fetchedAt")})
    return notices


def region_codes_from_rows(rows: Iterable) -> dict[str, str]:
    """Full region name → code, from Region rows or `ingest.reference.region_rows()` dicts."""
    pairs = (
        (r["full_name"], r["code"]) if isinstance(r, Mapping) else (r.full_name, r.code)
        for r in rows
    )
    return dict(pairs)


class _Places:
    """Short place names of one province (泉州, 南安) → division code, for finding branches in titles."""

    def __init__(self, region_codes: Mapping[str, str]) -> None:
        self.provinces: dict[str, tuple[str, str]] = {}  # short name → (code, full name)
        for name, code in region_codes.items():
            if len(code) == 2:
                self.provinces[_short_province(name)] = (code, name)
        names = {code: name for name, code in region_codes.items()}
        self.places: dict[str, dict[str, str]] = {}  # province code → short place name → code
        for name, code in sorted(region_codes.items(), key=lambda item: len(item[1])):
            if len(code) == 2 or code[:2] not in names:
                continue
            # A county's own name follows its city's full name ("福建省泉州市" + "南安市").
            parent = names.get(code[:4], "") if len(code) == 6 else ""
            rest = name.removeprefix(parent) if parent else name.removeprefix(names[code[:2]])
            short = re.sub(r"(?:市|地区|自治州|县|区)$", "", rest)
            if len(short) >= 2:
                self.places.setdefault(code[:2], {}).setdefault(short, code)
        self._patterns = {
            province: re.compile(
                "(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + ")"
                r"(?:市|县|区)?(?:移动|电信|联通)?分公司"
            )
            for province, names in self.places.items()
        }

    def province(self, name: str) -> tuple[str, str] | None:
        """(code, short name) of a province written as "福建" or "福建省"."""
        short = _short_province(name)
        found = self.provinces.get(short)
        return (found[0], short) if found else None

    def branch_city(self, province_code: str, title: str) -> tuple[str, str] | None:
        """(short name, code) of the first city or county branch a title names ("泉州分公司")."""
        pattern = self._patterns.get(province_code)
        match = pattern.search(title) if pattern else None
        return (match[1], self.places[province_code][match[1]]) if match else None


def _short_province(name: str) -> str:
    for suffix in sorted(_PROVINCE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


# The longest text each field of a notice may hold: the database column it ends up in (id → source_key,
# title, url, the buyer's name made from the operator, the budget as written), or for free text far
# more than any real notice writes (the shipped ones: title 172, content 400, qualification 569).
NOTICE_LIMITS = {
    "id": 120,
    "title": 300,
    "url": 500,
    "operator": 100,
    "region": 50,
    "category": 100,
    "budget": 120,
    "deadline": 100,
    "date": 100,
    "purchaseContent": 20_000,
    "qualification": 20_000,
    "performance": 20_000,
}
_WEB_ADDRESS = re.compile(r"https?://\S+", re.IGNORECASE)
_JSON_TYPES = ((bool, "true/false"), (list, "a list"), (dict, "an object"))


def notice_text(notice: Mapping, key: str) -> str:
    """A notice's value as text: a string as it is, a number as written, anything else (a list, an
    object, true/false) as "" (`notice_problems` refuses those before an import converts them)."""
    value = notice.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if isinstance(value, int) and value.bit_length() > 400:  # str() of a huge int may raise
            return ""
        return str(value)
    return ""


def notice_problems(notice: Mapping) -> list[ValidationError]:
    """Why a notice cannot be imported as it is: a field that is not text, holds a lone surrogate or is
    longer than `NOTICE_LIMITS`, or a url that is no web address. Each error names its field."""
    problems: list[ValidationError] = []
    for key, limit in NOTICE_LIMITS.items():
        value = notice.get(key)
        if value is None:
            continue
        kind = next((name for t, name in _JSON_TYPES if isinstance(value, t)), None)
        if kind is None and not isinstance(value, str | int | float | Decimal):
            kind = type(value).__name__
        if kind is not None:
            problems.append(
                ValidationError("The value must be text, not %(type)s.", field=key, type=kind)
            )
            continue
        text = notice_text(notice, key)
        too_big = isinstance(value, int) and not text  # too big to write out (no field holds it)
        quoted = "…" + str(value % 10**40) if too_big else shown(text)
        if code := lone_surrogate(text):
            problems.append(
                ValidationError(
                    "The value holds %(code)s, half of a character pair, which is not text; "
                    "correct it at the source.",
                    field=key,
                    code=code,
                )
            )
        elif too_big or len(text) > limit:
            problems.append(
                ValidationError(
                    "'%(text)s' is too long: at most %(limit)s characters.",
                    field=key,
                    text=quoted,
                    limit=limit,
                )
            )
    url = notice_text(notice, "url").strip()
    if url and not any(p.field == "url" for p in problems) and not _WEB_ADDRESS.fullmatch(url):
        problems.append(
            ValidationError(
                "'%(text)s' is not a web address (http:// or https://).",
                field="url",
                text=shown(url),
            )
        )
    return problems


def _stated(value: str | None) -> str:
    """The normalised text, or "" where the notice says in words that it does not say."""
    text = normalize_text(value)
    return "" if says_not_stated(text) or text.startswith("公告资格条款中未单列") else text


def clean_title(title: str) -> str:
    """The project's name: the title without "关于征集", the notice type or the "意见的公告" tail.

    Linear in the title's length: the notice type is looked for in the last `_SUFFIX_SPAN` characters
    only. The importer refuses titles longer than `NOTICE_LIMITS["title"]` before they get here.
    """
    text = _TITLE_PREFIX.sub("", normalize_text(title))
    text = re.sub(r"^(福建|浙江|江西)(移动)征集", r"\1\2", text)
    head, found, tail = text.rpartition("项目")
    if found and len(tail) <= 40 and _NOTICE_WORDS.search(tail):
        cleaned = head + found
    else:
        start = max(len(text) - _SUFFIX_SPAN, 0)
        cleaned = text[:start] + _NOTICE_SUFFIX.sub("", text[start:])
    cleaned = cleaned.rstrip("_-— ")
    return cleaned if len(cleaned) >= 6 else text


def buyer_name(notice: Mapping, places: _Places) -> tuple[str, str | None]:
    """(buyer name, region code) for a notice: its branch if the title names one, else the provincial company."""
    operator = normalize_text(notice_text(notice, "operator")) or "未知采购人"
    title = normalize_text(notice_text(notice, "title"))
    province = places.province(normalize_text(notice_text(notice, "region")))
    if province is None:
        return operator, None
    province_code, province_short = province
    for marker, style in _SUBSIDIARIES.items():
        if marker in title:
            return style.format(province=province_short), province_code
    company_style, branch_style = _BRANCH_STYLE.get(operator, (operator + "{province}公司", ""))
    city = places.branch_city(province_code, title)
    if city is not None and branch_style:
        # Prefecture-level branches are "泉州市分公司", county ones "惠安分公司".
        city_suffix = "市" if len(city[1]) == 4 else ""
        return branch_style.format(
            province=province_short, city=city[0], city_suffix=city_suffix
        ), city[1]
    return company_style.format(province=province_short), province_code


def _deadline(text: str) -> datetime | None:
    # A range ("…至2026年08月26日23时30分") closes at its end.
    last = text.split("至")[-1].strip()
    return parse_datetime(last, field="deadline", end_of_day=True)


def convert_notice(notice: Mapping, places: _Places) -> OrderRecord | SetAside:
    """One notice as an order record, or set aside with the reason."""
    key = notice_text(notice, "id").strip()
    title = normalize_text(notice_text(notice, "title"))
    if not key or not title:
        return SetAside(key, title, "The notice has no id or no title.")
    content = _stated(notice_text(notice, "purchaseContent"))
    budget_text = normalize_text(notice_text(notice, "budget"))
    qualification = _stated(notice_text(notice, "qualification"))
    if _NOT_A_PURCHASE.search(title):
        return SetAside(key, title, "The firm lets or sells something here; it is not buying.")
    if not content and says_not_stated(budget_text) and not qualification:
        if _REQUEST_FOR_COMMENT.search(title) or "意见" in notice_text(notice, "category"):
            reason = "A request for comment on draft specifications; it states no content, budget or qualification."
        else:
            reason = "The notice states no content, budget or qualification."
        return SetAside(key, title, reason)

    problems = []
    try:
        amount = parse_amount(budget_text, field="budget")
    except ValidationError as err:
        problems.append(str(err))
        amount = None
    raw_deadline = normalize_text(notice_text(notice, "deadline"))
    try:
        deadline = _deadline(raw_deadline)
    except ValidationError as err:
        problems.append(str(err))
        deadline = None
    published = None
    try:
        published_at = parse_datetime(notice_text(notice, "date"), field="date")
        published = published_at.date() if published_at else None
    except ValidationError as err:
        problems.append(str(err))

    name = clean_title(title)
    performance = _stated(notice_text(notice, "performance"))
    description = "\n".join(
        part
        for part in (content or name, f"业绩要求：{performance}" if performance else "")
        if part
    )
    buyer, region_code = buyer_name(notice, places)
    return OrderRecord(
        source_key=key,
        source_url=notice_text(notice, "url").strip() or None,
        operator=normalize_text(notice_text(notice, "operator")),
        buyer_name=buyer,
        title=name,
        description=description,
        budget_yuan=amount.yuan if amount else None,
        budget_text=None if amount is not None and amount.reason == NOT_STATED else budget_text,
        region_code=region_code,
        deadline=deadline,
        required_qualifications=_qualifications(qualification),
        qualification_text=qualification,
        published_on=published,
        problems=tuple(problems),
    )


def _qualifications(text: str) -> tuple[str, ...]:
    found = dict.fromkeys(
        re.sub(r"\s", "", m.group(0)).upper() for m in _QUALIFICATION.finditer(text)
    )
    return tuple(found)


def convert_notices(
    notices: Iterable[Mapping], region_codes: Mapping[str, str]
) -> tuple[list[OrderRecord], list[SetAside]]:
    """Every notice as an order record or set aside with a reason; a repeated id is set aside too."""
    places = _Places(region_codes)
    records: list[OrderRecord] = []
    set_aside: list[SetAside] = []
    seen: set[str] = set()
    for notice in notices:
        result = convert_notice(notice, places)
        if isinstance(result, OrderRecord) and result.source_key in seen:
            result = SetAside(result.source_key, result.title, "Another notice has the same id.")
        (records if isinstance(result, OrderRecord) else set_aside).append(result)
        seen.add(result.source_key)
    return records, set_aside
