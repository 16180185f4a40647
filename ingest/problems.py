"""What the importer says about a file or a row it refuses, in Chinese and English, so staff can fix it.

Every refusal is a `Problem`: where (sheet, row, field), what was there (value), and why (`reason_en`
and `reason_zh`). Reasons start as the English message ids of `models.errors` with their parameters;
`ZH` holds the Chinese of each message the importer can give, so the CLI and the rejected-rows file
carry both languages without the web layer's catalogue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ingest.normalize import encodable
from models.errors import DomainError

ZH: dict[str, str] = {
    # ingest.readers: the file as a whole
    "The file is empty.": "文件是空的。",
    "The file is %(size)s bytes; the limit is %(limit)s bytes.": "文件大小为 %(size)s 字节，上限为 %(limit)s 字节。",
    "'%(name)s' is not a file type the importer reads; use CSV, XLSX, JSON or JSON Lines.":
        "不支持“%(name)s”的文件类型；请使用 CSV、XLSX、JSON 或 JSON Lines。",
    "'%(name)s' is an old Excel (.xls) file; save it as .xlsx and import again.":
        "“%(name)s”是旧版 Excel（.xls）文件，请另存为 .xlsx 后重新导入。",
    "The file is not a valid XLSX workbook: %(detail)s.": "文件不是有效的 XLSX 工作簿：%(detail)s。",
    "The workbook unpacks to more than %(limit)s bytes; it is refused as a possible zip bomb.":
        "工作簿解压后超过 %(limit)s 字节，疑似压缩炸弹，已拒绝。",
    "Part '%(part)s' of the workbook is compressed %(ratio)s times; it is refused as a possible zip bomb.":
        "工作簿中的“%(part)s”压缩比达 %(ratio)s 倍，疑似压缩炸弹，已拒绝。",
    "The text encoding of the file could not be recognised; save it as UTF-8 CSV.":
        "无法识别文件的文字编码，请另存为 UTF-8 编码的 CSV。",
    "The file holds binary data, not text; is it really a %(kind)s file?":
        "文件包含二进制数据而非文本，请确认它确实是 %(kind)s 文件。",
    "Broken CSV at line %(line)s: %(detail)s.": "CSV 第 %(line)s 行格式错误：%(detail)s。",
    "Broken JSON at line %(line)s: %(detail)s.": "JSON 第 %(line)s 行格式错误：%(detail)s。",
    "The JSON is nested more than %(limit)s levels deep.": "JSON 的嵌套超过 %(limit)s 层。",
    "JSON must be a list of objects, or an object holding one such list.":
        "JSON 应为对象列表，或包含一个对象列表的对象。",
    "Item %(item)s is not an object with named fields.": "第 %(item)s 项不是带字段名的对象。",
    "The file has more than %(limit)s data rows; split it into smaller files.":
        "文件的数据行超过 %(limit)s 行，请拆分成较小的文件。",
    "The file has a header row but no data rows.": "文件只有表头，没有数据行。",
    "The file has %(count)s columns; the limit is %(limit)s.": "文件有 %(count)s 列，上限为 %(limit)s 列。",
    "No sheet of the workbook has the columns of %(kind)s.": "工作簿中没有包含%(kind)s列的工作表。",
    # ingest.columns: headers
    "Unknown column '%(header)s'.": "未知的列“%(header)s”。",
    "Unknown column '%(header)s'; did you mean '%(suggestion)s'?": "未知的列“%(header)s”，是否应为“%(suggestion)s”？",
    "Columns '%(first)s' and '%(second)s' both mean %(meaning)s.": "列“%(first)s”和“%(second)s”表示同一字段 %(meaning)s。",
    "The required column '%(header)s' is missing.": "缺少必填列“%(header)s”。",
    # ingest.columns: cells
    "This cell has %(length)s characters; the limit is %(limit)s.": "单元格有 %(length)s 个字符，上限为 %(limit)s。",
    "The cell holds a formula (%(formula)s); type the value itself.": "单元格是公式（%(formula)s），请直接填写数值。",
    "%(column)s is required.": "%(column)s 为必填项。",
    "The value holds %(code)s, half of a character pair, which is not text; correct it at the source.":
        "该值含有 %(code)s（不成对的代理字符），不是有效文本，请在源文件中更正。",
    "The value must be text, not %(type)s.": "该值应为文本，而不是 %(type)s。",
    "The value could not be read (%(detail)s).": "无法读取该值（%(detail)s）。",
    "Column %(column)s has a value but no header: '%(text)s'.": "第 %(column)s 列有内容但没有表头：“%(text)s”。",
    "'%(text)s' is not one of: %(allowed)s.": "“%(text)s”不在可选值中：%(allowed)s。",
    "'%(text)s' is not a whole number.": "“%(text)s”不是整数。",
    "'%(text)s' must be between %(low)s and %(high)s.": "“%(text)s”应在 %(low)s 到 %(high)s 之间。",
    "'%(text)s' is too long: at most %(limit)s characters.": "“%(text)s”过长，最多 %(limit)s 个字符。",
    "'%(text)s' is not a web address (http:// or https://).": "“%(text)s”不是网址（应以 http:// 或 https:// 开头）。",
    "'%(text)s' is a date in the future.": "“%(text)s”是将来的日期。",
    "This row repeats row %(first)s of the same file.": "本行与同一文件第 %(first)s 行重复。",
    "Credit code %(code)s already belongs to '%(existing)s', not '%(name)s'.":
        "信用代码 %(code)s 已属于“%(existing)s”，而非“%(name)s”。",
    # ingest.credit_code
    "A unified social credit code has 18 characters; '%(code)s' has %(length)s.":
        "统一社会信用代码应为 18 位，“%(code)s”为 %(length)s 位。",
    "'%(code)s' is not a unified social credit code: it may use only digits and the letters "
    "A-Y without I, O, S, V, Z, with digits in places 3 to 8.":
        "“%(code)s”不是统一社会信用代码：只能由数字和除 I、O、S、V、Z 以外的大写字母组成，第 3 至 8 位为数字。",
    "The check character of credit code '%(code)s' is wrong (expected %(expected)s): "
    "a character was probably mistyped.": "信用代码“%(code)s”校验位错误（应为 %(expected)s），可能有字符录入错误。",
    # ingest.resolve
    "No division is called '%(text)s'.": "没有名为“%(text)s”的行政区划。",
    "'%(text)s' could be any of: %(candidates)s; write the province or city too.":
        "“%(text)s”可能是：%(candidates)s；请同时写明省或市。",
    "No industry is called or coded '%(text)s'.": "没有名称或代码为“%(text)s”的行业。",
    "'%(text)s' is close to several industries: %(candidates)s; use the code.":
        "“%(text)s”与多个行业相近：%(candidates)s；请填写行业代码。",
    "No procurement category is called or coded '%(text)s'.": "没有名称或代码为“%(text)s”的采购品目。",
    "'%(text)s' is close to several procurement categories: %(candidates)s; use the code.":
        "“%(text)s”与多个采购品目相近：%(candidates)s；请填写品目代码。",
    # ingest.values (owned by its module; translated here for the importer's reports)
    "'%(text)s' is not an amount of money.": "“%(text)s”不是金额。",
    "An amount cannot be negative: '%(text)s'.": "金额不能为负数：“%(text)s”。",
    "'%(text)s' is more than %(limit)s yuan; please check the unit.": "“%(text)s”超过 %(limit)s 元，请检查单位。",
    "'%(text)s' is not a date.": "“%(text)s”不是日期。",
    "'%(text)s' is not a real date or time.": "“%(text)s”不是真实存在的日期或时间。",
    "'%(text)s' is outside the years %(low)s to %(high)s.": "“%(text)s”超出 %(low)s 年至 %(high)s 年的范围。",
    # ingest.notices: why a notice is set aside (its reasons are plain English sentences)
    "The notice has no id or no title.": "公告没有编号或标题。",
    "The firm lets or sells something here; it is not buying.": "该公告为出租或出售，并非采购。",
    "A request for comment on draft specifications; it states no content, budget or qualification.":
        "技术规范意见征求公告，未列明采购内容、预算或资格要求。",
    "The notice states no content, budget or qualification.": "公告未列明采购内容、预算或资格要求。",
    "Another notice has the same id.": "另一条公告的编号相同。",
    # models.lifecycle, when a file asks for a status change the lifecycle does not allow
    "%(object)s cannot go from '%(from)s' to '%(to)s'; possible next: %(possible)s.":
        "%(object)s 不能从“%(from)s”变为“%(to)s”；可选：%(possible)s。",
    # qianfan.importing
    "Unknown kind '%(kind)s'; choose one of: %(kinds)s.": "未知的导入类型“%(kind)s”，可选：%(kinds)s。",
    "%(count)s rows were rejected; nothing was imported.": "有 %(count)s 行被拒绝，未导入任何数据。",
}  # fmt: skip


def to_zh(message: str, params: dict) -> str:
    """The Chinese of a message id, filled in; the English where no translation exists."""
    return ZH.get(message, message) % params if params else ZH.get(message, message)


@dataclass
class Problem:
    """One reason a file or row was refused; `row` counts as the person sees it (header is row 1)."""

    reason_en: str
    reason_zh: str
    row: int | None = None
    sheet: str | None = None
    field: str | None = None  # the importer's key of the column, e.g. "regions"
    value: str | None = None
    column: str | None = None  # the column's header as the file writes it, e.g. "服务区域"

    def __post_init__(self) -> None:
        # What a file says is quoted back to people: it must print, and go into a CSV, even when the
        # file held text no encoding can hold (a lone surrogate from JSON).
        for name in ("reason_en", "reason_zh", "sheet", "field", "value", "column"):
            text = getattr(self, name)
            if isinstance(text, str):
                setattr(self, name, encodable(text))

    @classmethod
    def from_error(
        cls, err: DomainError, *, row=None, sheet=None, field=None, value=None
    ) -> Problem:
        return cls(
            reason_en=str(err),
            reason_zh=to_zh(err.message, err.params),
            row=row,
            sheet=sheet,
            field=field or getattr(err, "field", None),
            value=value,
        )

    @property
    def where(self) -> str:
        place = f"{self.sheet}!" if self.sheet else ""
        return f"{place}{self.row}" if self.row is not None else place.rstrip("!")

    def to_dict(self) -> dict:
        return asdict(self)


class FileRejected(DomainError):
    """The file as a whole cannot be read (type, size, encoding, headers); nothing was imported."""

    http_status = 422

    def __init__(
        self, message: str, *, problems: list[Problem] | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.problems = problems or [Problem(reason_en=str(self), reason_zh=to_zh(message, params))]
