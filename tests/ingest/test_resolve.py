"""Credit codes, regions and industries as people write them: resolved when clear, refused when not."""

from __future__ import annotations

import pytest

from ingest.credit_code import check_character, parse_credit_code
from ingest.resolve import categories, industries, regions
from models.errors import ValidationError


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110108551385082Q", " 9111 0108 5513 8508 2q "]
)
def test_valid_credit_codes_are_kept_in_canonical_form(code):
    assert parse_credit_code(code) == code.replace(" ", "").upper()


def test_every_single_character_typo_in_a_credit_code_is_caught():
    code = "91110108551385082Q"
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(17):
        for char in alphabet:
            if char == code[position] or (2 <= position <= 7 and not char.isdigit()):
                continue
            typo = code[:position] + char + code[position + 1 :]
            assert check_character(typo[:17]) != typo[17], typo


@pytest.mark.parametrize(
    ("written", "code"),
    [("海淀区", "110108"), ("北京市海淀区", "110108"), ("北京海淀", "110108"), ("110108", "110108"),
     ("北京", "11"), ("北京朝阳区", "110105"), ("福建省龙岩市", "3508"), ("龙岩", "3508"), ("浙江", "33")],
)  # fmt: skip
def test_region_names_map_to_division_codes(written, code):
    assert regions().resolve(written) == code


def test_a_district_name_shared_by_two_cities_is_refused_with_both():
    with pytest.raises(ValidationError) as caught:
        regions().resolve("朝阳区")
    assert "北京市朝阳区" in str(caught.value) and "吉林省长春市朝阳区" in str(caught.value)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("6513", "6513"),
        ("I6513", "6513"),
        ("应用软件开发", "6513"),
        ("软件开发服务", "651"),
        ("房地产业", "70"),
    ],
)
def test_industries_by_code_name_or_a_clearly_nearest_name(written, code):
    assert industries().resolve(written, field="industry") == code


def test_a_name_near_several_industries_is_not_guessed():
    with pytest.raises(ValidationError, match="close to several industries"):
        industries().resolve("信息技术服务", field="industry")


def test_procurement_categories_accept_short_codes_and_names():
    assert categories().resolve("C16", field="category") == "C16000000"
    assert categories().resolve("软件开发服务", field="category") == "C16010000"
