"""Finds messages of the other language on a page (issue 11: one language at a time).

A Chinese page must hold no English message of the catalogue: no run of ASCII words that is (case aside)
an English message id or a fixed piece of one ("order", "(buyer)", "queries 21, candidates 133"), no
doubled "。。". An English page must hold no Chinese message of the catalogue: no run of Chinese text
that is a whole zh_CN translation ("开放中", "已发布"). Names of places and firms, titles and other data
are allowed in either language: they are longer runs that no message equals.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from babel.messages.pofile import read_po

from qianfan.translations import PO_FILE

# Words that may stand in a Chinese page: the language switch, file formats, standards, units.
# "Authorization: Bearer" is the HTTP header an API token is sent in, the same in both languages.
ALLOWED_ASCII = {"english", "csv", "xlsx", "json", "json lines", "iso", "gb/t", "id", "ok", "n", "m", "k",
                 "authorization", "bearer"}
# The brand is written in both scripts on every page.
ALLOWED_CHINESE = {"千帆"}
_WORD = re.compile(r"[\w\-]")
# Words taken from the postings themselves (the terms two postings share) are data, not messages.
_DATA = re.compile(r'<span class="term">.*?</span>', re.S)
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# Words, not parts of identifiers ("demo-buyer1", "ranker-order.json", "a@b.cn").
_ASCII_RUN = re.compile(r"(?<![\w\-./@])[A-Za-z][A-Za-z']*(?:[ ,]+[A-Za-z][A-Za-z']*)*(?![\w\-./@])")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uff08\uff09\u3001\uff1a\uff1b]+")


@lru_cache(maxsize=1)
def _catalogue() -> tuple[frozenset[str], frozenset[str]]:
    with PO_FILE.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    english, chinese = set(), set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        for piece in _PLACEHOLDER.split(message.id):
            for run in _ASCII_RUN.findall(piece):
                if len(run) >= 3 and run.lower() not in ALLOWED_ASCII:
                    english.add(run.lower())
        if message.string and message.string not in ALLOWED_CHINESE:
            # A whole short message ("开放中", "已发布"), or a piece of four characters or more of a longer
            # one: shorter pieces ("万元", "服务") are words that titles and names use too.
            pieces = _PLACEHOLDER.split(message.string)
            for piece in pieces:
                for run in _CJK_RUN.findall(piece):
                    if (len(pieces) == 1 and run == message.string and len(run) >= 2) or len(run) >= 4:
                        chinese.add(run)
    # Chinese written into English messages on purpose (examples such as "e.g. 北京市海淀区") is no slip.
    in_ids = {run for message in catalog if isinstance(message.id, str) for run in _CJK_RUN.findall(message.id)}
    return frozenset(english), frozenset(chinese - in_ids)


def page_text(body: str) -> str:
    """The text a person reads, plus the attributes they see (placeholders, titles, labels)."""
    shown = " ".join(re.findall(r'(?:placeholder|title|aria-label|data-confirm)="([^"]*)"', body))
    body = _DATA.sub(" ", body)
    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub(" ", body) + " " + shown))


def other_language(body: str, language: str) -> list[str]:
    """What on the page belongs to the other language: [] when the page keeps to `language`."""
    english, chinese = _catalogue()
    text = page_text(body)
    found = []
    if language == "en":
        for match in _CJK_RUN.finditer(text):
            run = match.group()
            # A two-character message counts only as a label of its own, not inside data ("IT技术服务").
            alone = len(run) > 2 or not (
                _WORD.match(text, match.end()) or (match.start() and _WORD.match(text, match.start() - 1))
            )
            if run in chinese and alone:
                found.append(run)
        found = sorted(set(found))
    else:
        found += sorted({run for run in _ASCII_RUN.findall(text) if run.lower() in english})
        if "。。" in text:
            found.append("。。")
    return found
