"""Release packages: one page of releases for the web, or every release streamed into one file.

`release_package(session, since=..., offset=..., limit=...)` is what a web route (the open data route,
the documented API) calls; `write_release_package(session, out, since=...)` writes one package with every
release, loading and mapping `BATCH` releases at a time, so an export never holds them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from sqlalchemy.orm import Session

from models.errors import ValidationError
from qianfan import localtime
from qianfan.opendata.index import Entry, build_index
from qianfan.opendata.mapping import iso, load_rows, release

OCDS_VERSION = "1.1"
DEFAULT_PREFIX = "ocds-qianfan"
MAX_LIMIT = 1000
BATCH = 500


@dataclass(frozen=True)
class Publisher:
    """Who publishes, under which ocid prefix and licence (settings OCDS_PREFIX, OCDS_PUBLISHER_NAME,
    OCDS_LICENSE). The default prefix looks like a registered one but is not registered."""

    prefix: str = DEFAULT_PREFIX
    name: str = "千帆 Qianfan"
    license: str | None = None

    @classmethod
    def from_settings(cls, settings: Mapping) -> Publisher:
        return cls(
            prefix=settings.get("OCDS_PREFIX") or DEFAULT_PREFIX,
            name=settings.get("OCDS_PUBLISHER_NAME") or cls.name,
            license=settings.get("OCDS_LICENSE") or None,
        )


def parse_since(text: str | None, *, field: str = "since") -> datetime | None:
    """A local date (2026-11-01) or date and time (2026-11-01T08:00, with or without an offset) as the
    UTC instant from which releases are wanted; None for nothing typed. ValidationError otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return localtime.local_date_to_utc(date.fromisoformat(text))
        return localtime.local_to_utc(datetime.fromisoformat(text))
    except ValueError:
        raise ValidationError(
            "%(name)s must be a date such as 2026-11-01 (or 2026-11-01T08:00); got '%(value)s'.",
            field=field,
            name=field,
            value=text[:40],
        ) from None


def _header(uri: str, publisher: Publisher, published: datetime | None) -> dict:
    header = {
        "uri": uri,
        "version": OCDS_VERSION,
        # Generated on demand: the date of the newest release it holds (now when it holds none).
        "publishedDate": iso(published or localtime.as_utc(datetime.now().astimezone())),
        "publisher": {"name": publisher.name},
    }
    if publisher.license:
        header["license"] = publisher.license
    return header


def releases_of(session: Session, entries: list[Entry], prefix: str) -> Iterator[dict]:
    """The releases of `entries`, loading their rows `BATCH` entries at a time."""
    for start in range(0, len(entries), BATCH):
        batch = entries[start : start + BATCH]
        rows = load_rows(session, batch)
        for entry in batch:
            yield release(entry, rows, prefix)
        session.expunge_all()  # the batch's rows are done with: memory stays flat over the export


def release_package(
    session: Session,
    *,
    since: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
    uri: str = "",
    next_uri: Callable[[int], str] | None = None,
    publisher: Publisher | None = None,
) -> dict:
    """One page of releases (oldest first) as an OCDS release package.

    `since`: only releases dated at or after that instant (see `parse_since`). `offset`/`limit`: which
    slice (limit at most MAX_LIMIT). `next_uri(next_offset)` gives the URL of the next page; when more
    releases follow, the package carries it as `links.next` (OCDS's paging convention).
    """
    publisher = publisher or Publisher()
    offset, limit = max(0, int(offset)), min(max(1, int(limit)), MAX_LIMIT)
    entries = build_index(session, since)
    page = entries[offset : offset + limit]
    package = _header(uri, publisher, max((e.date for e in page), default=None))
    package["releases"] = list(releases_of(session, page, publisher.prefix))
    if offset + limit < len(entries) and next_uri is not None:
        package["links"] = {"next": next_uri(offset + limit)}
    return package


def write_release_package(
    session: Session,
    out: IO[str],
    *,
    since: datetime | None = None,
    uri: str = "",
    publisher: Publisher | None = None,
) -> dict[str, int]:
    """Write one release package holding every release (since `since`) to `out`, release by release.

    Returns how many releases carry each tag (a release with two tags counts under both).
    """
    publisher = publisher or Publisher()
    entries = build_index(session, since)
    header = _header(uri, publisher, entries[-1].date if entries else None)
    opening = json.dumps(header, ensure_ascii=False, indent=None)[:-1]
    out.write(opening + ', "releases": [\n')
    counts: dict[str, int] = {}
    for number, item in enumerate(releases_of(session, entries, publisher.prefix)):
        if number:
            out.write(",\n")
        out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        for tag in item["tag"]:
            counts[tag] = counts.get(tag, 0) + 1
    out.write("\n]}\n")
    return counts
