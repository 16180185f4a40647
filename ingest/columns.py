"""The columns of each kind of import file, their Chinese and English headers, and how a cell is read.

This is the one place that says what a file of companies, orders, listings, service packages or
service demands may contain; the readers give cells, this module maps headers to fields and turns a
row of cells into a clean record, or into problems naming the row, field, value and reason. The
templates (ingest.templates) and the README's table are generated from the same definitions.

A header may be written in Chinese or English, with or without "*" or a remark in brackets; a remark
naming a unit ("预算(万元)") applies to bare numbers in that column.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from rapidfuzz import fuzz, process

from ingest.credit_code import parse_credit_code
from ingest.normalize import lone_surrogate, normalize_text
from ingest.problems import FileRejected, Problem
from ingest.readers import Formula, Sheet
from ingest.resolve import categories, industries, regions
from ingest.values import parse_amount, parse_datetime, parse_whole_number, shown, typed_zone
from models.errors import DomainError, ValidationError

log = logging.getLogger(__name__)
_LIST_SPLIT = re.compile(r"[;；,，、|\n]+")
_HEADER_REMARK = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]")
_UNIT = re.compile(r"^(元|千元|万元|百万元|千万元|亿元)$")
MAX_URL_CHARS = 500  # the source_url column
QUOTA_MAX = 1_000_000  # places of one service package
COMPANY_AGE_MAX = 100  # years: a package's "firms at most this old"


@dataclass(frozen=True)
class Cell:
    """A cell's text with what its header says about it (a unit such as 万元)."""

    text: str
    unit: str = ""


def _text(limit: int) -> Callable[[Cell, str], str | None]:
    def read(cell: Cell, field: str) -> str | None:
        value = normalize_text(cell.text)
        if len(value) > limit:
            raise ValidationError(
                "'%(text)s' is too long: at most %(limit)s characters.",
                field=field,
                text=shown(value),
                limit=limit,
            )
        return value or None

    return read


def _choice(options: dict[str, tuple[str, ...]]) -> Callable[[Cell, str], str | None]:
    """Values written in Chinese or English (any of the words given) → the stored value."""
    lookup = {
        normalize_text(word).lower(): value
        for value, words in options.items()
        for word in (value, *words)
    }

    def read(cell: Cell, field: str) -> str | None:
        value = normalize_text(cell.text).lower()
        if not value:
            return None
        if value not in lookup:
            allowed = "、".join(f"{words[0]}/{value}" for value, words in options.items())
            raise ValidationError(
                "'%(text)s' is not one of: %(allowed)s.",
                field=field,
                text=shown(value),
                allowed=allowed,
            )
        return lookup[value]

    return read


def _amount(cell: Cell, field: str) -> tuple:
    text = normalize_text(cell.text)
    if cell.unit and re.fullmatch(r"[\d,]+(?:\.\d+)?", text):
        text += cell.unit
    result = parse_amount(text, field=field)
    return result.yuan, (result.text or None)


def _datetime(cell: Cell, field: str):
    return parse_datetime(cell.text, field=field, end_of_day=True, zone=typed_zone())


def _date(cell: Cell, field: str) -> date | None:
    moment = parse_datetime(cell.text, field=field, zone=typed_zone())
    return moment.date() if moment else None


def _past_date(cell: Cell, field: str) -> date | None:
    day = _date(cell, field)
    if day and day > datetime.now(typed_zone()).date():
        raise ValidationError(
            "'%(text)s' is a date in the future.",
            field=field,
            text=shown(normalize_text(cell.text)),
        )
    return day


def _int(low: int, high: int) -> Callable[[Cell, str], int | None]:
    def read(cell: Cell, field: str) -> int | None:
        text = re.sub(r"(个|名|家|年|次)$", "", normalize_text(cell.text))
        return parse_whole_number(text, field=field, low=low, high=high)

    return read


def _words(cell: Cell) -> list[str]:
    return [w for w in (normalize_text(p) for p in _LIST_SPLIT.split(cell.text or "")) if w]


