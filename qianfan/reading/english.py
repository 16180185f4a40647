"""English names for reference entries that the shipped data names only in Chinese.

- GB/T 4754-2017 sections (门类 A-T): the standard's own English titles.
- Provinces: their usual English names (Inner Mongolia, Tibet ...).
- Cities, districts and counties: Hanyu Pinyin of the name (pypinyin) with the kind of division in
  English ("海淀区" → "Haidian District"), as Chinese place names are written in English; a few names
  whose common reading pypinyin gets wrong are corrected in `_READINGS`.
- Industry classes below the section (大类, 中类, 小类) have no English name in the data: pages show the
  Chinese name with the section's English title (see `qianfan.reading.names.industry_name`).
"""

from __future__ import annotations

import re
from functools import lru_cache

SECTIONS = {
    "A": "Agriculture, Forestry, Animal Husbandry and Fishery",
    "B": "Mining",
    "C": "Manufacturing",
    "D": "Electricity, Heat, Gas and Water Production and Supply",
    "E": "Construction",
    "F": "Wholesale and Retail Trade",
    "G": "Transport, Storage and Postal Services",
    "H": "Accommodation and Catering",
    "I": "Information Transmission, Software and IT Services",
    "J": "Finance",
    "K": "Real Estate",
    "L": "Leasing and Business Services",
    "M": "Scientific Research and Technical Services",
    "N": "Water Conservancy, Environment and Public Facilities Management",
    "O": "Resident Services, Repair and Other Services",
    "P": "Education",
    "Q": "Health and Social Work",
    "R": "Culture, Sports and Entertainment",
    "S": "Public Administration, Social Security and Social Organisations",
    "T": "International Organisations",
}

PROVINCES = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong", "41": "Henan",
    "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi", "46": "Hainan", "50": "Chongqing",
    "51": "Sichuan", "52": "Guizhou", "53": "Yunnan", "54": "Tibet", "61": "Shaanxi", "62": "Gansu",
    "63": "Qinghai", "64": "Ningxia", "65": "Xinjiang",
}  # fmt: skip

# The kind of division a name ends with, longest first.
_KINDS = (
    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
    ("林区", "Forest District"), ("新区", "New Area"), ("地区", "Prefecture"), ("区", "District"),
    ("县", "County"), ("市", "City"), ("旗", "Banner"), ("盟", "League"),
)  # fmt: skip
# Readings pypinyin's general dictionary gets wrong in these place names.
_READINGS = {"朝阳": "Chaoyang", "长安": "Chang'an", "乐亭": "Laoting", "六安": "Lu'an", "番禺": "Panyu",
             "蚌埠": "Bengbu", "厦门": "Xiamen", "单县": "Shan", "洞头": "Dongtou", "铅山": "Yanshan"}  # fmt: skip
_VOWEL_START = re.compile(r"^[aeo]")


def _pinyin(chinese: str) -> str:
    if chinese in _READINGS:
        return _READINGS[chinese]
    from pypinyin import Style, lazy_pinyin  # loaded only when an English page needs a place name

    syllables = [
        s.replace("v", "ü") for s in lazy_pinyin(chinese, style=Style.NORMAL, v_to_u=False)
    ]
    out = ""
    for i, syllable in enumerate(syllables):
        # Xi'an, not Xian: an apostrophe before a syllable that starts with a vowel.
        out += ("'" if i and _VOWEL_START.match(syllable) else "") + syllable
    return out[:1].upper() + out[1:]


@lru_cache(maxsize=8192)
def place(name: str) -> str:
    """ "海淀区" → "Haidian District", "慈溪市" → "Cixi", "宁波市" → "Ningbo"; other text as it is."""
    if not re.search(r"[\u4e00-\u9fff]", name):
        return name
    for suffix, kind in _KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in ("自治州", "自治县", "自治旗"):
                stem = re.sub(
                    r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,3}族)+$", r"\1", stem
                )  # 恩施土家族苗族 → 恩施
            word = _pinyin(stem)
            return word if suffix == "市" else f"{word} {kind}"
    return _pinyin(name)
