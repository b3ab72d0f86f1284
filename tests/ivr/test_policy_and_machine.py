"""The retry policy and the delivery state machine, as tables."""

from __future__ import annotations

import pytest

from binalert.deliveries.machine import Event, apply
from binalert.deliveries.policy import CallNow, GiveUp, RetryAfter, RetryPolicy
from binalert.errors import Conflict
from binalert.models import DeliveryStatus as S

POLICY = RetryPolicy(max_attempts=3, delays=(120, 300))


@pytest.mark.parametrize(
    ("round_number", "phone_index", "phone_count", "reached", "decision"),
    [
        (1, 0, 1, False, RetryAfter(120)),
        (2, 0, 1, False, RetryAfter(300)),
        (3, 0, 1, False, GiveUp(reached=False)),
        (3, 0, 1, True, GiveUp(reached=True)),
        (1, 0, 2, False, CallNow(1)),  # second number before waiting
        (1, 1, 2, False, RetryAfter(120)),
        (3, 0, 2, False, CallNow(1)),
        (3, 1, 2, True, GiveUp(reached=True)),
    ],
)
def test_retry_policy(
    round_number: int, phone_index: int, phone_count: int, reached: bool, decision: object
) -> None:
    assert POLICY.after_call(round_number, phone_index, phone_count, reached) == decision


def test_last_delay_repeats_for_longer_policies() -> None:
    policy = RetryPolicy(max_attempts=5, delays=(60,))
    assert [policy.delay_before_round(n) for n in (2, 3, 4, 5)] == [60, 60, 60, 60]


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(delays=())


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (S.PENDING, Event.CLAIM, S.CALLING),
        (S.WAITING_RETRY, Event.CLAIM, S.CALLING),
        (S.CALLING, Event.RETRY_LATER, S.WAITING_RETRY),
        (S.CALLING, Event.ACKNOWLEDGE, S.ACKNOWLEDGED),
        (S.UNREACHABLE, Event.ACKNOWLEDGE, S.ACKNOWLEDGED),  # a late ack from AstDB
        (S.CALLING, Event.EXHAUST_REACHED, S.UNACKNOWLEDGED),
        (S.CALLING, Event.EXHAUST_UNREACHED, S.UNREACHABLE),
        (S.PENDING, Event.CANCEL, S.CANCELLED),
        (S.WAITING_RETRY, Event.EXPIRE, S.EXPIRED),
        (S.CALLING, Event.RELEASE, S.PENDING),
        (S.CALLING, Event.CANCEL_AFTER_CALL, S.CANCELLED),
        (S.CALLING, Event.EXPIRE_AFTER_CALL, S.EXPIRED),
    ],
)
def test_allowed_transitions(state: S, event: Event, expected: S) -> None:
    assert apply(state, event) == expected


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.ACKNOWLEDGED, Event.CLAIM),  # an acknowledged member is never called again
        (S.ACKNOWLEDGED, Event.ACKNOWLEDGE),
        (S.CALLING, Event.CLAIM),
        (S.CANCELLED, Event.CLAIM),
        (S.EXPIRED, Event.CLAIM),
        (S.ACKNOWLEDGED, Event.CANCEL),
        (S.PENDING, Event.RETRY_LATER),
        (S.PENDING, Event.CANCEL_AFTER_CALL),  # a delivery not being called: CANCEL
        (S.ACKNOWLEDGED, Event.EXPIRE_AFTER_CALL),
    ],
)
def test_forbidden_transitions(state: S, event: Event) -> None:
    with pytest.raises(Conflict):
        apply(state, event)
