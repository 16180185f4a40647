"""Files as they arrive: every encoding, workbook and JSON shape staff receive reads into the same cells."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ingest.export import csv_bytes, escape_cell, xlsx_bytes
from ingest.problems import FileRejected
from ingest.readers import MAX_JSON_DEPTH, Formula, _json_depth, load_json, read_sheets
from tests.ingest.make_corpus import workbook

ROWS = [
    ["企业名称", "所在区域", "描述"],
    ["北京千帆科技有限公司", "北京市海淀区", "戰(zhàn)略合作，ＡＩ"],
]
CSV_TEXT = "\n".join(",".join(row) for row in ROWS) + "\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_in_each_encoding_reads_the_same_cells(encoding, reported):
    text = CSV_TEXT.replace("戰(zhàn)", "战") if encoding == "gbk" else CSV_TEXT
    sheet = read_sheets(text.encode(encoding), "companies.csv")[0]
    assert sheet.encoding == reported
    assert sheet.headers == ROWS[0]
    assert sheet.rows[0][1][0] == "北京千帆科技有限公司"


def test_tab_separated_text_and_row_numbers_as_a_person_counts_them():
    data = "企业名称\t所在区域\n\n甲公司\t海淀区\n乙公司\t朝阳区\n".encode()
    sheet = read_sheets(data, "list.txt")[0]
    assert [number for number, _ in sheet.rows] == [3, 4]
    assert sheet.rows[1][1] == ["乙公司", "朝阳区"]


def test_xlsx_reads_every_sheet_with_typed_cells_as_text_and_formulas_unevaluated():
    data = workbook(
        {
            "一": [
                ["名称", "金额", "日期"],
                ["甲", 1727000.0, datetime(2026, 8, 21)],
                [None, None, None],
            ],
            "二": [["名称", "金额"], ["乙", 746.0365], ["丙", "=1+1"]],
        }
    )
    first, second = read_sheets(data, "book.xlsx")
    assert first.name == "一" and first.rows == [(2, ["甲", "1727000", "2026-08-21"])]
    assert second.rows[0] == (2, ["乙", "746.0365"])
    formula = second.rows[1][1][1]
    assert isinstance(formula, Formula) and formula == "=1+1"


def test_json_list_object_with_a_list_and_json_lines():
    items = [{"name": "甲", "tags": ["物联网", "水务"]}, {"name": "乙", "quota": 3}]
    as_list = read_sheets(json.dumps(items, ensure_ascii=False).encode(), "a.json")[0]
    wrapped = read_sheets(json.dumps({"rows": items}).encode(), "b.json")[0]
    lines = read_sheets("\n".join(json.dumps(i) for i in items).encode(), "c.jsonl")[0]
    for sheet in (as_list, wrapped, lines):
        assert sheet.headers == ["name", "tags", "quota"]
        assert sheet.rows[0][1] == ["甲", "物联网；水务", ""]
        assert sheet.rows[1][1] == ["乙", "", "3"]


def test_an_xlsx_that_is_really_a_csv_is_refused_with_the_reason():
    with pytest.raises(FileRejected, match="not a valid XLSX"):
        read_sheets(CSV_TEXT.encode(), "renamed.xlsx")


@pytest.mark.parametrize("value", ["=SUM(A1:A9)", "+1", "-2", "@cmd", "\tx"])
def test_exports_escape_cells_a_spreadsheet_would_run(value):
    assert escape_cell(value) == "'" + value
    assert b"'" + value.encode() in csv_bytes(["h"], [[value]])


def test_exported_xlsx_holds_no_formula():
    data = xlsx_bytes(["title"], [['=HYPERLINK("http://x")'], ["普通文字"]])
    sheet = read_sheets(data, "out.xlsx")[0]
    cells = [cells[0] for _, cells in sheet.rows]
    assert cells == ['\'=HYPERLINK("http://x")', "普通文字"]
    assert not any(isinstance(c, Formula) for c in cells)


# --- JSON within bounds (issue 9) -------------------------------------------------------------------


def _depth(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


def _nested(depth: int, leaf) -> object:
    value = leaf
    for level in range(depth):
        value = [value, ']\\"[{'] if level % 2 else {'k"[': value, "\\": "{{"}
    return value


@pytest.mark.parametrize("depth", [1, 2, 31, 32, 33, 40, 200])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_json_nesting_is_measured_outside_strings_and_escapes(depth, ascii_only):
    # Wide enough that the measure runs (a text with few brackets cannot nest deep), with brackets,
    # quotes and backslashes inside the strings at every level.
    document = [_nested(depth - 1, "【[\u20ac\\")] + [[{"x": "]]"}]] * 40
    assert _depth(document) == max(depth, 3)
    measured = _json_depth(json.dumps(document, ensure_ascii=ascii_only))
    if depth <= MAX_JSON_DEPTH:
        assert measured == max(depth, 3)
    else:
        assert measured > MAX_JSON_DEPTH


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '[{"a": ' * 5000, "[" * 40 + '"' + "]" * 40, '["\\\\"' + ", [" * 50],
)
def test_deep_or_unclosed_json_is_refused_before_the_parser_recurses(text):
    with pytest.raises(FileRejected, match="nested more than 32 levels"):
        load_json(text)


def test_strings_full_of_brackets_are_not_nesting():
    text = json.dumps([{"title": "[" * 10_000 + "{" * 10_000, "note": "\\" * 99 + '"['}])
    assert load_json(text)[0]["title"].startswith("[[[")


def test_json_numbers_are_kept_as_written_so_no_size_fails_to_convert():
    document = load_json('[{"a": 1' + "0" * 5000 + ', "b": 746.0365, "c": -1.5e3000, "d": NaN}]')
    assert document == [{"a": "1" + "0" * 5000, "b": "746.0365", "c": "-1.5e3000", "d": "NaN"}]
    sheet = read_sheets(b'[{"quota": ' + b"7" * 5000 + b', "value": 12.50}]', "n.json")[0]
    assert sheet.rows[0][1] == ["7" * 5000, "12.50"]


def test_a_header_with_a_lone_surrogate_is_quoted_printably():
    sheet = read_sheets(b'[{"\\udc80name": "x"}]', "s.json")[0]
    assert sheet.headers == ["\ufffdname"]
    sheet.headers[0].encode("utf-8")  # printable, storable
