"""Calls in flight, as the AMI events tell them. Pure bookkeeping, no I/O."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from binalert.models import CallOutcome
from ivr import channelvars

# OriginateResponse "Reason" (Asterisk's enum ast_control_frame_type / dial states).
REASON_NOT_DIALLED = "0"
REASON_NO_ANSWER = "3"
REASON_ANSWERED = "4"
REASON_BUSY = "5"
REASON_CONGESTION = "8"

FAILED_ORIGINATE_OUTCOMES = {
    REASON_NO_ANSWER: CallOutcome.NO_ANSWER,
    REASON_BUSY: CallOutcome.BUSY,
    REASON_CONGESTION: CallOutcome.CONGESTION,
    REASON_NOT_DIALLED: CallOutcome.FAILED,
}


def outcome_of_failed_originate(reason: str | None) -> CallOutcome:
    """Busy and congestion show Hangup cause 0 on a Local channel: judge by Reason."""
    return FAILED_ORIGINATE_OUTCOMES.get(reason or "", CallOutcome.FAILED)


@dataclass
class LiveCall:
    channel_id: str
    deadline: datetime
    answered_at: datetime | None = None
    acknowledged: bool = False
    result: str | None = None  # what the dialplan reported: machine / no_ack
    hangup_cause: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False

    def outcome_after_answer(self) -> CallOutcome:
        if self.acknowledged:
            return CallOutcome.ANSWERED
        if self.result == channelvars.RESULT_MACHINE:
            return CallOutcome.MACHINE
        return CallOutcome.HANGUP_NO_ACK

    def outcome_when_lost(self) -> CallOutcome:
        """The call ended while nobody watched (dispatcher or PBX connection away)."""
        if self.acknowledged:
            return CallOutcome.ANSWERED
        if self.answered_at is not None:
            return self.outcome_after_answer()
        return CallOutcome.FAILED


class CallBook:
    """The calls one dialer has in flight, by channel id (= Asterisk Uniqueid)."""

    def __init__(self) -> None:
        self._calls: dict[str, LiveCall] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, channel_id: object) -> bool:
        return channel_id in self._calls

    def add(self, call: LiveCall) -> None:
        self._calls[call.channel_id] = call

    def get(self, channel_id: str | None) -> LiveCall | None:
        return self._calls.get(channel_id or "")

    def remove(self, channel_id: str) -> None:
        self._calls.pop(channel_id, None)

    def all(self) -> list[LiveCall]:
        return list(self._calls.values())
