"""Small records for matcher tests: firms and postings with sensible defaults."""

from __future__ import annotations

from matcher.qualifications import parse
from matcher.records import Firm, Posting
from matcher.tokenize import DomainTokenizer

_tokenizer = DomainTokenizer()


def firm(id, **fields) -> Firm:
    return Firm(id=id, **fields)


def order(id, title, body="", owner=None, requires=(), **fields) -> Posting:
    """An open procurement order; `requires`: requirement texts, each met by any certificate it names."""
    entries = tuple(tuple(parse(text)) for text in requires)
    return Posting(
        id=id, side="order", kind=fields.pop("kind", "procurement"), owner=owner or firm(f"buyer-{id}"),
        tokens=_tokenizer.posting(title, body), required_qualifications=entries, **fields,
    )  # fmt: skip


def listing(id, title, body="", owner=None, **fields) -> Posting:
    return Posting(
        id=id, side="listing", kind=fields.pop("kind", "product"), owner=owner or firm(f"supplier-{id}"),
        tokens=_tokenizer.posting(title, body), **fields,
    )  # fmt: skip


def demand(id, title, body="", owner=None, **fields) -> Posting:
    return Posting(
        id=id, side="demand", kind=fields.pop("kind", "ip"), owner=owner or firm(f"firm-{id}"),
        tokens=_tokenizer.posting(title, body), **fields,
    )  # fmt: skip


def package(id, title, body="", owner=None, **fields) -> Posting:
    return Posting(
        id=id, side="package", kind=fields.pop("kind", "ip"), owner=owner or firm(f"provider-{id}"),
        tokens=_tokenizer.posting(title, body), **fields,
    )  # fmt: skip
