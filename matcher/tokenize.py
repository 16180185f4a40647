"""Chinese text to matching tokens: the one shared normalisation, then jieba with the domain dictionary.

A `DomainTokenizer` owns its `jieba.Tokenizer` (the global one is never touched), loaded with
matcher/data/domain_dict.txt. English words, codes and model numbers ("PaaS", "S7-1200", "ISO9001")
are cut out before jieba sees the text, so they stay whole; Chinese runs are cut in search mode, so a
long dictionary word ("水利水电工程施工总承包") also yields the shorter words inside it ("水利水电",
"施工", "总承包") and meets texts that use only those. Stop words, bare numbers and single Chinese
characters are dropped, and synonyms are mapped to one canonical term (AI, 人工智能 -> 人工智能).

Tokens of a posting are computed once and kept (`pack`/`unpack`), with a fingerprint of the text and
of the word lists, so they are recomputed only when either changes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jieba

from ingest.normalize import normalize_text
from matcher import lexicon

# ASCII words, codes and model numbers: letters/digits joined by - _ . / + (S7-1200, TCP/IP, C++).
_SEGMENT = re.compile(r"[a-z0-9]+(?:[-_.+/][a-z0-9]+)*\+*|[\u3400-\u9fff]+")
_HAS_LETTER = re.compile(r"[a-z]")
# Standards keep their number: "ISO 9001" -> "iso9001", "CMMI 3" -> "cmmi3", "GB/T 4754" -> "gb/t4754".
_STANDARD = re.compile(r"(?<![a-z])(iso|iec|cmmi|itss|gb/t|gb)\s+(?=\d)")
FIELD_BREAK = "#"
_VERSION = "2"  # bump when the code below changes what tokens come out


@dataclass(frozen=True)
class PostingTokens:
    """A posting's tokens by field, as kept in its `tokens` column."""

    title: tuple[str, ...]
    body: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.title + self.body


class DomainTokenizer:
    """Callable text -> tokens; usable as a scikit-learn analyzer (pass it with token_pattern=None)."""

    def __init__(
        self,
        dictionary=lexicon.DOMAIN_DICT,
        stop_words=lexicon.STOP_WORDS,
        synonyms=lexicon.SYNONYMS,
    ):
        self.dictionary = dictionary
        self.stop_words = stop_words
        self.synonyms = synonyms
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _load(self) -> jieba.Tokenizer:
        with self._lock:
            if self._jieba is None:
                logging.getLogger("jieba").setLevel(
                    logging.WARNING
                )  # its load messages are noise here
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                with open(self.dictionary, "rb") as handle:  # jieba leaves a path's file open
                    tokenizer.load_userdict(handle)
                self._stop = frozenset(lexicon.read_word_lines(self.stop_words))
                self._synonyms = lexicon.read_synonyms(self.synonyms)
                self.version = self.words_version()
                # Notices repeat their phrases (招标范围, 施工图纸范围内...): each run is cut once.
                self._words = lru_cache(maxsize=200_000)(self._cut)
                self._jieba = tokenizer
        return self._jieba

    def __call__(self, text: str | None) -> list[str]:
        """Tokens of `text` in reading order."""
        if self._jieba is None:
            self._load()
        synonyms = self._synonyms
        tokens: list[str] = []
        for segment in _SEGMENT.findall(_STANDARD.sub(r"\1", normalize_text(text).lower())):
            if (
                segment[0] < "\u3400"
            ):  # ASCII: one token if it has a letter; bare numbers say nothing
                if _HAS_LETTER.search(segment):
                    tokens.append(synonyms.get(segment, segment))
                continue
            tokens.extend(self._words(segment))
        return tokens

    def _cut(self, segment: str) -> tuple[str, ...]:
        """The kept words of one run of Chinese characters."""
        stop, synonyms = self._stop, self._synonyms
        words = self._jieba.cut_for_search(segment, HMM=True)
        return tuple(synonyms.get(w, w) for w in words if len(w) > 1 and w not in stop)

    def words_version(self) -> str:
        """Identifies the code and word lists tokens are made with, without loading jieba."""
        return _VERSION + lexicon.fingerprint(self.dictionary, self.stop_words, self.synonyms)

    def posting(self, title: str | None, body: str | None) -> PostingTokens:
        return PostingTokens(tuple(self(title)), tuple(self(body)))

    def fingerprint(self, title: str | None, body: str | None) -> str:
        """Identifies the text and the word lists that made a posting's kept tokens."""
        if getattr(self, "version", None) is None:
            # Read without loading jieba (a second of start-up): checking that kept tokens are current,
            # which they mostly are, needs only the word lists' version.
            self.version = self.words_version()
        digest = hashlib.sha1(
            f"{self.version}\x1f{title or ''}\x1f{body or ''}".encode()
        ).hexdigest()
        return FIELD_BREAK + digest[:16]

    def pack(self, title: str | None, body: str | None) -> list[str]:
        """The list kept in a posting's `tokens` column: fingerprint, title tokens, a break, body tokens."""
        tokens = self.posting(title, body)
        return [self.fingerprint(title, body), *tokens.title, FIELD_BREAK, *tokens.body]

    def is_current(self, packed: Sequence[str] | None, title: str | None, body: str | None) -> bool:
        return bool(packed) and packed[0] == self.fingerprint(title, body)


def unpack(packed: Iterable[str]) -> PostingTokens:
    """Kept tokens back into fields (the fingerprint is dropped). Tokens are interned: a 10× market holds
    millions of them but only a vocabulary's worth of distinct words, so each word is kept once."""
    items = [sys.intern(token) for token in packed][1:]
    cut = items.index(FIELD_BREAK) if FIELD_BREAK in items else len(items)
    return PostingTokens(tuple(items[:cut]), tuple(items[cut + 1 :]))