def _text_list(cell: Cell, field: str) -> list[str]:
    return list(dict.fromkeys(w[:120] for w in _words(cell)))


def _credit(cell: Cell, field: str) -> str | None:
    return parse_credit_code(cell.text, field=field)


def _region(cell: Cell, field: str) -> str | None:
    return regions().resolve(cell.text, field=field)


def _regions(cell: Cell, field: str) -> list[str]:
    return list(dict.fromkeys(regions().resolve(w, field=field) for w in _words(cell)))


def _industry(cell: Cell, field: str) -> str | None:
    return industries().resolve(cell.text, field=field)


def _industries(cell: Cell, field: str) -> list[str]:
    return list(dict.fromkeys(industries().resolve(w, field=field) for w in _words(cell)))


def _category(cell: Cell, field: str) -> str | None:
    return categories().resolve(cell.text, field=field)


def _url(cell: Cell, field: str) -> str | None:
    text = normalize_text(cell.text)
    if text and not re.match(r"^https?://\S+$", text, re.IGNORECASE):
        raise ValidationError(
            "'%(text)s' is not a web address (http:// or https://).", field=field, text=shown(text)
        )
    if len(text) > MAX_URL_CHARS:
        raise ValidationError(
            "'%(text)s' is too long: at most %(limit)s characters.",
            field=field,
            text=shown(text),
            limit=MAX_URL_CHARS,
        )
    return text or None


COMPANY_KINDS = {
    "large_firm": ("大企业", "大型企业", "large firm"),
    "small_firm": ("中小微企业", "中小企业", "小微企业", "科技型中小企业", "small firm"),
    "incubator": ("孵化器", "众创空间", "加速器"),
    "service_org": ("服务机构", "service organisation", "service organization"),
    "financial": ("金融机构", "银行", "financial institution"),
}
SIZES = {
    "large": ("大型", "大"),
    "medium": ("中型", "中"),
    "small": ("小型", "小"),
    "micro": ("微型", "微"),
}
ORDER_KINDS = {
    "procurement": ("采购", "采购需求"),
    "investment": ("投资", "并购", "投资并购", "investment/m&a"),
    "tech_cooperation": ("技术合作", "tech cooperation"),
}
LISTING_KINDS = {"product": ("产品",), "technology": ("技术",), "service": ("服务",)}
SERVICE_CATEGORIES = {
    "financing": ("融资", "投融资", "金融"),
    "ip": ("知识产权", "专利", "intellectual property"),
    "legal": ("法律", "法务"),
    "testing": ("检验检测", "检测", "认证"),
    "marketing": ("市场推广", "营销", "市场"),
    "space": ("办公空间", "场地", "空间", "office space"),
    "hr": ("人力资源", "人才", "招聘", "human resources"),
    "consulting": ("咨询", "管理咨询"),
    "tech_transfer": ("技术转移", "成果转化", "technology transfer"),
    "other": ("其他",),
}
# Imports may create postings as drafts, waiting for screening (the default) or already published.
IMPORT_STATUSES = {
    "draft": ("草稿",),
    "submitted": ("待审核", "已提交", "待筛选"),
    "published": ("已发布", "发布"),
}


@dataclass(frozen=True)
class Column:
    """One field of an import file."""

    key: str
    zh: str
    en: str
    read: Callable[[Cell, str], object]
    aliases: tuple[str, ...] = ()
    required: bool = False
    example: str = ""
    help_zh: str = ""

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.en, self.key, *self.aliases)


@dataclass(frozen=True)
class Kind:
    """A kind of import: its name, its columns, and which column names the company it belongs to."""

    name: str
    zh: str
    columns: tuple[Column, ...]
    company_role: str | None = None  # e.g. "buyer"; the company column is `company`
    default_company_kind: str = "small_firm"
    columns_by_key: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_by_key", {c.key: c for c in self.columns})


