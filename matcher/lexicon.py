"""The word lists the tokenizer ships with (matcher/data/): domain dictionary, stop words, synonyms.

Plain UTF-8 text files, one entry a line, '#' starting a comment, so staff can read and amend them;
`matcher.build_dictionary` regenerates the domain dictionary from the reference tables.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DOMAIN_DICT = DATA_DIR / "domain_dict.txt"
STOP_WORDS = DATA_DIR / "stopwords.txt"
SYNONYMS = DATA_DIR / "synonyms.txt"


def read_word_lines(path: Path) -> list[str]:
    """Non-empty lines without comments."""
    lines = (
        line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
    )
    return [line for line in lines if line]


def read_synonyms(path: Path = SYNONYMS) -> dict[str, str]:
    """variant -> canonical; English variants lower-case, since the tokenizer lower-cases ASCII."""
    table: dict[str, str] = {}
    for line in read_word_lines(path):
        canonical, *variants = line.split()
        for variant in variants:
            table[variant.lower()] = canonical
    return table


def fingerprint(*paths: Path) -> str:
    """A short digest of the files' contents: kept tokens made with other lists are recomputed."""
    digest = hashlib.sha1()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
