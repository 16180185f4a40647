"""Writes the corpus of bad import files (tests/ingest/corpus) and its manifest, expected.json.

Each file is something staff really receive or an attack on the service: wrong encodings, broken and
oversized workbooks, missing and unknown headers, bad credit codes, impossible amounts and dates,
duplicates within and across files, formula cells, empty files. The manifest says, for each file, the
kind it is imported as, the English message it must be refused with, and where applicable the field,
the row, the settings the import runs under and a good file imported before it. Binary files are
generated here so that they can be reviewed and rebuilt:

    .venv/bin/python tests/ingest/make_corpus.py
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from openpyxl import Workbook

CORPUS = Path(__file__).parent / "corpus"
CODE = "91110108551385082Q"  # a code with a valid check character
OTHER_CODE = "91350100M000100Y43"

COMPANY_HEAD = "企业名称,统一社会信用代码,企业类型,所在区域,所属行业,企业规模,成立日期"
LISTING_HEAD = "供应企业,供给名称,描述,供给类型,所属行业,最大承接金额,服务区域,标签"
ORDER_HEAD = "采购单位,项目名称,预算金额,截止时间,区域要求,链接"
PACKAGE_HEAD = "服务机构,服务包名称,服务类别,名额,服务包价值"

MANIFEST: list[dict] = []

OUT_OF_YEARS = "'%(text)s' is outside the years %(low)s to %(high)s."
OUT_OF_RANGE = "'%(text)s' must be between %(low)s and %(high)s."
TOO_DEEP = "The JSON is nested more than %(limit)s levels deep."
TOO_LONG = "'%(text)s' is too long: at most %(limit)s characters."
SURROGATE = "The value holds %(code)s, half of a character pair, which is not text; correct it at the source."
NOT_WEB = "'%(text)s' is not a web address (http:// or https://)."
NOTICE = {"id": "n-1", "operator": "中国电信", "title": "中国电信龙岩分公司机房空调维保服务项目招标公告",
          "region": "福建", "date": "2026-08-21", "category": "招标公告", "url": "https://example.com/n/1",
          "purchaseContent": "机房空调维保服务", "budget": "20万元", "deadline": "2026-09-11 09:30",
          "qualification": "空调维修资质", "performance": ""}  # fmt: skip


def case(name: str, kind: str, content: bytes, error: str, **expect) -> None:
    (CORPUS / name).write_bytes(content)
    MANIFEST.append({"file": name, "kind": kind, "error": error, **expect})


def text(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_with_zeros(part: str, size: int) -> bytes:
    """A workbook-shaped archive with one part of `size` zero bytes, streamed so memory stays small."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(part, "w", force_zip64=True) as handle:
            block = b"\0" * (1024 * 1024)
            for _ in range(size // len(block)):
                handle.write(block)
    return buffer.getvalue()


def notices(**second) -> bytes:
    """A crawler file of two notices, the second one changed by `second` (the first is fine)."""
    bad = {**NOTICE, "id": "n-2", "title": "中国电信龙岩分公司基站配套改造项目招标公告", **second}
    return json.dumps({"notices": [NOTICE, bad]}, ensure_ascii=False).encode()


def build() -> None:
    CORPUS.mkdir(exist_ok=True)
    for old in CORPUS.iterdir():
        old.unlink()

    # The file as a whole
    case("empty.csv", "companies", b"", "The file is empty.")
    case("blank_lines_only.csv", "companies", b"\n \n\t\n", "The file is empty.")
    case(
        "header_only.csv",
        "companies",
        text(COMPANY_HEAD),
        "The file has a header row but no data rows.",
    )
    case("png_named_csv.csv", "companies", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
         "The file holds binary data, not text; is it really a %(kind)s file?")  # fmt: skip
    case(
        "report.pdf",
        "companies",
        b"%PDF-1.4\n",
        "'%(name)s' is not a file type the importer reads; use CSV, XLSX, JSON or JSON Lines.",
    )
    case("old_excel.xls", "companies", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
         "'%(name)s' is an old Excel (.xls) file; save it as .xlsx and import again.")  # fmt: skip
    case("oversized.csv", "companies", text(COMPANY_HEAD, *[f"企业{i}有限公司,,,,,," for i in range(200)]),
         "The file is %(size)s bytes; the limit is %(limit)s bytes.", settings={"IMPORT_MAX_BYTES": 2048})  # fmt: skip
    case("too_many_rows.csv", "companies", text(COMPANY_HEAD, *[f"企业{i}有限公司,,,,,," for i in range(60)]),
         "The file has more than %(limit)s data rows; split it into smaller files.", settings={"IMPORT_MAX_ROWS": 50})  # fmt: skip
    case("cell_too_long.csv", "companies", text("企业名称,描述", "北京长文科技有限公司," + "很长" * 100),
         "This cell has %(length)s characters; the limit is %(limit)s.", settings={"IMPORT_MAX_CELL_CHARS": 100},
         field="description", row=2)  # fmt: skip
    case(
        "unclosed_quote.csv",
        "companies",
        text(COMPANY_HEAD, '"北京引号科技有限公司,,,,,,'),
        "Broken CSV at line %(line)s: %(detail)s.",
    )
    case(
        "broken.json",
        "listings",
        b'[{"supplier": "A", "title": "B"',
        "Broken JSON at line %(line)s: %(detail)s.",
    )
    case(
        "json_object.json",
        "listings",
        b'{"supplier": "A", "title": "B"}',
        "JSON must be a list of objects, or an object holding one such list.",
    )
    case(
        "json_numbers.json",
        "listings",
        b"[1, 2, 3]",
        "Item %(item)s is not an object with named fields.",
    )
    case("broken_line.jsonl", "listings", text('{"supplier": "A公司", "title": "产品一"}', '{"supplier": "B公司", "title": '),
         "Broken JSON at line %(line)s: %(detail)s.")  # fmt: skip
    case(
        "not_a_zip.xlsx",
        "companies",
        text(COMPANY_HEAD, "北京某科技有限公司,,,,,,"),
        "The file is not a valid XLSX workbook: %(detail)s.",
    )
    good = workbook({"企业": [COMPANY_HEAD.split(","), ["北京截断科技有限公司", CODE]]})
    case(
        "truncated.xlsx",
        "companies",
        good[: len(good) // 2],
        "The file is not a valid XLSX workbook: %(detail)s.",
    )
    case(
        "zip_without_workbook.xlsx",
        "companies",
        zip_of({"readme.txt": b"hello"}),
        "The file is not a valid XLSX workbook: %(detail)s.",
    )
    case(
        "zip_bomb.xlsx",
        "companies",
        zip_with_zeros("xl/worksheets/sheet1.xml", 300 * 1024 * 1024),
        "The workbook unpacks to more than %(limit)s bytes; it is refused as a possible zip bomb.",
    )
    case(
        "compression_bomb.xlsx",
        "companies",
        zip_with_zeros("xl/sharedStrings.xml", 8 * 1024 * 1024),
        "Part '%(part)s' of the workbook is compressed %(ratio)s times; it is refused as a possible zip bomb.",
    )
    case("no_data_sheet.xlsx", "listings", workbook({"说明": [["这是说明"]], "统计": [["月份", "数量"], ["1月", 3]]}),
         "No sheet of the workbook has the columns of %(kind)s.")  # fmt: skip

    # Headers
    case("missing_required_column.csv", "listings", text("供应企业,描述", "北京某科技有限公司,很好的产品"),
         "The required column '%(header)s' is missing.", field="title")  # fmt: skip
    case("unknown_column.csv", "listings", text("供应企业,供给名称,内部备注XYZ", "北京某科技有限公司,产品一,x"),
         "Unknown column '%(header)s'.")  # fmt: skip
    case("misspelled_column.csv", "companies", text("企业明称,所在区域", "北京某科技有限公司,海淀区"),
         "Unknown column '%(header)s'; did you mean '%(suggestion)s'?")  # fmt: skip
    case("same_column_twice.csv", "companies", text("企业名称,name", "北京某科技有限公司,北京某科技有限公司"),
         "Columns '%(first)s' and '%(second)s' both mean %(meaning)s.")  # fmt: skip

    # Cells
    case("credit_code_check_digit.csv", "companies", text("企业名称,统一社会信用代码", "北京校验科技有限公司,91110108551385082A"),
         "The check character of credit code '%(code)s' is wrong (expected %(expected)s): a character was probably mistyped.",
         field="credit_code", row=2)  # fmt: skip
    case("credit_code_length.csv", "companies", text("企业名称,统一社会信用代码", "北京位数科技有限公司,9111010855138508"),
         "A unified social credit code has 18 characters; '%(code)s' has %(length)s.", field="credit_code", row=2)  # fmt: skip
    case("credit_code_letters.csv", "companies", text("企业名称,统一社会信用代码", "北京字母科技有限公司,9111010855138508IO"),
         "'%(code)s' is not a unified social credit code: it may use only digits and the letters A-Y without I, O, S, V, Z, with digits in places 3 to 8.",
         field="credit_code", row=2)  # fmt: skip
    case("amount_words.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,很多钱,,,"),
         "'%(text)s' is not an amount of money.", field="budget", row=2)  # fmt: skip
    case("amount_negative.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,-5万元,,,"),
         "An amount cannot be negative: '%(text)s'.", field="budget", row=2)  # fmt: skip
    case("amount_too_big.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,2万亿元,,,"),
         "'%(text)s' is more than %(limit)s yuan; please check the unit.", field="budget", row=2)  # fmt: skip
    case("date_impossible.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,10万元,2026-02-30 09:30,,"),
         "'%(text)s' is not a real date or time.", field="deadline", row=2)  # fmt: skip
    case("date_words.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,10万元,下周一上午,,"),
         "'%(text)s' is not a date.", field="deadline", row=2)  # fmt: skip
    case("founded_in_future.csv", "companies", text(COMPANY_HEAD, "北京未来科技有限公司,,,,,,2099-01-01"),
         "'%(text)s' is a date in the future.", field="founded_on", row=2)  # fmt: skip
    case("region_unknown.csv", "companies", text(COMPANY_HEAD, "北京火星科技有限公司,,,火星区,,,"),
         "No division is called '%(text)s'.", field="region", row=2)  # fmt: skip
    case("region_ambiguous.csv", "companies", text(COMPANY_HEAD, "朝阳某科技有限公司,,,朝阳区,,,"),
         "'%(text)s' could be any of: %(candidates)s; write the province or city too.", field="region", row=2)  # fmt: skip
    case("industry_unknown.csv", "companies", text(COMPANY_HEAD, "北京炼金科技有限公司,,,,炼金术,,"),
         "No industry is called or coded '%(text)s'.", field="industry", row=2)  # fmt: skip
    case("kind_unknown.csv", "companies", text(COMPANY_HEAD, "北京外星科技有限公司,,外星企业,,,,"),
         "'%(text)s' is not one of: %(allowed)s.", field="kind", row=2)  # fmt: skip
    case("quota_words.csv", "packages", text(PACKAGE_HEAD, "某孵化器,知识产权服务包,知识产权,十个,1万元"),
         "'%(text)s' is not a whole number.", field="quota", row=2)  # fmt: skip
    case("quota_negative.csv", "packages", text(PACKAGE_HEAD, "某孵化器,知识产权服务包,知识产权,-5,1万元"),
         "'%(text)s' must be between %(low)s and %(high)s.", field="quota", row=2)  # fmt: skip
    case("url_not_web.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,10万元,,,javascript:alert(1)"),
         "'%(text)s' is not a web address (http:// or https://).", field="source_url", row=2)  # fmt: skip
    case("required_cell_empty.csv", "listings", text(LISTING_HEAD, "北京某科技有限公司,,描述,产品,,,,"),
         "%(column)s is required.", field="title", row=2)  # fmt: skip
    case("value_without_header.csv", "listings", text("供应企业,供给名称", "北京某科技有限公司,产品一,多出来的一列"),
         "Column %(column)s has a value but no header: '%(text)s'.", row=2)  # fmt: skip
    case("status_unknown.csv", "listings", text("供应企业,供给名称,状态", "北京某科技有限公司,产品一,已关闭"),
         "'%(text)s' is not one of: %(allowed)s.", field="status", row=2)  # fmt: skip
    case("gbk_bad_amount.csv", "orders", text(ORDER_HEAD, "中国电信某分公司,机房改造,约若干元,,,", encoding="gbk"),
         "'%(text)s' is not an amount of money.", field="budget", row=2)  # fmt: skip
    case("gb18030_bad_region.csv", "companies", text(COMPANY_HEAD, "𠀀记科技有限公司,,,银河区,,,", encoding="gb18030"),
         "No division is called '%(text)s'.", field="region", row=2)  # fmt: skip
    case("formula_cell.xlsx", "listings", workbook({"供给": [["供应企业", "供给名称"], ["北京某科技有限公司", "=HYPERLINK(\"http://x\",\"点我\")"]]}),
         "The cell holds a formula (%(formula)s); type the value itself.", field="title", row=2)  # fmt: skip
    case("second_sheet_bad.xlsx", "listings", workbook({
        "说明": [["填写说明：每行一条供给"]],
        "第一批": [["供应企业", "供给名称", "最大承接金额"], ["北京甲科技有限公司", "产品甲", "100万元"]],
        "第二批": [["供应企业", "供给名称", "最大承接金额"], ["北京乙科技有限公司", "产品乙", "50万元"],
                  ["北京丙科技有限公司", "产品丙", "一些钱"]],
    }), "'%(text)s' is not an amount of money.", field="max_contract", row=3, sheet="第二批")  # fmt: skip

    # Duplicates within a file and across files
    case("duplicate_rows.csv", "listings", text(LISTING_HEAD, "北京某科技有限公司,产品一,,,,,,", "北京某科技有限公司,产品一,,,,,,"),
         "This row repeats row %(first)s of the same file.", row=3)  # fmt: skip
    case("duplicate_code.csv", "companies", text("企业名称,统一社会信用代码", f"北京甲科技有限公司,{CODE}", f"北京乙科技有限公司,{CODE}"),
         "This row repeats row %(first)s of the same file.", row=3)  # fmt: skip
    case("duplicate_id.json", "orders", json.dumps([
        {"编号": "N-1", "采购单位": "中国移动某公司", "项目名称": "项目一"},
        {"编号": "N-1", "采购单位": "中国移动某公司", "项目名称": "项目一（更正）"}], ensure_ascii=False).encode(),
        "This row repeats row %(first)s of the same file.", row=2)  # fmt: skip
    case(
        "setup_companies.csv",
        "companies",
        text("企业名称,统一社会信用代码", f"北京百度网讯科技有限公司,{CODE}"),
        "",
    )
    case("code_of_another_company.csv", "companies", text("企业名称,统一社会信用代码", f"上海黄浦江航运有限公司,{CODE}"),
         "Credit code %(code)s already belongs to '%(existing)s', not '%(name)s'.", row=2, before="setup_companies.csv")  # fmt: skip
    case(
        "setup_published_listing.csv",
        "listings",
        text("编号,供应企业,供给名称,状态", "L-1,北京某科技有限公司,产品一,已发布"),
        "",
    )
    case("status_backwards.csv", "listings", text("编号,供应企业,供给名称,状态", "L-1,北京某科技有限公司,产品一,草稿"),
         "%(object)s cannot go from '%(from)s' to '%(to)s'; possible next: %(possible)s.", field="status", row=2,
         before="setup_published_listing.csv")  # fmt: skip

    # Values built to overflow, recurse, or hold what no encoding can: each is refused with its reason,
    # none may crash the importer (OverflowError, RecursionError, UnicodeEncodeError, ValueError).
    far = "9999-12-31 24:00"
    case("date_year_9999_deadline.csv", "orders", text(ORDER_HEAD, f"中国移动某公司,某平台建设,10万元,{far},,"),
         OUT_OF_YEARS, field="deadline", row=2)  # fmt: skip
    case("date_year_9999_founded.csv", "companies", text(COMPANY_HEAD, f"北京远方科技有限公司,,,,,,{far}"),
         OUT_OF_YEARS, field="founded_on", row=2)  # fmt: skip
    case("date_year_9999_valid_until.csv", "packages", text(PACKAGE_HEAD + ",有效期至", f"某孵化器,知识产权服务包,知识产权,5,1万元,{far}"),
         OUT_OF_YEARS, field="valid_until", row=2)  # fmt: skip
    case("date_year_0001.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,10万元,0001-01-01 00:00,,"),
         OUT_OF_YEARS, field="deadline", row=2)  # fmt: skip
    case("integer_400_digits.csv", "packages", text(PACKAGE_HEAD, f"某孵化器,知识产权服务包,知识产权,{'9' * 400},1万元"),
         OUT_OF_RANGE, field="quota", row=2)  # fmt: skip
    case("integer_400_digits_age.csv", "packages", text(PACKAGE_HEAD + ",企业成立年限上限", f"某孵化器,知识产权服务包,知识产权,5,1万元,{'1' * 400}"),
         OUT_OF_RANGE, field="max_company_age_years", row=2)  # fmt: skip
    case("json_number_5000_digits.json", "packages",
         '[{"provider": "某孵化器", "title": "IP", "category": "ip", "quota": '.encode() + b"7" * 5000 + b"}]",
         OUT_OF_RANGE, field="quota", row=1)  # fmt: skip
    case("json_float_5000_digits.json", "listings",
         b'[{"supplier": "A", "title": "B", "max contract": 1.' + b"5" * 5000 + b"e5000}]",
         TOO_LONG, field="max_contract", row=1)  # fmt: skip
    case("json_nested_deep.json", "listings",
         b'[{"supplier": "A", "title": "B", "tags": ' + b"[" * 1000 + b"]" * 1000 + b"}]", TOO_DEEP)  # fmt: skip
    case("jsonl_nested_deep.jsonl", "listings",
         b'{"supplier": "A", "title": "B"}\n{"supplier": "C", "title": ' + b"{" * 100_000 + b"\n", TOO_DEEP)  # fmt: skip
    case("json_lone_surrogate.json", "listings", b'[{"supplier": "A", "title": "\\ud800 product"}]',
         SURROGATE, field="title", row=1)  # fmt: skip
    case("jsonl_lone_surrogate.jsonl", "listings", b'{"supplier": "A\\udfff", "title": "B"}\n',
         SURROGATE, field="company", row=1)  # fmt: skip
    case("json_lone_surrogate_header.json", "listings", b'[{"supplier": "A", "title": "B", "\\udc80": "x"}]',
         "Unknown column '%(header)s'.")  # fmt: skip
    case("amount_units_only.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,万万万,,,"),
         "'%(text)s' is not an amount of money.", field="budget", row=2)  # fmt: skip
    case("amount_unit_without_number.csv", "orders", text(ORDER_HEAD, "中国移动某公司,某平台建设,万元,,,"),
         "'%(text)s' is not an amount of money.", field="budget", row=2)  # fmt: skip
    case("url_too_long.csv", "orders", text(ORDER_HEAD, f"中国移动某公司,某平台建设,10万元,,,https://example.com/{'a' * 600}"),
         TOO_LONG, field="source_url", row=2)  # fmt: skip

    # The crawler's notices: fields that are not text, too long for their columns, or built to be slow.
    case("notice_url_number.json", "notices", notices(url=12345), NOT_WEB, field="url", row=2)
    case("notice_category_list.json", "notices", notices(category=["招标公告"]),
         "The value must be text, not %(type)s.", field="category", row=2)  # fmt: skip
    case("notice_url_too_long.json", "notices", notices(url="https://example.com/" + "a" * 600),
         TOO_LONG, field="url", row=2)  # fmt: skip
    case("notice_operator_too_long.json", "notices", notices(operator="中国移动" * 60), TOO_LONG,
         field="operator", row=2)  # fmt: skip
    case("notice_title_80000.json", "notices", notices(title="【" + "采购" * 40_000), TOO_LONG,
         field="title", row=2)  # fmt: skip
    case("notice_lone_surrogate.json", "notices", notices(title="SURROGATE项目").replace(b"SURROGATE", b"\\ud800"), SURROGATE,
         field="title", row=2)  # fmt: skip
    case("notice_id_5000_digits.json", "notices",
         notices().replace(b'"id": "n-2"', b'"id": ' + b"8" * 5000), TOO_LONG, field="id", row=2)  # fmt: skip
    case("notice_nested_deep.json", "notices", b'{"notices": [' + b"[" * 5000 + b"]" * 5000 + b"]}", TOO_DEEP)  # fmt: skip

    manifest = [m for m in MANIFEST if m["error"]]
    (CORPUS / "expected.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    build()
    print(
        f"{len([m for m in MANIFEST if m['error']])} bad files and their expectations written to {CORPUS}"
    )