EXTERNAL_ID = Column("external_id", "编号", "id", _text(100), ("外部编号", "序号id", "source key", "source_key"),
                     example="ZGC-2026-0001", help_zh="来源系统中的编号；有编号时，再次导入按编号更新")  # fmt: skip
STATUS = Column("status", "状态", "status", _choice(IMPORT_STATUSES), ("发布状态",),
                example="待审核", help_zh="草稿 / 待审核（默认）/ 已发布")  # fmt: skip
DESCRIPTION = Column("description", "描述", "description", _text(20000), ("简介", "详细描述", "内容", "说明"),
                     example="面向中小企业的……")  # fmt: skip


def _company_columns(zh: str, en: str, aliases: tuple[str, ...]) -> tuple[Column, Column]:
    return (
        Column("company", zh, en, _text(200), (*aliases, "企业名称", "单位名称", "company", "company name"),
               required=True, example="北京千帆示例科技有限公司", help_zh="企业全称；按信用代码或名称匹配已有企业"),
        Column("company_credit_code", "统一社会信用代码", "credit code", _credit,
               (f"{zh}信用代码", "信用代码", "credit_code", f"{en} credit code"),
               example="91110108551385082Q", help_zh="18 位，含校验位（GB 32100-2015）"),
    )  # fmt: skip


COMPANIES = Kind("companies", "企业", (
    Column("name", "企业名称", "name", _text(200), ("名称", "单位名称", "机构名称", "company name", "company"),
           required=True, example="北京千帆示例科技有限公司"),
    Column("credit_code", "统一社会信用代码", "credit code", _credit, ("信用代码", "credit_code"),
           example="91110108551385082Q", help_zh="18 位，含校验位（GB 32100-2015）"),
    Column("kind", "企业类型", "kind", _choice(COMPANY_KINDS), ("类型", "机构类型", "type"),
           example="中小微企业", help_zh="大企业 / 中小微企业（默认）/ 孵化器 / 服务机构 / 金融机构"),
    Column("region", "所在区域", "region", _region, ("区域", "所在地区", "注册地", "区县", "district"),
           example="北京市海淀区", help_zh="区划名称或 6 位区划代码；重名的区请写明省市"),
    Column("industry", "所属行业", "industry", _industry, ("行业", "行业代码", "industry code"),
           example="6513", help_zh="国民经济行业分类 GB/T 4754-2017 代码或名称"),
    Column("size_class", "企业规模", "size", _choice(SIZES), ("规模", "size class"), example="小型",
           help_zh="大型 / 中型 / 小型 / 微型"),
    Column("founded_on", "成立日期", "founded", _past_date, ("成立时间", "founded on", "founding date"),
           example="2021-05-18"),
    Column("qualifications", "资质", "qualifications", _text_list, ("资质证书", "企业资质"),
           example="高新技术企业；ISO 9001", help_zh="多个资质用分号或顿号分隔"),
    DESCRIPTION,
))  # fmt: skip

ORDERS = Kind("orders", "订单", (
    EXTERNAL_ID,
    *_company_columns("采购单位", "buyer", ("发布企业", "需求单位", "采购人")),
    Column("title", "项目名称", "title", _text(300), ("订单名称", "需求名称", "标题", "名称"), required=True,
           example="智慧水务数字化平台建设"),
    DESCRIPTION,
    Column("kind", "订单类型", "kind", _choice(ORDER_KINDS), ("需求类型", "类型", "type"), example="采购",
           help_zh="采购（默认）/ 投资并购 / 技术合作"),
    Column("industry", "所属行业", "industry", _industry, ("行业",), example="软件开发"),
    Column("category", "采购品目", "category", _category, ("品目", "采购品目代码", "procurement category"),
           example="C16000000", help_zh="政府采购品目分类目录（2022）代码或名称"),
    Column("budget", "预算金额", "budget", _amount, ("预算", "金额", "项目金额", "budget yuan"),
           example="746.0365万元", help_zh="如 746.0365万元、1727000元、1.2亿元；面议或未列示则视为未知"),
    Column("region", "区域要求", "region", _region, ("项目地区", "地区", "所在区域", "区域"), example="福建省龙岩市"),
    Column("required_qualifications", "资质要求", "required qualifications", _text_list, ("资质", "qualifications"),
           example="通信工程施工总承包三级；ISO 9001"),
    Column("deadline", "截止时间", "deadline", _datetime, ("响应截止时间", "投标截止时间", "截止日期"),
           example="2026年09月11日09时30分"),
    Column("delivery_period", "交付周期", "delivery period", _text(120), ("工期", "服务期", "履约期限"),
           example="合同签订后90日内"),
    Column("source_url", "链接", "url", _url, ("网址", "公告链接", "source url"), example="https://example.com/n/1"),
    STATUS,
), company_role="buyer", default_company_kind="large_firm")  # fmt: skip

