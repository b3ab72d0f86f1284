"""Retry policy: a pure object, table-tested. Given how a call ended, what comes next?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from binalert.calling_hours import CallingHours
from binalert.models import CallOutcome as O

REACHED = frozenset({O.ANSWERED, O.MACHINE, O.HANGUP_NO_ACK, O.STOPPED_BY_MEMBER})
"""Outcomes where someone (or their answering machine) heard at least part of the message."""


@dataclass(frozen=True)
class CallNow:
    """Call the member's next number straight away (same round)."""

    phone_index: int


@dataclass(frozen=True)
class RetryAfter:
    """Wait, then start the next round with the first number."""

    seconds: int


@dataclass(frozen=True)
class GiveUp:
    reached: bool


Decision = CallNow | RetryAfter | GiveUp


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    delays: tuple[int, ...] = (120, 300)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not self.delays or any(d < 0 for d in self.delays):
            raise ValueError("delays must be one or more non-negative seconds")

    def after_call(
        self, round_number: int, phone_index: int, phone_count: int, reached_ever: bool
    ) -> Decision:
        """Decide after an unacknowledged call.

        round_number: the round just made (1-based); a round tries each number once.
        reached_ever: any call of this delivery so far was answered (person or machine).
        """
        if phone_index + 1 < phone_count:
            return CallNow(phone_index + 1)
        if round_number >= self.max_attempts:
            return GiveUp(reached=reached_ever)
        return RetryAfter(self.delay_before_round(round_number + 1))

    def delay_before_round(self, round_number: int) -> int:
        """Seconds to wait before round `round_number` (2, 3, ...); the last delay repeats."""
        index = min(round_number - 2, len(self.delays) - 1)
        return self.delays[max(index, 0)]


def next_call_at(
    decision: Decision, now: datetime, hours: CallingHours | None = None
) -> datetime | None:
    """When the call `decision` asks for may be placed: now (the next number), after the
    delay (the next round), or never (None). A non-urgent delivery (`hours`: its BIN's
    calling hours) is moved into them: a retry falling at 20:02 waits for 09:00."""
    if isinstance(decision, CallNow):
        at = now
    elif isinstance(decision, RetryAfter):
        at = now + timedelta(seconds=decision.seconds)
    else:
        return None
    return at if hours is None else hours.next_opening(at)
