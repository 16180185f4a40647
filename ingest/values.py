"""Amounts and dates as people write them in notices and spreadsheets, read into numbers and datetimes.

Real sources write "746.0365万元", "1,727,000元", "1.2亿元", "人民币壹佰万元整", and say in words when a
value is missing ("公告未明确列示") or open ("面议"). A missing or negotiable amount is *unknown*, never
zero, so `parse_amount` returns no value and says why; only text that cannot be an amount is an error.
Dates arrive as "2026年08月10日09时30分", "2026-09-11 09:30" or "2026/8/21"; they are China Standard
Time, which has had one fixed offset (UTC+8) since 1991, so results carry that offset.

Every function normalises first with `ingest.normalize.normalize_text` (full-width digits and the like).

Every reader is bounded, so no text can overflow a number or a date or take long to read: text longer
than a value can be is refused before it is parsed, dates outside `MIN_YEAR`..`MAX_YEAR` are refused
before any date arithmetic (9999-12-31 24:00 would overflow), and whole numbers are checked by their
digits before `int()` is called (`parse_whole_number`). The web forms read with the same functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ingest.normalize import normalize_text
from models.errors import ValidationError

CHINA_TZ = timezone(timedelta(hours=8), "CST")
# The zone of dates typed into import files: the programme's (qianfan.localtime.configure sets it),
# Beijing time until then. Notices are always read as Beijing time.
_typed_zone: tzinfo = CHINA_TZ


def set_typed_zone(zone: tzinfo) -> None:
    global _typed_zone
    _typed_zone = zone


def typed_zone() -> tzinfo:
    return _typed_zone

# Above this a single order, listing or package is a typing error, not a budget (one trillion yuan).
MAX_AMOUNT_YUAN = Decimal("1e12")
FEN = Decimal("0.01")
# An amount as written is kept beside its value (e.g. an order's budget_text, 120 characters).
MAX_AMOUNT_TEXT = 120
# Longer than any amount written in figures or words ("人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角捌分").
MAX_AMOUNT_CHARS = 60
# Dates outside these years are typing errors or placeholders ("9999-12-31"), never real deadlines,
# founding dates (同仁堂 dates from 1669) or validity ends; the bounds keep every date, the day after
# it (24:00) and its UTC form inside the range of Python's datetime and of both databases.
MIN_YEAR = 1000
MAX_YEAR = 3000
MAX_DATE_CHARS = 40
# A whole number in any field has at most this many digits (ids, quotas, years); more is refused unread.
MAX_INTEGER_DIGITS = 18

# Why an amount has no value.
NOT_STATED = "not_stated"  # the source says nothing, or says in words that it does not say
NEGOTIABLE = "negotiable"  # 面议: a price exists but is agreed case by case

_NOT_STATED_WORDS = re.compile(
    r"^(?:公告)?(?:未(?:明确|单独)?(?:列示|列明|注明|公布|公开|披露|提供)|不详|暂无|无|待定|详见.*|见.*|"
    r"[-—/\\]+|n/?a|none|null)$",
    re.IGNORECASE,
)
_NEGOTIABLE_WORDS = re.compile(r"^(?:价格)?面议$|^议价$")
_UNITS = {"": 1, "元": 1, "千元": 1_000, "万": 10_000, "万元": 10_000, "百万": 1_000_000,
          "百万元": 1_000_000, "千万": 10_000_000, "千万元": 10_000_000, "亿": 100_000_000,
          "亿元": 100_000_000, "万亿": 10**12, "万亿元": 10**12}  # fmt: skip
_ARABIC_AMOUNT = re.compile(
    r"^(?P<sign>-)?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>[千百万亿元]*)$"
)
# Words around an amount that do not change it: currency, "about", tax notes, a closing 整.
_AMOUNT_NOISE = re.compile(
    r"^(?:人民币|rmb|cny|约|大约|预估|预算|合计|共计|总计|金额)[:：]?|[(（][^()（）]*[)）]$|"
    r"(?:人民币|rmb|cny)$|整$|[¥￥]|\s",
    re.IGNORECASE,
)

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4,
              "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9,
              "玖": 9}  # fmt: skip
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_FRACTION = {"角": Decimal("0.1"), "分": Decimal("0.01")}


@dataclass(frozen=True)
class AmountResult:
    """An amount in yuan, or None with the reason it is unknown (`NOT_STATED`, `NEGOTIABLE`)."""

    yuan: Decimal | None
    reason: str | None = None
    text: str = ""

    @property
    def known(self) -> bool:
        return self.yuan is not None


def says_not_stated(text: str | None) -> bool:
    """True for empty text and for sentences saying a value is not given ("公告未明确列示", "详见附件")."""
    written = normalize_text(text)
    return not written or bool(_NOT_STATED_WORDS.match(written))


def parse_amount(text: str | None, *, field: str = "amount") -> AmountResult:
    """Yuan to the fen from text such as "746.0365万元"; unknown (not zero) when unstated or 面议.

    Raises `ValidationError` for text that is no amount, a negative amount, one above
    `MAX_AMOUNT_YUAN`, and text longer than `MAX_AMOUNT_TEXT` (checked before any pattern runs).
    """
    written = normalize_text(text)
    if len(written) > MAX_AMOUNT_TEXT:  # kept as written (budget_text), so it must fit its column
        raise ValidationError(
            "'%(text)s' is too long: at most %(limit)s characters.",
            field=field,
            text=shown(written),
            limit=MAX_AMOUNT_TEXT,
        )
    core = written
    for _ in range(3):  # "人民币约120万元(含税)" has noise on both ends
        core = _AMOUNT_NOISE.sub("", core)
    if not core or _NOT_STATED_WORDS.match(core):
        return AmountResult(None, NOT_STATED, written)
    if _NEGOTIABLE_WORDS.match(core):
        return AmountResult(None, NEGOTIABLE, written)
    yuan = None
    if len(core) <= MAX_AMOUNT_CHARS:
        yuan = _arabic_amount(core)
        if yuan is None:
            yuan = _chinese_amount(core)
    if yuan is None:
        raise ValidationError(
            "'%(text)s' is not an amount of money.", field=field, text=shown(written)
        )
    if yuan < 0:
        raise ValidationError(
            "An amount cannot be negative: '%(text)s'.", field=field, text=shown(written)
        )
    if yuan > MAX_AMOUNT_YUAN:
        raise ValidationError(
            "'%(text)s' is more than %(limit)s yuan; please check the unit.",
            field=field,
            text=shown(written),
            limit=f"{MAX_AMOUNT_YUAN:,.0f}",
        )
    return AmountResult(yuan.quantize(FEN, rounding=ROUND_HALF_UP), None, written)


def _arabic_amount(core: str) -> Decimal | None:
    match = _ARABIC_AMOUNT.match(core)
    if match is None or match["unit"] not in _UNITS:
        return None
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:
        return None
    value = number * _UNITS[match["unit"]]
    return -value if match["sign"] else value


def _chinese_amount(core: str) -> Decimal | None:
    """Amounts in Chinese numerals, e.g. 壹佰万元, 三千五百万, 贰拾元伍角; None for anything else.

    A unit needs a number to count: "万元" or "万万万" say no amount (not 0 yuan), and neither do two
    digits in a row ("九九"), which Chinese numerals never write without a unit between them except
    after 零 (一千零五).
    """
    core = core.removesuffix("元整")
    integer_part, _, fraction_part = core.partition("元")
    if not integer_part:
        return None
    yi = wan = section = 0  # what is counted in 亿, in 万, and below 万
    digit: int | None = None
    counted = False  # whether any digit or 十 has been read
    for char in integer_part:
        if char in _CN_DIGITS:
            if digit:  # a non-zero digit right before another digit
                return None
            digit = _CN_DIGITS[char]
            counted = True
        elif char in _CN_SMALL_UNITS:
            if digit is None and char not in ("十", "拾"):
                return None  # 百, 千 need their digit; only 十 may stand alone (十万 = 100,000)
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[char]
            digit = None
            counted = True
        elif char in ("万", "萬"):
            if section + (digit or 0) == 0:
                return None  # 万 of nothing
            wan += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        elif char == "亿":
            if yi + wan + section + (digit or 0) == 0:
                return None
            yi = (yi + wan + section + (digit or 0)) * 100_000_000
            wan = section = 0
            digit = None
        else:
            return None
    if not counted:
        return None
    value = Decimal(yi + wan + section + (digit or 0))
    fraction_digit: int | None = None
    for char in fraction_part:
        if char in _CN_DIGITS:
            fraction_digit = _CN_DIGITS[char]
        elif char in _CN_FRACTION and fraction_digit is not None:
            value += fraction_digit * _CN_FRACTION[char]
            fraction_digit = None
        else:
            return None
    return value


def shown(text: str, limit: int = 40) -> str:
    """`text` short enough to quote in a message: its first `limit` characters and "…"."""
    return text if len(text) <= limit else text[:limit] + "…"


_WHOLE_NUMBER = re.compile(r"([-+]?)(\d+)(?:\.0+)?")


def parse_whole_number(text: str | None, *, field: str, low: int, high: int) -> int | None:
    """A whole number between `low` and `high` from text such as "12", "1,200" or "12.0"; None when empty.

    The digits are counted before `int()` runs, so a number of any length is refused in constant time
    ("'…' must be between 0 and 100"), never read into an integer too big for the database.
    Raises `ValidationError` for text that is no whole number and for numbers out of range.
    """
    written = normalize_text(text).replace(",", "")
    if not written:
        return None
    match = _WHOLE_NUMBER.fullmatch(written)
    if match is None:
        raise ValidationError("'%(text)s' is not a whole number.", field=field, text=shown(written))
    sign, digits = match.groups()
    digits = digits.lstrip("0") or "0"
    if len(digits) <= MAX_INTEGER_DIGITS:
        number = -int(digits) if sign == "-" else int(digits)
        if low <= number <= high:
            return number
    raise ValidationError(
        "'%(text)s' must be between %(low)s and %(high)s.",
        field=field,
        text=shown(written),
        low=low,
        high=high,
    )


_DATE_TIME = re.compile(
    r"^(?P<year>\d{4})\s*(?:年|-|/|\.)\s*(?P<month>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*(?P<hour>\d{1,2})\s*(?:时|点|:)\s*(?:(?P<minute>\d{1,2})\s*(?:分|:)?\s*"
    r"(?:(?P<second>\d{1,2})\s*秒?)?)?)?$"
)


def parse_datetime(
    text: str | None, *, field: str = "date", end_of_day: bool = False, zone: tzinfo = CHINA_TZ
) -> datetime | None:
    """A datetime in `zone` from "2026年08月10日09时30分", "2026-09-11 09:30", "2026/8/21" ...

    Text carries no zone: notices are read as Beijing time (the default, China Standard Time); import
    files (`typed_zone()`) and the web forms in the programme's zone (qianfan.localtime).

    None when the text is empty or says the date is not stated. A date without a time means the start
    of that day, or its last minute with `end_of_day` (right for deadlines). Raises `ValidationError`
    for text that is no date, for dates that do not exist, such as 2026-02-30, and for years outside
    `MIN_YEAR`..`MAX_YEAR` (checked before any arithmetic, so 9999-12-31 24:00 cannot overflow).
    """
    written = normalize_text(text)
    if says_not_stated(written):
        return None
    match = _DATE_TIME.match(written) if len(written) <= MAX_DATE_CHARS else None
    if match is None:
        raise ValidationError("'%(text)s' is not a date.", field=field, text=shown(written))
    parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    if not MIN_YEAR <= parts["year"] <= MAX_YEAR:
        raise ValidationError(
            "'%(text)s' is outside the years %(low)s to %(high)s.",
            field=field,
            text=written,
            low=MIN_YEAR,
            high=MAX_YEAR,
        )
    try:
        day = datetime(parts["year"], parts["month"], parts["day"], tzinfo=zone)
        if "hour" not in parts:
            return day.replace(hour=23, minute=59) if end_of_day else day
        # 24时00分 is how some notices write midnight at the end of a day.
        if parts["hour"] == 24 and not parts.get("minute") and not parts.get("second"):
            return day + timedelta(days=1)
        clock = time(parts["hour"], parts.get("minute", 0), parts.get("second", 0))
    except ValueError:
        raise ValidationError(
            "'%(text)s' is not a real date or time.", field=field, text=written
        ) from None
    return datetime.combine(day.date(), clock, tzinfo=zone)
