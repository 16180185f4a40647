"""Amounts and dates as notices and spreadsheets write them become numbers; unknown stays unknown."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from ingest.values import (
    CHINA_TZ,
    NEGOTIABLE,
    NOT_STATED,
    parse_amount,
    parse_datetime,
    parse_whole_number,
)
from models.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("746.0365万元", "7460365.00"),
        ("1727000元", "1727000.00"),
        ("709639.20元", "709639.20"),
        ("1.2亿元", "120000000.00"),
        ("3,500万", "35000000.00"),
        ("999,999.99元", "999999.99"),
        ("１２０万元", "1200000.00"),  # full-width digits
        ("约120万元（含税）", "1200000.00"),
        ("¥1,234.5", "1234.50"),
        ("9999999.9999元", "10000000.00"),  # rounded to the fen
        ("人民币壹佰万元整", "1000000.00"),
        ("三千五百万元", "35000000.00"),
        ("一亿二千万元", "120000000.00"),
        ("贰拾元伍角", "20.50"),
        ("0元", "0.00"),
    ],
)
def test_amounts_are_read_in_yuan_to_the_fen(text, yuan):
    result = parse_amount(text)
    assert result.yuan == Decimal(yuan) and result.known and result.reason is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("公告未明确列示", NOT_STATED),
        ("公告未单独列示", NOT_STATED),
        ("", NOT_STATED),
        (None, NOT_STATED),
        ("详见附件", NOT_STATED),
        ("面议", NEGOTIABLE),
        ("价格面议", NEGOTIABLE),
    ],
)
def test_unstated_and_negotiable_amounts_are_unknown_not_zero(text, reason):
    result = parse_amount(text)
    assert result.yuan is None and not result.known and result.reason == reason


def test_the_written_text_is_kept_normalised():
    assert parse_amount("７４６.０３６５万元").text == "746.0365万元"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5万元", "cannot be negative"),
        ("2万亿元", "please check the unit"),
        ("999999.99999999.99元", "is not an amount"),
        ("大约一些钱", "is not an amount"),
        ("5美元", "is not an amount"),
    ],
)
def test_impossible_amounts_are_errors_naming_the_field(text, message):
    with pytest.raises(ValidationError, match=message) as caught:
        parse_amount(text, field="budget")
    assert caught.value.field == "budget"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年08月10日09时30分", datetime(2026, 8, 10, 9, 30)),
        ("2026年09月11日 09时30分00秒", datetime(2026, 9, 11, 9, 30)),
        ("2026-09-11 09:30", datetime(2026, 9, 11, 9, 30)),
        ("2026-09-11 09:30:15", datetime(2026, 9, 11, 9, 30, 15)),
        ("2026/8/21", datetime(2026, 8, 21)),
        ("2026年8月21日", datetime(2026, 8, 21)),
        ("2026年8月21日9时", datetime(2026, 8, 21, 9)),
        ("２０２６年８月２１日", datetime(2026, 8, 21)),
        ("2026年8月21日24时00分", datetime(2026, 8, 22)),
    ],
)
def test_dates_are_read_as_china_standard_time(text, expected):
    assert parse_datetime(text) == expected.replace(tzinfo=CHINA_TZ)


def test_a_date_without_time_can_mean_the_end_of_that_day():
    assert parse_datetime("2026/8/21", end_of_day=True) == datetime(
        2026, 8, 21, 23, 59, tzinfo=CHINA_TZ
    )
    assert parse_datetime("2026/8/21 10:00", end_of_day=True).hour == 10


@pytest.mark.parametrize("text", ["", None, "公告未明确列示", "  "])
def test_unstated_dates_are_none(text):
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "not a real date"),
        ("2026年13月1日", "not a real date"),
        ("2026-08-01 25:00", "not a real date"),
        ("下周一", "is not a date"),
        ("2026年8月", "is not a date"),
    ],
)
def test_impossible_dates_are_errors(text, message):
    with pytest.raises(ValidationError, match=message) as caught:
        parse_datetime(text, field="deadline")
    assert caught.value.field == "deadline"


# --- bounds: no text can overflow, recurse or be read as a number it is not (issue 9) --------------


@pytest.mark.parametrize("text", ["万万万", "万元", "亿元", "万亿", "百万元", "九九", "一二三元"])
def test_units_without_a_number_are_no_amount_not_zero_yuan(text):
    with pytest.raises(ValidationError, match="is not an amount"):
        parse_amount(text, field="budget")


@pytest.mark.parametrize(
    ("text", "yuan"),
    [("十万元", "100000.00"), ("一千零五元", "1005.00"), ("零元", "0.00"), ("两万", "20000.00")],
)
def test_chinese_numerals_that_start_with_ten_or_hold_a_zero_still_read(text, yuan):
    assert parse_amount(text).yuan == Decimal(yuan)


def test_an_amount_written_longer_than_its_column_is_refused_before_it_is_read():
    with pytest.raises(ValidationError, match="too long: at most 120") as caught:
        parse_amount("9" * 5000 + "元", field="budget")
    assert caught.value.field == "budget" and len(str(caught.value)) < 200


@pytest.mark.parametrize(
    "text", ["9999-12-31 24:00", "9999-12-31", "3001-01-01", "0001-01-01 00:00", "0999-12-31"]
)
def test_dates_outside_the_years_a_database_holds_are_refused_not_overflowed(text):
    for end_of_day in (False, True):
        with pytest.raises(ValidationError, match="outside the years 1000 to 3000") as caught:
            parse_datetime(text, field="deadline", end_of_day=end_of_day)
        assert caught.value.field == "deadline"


def test_the_last_day_of_the_range_at_24_00_is_the_next_day():
    assert parse_datetime("3000-12-31 24:00") == datetime(3001, 1, 1, tzinfo=CHINA_TZ)


def test_a_date_text_too_long_to_be_a_date_is_refused_unread():
    with pytest.raises(ValidationError, match="is not a date") as caught:
        parse_datetime("2026-08-21" + " " * 10 + "9" * 100_000, field="date")
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("text", "number"),
    [("12", 12), ("1,200", 1200), ("12.0", 12), ("１２", 12), ("007", 7), ("", None), (None, None)],
)
def test_whole_numbers_read(text, number):
    assert parse_whole_number(text, field="quota", low=0, high=10_000) == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9" * 400, "must be between 0 and 100"),
        ("7" * 5000, "must be between 0 and 100"),
        ("0" * 5000 + "1" * 30, "must be between 0 and 100"),
        ("-" + "9" * 400, "must be between 0 and 100"),
        ("101", "must be between 0 and 100"),
        ("1e400", "is not a whole number"),
        ("十个", "is not a whole number"),
        ("0" * 20_000 + "x", "is not a whole number"),
    ],
)
def test_whole_numbers_of_any_length_are_refused_by_their_digits_not_by_int(text, message):
    with pytest.raises(ValidationError, match=message) as caught:
        parse_whole_number(text, field="quota", low=0, high=100)
    assert caught.value.field == "quota" and len(str(caught.value)) < 200