LISTINGS = Kind("listings", "供给", (
    EXTERNAL_ID,
    *_company_columns("供应企业", "supplier", ("供给企业", "提供企业")),
    Column("title", "供给名称", "title", _text(300), ("产品名称", "名称", "标题"), required=True,
           example="水务物联网监测系统"),
    DESCRIPTION,
    Column("kind", "供给类型", "kind", _choice(LISTING_KINDS), ("类型", "type"), example="产品",
           help_zh="产品 / 技术 / 服务"),
    Column("industry", "所属行业", "industry", _industry, ("行业",), example="6513"),
    Column("max_contract", "最大承接金额", "max contract", _amount, ("承接能力", "最大合同金额", "max contract yuan"),
           example="500万元"),
    Column("regions", "服务区域", "regions served", _regions, ("服务地区", "regions"),
           example="北京市；河北省", help_zh="多个区域用分号分隔；留空表示不限"),
    Column("tags", "标签", "tags", _text_list, ("关键词", "keywords"), example="物联网；漏损监测"),
    STATUS,
), company_role="supplier")  # fmt: skip

PACKAGES = Kind("packages", "服务包", (
    EXTERNAL_ID,
    *_company_columns("服务机构", "provider", ("提供机构", "孵化器")),
    Column("title", "服务包名称", "title", _text(300), ("名称", "标题"), required=True, example="知识产权代理服务包"),
    DESCRIPTION,
    Column("category", "服务类别", "category", _choice(SERVICE_CATEGORIES), ("类别", "服务类型"), required=True,
           example="知识产权", help_zh="融资 / 知识产权 / 法律 / 检验检测 / 市场推广 / 办公空间 / 人力资源 / 咨询 / 技术转移 / 其他"),
    Column("value", "服务包价值", "value", _amount, ("价值", "金额", "value yuan"), example="2万元"),
    Column("quota", "名额", "quota", _int(0, QUOTA_MAX), ("数量", "可服务企业数"), example="10"),
    Column("valid_until", "有效期至", "valid until", _date, ("截止日期", "有效期"), example="2027-06-30"),
    Column("max_company_age_years", "企业成立年限上限", "max company age", _int(0, COMPANY_AGE_MAX), ("成立年限",),
           example="3", help_zh="只面向成立不超过该年数的企业；留空表示不限"),
    Column("eligible_regions", "适用区域", "eligible regions", _regions, ("面向区域",), example="北京市海淀区"),
    Column("eligible_industries", "适用行业", "eligible industries", _industries, ("面向行业",), example="I65"),
    Column("eligible_sizes", "适用规模", "eligible sizes", lambda c, f: [_choice(SIZES)(Cell(w), f) for w in _words(c)],
           ("面向规模",), example="小型；微型"),
    STATUS,
), company_role="provider", default_company_kind="service_org")  # fmt: skip

