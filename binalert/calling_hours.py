"""When a non-urgent message may ring: a BIN's calling hours in Belgian local time, never on
Sundays or Belgian public holidays unless the BIN allows it. Urgent alerts ignore all this."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")
SUNDAY = 6
MAX_DAYS_AHEAD = 30  # enough for any Belgian run of closed days (Christmas, Easter)


@functools.lru_cache(maxsize=16)
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("BE", years=year)


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


@dataclass(frozen=True)
class CallingHours:
    start: time = time(9, 0)
    end: time = time(20, 0)
    sundays: bool = False
    public_holidays: bool = False

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("calling hours must start before they end, within one day")

    def open_on(self, day: date) -> bool:
        if day.weekday() == SUNDAY and not self.sundays:
            return False
        return self.public_holidays or not is_public_holiday(day)

    def allows(self, moment: datetime) -> bool:
        local = moment.astimezone(BRUSSELS)
        return self.open_on(local.date()) and self.start <= local.time() < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when calls are allowed then, else the next moment they are (UTC)."""
        if self.allows(moment):
            return moment
        local = moment.astimezone(BRUSSELS)
        day = local.date() if local.time() < self.start else local.date() + timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            if self.open_on(day):
                opening = datetime.combine(day, self.start, tzinfo=BRUSSELS)
                return opening.astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError(f"no calling hours in the {MAX_DAYS_AHEAD} days after {moment}")

    def closing(self, moment: datetime) -> datetime:
        """When the window that holds `moment` closes (UTC); `moment` must be allowed."""
        local = moment.astimezone(BRUSSELS)
        return datetime.combine(local.date(), self.end, tzinfo=BRUSSELS).astimezone(UTC)
