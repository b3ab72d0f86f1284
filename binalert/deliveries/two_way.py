"""Two-way calls (#14): the words and limits of a member put through to the police (press 3)
and of a member who rings the BIN number back, recognised by the number they call from.

What they do to a delivery is the lifecycle's (`lifecycle.acknowledge` with a 3,
`lifecycle.open_call_back`, `lifecycle.finish_call`); this module only names them.

A caller ID is a claim, not a proof: anyone can send a member's number. So a call back plays
the member's newest alert, but its 1 never acknowledges: it is kept as heard on a call back
(unverified, shown to the police as such) and binalert calls the member straight back, where
a 1 counts. The limits below keep a stranger from using call backs to hold a member's retries
back or to keep lines busy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from binalert.models import OPEN_DELIVERY_STATUSES, AlertStatus, DeliveryStatus

TRANSFER_DIGIT = "3"
TRANSFER_SECONDS = 3600
"""How long a call put through to the police may last: its deadline and claim move this far
on, so no dispatcher hangs up on a member talking to the police."""
LEASE_MARGIN_SECONDS = 10
CALLBACK_HOURS = 12
"""A call back plays the member's newest alert created this many hours ago at most."""
CALLBACK_ALERT_STATUSES = (
    AlertStatus.ACTIVE.value,
    AlertStatus.COMPLETED.value,
    AlertStatus.EXPIRED.value,
)
"""Alerts a call back may play: not a cancelled one, nor a message nobody was called for."""
CALLBACK_HOLD_SECONDS = 120
"""A retry of the delivery falls at least this long after a call back starts (the member is
on the line with us; their number would be busy). A call back with a 1 ends the hold: the
member is called straight back."""
CALL_BACKS_PER_NUMBER = 3
CALL_BACK_WINDOW_SECONDS = 3600
"""At most this many call backs an hour from one number (counted on the members it belongs
to). A member who missed a call rings back once or twice; more is someone holding their
retries back (each call back holds them CALLBACK_HOLD_SECONDS) or keeping lines busy with a
member's number. Beyond it the caller hears the no-alert message (police 101, 112)."""
CALL_BACKS_PER_DELIVERY = 3
"""At most this many call backs on one delivery, whatever number they come from (a member
with two phones, or numbers forged one after the other): the hold a stranger can put on an
urgent delivery's retries stays within CALL_BACKS_PER_DELIVERY x CALLBACK_HOLD_SECONDS."""


@dataclass(frozen=True)
class CallBackTarget:
    """The delivery a call back plays."""

    delivery_id: int
    alert_id: int
    member_id: int
    language: str
    status: str
    phone_index: int

    @property
    def acknowledged(self) -> bool:
        return self.status == DeliveryStatus.ACKNOWLEDGED.value

    @property
    def open(self) -> bool:
        """Still being called: a 1 on the call back is followed by a call straight back."""
        return self.status in {s.value for s in OPEN_DELIVERY_STATUSES}


class CallBackKind(enum.StrEnum):
    ALERT = "alert"  # a member with an alert of the last 12 hours: hear it (a 1 is unverified)
    NO_ALERT = "no_alert"  # a member without one (or past the limits): "call 101"
    UNKNOWN = "unknown"  # anyone else: "this number only sends BIN alerts; call 101 / 112"
    TAKEN = "taken"  # another dispatcher answers this call back already


@dataclass(frozen=True)
class CallBack:
    kind: CallBackKind
    language: str = ""
    target: CallBackTarget | None = None
