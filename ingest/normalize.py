"""The one text normalisation of the project: ingest, matching and search all call `normalize_text`.

Real imports carry traditional characters, full-width letters and digits, stray HTML, invisible
characters, and a conversion artefact seen in the programme's own documents, where every character
is followed by its pinyin reading in brackets ("戰(zhàn)略"). Normalising in one place means a
query and a stored posting always meet on the same text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import opencc

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ"
# A single pinyin syllable (tone marks or not) in brackets right after a CJK character.
_PINYIN_ARTEFACT = re.compile(
    r"(?<=[\u3400-\u9fff])\((?:[bcdfghjklmnpqrstwxyz]{0,2}[aeiouv" + _TONED + r"]{1,3}(?:ng|n|r)?)\)"
)
# Inline tags vanish ("<b>云</b>计算" stays one word); any other tag separates what it stood between.
_INLINE_TAG = re.compile(r"</?(?:b|i|u|em|strong|span|font|a|sup|sub)\b[^<>]{0,200}>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,200}>")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
# Half of a UTF-16 surrogate pair on its own: JSON can write one ("\\ud800"), no text encoding can hold it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text` as "U+D800", or None when the text can be encoded."""
    found = _LONE_SURROGATE.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def encodable(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so that it can be printed, written or stored."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def normalize_text(text: str | None) -> str:
    """Simplified, half-width, single-spaced text without HTML, invisible characters or pinyin artefacts.

    A lone surrogate, which no encoding can hold, becomes U+FFFD; the importer refuses such cells
    before they get here (ingest.columns), this only keeps every other caller from crashing.
    """
    if not text:
        return ""
    text = encodable(html.unescape(str(text)))
    text = _INLINE_TAG.sub("", text)
    text = _TAG.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    # NFKC folds full-width ASCII and the ideographic space to their half-width forms.
    text = unicodedata.normalize("NFKC", text)
    text = _PINYIN_ARTEFACT.sub("", text)
    text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()
