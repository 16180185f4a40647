"""Qualifications (资质) as written in notices and profiles, parsed into comparable (key, grade) pairs.

Notices write the same certificate many ways: "工程监理市政公用工程专业甲级E142004367",
"市政公用工程专业监理甲级", "市政公用工程监理乙级"; "建筑工程施工总承包贰级/D242187503";
"施工资质:建筑工程施工总承包特级,公路工程施工总承包特级D144038921". `parse` splits such a text into
certificates, drops certificate numbers and labels, reads the grade, and gives each a key made of its
kind (施工总承包, 专业承包, 监理, 设计, 勘察 ...) and its field (建筑, 市政公用, 岩土 ...), so that the
variants above meet. `covers` says whether a held certificate satisfies a required one: same kind,
same field or a broader one ("工程设计综合" covers any design field, "工程设计市政行业" covers
"市政行业排水工程专业"), and a grade at least as high (lower number: 特级 0, 一级/甲级 1, 二级/乙级 2,
三级/丙级 3; 一级 covers 二级). A certificate without a grade is taken to cover any grade.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.normalize import normalize_text

GRADE_NAMES = {0: "特级", 1: "一级", 2: "二级", 3: "三级", 4: "四级"}
_GRADE = re.compile(
    r"(特级|[一二三四壹贰叁肆甲乙丙丁](?:级|等)|(?<=[程业类务])[甲乙丙](?![\u4e00-\u9fff]))"
)
_GRADE_VALUE = {
    "特": 0,
    "一": 1,
    "壹": 1,
    "甲": 1,
    "二": 2,
    "贰": 2,
    "乙": 2,
    "三": 3,
    "叁": 3,
    "丙": 3,
    "四": 4,
    "肆": 4,
    "丁": 4,
}
# Certificate numbers and codes: D242040204, E142002679-4/1, TS3842182-2026, 5-4-00413-2010, 水建监资字第...号.
_NUMBER = re.compile(
    r"(?<![a-z])(?!iso|cmmi|gb|iec)[a-z]{0,3}\d{5,}[\da-z]*(?:[-/]\d+)*|\d+(?:-\d+){2,}"
    r"|[\u4e00-\u9fff]{1,6}字第?[\da-z]+号?|第?\d+号",
    re.IGNORECASE,
)
# Standards keep their number whole: "ISO 9001" -> "iso9001", "CMMI 3" -> "cmmi3".
_STANDARD = re.compile(r"(?<![a-z])(iso|iec|cmmi|itss|gb/t|gb)\s*(\d+)", re.IGNORECASE)
# Certificates are listed with ; , / : and "或"; "、" separates two only after a grade or a number
# ("承装二级、承修二级"), never inside one name ("岩土工程勘察、设计", "承装修、试电力设施").
_SPLIT = re.compile(r"[;；,，/\n:：|]|(?<=[级号\da-zA-Z])、|或|以及")
_BRACKETS = re.compile(r"[()（）\[\]【】<>《》\"'“”]")
# Kinds in the order they are looked for; the first found names the certificate's kind.
KINDS = (
    ("施工总承包", ("施工总承包", "工程总承包", "总承包")),
    ("专业承包", ("专业承包",)),
    ("监理", ("工程监理", "监理")),
    ("勘察", ("工程勘察", "工程勘查", "勘察", "勘查")),
    ("设计", ("工程设计", "设计")),
    ("规划", ("规划编制", "规划")),
    ("检测", ("检验检测", "质量检测", "检测")),
    ("造价", ("造价咨询", "造价")),
    ("咨询", ("工程咨询", "咨询")),
    ("许可证", ("许可证",)),
)
_FILLER = re.compile(r"资质证书|资质|证书|资信评价|资信|专业类|专业|工程|行业|类|施工|单位|范围")
_REPEAT = re.compile(r"(.{2,}?)\1+")
_FIELD_ALIASES = {"房屋建筑": "建筑", "建筑建筑": "建筑", "房屋": "建筑"}
# Words that label a list of certificates rather than name one ("联合体:", "施工资质:"): a label is
# followed by a colon, so "信息安全服务资质" alone is a certificate, "施工资质:建筑工程…" a label and a list.
_LABEL_COLON = re.compile(r"(联合体|统一社会信用代码|[\u4e00-\u9fff]{0,6}(?:资质证书|资质要求|资质|证书))\s*[:：]")
# What names no certificate: generic words ("相应资质", "资质证书") and pointers elsewhere ("详见招标文件").
_LABEL = re.compile(r"^(联合体|统一社会信用代码|资质证书|资质|证书|(具备|具有)?(相应|有效|合格)的?(资质|证书|资格)+.*|.*(详见|见招标|见附件|另行).*)$")


@dataclass(frozen=True)
class Qualification:
    """One certificate: `name` as written without grade and number, `key` for comparing, `grade`."""

    name: str
    key: str
    grade: int | None = None

    @property
    def label(self) -> str:
        """How people read it: "建筑工程施工总承包二级"."""
        return self.name + (GRADE_NAMES.get(self.grade, "") if self.grade is not None else "")


def _key(name: str) -> str:
    kind = ""
    # Spacing is not part of a certificate's identity: "ISO 9001" and "ISO9001" are one certificate.
    rest = re.sub(r"\s+", "", name)
    for canonical, spellings in KINDS:
        for spelling in spellings:
            if spelling in rest:
                kind = canonical
                rest = rest.replace(spelling, "")
                break
        if kind:
            break
    if not kind and "行业" in name:
        kind = "设计"  # "建筑行业(建筑工程)甲级" is how design certificates are written
    field = _REPEAT.sub(r"\1", _FILLER.sub("", rest).lower())
    return f"{kind}:{_FIELD_ALIASES.get(field, field)}"


def from_record(name: str, grade: int | None) -> Qualification:
    """A certificate as kept in the database (name without grade, grade as a number)."""
    name = normalize_text(name)
    return Qualification(name=name, key=_key(name), grade=grade)


def parse_one(text: str) -> Qualification | None:
    """One certificate as written, or None when the text names none (a label, a number)."""
    text = _STANDARD.sub(lambda m: m.group(1).lower() + m.group(2), normalize_text(text))
    grade_match = _GRADE.search(text)
    grade = _GRADE_VALUE[grade_match.group(1)[0]] if grade_match else None
    # What follows the grade is the certificate number and notes: "乙级(鄂自资规乙字24420095)".
    name = text[: grade_match.start()] if grade_match else _NUMBER.sub("", text)
    name = _BRACKETS.sub("", name)
    name = re.sub(r"\s+|及以上|以上", "", name).strip("、-_.")
    if _LABEL.match(name):
        return None
    key = _key(name)
    # "建筑工程施工总承包资质" is the certificate 建筑工程施工总承包; "测绘资质" keeps its word (it names no kind).
    name = re.sub(r"(资质证书?|证书)$" if not key.partition(":")[0] else r"(资质证书?|资质|证书)$", "", name)
    if len(name) < 2 or not re.search(r"[\u4e00-\u9fffa-z]", name, re.IGNORECASE):
        return None
    return Qualification(name=name, key=_key(name), grade=grade)


def parse(text: str | None) -> list[Qualification]:
    """Every certificate named in `text`, in order, without repeats."""
    text = _STANDARD.sub(lambda m: m.group(1).lower() + m.group(2), normalize_text(text))
    text = _LABEL_COLON.sub(";", text)
    seen: dict[str, Qualification] = {}
    for piece in _SPLIT.split(_BRACKETS.sub("", text)):
        qualification = parse_one(piece)
        if qualification is not None and qualification.key not in seen:
            seen[qualification.key] = qualification
    return list(seen.values())


def covers(held: Qualification, required: Qualification) -> bool:
    """Whether `held` satisfies `required`: same kind, same or broader field, grade as high or higher."""
    if held.key != required.key:
        kind, _, field = required.key.partition(":")
        held_kind, _, held_field = held.key.partition(":")
        same_kind = (
            kind == held_kind or not kind
        )  # "市政公用工程甲级" names no kind: any kind will do
        broader = held_field == "综合" or (held_field and field.startswith(held_field))
        if not kind:  # certificates outside the construction system: either name may be the longer
            broader = broader or held_field.startswith(field)
        if not (field and same_kind and broader):
            return False
    return held.grade is None or required.grade is None or held.grade <= required.grade


def missing(held: list[Qualification], required: list[Qualification]) -> list[Qualification]:
    """The required certificates that nothing in `held` covers."""
    return [need for need in required if not any(covers(have, need) for have in held)]
