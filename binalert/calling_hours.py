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


@dataclass(frozen=True)
class QuietHours:
    """A member's quiet hours for non-urgent messages (#24), in Belgian local time; the span
    may cross midnight (22:00-08:00). Urgent alerts ignore them."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours must end at another time than they start")

    @classmethod
    def of(cls, start: str | None, end: str | None) -> QuietHours | None:
        """From a member's stored "HH:MM" columns (None: no quiet hours)."""
        if not start or not end or start == end:
            return None
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    def quiet(self, moment: datetime) -> bool:
        now = moment.astimezone(BRUSSELS).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, moment: datetime) -> datetime:
        """When the quiet span holding `moment` ends (UTC); `moment` must be quiet."""
        local = moment.astimezone(BRUSSELS)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # 23:00 in 22:00-08:00: quiet until tomorrow 08:00
        return datetime.combine(day, self.end, tzinfo=BRUSSELS).astimezone(UTC)


MAX_QUIET_STEPS = 8  # quiet hours that cover every calling hour would never let a message in


def next_allowed(hours: CallingHours, quiet: QuietHours | None, moment: datetime) -> datetime:
    """The first moment from `moment` within the BIN's calling hours and outside the
    member's quiet hours. Where the two never meet (a member quiet through all their BIN's
    hours), the message waits a few days and then expires unplaced: what they asked for."""
    found = hours.next_opening(moment)
    for _ in range(MAX_QUIET_STEPS):
        if quiet is None or not quiet.quiet(found):
            return found
        found = hours.next_opening(quiet.end_after(found))
    return found
