"""The programme's time zone: every instant is stored in UTC and shown, typed and exported in local time.

The zone is the `TIMEZONE` setting (`QIANFAN_TIMEZONE`, default Asia/Shanghai). The web app and the CLI
call `configure(settings)` at start; before that (or in a plain script) the environment variable or the
default is used, so a helper never fails for want of configuration.

- `to_local(dt)`: an instant (aware, or naive meaning UTC as SQLite hands it back) → aware local time.
- `local_date_to_utc(day)`: a date typed by a person → the UTC instant its local day starts, or, with
  `end_of_day=True`, its last minute (23:59 local), which is what a deadline typed as a bare date means.
- `local_to_utc(dt)`: a typed date and time without a zone, read as local → aware UTC.
- `local_today()`: today's date in the programme's zone (a deadline "today" is a local day).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
SETTING = "TIMEZONE"
# The last minute of a day, as deadlines typed without a time mean it (and as ingest.values reads them).
END_OF_DAY = time(23, 59)

_configured: ZoneInfo | None = None


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`; a ValueError that names the setting for an unknown one."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"TIMEZONE (QIANFAN_TIMEZONE) is {name!r}, which is no IANA time zone; "
            f"use a name such as {DEFAULT_ZONE!r} or 'UTC'"
        ) from None


def configure(settings: Mapping | None) -> ZoneInfo:
    """Take the zone from the settings (web app factory, CLI); returns it. An unknown zone raises."""
    global _configured
    from ingest.values import set_typed_zone

    name = (settings or {}).get(SETTING) or os.environ.get("QIANFAN_" + SETTING) or DEFAULT_ZONE
    _configured = zone_named(name)
    set_typed_zone(_configured)  # dates in import files are local too
    return _configured


def programme_zone() -> ZoneInfo:
    """The zone every time is shown in and every typed date is read in."""
    if _configured is not None:
        return _configured
    return zone_named(os.environ.get("QIANFAN_" + SETTING) or DEFAULT_ZONE)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive input is taken to be UTC already (how SQLite keeps instants)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime | None, zone: tzinfo | None = None) -> datetime | None:
    """An instant in the programme's zone (aware); naive input means UTC. None stays None."""
    if value is None:
        return None
    return as_utc(value).astimezone(zone or programme_zone())


def local_to_utc(value: datetime, zone: tzinfo | None = None) -> datetime:
    """A date and time typed by a person: naive means local (the programme's zone); aware is kept."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or programme_zone())
    return value.astimezone(UTC)


def local_date_to_utc(day: date, *, end_of_day: bool = False, zone: tzinfo | None = None) -> datetime:
    """The UTC instant a local day starts (00:00), or its last minute (23:59) with `end_of_day`."""
    if isinstance(day, datetime):
        day = day.date()
    clock = END_OF_DAY if end_of_day else time(0, 0)
    return datetime.combine(day, clock, tzinfo=zone or programme_zone()).astimezone(UTC)


def local_day_bounds(day: date, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a local day in UTC, for filters such as "created on 2026-11-27"."""
    start = local_date_to_utc(day, zone=zone)
    return start, local_date_to_utc(day + timedelta(days=1), zone=zone)


def local_today(now: datetime | None = None, zone: tzinfo | None = None) -> date:
    """Today's date in the programme's zone (`now` an instant, default the current one)."""
    return as_utc(now or datetime.now(UTC)).astimezone(zone or programme_zone()).date()


def local_date(value: datetime | None, zone: tzinfo | None = None) -> date | None:
    """The local calendar date of an instant (the day a deadline falls on, as a person reads it)."""
    local = to_local(value, zone)
    return None if local is None else local.date()
