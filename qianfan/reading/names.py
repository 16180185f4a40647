"""Names for the codes the database keeps: regions (统计用区划代码), industries (GB/T 4754-2017) and size
classes, in Chinese ("zh_CN") or English ("en"), from the reference data the project ships
(ingest.reference, read once per process; no query per row).

A code the reference does not know is shown as it is: it is still the truest thing to show. With
`with_code` (staff pages) the name is followed by its code, "北京市海淀区 (110108)".
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.reference import industry_rows, region_rows
from models.errors import DomainError
from qianfan.reading import english

SIZES = {
    "large": ("大型", "Large"),
    "medium": ("中型", "Medium"),
    "small": ("小型", "Small"),
    "micro": ("微型", "Micro"),
}
# A region code as it appears inside a sentence (near misses say "服务地区不含 3302").
_CODE_IN_TEXT = re.compile(r"(?<![\d.])(\d{6}|\d{4}|\d{2})(?![\d.])")


@lru_cache(maxsize=1)
def _regions() -> dict[str, dict]:
    return {row["code"]: row for row in region_rows()}


@lru_cache(maxsize=1)
def _industries() -> dict[str, dict]:
    return {row["code"]: row for row in industry_rows()}


def _english(locale: str | None) -> bool:
    return (locale or "").startswith("en")


@lru_cache(maxsize=16384)
def _region_en(code: str) -> str:
    rows = _regions()
    chain = []
    row = rows.get(code)
    while row is not None:
        if row["name"] not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            chain.append(row)
        row = rows.get(row["parent_code"]) if row["parent_code"] else None
    parts = [english.PROVINCES.get(r["code"]) or english.place(r["name"]) for r in chain]
    return ", ".join(dict.fromkeys(parts))  # Beijing's district: "Haidian District, Beijing"


def region_name(code: str | None, locale: str | None = "zh_CN", *, with_code: bool = False) -> str:
    """ "110108" → "北京市海淀区" or "Haidian District, Beijing"; "" for no code."""
    if not code:
        return ""
    row = _regions().get(code)
    if row is None:
        return code
    name = _region_en(code) if _english(locale) else row["full_name"]
    return f"{name} ({code})" if with_code else name


def region_codes_named(text: str, locale: str | None = "zh_CN") -> str:
    """Every region code inside `text` replaced by its name (for sentences written with codes)."""
    known = _regions()
    return _CODE_IN_TEXT.sub(
        lambda m: region_name(m.group(1), locale) if m.group(1) in known else m.group(1), text
    )


def industry_name(
    code: str | None, locale: str | None = "zh_CN", *, with_code: bool = False
) -> str:
    """ "6511" → "软件开发"; in English a section's own title, else the Chinese name with its section's."""
    if not code:
        return ""
    row = _industries().get(code) or _industries().get(code.upper())
    if row is None:
        return code
    name = row["name"]
    if _english(locale):
        section = english.SECTIONS.get(row["section"], "")
        name = section if row["level"] == 1 else f"{name} ({section})"
    return f"{name} ({code})" if with_code else name


def section_name(letter: str | None, locale: str | None = "zh_CN") -> str:
    """A GB/T 4754 门类 by its letter: "I" → "信息传输、软件和信息技术服务业" / its English title."""
    return industry_name(letter, locale) if letter else ""


def size_name(size: str | None, locale: str | None = "zh_CN") -> str:
    """ "small" → "小型" / "Small"; an unknown value as it is."""
    if not size:
        return ""
    pair = SIZES.get(size)
    return (pair[1] if _english(locale) else pair[0]) if pair else size


def region_choices(
    locale: str | None = "zh_CN", prefix: str = "", limit: int = 20
) -> list[tuple[str, str]]:
    """(code, name) of the regions whose name or code contains `prefix`, widest first: autocomplete."""
    typed = prefix.strip()
    found = []
    for code, row in _regions().items():
        if row["name"] in ("市辖区", "县"):
            continue
        name = region_name(code, locale)
        if not typed or typed in code or typed in row["full_name"] or typed.lower() in name.lower():
            found.append((code, name))
    found.sort(key=lambda item: (not item[0].startswith(typed), len(item[0]), item[0]))
    return found[:limit]


def industry_choices(
    locale: str | None = "zh_CN", prefix: str = "", limit: int = 20
) -> list[tuple[str, str]]:
    """(code, name) of the industries whose name or code contains `prefix`, broadest first."""
    typed = prefix.strip()
    found = [
        (code, industry_name(code, locale))
        for code, row in _industries().items()
        if not typed
        or typed.upper() in code
        or typed in row["name"]
        or (_english(locale) and typed.lower() in industry_name(code, locale).lower())
    ]
    found.sort(key=lambda item: (not item[0].startswith(typed.upper()), len(item[0]), item[0]))
    return found[:limit]


@lru_cache(maxsize=1)
def _categories() -> dict[str, str]:
    from ingest.reference import procurement_rows

    return {row["code"]: row["name"] for row in procurement_rows()}


def category_name(code: str | None, *, with_code: bool = False) -> str:
    """A procurement category (政府采购品目 2022) by name; the catalogue has no English names."""
    if not code:
        return ""
    name = _categories().get(code)
    if name is None:
        return code
    return f"{name} ({code})" if with_code else name


def region_for_form(code: str | None) -> str:
    """What a form shows for a region it will read back: the full name (unique, so it resolves again)."""
    return region_name(code) if code else ""


def _for_form(code: str | None, name: str, resolver) -> str:
    if not code or name == code:
        return code or ""
    try:
        same = resolver.resolve(name, field="name") == code
    except DomainError:
        same = False
    return name if same else f"{name} ({code})"


def industry_for_form(code: str | None) -> str:
    """What a form shows for an industry: its name, or "name (code)" where the name alone would read
    back as another entry (one name at two levels, such as 房地产业 for K and 70)."""
    from ingest.resolve import industries

    return _for_form(code, industry_name(code), industries())


def category_for_form(code: str | None) -> str:
    """As `industry_for_form`, for a procurement category."""
    from ingest.resolve import categories

    return _for_form(code, category_name(code), categories())
