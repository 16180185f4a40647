"""Builds the matcher's shipped word data from what the project ships: the domain dictionary and the
background document frequencies.

Run `python -m matcher.build_dictionary` after the reference tables or programme terms change. Words come
from the GB/T 4754-2017 industry names, the 2022 government procurement catalogue names
(ingest/data/reference/), the programme's own terms (matcher/data/programme_terms.txt) and the canonical
side of the synonym table. Each word gets the smallest jieba frequency that makes jieba cut it whole, so
loading the dictionary at run time is a plain read instead of thousands of frequency searches.

The background corpus (matcher/data/background_df.tsv) counts, for every token, the documents it appears
in among the 3,073 real procurement notices (ingest/data/notices/) and the catalogue entries with their
descriptions; `matcher.text` takes its term weights from it (see there for why they are fixed).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import jieba

from ingest.normalize import normalize_text
from matcher.lexicon import DATA_DIR, read_synonyms, read_word_lines
from matcher.text import BACKGROUND_DF
from matcher.tokenize import DomainTokenizer

INGEST_DATA = Path(__file__).resolve().parent.parent / "ingest" / "data"
REFERENCE_DIR = INGEST_DATA / "reference"
NOTICE_FIELDS = ("title", "category", "purchaseContent", "qualification")
# Catalogue names join several things: "农、林、牧、渔业", "房屋和构筑物", "电子和通信测量仪器".
_NAME_PARTS = re.compile(r"[、,，;；/()（）\s]|(?<=.{2})[和及与](?=.{2})")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,10}$")


def catalogue_names(reference_dir: Path = REFERENCE_DIR) -> set[str]:
    """Whole names and their parts, 2 to 10 Chinese characters, from both classification tables."""
    names: set[str] = set()
    for file_name in ("gbt4754_2017.csv", "procurement_catalog_2022.csv"):
        with (reference_dir / file_name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                name = normalize_text(row["name"])
                for part in [name, *_NAME_PARTS.split(name)]:
                    part = part.strip()
                    # "其他..." entries are residual classes, not things anyone offers by that name.
                    if _CJK_WORD.match(part) and not part.startswith("其他"):
                        names.add(part)
    return names


def domain_words() -> list[str]:
    words = catalogue_names()
    words.update(normalize_text(w) for w in read_word_lines(DATA_DIR / "programme_terms.txt"))
    words.update(
        canonical
        for canonical in read_synonyms(DATA_DIR / "synonyms.txt").values()
        if _CJK_WORD.match(canonical)
    )
    return sorted(words)


def build(path: Path = DATA_DIR / "domain_dict.txt") -> int:
    """Write `word freq` lines; returns the number of words."""
    tokenizer = jieba.Tokenizer()
    lines = []
    for word in domain_words():
        # suggest_freq(tune=True) also adds the word, so later words are cut against earlier ones.
        freq = tokenizer.suggest_freq(word, tune=True)
        lines.append(f"{word} {freq}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def background_documents() -> list[str]:
    """The notices' texts and the catalogue entries (name and description), in a fixed order."""
    documents = []
    for path in sorted((INGEST_DATA / "notices").glob("*.json")):
        for notice in json.loads(path.read_text(encoding="utf-8"))["notices"]:
            documents.append(" ".join(str(notice.get(f) or "") for f in NOTICE_FIELDS))
    for file_name in ("gbt4754_2017.csv", "procurement_catalog_2022.csv"):
        with (REFERENCE_DIR / file_name).open(encoding="utf-8", newline="") as handle:
            documents.extend(
                f"{row['name']} {row.get('description') or ''}" for row in csv.DictReader(handle)
            )
    return documents


def build_background(path: Path = BACKGROUND_DF) -> int:
    """Write `term<TAB>document frequency` lines after a `#documents<TAB>n` header; returns n."""
    tokenizer = DomainTokenizer()
    documents = background_documents()
    frequencies = Counter(term for document in documents for term in set(tokenizer(document)))
    lines = [f"#documents\t{len(documents)}"]
    lines += [f"{term}\t{count}" for term, count in sorted(frequencies.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(documents)


if __name__ == "__main__":
    print(f"{build()} words written to {DATA_DIR / 'domain_dict.txt'}")
    print(f"{build_background()} background documents counted into {BACKGROUND_DF}")