DEMANDS = Kind("demands", "服务需求", (
    EXTERNAL_ID,
    *_company_columns("需求企业", "company", ()),
    Column("title", "需求名称", "title", _text(300), ("名称", "标题"), required=True, example="专利申请代理"),
    DESCRIPTION,
    Column("category", "服务类别", "category", _choice(SERVICE_CATEGORIES), ("类别", "需求类别"), required=True,
           example="知识产权"),
    Column("budget", "预算金额", "budget", _amount, ("预算", "金额"), example="面议"),
    STATUS,
), company_role="company")  # fmt: skip

MENTOR_MODES = {"online": ("线上", "在线"), "in_person": ("线下", "面谈", "in person"), "both": ("线上线下", "均可", "线上/线下")}

# Start-up mentors (创业导师, qianfan.mentors): a person, not a company; re-imported by 编号, else by name.
MENTORS = Kind("mentors", "创业导师", (
    EXTERNAL_ID,
    Column("name", "导师姓名", "name", _text(120), ("姓名", "导师", "mentor"), required=True, example="张明"),
    Column("title", "职务", "title", _text(200), ("现任职务", "单位职务", "position"), example="某科技有限公司 创始人"),
    Column("expertise", "专长", "expertise", _text(2000), ("擅长领域", "辅导方向", "专业领域"), required=True,
           example="工业互联网平台产品规划；融资路演辅导"),
    Column("bio", "简介", "bio", _text(5000), ("个人简介", "描述", "description"), example="十五年工业软件从业经历……"),
    Column("industries", "熟悉行业", "industries", _industries, ("行业", "所属行业"), example="软件和信息技术服务业；65",
           help_zh="国民经济行业分类 GB/T 4754-2017 代码或名称，多个用分号分隔"),
    Column("regions", "服务区域", "regions", _regions, ("区域", "所在区域"), example="北京市海淀区",
           help_zh="区划名称或代码，多个用分号分隔；留空表示不限"),
    Column("sessions_per_month", "每月可辅导次数", "sessions per month", _int(0, 60), ("辅导次数", "每月次数"),
           example="2", help_zh="0 表示暂不接受预约"),
    Column("mode", "辅导方式", "mode", _choice(MENTOR_MODES), ("方式",), example="线上线下",
           help_zh="线上 / 线下 / 线上线下（默认）"),
), company_role=None)  # fmt: skip

KINDS: dict[str, Kind] = {k.name: k for k in (COMPANIES, ORDERS, LISTINGS, PACKAGES, DEMANDS, MENTORS)}


def header_key(header: str) -> tuple[str, str]:
    """(the header as compared, its unit remark): "预算金额（万元）*" → ("预算金额", "万元")."""
    text = normalize_text(header).lower().replace("*", "").replace("必填", "")
    unit = ""
    for remark in _HEADER_REMARK.findall(text):
        if _UNIT.match(remark.strip()):
            unit = remark.strip()
    text = _HEADER_REMARK.sub("", text)
    return re.sub(r"[\s_:：]+", " ", text).strip(), unit


@dataclass
class HeaderMap:
    """Which column each header of a sheet is, and the unit its remark names."""

    columns: list[Column | None]
    units: list[str]


def _lookup(kind: Kind) -> dict[str, Column]:
    table: dict[str, Column] = {}
    for column in kind.columns:
        for header in column.headers:
            table.setdefault(header_key(header)[0], column)
    return table


