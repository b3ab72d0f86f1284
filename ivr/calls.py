"""Calls in flight, as the AMI events tell them. Pure bookkeeping, no I/O."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from datetime import datetime

from binalert.models import CallOutcome
from ivr import channelvars

# OriginateResponse "Reason" (Asterisk's enum ast_control_frame_type / dial states); 0, not
# dialled, says nothing by itself: over a SIP trunk the network's answer is the hangup cause.
REASON_NO_ANSWER = "3"
REASON_ANSWERED = "4"
REASON_BUSY = "5"
REASON_CONGESTION = "8"

FAILED_ORIGINATE_OUTCOMES = {
    REASON_NO_ANSWER: CallOutcome.NO_ANSWER,
    REASON_BUSY: CallOutcome.BUSY,
    REASON_CONGESTION: CallOutcome.CONGESTION,
}

# Q.850 hangup causes, as Asterisk maps a SIP trunk's final response onto them.
CAUSE_OUTCOMES = {
    1: CallOutcome.INVALID_NUMBER,  # unallocated number (SIP 404)
    3: CallOutcome.INVALID_NUMBER,  # no route to destination
    28: CallOutcome.INVALID_NUMBER,  # invalid number format (SIP 484)
    17: CallOutcome.BUSY,  # user busy (SIP 486, 600)
    18: CallOutcome.NO_ANSWER,  # no user responding (SIP 408)
    19: CallOutcome.NO_ANSWER,  # no answer from user (SIP 480)
    34: CallOutcome.CONGESTION,  # no circuit available (SIP 503)
    38: CallOutcome.CONGESTION,  # network out of order (SIP 500)
    41: CallOutcome.CONGESTION,  # temporary failure
    42: CallOutcome.CONGESTION,  # switching equipment congestion
}
CAUSE_REFUSED = 21  # call rejected: the trunk refuses us (SIP 401, 403, 407)


class NotPlaced(enum.Enum):
    """A failed Originate the member is not to blame for: the PBX could not place it."""

    NO_NETWORK_ANSWER = "the PBX placed no call (no channel type, no route to the trunk?)"
    REFUSED = "the trunk refuses our calls (SIP 401/403/407, Q.850 cause 21)"


def outcome_of_failed_originate(
    reason: str | None, hangup_cause: int | None
) -> CallOutcome | NotPlaced:
    """Local channels say busy and congestion in the Reason (cause 0); over a SIP trunk the
    Reason is 0 and the network's answer is in the hangup cause."""
    if reason in FAILED_ORIGINATE_OUTCOMES:
        return FAILED_ORIGINATE_OUTCOMES[reason]
    if hangup_cause == CAUSE_REFUSED:
        return NotPlaced.REFUSED
    if hangup_cause in CAUSE_OUTCOMES:
        return CAUSE_OUTCOMES[hangup_cause]
    if not hangup_cause:
        return NotPlaced.NO_NETWORK_ANSWER
    return CallOutcome.FAILED


@dataclass
class LiveCall:
    channel_id: str
    deadline: datetime
    answered_at: datetime | None = None
    acknowledged: bool = False
    transferred: bool = False  # pressed 3: put through to the police (acknowledged too)
    stopped: bool = False  # a confirmed 9 on binalert's own call (#24): no more calls
    result: str | None = None  # what the dialplan reported: machine / no_ack
    hangup_cause: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    finished: bool = False
    uniqueid: str | None = None  # Asterisk's id when it is not channel_id (a call back)

    @property
    def acknowledged_outcome(self) -> CallOutcome | None:
        """What a 1 or a 3 made of this call, if either came."""
        if self.transferred:
            return CallOutcome.TRANSFERRED
        return CallOutcome.ANSWERED if self.acknowledged else None

    def outcome_after_answer(self) -> CallOutcome:
        if self.acknowledged_outcome is not None:
            return self.acknowledged_outcome
        if self.stopped:  # heard, and asked not to be called again: not a 1
            return CallOutcome.STOPPED_BY_MEMBER
        if self.result == channelvars.RESULT_MACHINE:
            return CallOutcome.MACHINE
        return CallOutcome.HANGUP_NO_ACK

    def outcome_when_lost(self) -> CallOutcome:
        """The call ended while nobody watched (dispatcher or PBX connection away)."""
        if self.acknowledged_outcome is not None:
            return self.acknowledged_outcome
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
