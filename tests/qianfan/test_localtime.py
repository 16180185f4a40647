"""The programme's zone: stored UTC shown local, typed dates read local."""

from datetime import UTC, date, datetime

import pytest

from qianfan import localtime


@pytest.fixture(autouse=True)
def _zone(monkeypatch):
    monkeypatch.delenv("QIANFAN_TIMEZONE", raising=False)
    yield
    localtime.configure({})


def test_default_zone_is_beijing_and_utc_instants_show_eight_hours_later():
    localtime.configure({})
    assert localtime.programme_zone().key == "Asia/Shanghai"
    shown = localtime.to_local(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
    assert (shown.hour, shown.utcoffset().total_seconds()) == (9, 8 * 3600)
    # SQLite hands instants back naive: they are UTC.
    assert localtime.to_local(datetime(2026, 12, 1, 10, 27)).strftime("%H:%M") == "18:27"


def test_a_typed_deadline_date_means_the_end_of_that_local_day():
    localtime.configure({})
    end = localtime.local_date_to_utc(date(2026, 12, 31), end_of_day=True)
    assert end == datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    assert localtime.to_local(end).strftime("%Y-%m-%d %H:%M") == "2026-12-31 23:59"
    assert localtime.local_date_to_utc(date(2026, 12, 31)) == datetime(2026, 12, 30, 16, 0, tzinfo=UTC)


def test_a_typed_time_without_zone_is_local_and_the_setting_changes_the_zone():
    localtime.configure({"TIMEZONE": "Europe/Berlin"})
    assert localtime.local_to_utc(datetime(2026, 7, 1, 9, 0)) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert localtime.local_today(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)


def test_the_zone_comes_from_the_environment_and_an_unknown_zone_is_named():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QIANFAN_TIMEZONE", "UTC")
        assert localtime.configure({}).key == "UTC"
    with pytest.raises(ValueError, match="Mars/Olympus"):
        localtime.configure({"TIMEZONE": "Mars/Olympus"})