def map_headers(kind: Kind, sheet: Sheet) -> HeaderMap:
    """Map a sheet's headers to columns; `FileRejected` listing unknown, repeated and missing columns."""
    lookup = _lookup(kind)
    columns: list[Column | None] = []
    units: list[str] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for header in sheet.headers:
        key, unit = header_key(header)
        column = lookup.get(key)
        units.append(unit)
        columns.append(column)
        if not key:
            continue
        if column is None:
            suggestion = process.extractOne(
                key, list(lookup), scorer=fuzz.ratio, processor=None, score_cutoff=60
            )
            err = (
                ValidationError(
                    "Unknown column '%(header)s'; did you mean '%(suggestion)s'?",
                    header=header,
                    suggestion=suggestion[0],
                )  # fmt: skip
                if suggestion
                else ValidationError("Unknown column '%(header)s'.", header=header)
            )
            problems.append(Problem.from_error(err, row=1, sheet=sheet.name, value=header))
        elif column.key in seen:
            err = ValidationError(
                "Columns '%(first)s' and '%(second)s' both mean %(meaning)s.",
                first=seen[column.key], second=header, field=column.key, meaning=f"{column.zh} / {column.en}",
            )  # fmt: skip
            problems.append(
                Problem.from_error(err, row=1, sheet=sheet.name, field=column.key, value=header)
            )
        else:
            seen[column.key] = header
    for column in kind.columns:
        if column.required and column.key not in seen:
            err = ValidationError(
                "The required column '%(header)s' is missing.", header=f"{column.zh} / {column.en}"
            )
            problems.append(Problem.from_error(err, row=1, sheet=sheet.name, field=column.key))
    if problems:
        raise FileRejected(problems[0].reason_en, problems=problems)
    return HeaderMap(columns, units)


def knows_any_header(kind: Kind, sheet: Sheet) -> bool:
    """Whether a sheet looks like data of `kind` (a workbook's notes sheet does not)."""
    lookup = _lookup(kind)
    return any(header_key(h)[0] in lookup for h in sheet.headers)


def convert_row(
    kind: Kind,
    headers: HeaderMap,
    cells: list[str],
    *,
    row: int,
    sheet: str | None,
    max_cell_chars: int,
) -> tuple[dict, list[Problem]]:
    """One row as a record keyed by column, and every problem found in it (empty when it is valid)."""
    record: dict = {}
    problems: list[Problem] = []
    # A value beyond the last header, or under an empty header, would be lost without a word.
    for index, raw in enumerate(cells):
        if (
            raw
            and str(raw).strip()
            and (index >= len(headers.columns) or headers.columns[index] is None)
        ):
            err = ValidationError("Column %(column)s has a value but no header: '%(text)s'.", column=index + 1,
                                  text=str(raw)[:40])  # fmt: skip
            problems.append(Problem.from_error(err, row=row, sheet=sheet, value=str(raw)[:200]))
    for index, column in enumerate(headers.columns):
        if column is None:
            continue
        raw = cells[index] if index < len(cells) else ""
        raw = "" if raw is None else raw
        where = {"row": row, "sheet": sheet, "field": column.key, "value": str(raw)[:200]}
        try:
            if code := lone_surrogate(raw):
                raise ValidationError(
                    "The value holds %(code)s, half of a character pair, which is not text; "
                    "correct it at the source.",
                    code=code,
                )
            if len(raw) > max_cell_chars:
                raise ValidationError(
                    "This cell has %(length)s characters; the limit is %(limit)s.",
                    length=len(raw),
                    limit=max_cell_chars,
                )
            if isinstance(raw, Formula):
                raise ValidationError(
                    "The cell holds a formula (%(formula)s); type the value itself.",
                    formula=raw[:60],
                )
            value = column.read(Cell(raw, headers.units[index]), column.key)
        except DomainError as err:
            problems.append(Problem.from_error(err, **where))
            continue
        except (ArithmeticError, ValueError, TypeError, LookupError, RecursionError) as err:
            # Every reader is bounded and says what is wrong; should one still fail, the row is
            # refused with its field like any other, not the whole import with a trace.
            log.exception("column %s could not read row %s", column.key, row)
            err = ValidationError(
                "The value could not be read (%(detail)s).", detail=type(err).__name__
            )
            problems.append(Problem.from_error(err, **where))
            continue
        if value not in (None, "", []):
            record[column.key] = value
    for column in kind.columns:
        if (
            column.required
            and column.key not in record
            and not any(p.field == column.key for p in problems)
        ):
            err = ValidationError(
                "%(column)s is required.", field=column.key, column=f"{column.zh} / {column.en}"
            )
            problems.append(
                Problem.from_error(err, row=row, sheet=sheet, field=column.key, value="")
            )
    return record, problems
