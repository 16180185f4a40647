"""Names and codes as people write them, resolved to the reference tables' codes, or refused.

Regions arrive as "海淀区", "北京市海淀区", "北京海淀" or a division code; industries as a GB/T 4754
code ("6510", "I6510"), a name ("软件开发") or a near name ("软件开发服务"); procurement categories
likewise. A name that fits one entry resolves; a name that fits several (there are two 朝阳区) is refused
with the candidates, never guessed. Near names go through rapidfuzz and count only when one candidate
is clearly ahead of the next.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz, process

from ingest.normalize import normalize_text
from ingest.reference import industry_rows, procurement_rows, region_rows
from ingest.values import shown
from models.errors import ValidationError

# The suffixes a place name may be written without: "北京" for 北京市, "海淀" for 海淀区.
_PLACE_SUFFIX = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|自治州|自治县|地区|省|市|区|县|盟|旗)$"
)
FUZZY_CUTOFF = 80.0  # below this a near name is no match
FUZZY_MARGIN = 8.0  # the best must lead the next by this much to count as unambiguous


def short_place(name: str) -> str:
    """ "北京市" → "北京", "海淀区" → "海淀"; names that would become one character stay whole."""
    short = _PLACE_SUFFIX.sub("", name)
    return short if len(short) >= 2 else name


def _key(text: str) -> str:
    return normalize_text(text).replace(" ", "")


# A name followed by its code, as pages and forms show them: "北京市海淀区(110108)", "软件开发 (651)".
_NAMED_CODE = re.compile(r"^.+?[(（]([0-9A-Za-z]{1,12})[)）]$")


def _written_code(written: str) -> str:
    """The code of "name (code)"; any other text as it is."""
    match = _NAMED_CODE.match(written)
    return match.group(1) if match else written


class RegionResolver:
    """Division names, full names and short forms → 6-, 4- or 2-digit division codes."""

    def __init__(self, rows: Iterable[dict]) -> None:
        self._by_alias: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, str] = {}
        by_code = {row["code"]: row for row in rows}
        for code, row in by_code.items():
            self._names[code] = row["full_name"]
            chain = [row]
            while chain[-1]["parent_code"]:
                chain.append(by_code[chain[-1]["parent_code"]])
            chain = [r for r in reversed(chain) if r["name"] not in ("市辖区", "县")]
            for alias in self._aliases(chain):
                self._by_alias[alias].add(code)

    @staticmethod
    def _aliases(chain: list[dict]) -> set[str]:
        """Every way of writing the place: each ancestor's name in full or short, or left out."""
        forms: set[str] = {""}
        for i, row in enumerate(chain):
            own = {row["name"], short_place(row["name"])}
            last = i == len(chain) - 1
            forms = {f + o for f in forms for o in own} | (set() if last else forms)
        return {_key(f) for f in forms if f}

    def resolve(self, text: str | None, *, field: str = "region") -> str | None:
        written = _written_code(_key(text or ""))
        if not written:
            return None
        if written.isdigit() and len(written) in (2, 4, 6, 9, 12):
            code = written[:6] if len(written) > 6 else written
            if code in self._names:
                return code
        codes = self._by_alias.get(written, set())
        if len(codes) == 1:
            return next(iter(codes))
        if len(codes) > 1:
            # "北京" names both the province and its 市辖区; the widest division is what was meant.
            widest = min(codes, key=len)
            if all(c.startswith(widest) for c in codes):
                return widest
            raise ValidationError(
                "'%(text)s' could be any of: %(candidates)s; write the province or city too.",
                field=field,
                text=shown(written),
                candidates="、".join(sorted(self._names[c] for c in codes)),
            )
        raise ValidationError("No division is called '%(text)s'.", field=field, text=shown(written))

    def full_name(self, code: str) -> str:
        return self._names[code]


class CodeNameResolver:
    """Codes or names of a classification → codes; near names by rapidfuzz only when unambiguous."""

    def __init__(
        self,
        rows: Iterable[dict],
        *,
        one: str,
        many: str,
        section_prefix: bool = False,
        pad_to: int = 0,
    ) -> None:
        self.one, self.many = one, many
        self._pad_to = pad_to
        self._codes: dict[str, dict] = {}
        self._by_name: dict[str, list[dict]] = defaultdict(list)
        self._section_prefix = section_prefix
        for row in rows:
            self._codes[row["code"].upper()] = row
            self._by_name[_key(row["name"])].append(row)
        self._names = list(self._by_name)

    def resolve(self, text: str | None, *, field: str) -> str | None:
        written = _written_code(_key(text or ""))
        if not written:
            return None
        code = written.upper()
        if self._section_prefix and re.fullmatch(r"[A-T]\d{2,4}", code):
            code = code[1:]  # "I6510": the 门类 letter written before the code
        if self._pad_to and re.fullmatch(r"[A-C]\d+", code):
            code = code.ljust(self._pad_to, "0")  # "C16" for C16000000
        if code in self._codes:
            return self._codes[code]["code"]
        named = self._by_name.get(written)
        if named:
            # One name at several levels (房地产业 is 门类 K and 大类 70): the most specific is meant.
            return max(named, key=lambda r: r["level"])["code"]
        return self._fuzzy(written, field)

    def _fuzzy(self, written: str, field: str) -> str:
        found = process.extract(
            written,
            self._names,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=FUZZY_CUTOFF,
            limit=3,
        )
        if found and (len(found) == 1 or found[0][1] - found[1][1] >= FUZZY_MARGIN):
            return max(self._by_name[found[0][0]], key=lambda r: r["level"])["code"]
        candidates = "、".join(f"{n} ({self._by_name[n][0]['code']})" for n, _, _ in found)
        # Whole sentences per classification, so each is in the catalogues (ingest.problems, the .po).
        if self.one == "industry":
            if found:
                raise ValidationError(
                    "'%(text)s' is close to several industries: %(candidates)s; use the code.",
                    field=field, text=shown(written), candidates=candidates,
                )  # fmt: skip
            raise ValidationError(
                "No industry is called or coded '%(text)s'.", field=field, text=shown(written)
            )
        if found:
            raise ValidationError(
                "'%(text)s' is close to several procurement categories: %(candidates)s; use the code.",
                field=field, text=shown(written), candidates=candidates,
            )  # fmt: skip
        raise ValidationError(
            "No procurement category is called or coded '%(text)s'.", field=field, text=shown(written)
        )


@lru_cache(maxsize=1)
def regions() -> RegionResolver:
    return RegionResolver(region_rows())


@lru_cache(maxsize=1)
def industries() -> CodeNameResolver:
    return CodeNameResolver(industry_rows(), one="industry", many="industries", section_prefix=True)


@lru_cache(maxsize=1)
def categories() -> CodeNameResolver:
    return CodeNameResolver(
        procurement_rows(), one="procurement category", many="procurement categories", pad_to=9
    )
