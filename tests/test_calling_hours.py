"""Calling hours of non-urgent messages (#14 point 2), table-tested in Belgian local time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from binalert.calling_hours import BRUSSELS, CallingHours

DEFAULT = CallingHours()


def brussels(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("sent", "rings"),
    [
        ("2026-12-01 10:00", "2026-12-01 10:00"),  # a Tuesday morning: at once
        ("2026-12-01 08:59", "2026-12-01 09:00"),
        ("2026-12-01 20:00", "2026-12-02 09:00"),  # closing time is closed
        ("2026-12-01 22:00", "2026-12-02 09:00"),  # sent at 22:00: the next morning
        ("2026-12-05 19:59", "2026-12-05 19:59"),  # Saturday is a calling day
        ("2026-12-05 21:00", "2026-12-07 09:00"),  # Saturday night: not Sunday, Monday
        ("2026-12-24 21:00", "2026-12-26 09:00"),  # Christmas Day is a public holiday
        ("2026-07-20 20:30", "2026-07-22 09:00"),  # 21 July, National Day
        ("2027-03-27 22:00", "2027-03-30 09:00"),  # clock change on Easter Sunday 2027
        ("2026-10-24 20:30", "2026-10-26 09:00"),  # over the autumn clock change
        ("2026-04-04 20:30", "2026-04-07 09:00"),  # Easter Sunday and Easter Monday
    ],
)
def test_a_message_rings_within_calling_hours(sent: str, rings: str) -> None:
    opening = DEFAULT.next_opening(brussels(sent).astimezone(UTC))
    assert opening.tzinfo is not None
    assert opening.astimezone(BRUSSELS).replace(tzinfo=None) == datetime.fromisoformat(rings)


def test_local_nine_o_clock_is_utc_eight_in_winter_and_seven_in_summer() -> None:
    assert DEFAULT.next_opening(datetime(2026, 12, 1, 21, tzinfo=UTC)).hour == 8
    assert DEFAULT.next_opening(datetime(2026, 6, 2, 21, tzinfo=UTC)).hour == 7


def test_a_bin_may_open_sundays_holidays_and_other_hours() -> None:
    open_late = CallingHours(start=time(10), end=time(21, 30), sundays=True, public_holidays=True)
    assert open_late.allows(brussels("2026-12-25 21:00"))
    assert not open_late.allows(brussels("2026-12-25 09:30"))
    assert open_late.next_opening(brussels("2026-12-06 22:00")) == brussels("2026-12-07 10:00")
    assert DEFAULT.closing(brussels("2026-12-01 10:00")) == brussels("2026-12-01 20:00")


def test_hours_that_end_before_they_start_are_refused() -> None:
    with pytest.raises(ValueError, match="start before"):
        CallingHours(start=time(20), end=time(9))
