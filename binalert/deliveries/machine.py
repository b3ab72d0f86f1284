"""The delivery state machine as a pure table: event -> (allowed from-states, new state).

Every change of a delivery's status is one of these events. The repository applies it as a
guarded update (`UPDATE deliveries SET status = new WHERE id = ? AND status IN (allowed)`);
zero rows updated means someone else moved the delivery first: a conflict, never an overwrite.
"""

from __future__ import annotations

import enum

from binalert.errors import Conflict
from binalert.models import DeliveryStatus as S


class Event(enum.StrEnum):
    CLAIM = "claim"  # the dialer takes the delivery to place a call
    RETRY_LATER = "retry_later"  # a call ended without acknowledgement; attempts remain
    ACKNOWLEDGE = "acknowledge"  # 1 or 3 pressed on our own call (never on a call back)
    EXHAUST_REACHED = "exhaust_reached"  # attempts used up; the member was reached at least once
    EXHAUST_UNREACHED = "exhaust_unreached"  # attempts used up; never reached
    CANCEL = "cancel"  # the police cancelled the alert: a delivery not being called stops
    CANCEL_AFTER_CALL = "cancel_after_call"  # a call of a cancelled alert ended unacknowledged
    EXPIRE = "expire"  # the alert's validity window passed: a delivery not being called stops
    EXPIRE_AFTER_CALL = "expire_after_call"  # the next try would fall after the window
    RELEASE = "release"  # a call could not be placed at all (PBX down); back to the queue
    # SMS (#22). A delivery that is only texted (`call` false) is never claimed by a dialer:
    # it waits (pending) until a reply 1 acknowledges it, or its SMS is final and the reply
    # window has passed (lifecycle.settle_sms_only).
    ACKNOWLEDGE_SMS = "acknowledge_sms"  # a reply 1 (ja, oui, ...) to the SMS sent to that number
    SMS_UNANSWERED = "sms_unanswered"  # SMS-only: delivered (or no receipt), no reply in time
    SMS_UNDELIVERED = "sms_undelivered"  # SMS-only: the SMS failed, expired, was undeliverable


WAITING = (S.PENDING, S.WAITING_RETRY)

TABLE: dict[Event, tuple[tuple[S, ...], S]] = {
    Event.CLAIM: (WAITING, S.CALLING),
    Event.RETRY_LATER: ((S.CALLING,), S.WAITING_RETRY),
    # An acknowledgement is the truth whenever it arrives: even one reconciled from AstDB
    # after the delivery was already closed (a person did hear the message).
    Event.ACKNOWLEDGE: (
        (S.CALLING, *WAITING, S.UNACKNOWLEDGED, S.UNREACHABLE, S.CANCELLED, S.EXPIRED),
        S.ACKNOWLEDGED,
    ),
    Event.EXHAUST_REACHED: ((S.CALLING,), S.UNACKNOWLEDGED),
    Event.EXHAUST_UNREACHED: ((S.CALLING,), S.UNREACHABLE),
    Event.CANCEL: (WAITING, S.CANCELLED),
    Event.CANCEL_AFTER_CALL: ((S.CALLING,), S.CANCELLED),
    Event.EXPIRE: (WAITING, S.EXPIRED),
    Event.EXPIRE_AFTER_CALL: ((S.CALLING,), S.EXPIRED),
    Event.RELEASE: ((S.CALLING,), S.PENDING),
    # Like a 1 on a call, the truth whenever it comes (also after the delivery closed: a
    # member who read the SMS late, or the BIN's fallback SMS after calls that did not reach
    # them). From calling: the call ringing now ends without being retried (the dialer's
    # end of call finds the delivery acknowledged and only ends its claim).
    Event.ACKNOWLEDGE_SMS: (
        (S.CALLING, *WAITING, S.UNACKNOWLEDGED, S.UNREACHABLE, S.EXPIRED),
        S.ACKNOWLEDGED,
    ),
    Event.SMS_UNANSWERED: (WAITING, S.UNACKNOWLEDGED),
    Event.SMS_UNDELIVERED: (WAITING, S.UNREACHABLE),
}


def target(event: Event) -> S:
    return TABLE[event][1]


def sources(event: Event) -> tuple[S, ...]:
    return TABLE[event][0]


def apply(state: S, event: Event) -> S:
    """The state after `event`, or Conflict if the table does not allow it."""
    allowed_from, new_state = TABLE[event]
    if state not in allowed_from:
        raise Conflict(f"{event.value} is not allowed from {state.value}")
    return new_state
