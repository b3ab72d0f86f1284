"""Two-way calls in the store (#14), on SQLite and PostgreSQL: who is calling back (their
number), which alert they hear, the inbound call attempt on it, what a key on a call back
does (a caller ID proves nothing: heard, unverified, and called straight back), the limits on
call backs, and a press of 3 (put through to the police) counted as an acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.deliveries import attempts, lifecycle, two_way
from binalert.deliveries import repository as deliveries_repo
from binalert.deliveries.policy import RetryPolicy
from binalert.deliveries.two_way import CallBackKind
from binalert.members import repository as members
from binalert.models import (
    Alert,
    AlertStatus,
    CallAttempt,
    CallOutcome,
    Delivery,
    DeliveryEvent,
    Member,
)
from binalert.phones import caller_e164, parse_phone
from binalert.zones import repository as zones
from ivr import wire
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store

POLICY = RetryPolicy(3, (60,))
PBX = "pbx1"


def _now() -> datetime:
    return datetime.now(UTC)


def _member(store: Store, alert_id: int) -> Member:
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)).first()
        assert delivery is not None and delivery.member_id is not None
        member = s.get(Member, delivery.member_id)
        assert member is not None
        return member


def _another_alert(
    store: Store, member_id: int, created: datetime, status: str = AlertStatus.ACTIVE.value
) -> int:
    """A second alert to the member (as another BIN's, a follow-up would be), created then."""
    with store.session() as s:
        alert = Alert(
            created_by="lab",
            created_at=created,
            incident_ref="PV-2",
            bin_ids=[],
            messages={"nl": "Tweede bericht"},
            valid_from=created,
            valid_until=created + timedelta(hours=1),
            status=status,
        )
        s.add(alert)
        s.flush()
        s.add(
            Delivery(
                alert_id=alert.id,
                member_id=member_id,
                language="fr",
                phones=["+3250100042"],
                next_attempt_at=created,
            )
        )
        s.flush()
        return alert.id


def _delivery(store: Store, alert_id: int) -> Delivery:
    with store.session() as s:
        found = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)).first()
        assert found is not None
        return found


def _events(store: Store, delivery_id: int) -> list[DeliveryEvent]:
    with store.session() as s:
        query = select(DeliveryEvent).where(DeliveryEvent.delivery_id == delivery_id)
        return list(s.scalars(query.order_by(DeliveryEvent.id)))


def _call_back(
    store: Store, number: str | None, call_id: str, now: datetime | None = None
) -> two_way.CallBack:
    now = now or _now()
    with store.session() as s:
        return lifecycle.open_call_back(s, number, call_id, PBX, now, now + timedelta(minutes=5))


def _attempts(store: Store, delivery_id: int) -> list[CallAttempt]:
    with store.session() as s:
        query = select(CallAttempt).where(CallAttempt.delivery_id == delivery_id)
        return list(s.scalars(query.order_by(CallAttempt.id)))


def _newest(s: Session, member_ids: list[int], e164: str, now: datetime) -> Any:
    since = now - timedelta(hours=two_way.CALLBACK_HOURS)
    return deliveries_repo.newest_for_call_back(s, member_ids, e164, since)


@pytest.mark.parametrize(
    ("given", "e164"),
    [
        ("+3250100042", "+3250100042"),
        ("050100042", "+3250100042"),
        ("003250100042", "+3250100042"),
        ("3250100042", "+3250100042"),  # a network that drops the +
        ("+31201234567", "+31201234567"),
        ("", None),
        (None, None),
        ("101", None),
        ("+32", None),
        ("0123456789012345678901", None),
    ],
)
def test_the_callers_number_in_e164(given: str | None, e164: str | None) -> None:
    assert caller_e164(given) == e164


def test_the_callers_field_gives_the_number_or_nothing() -> None:
    """The dialplan sends a URI's user part filtered to [0-9+]; anything else (a display
    name, a whole header, an injection) is no number."""
    assert wire.caller_number("+3250100042") == "+3250100042"
    assert wire.caller_number("050100042") == "050100042"
    for nothing in (
        "sip:+3250123456<sip:+3227778899@carrier>",
        "Member<sip:+3250100042@127.0.0.1>",
        "anonymous",
        "",
        None,
        "+",
        "a,b",
        "x\r\ny",
        "+3250100042\r\nAction: Originate",
    ):
        assert wire.caller_number(nothing) is None
    assert wire.caller_asserted("1")
    for not_asserted in ("0", "", None, "yes", "11", " 1"):
        assert not wire.caller_asserted(not_asserted)


def test_members_are_found_by_phone_or_second_phone_never_inactive(store: Store) -> None:
    first = seed_alert(store, [("050100042", "0470123456")])
    other = seed_alert(store, ["050100043"])
    member = _member(store, first)
    with store.session() as s:
        assert members.with_phone(s, "+3250100042") == [members.PhoneHolder(member.id, "nl")]
        assert [c.member_id for c in members.with_phone(s, "+32470123456")] == [member.id]
        assert members.with_phone(s, "+3250100099") == []
        inactive = _member(store, other)
        s.get(Member, inactive.id).active = False  # type: ignore[union-attr]
    with store.session() as s:
        assert members.with_phone(s, "+3250100043") == []


def test_the_newest_alert_of_the_last_12_hours_is_the_one_played(store: Store) -> None:
    older = seed_alert(store, ["050100042"])
    member = _member(store, older)
    now = _now()
    with store.session() as s:
        s.get(Alert, older).created_at = now - timedelta(hours=3)  # type: ignore[union-attr]
    newer = _another_alert(store, member.id, now - timedelta(hours=1))
    _another_alert(store, member.id, now - timedelta(minutes=5), AlertStatus.CANCELLED.value)
    _another_alert(store, member.id, now - timedelta(hours=13))  # too old, never played
    with store.session() as s:
        found = _newest(s, [member.id], "+3250100042", now)
        assert found is not None and found.alert_id == newer and found.language == "fr"
        assert found.phone_index == 0 and not found.acknowledged
        later = now + timedelta(hours=12)
        assert _newest(s, [member.id], "+3250100042", later) is None
        assert _newest(s, [], "+3250100042", now) is None


def test_a_call_back_is_unknown_no_alert_or_an_alert_once(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"], languages=("de",))
    delivery = _delivery(store, alert_id)
    assert _call_back(store, None, "bi1796045058000001").kind is CallBackKind.UNKNOWN
    assert _call_back(store, "+3250100099", "bi1796045058000001").kind is CallBackKind.UNKNOWN
    found = _call_back(store, "+3250100042", "bi1796045058000001")
    assert found.kind is CallBackKind.ALERT and found.language == "de"
    assert found.target is not None and found.target.delivery_id == delivery.id
    # A second dispatcher seeing the same call opens no second attempt.
    again = _call_back(store, "+3250100042", "bi1796045058000001")
    assert again.kind is CallBackKind.TAKEN
    with store.session() as s:
        [attempt] = s.scalars(select(CallAttempt).where(CallAttempt.delivery_id == delivery.id))
        assert attempt.direction == "inbound" and attempt.ended_at is None
        assert attempt.channel_id == "bi1796045058000001" and attempt.number == 0
        held = s.get(Delivery, delivery.id)
        assert held is not None and held.status == "pending"
        assert held.next_attempt_at is not None and held.next_attempt_at > _now()  # on the line
    with store.session() as s:
        s.get(Alert, alert_id).created_at = _now() - timedelta(hours=13)  # type: ignore[union-attr]
    gone = _call_back(store, "+3250100042", "bi1796045058000002")
    assert gone.kind is CallBackKind.NO_ALERT and gone.language == "de"


def test_a_1_on_a_call_back_is_heard_unverified_and_the_member_is_called_straight_back(
    store: Store,
) -> None:
    """Anyone can send a member's number: a 1 on a call back stops nothing. The police see
    it as heard on a call back (unverified); the member is called as soon as the call back
    ends (not after the hold), and the 1 on that call acknowledges."""
    alert_id = seed_alert(store, [("050100042", "050100043")])
    delivery = _delivery(store, alert_id)
    call_id = "bi1796045058000003"
    assert _call_back(store, "+3250100043", call_id).kind is CallBackKind.ALERT
    with store.session() as s:
        assert lifecycle.acknowledge(s, call_id, "1", _now())
        assert not lifecycle.acknowledge(s, call_id, "1", _now())  # a replay: nothing new
    held = _delivery(store, alert_id)
    assert held.status == "pending" and held.acknowledged_at is None and held.digit is None
    assert held.last_outcome == "callback_unverified" and held.heard_on_call_back_at is not None
    assert held.next_attempt_at is not None and held.next_attempt_at > _now()  # on the line
    ended = _now()
    with store.session() as s:
        assert lifecycle.finish_call(s, call_id, CallOutcome.ANSWERED, ended, POLICY)
        alert = s.get(Alert, alert_id)
        assert alert is not None and alert.status == "active"  # nothing final
    row = _delivery(store, alert_id)
    assert row.status == "pending" and row.next_attempt_at == ended  # called straight back
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [again] = lifecycle.claim_due(s, _now(), 10, options)
    assert again.delivery_id == delivery.id and again.phone == "+3250100043"  # their number
    with store.session() as s:
        assert lifecycle.acknowledge(s, again.channel_id, "1", _now())
        assert lifecycle.finish_call(s, again.channel_id, CallOutcome.ANSWERED, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.digit == "1"
    inbound, outbound = _attempts(store, delivery.id)
    assert (inbound.direction, inbound.digit, inbound.outcome) == ("inbound", "1", "answered")
    assert (outbound.direction, outbound.digit) == ("outbound", "1")
    kinds = [(e.kind, e.data.get("direction")) for e in _events(store, delivery.id)]
    assert kinds == [
        ("call_started", "inbound"),
        ("heard_on_call_back", None),
        ("call_ended", "inbound"),
        ("call_started", None),
        ("acknowledged", None),
        ("call_ended", None),
    ]


def test_a_key_on_a_call_back_of_a_closed_delivery_acknowledges_nothing(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:  # the only number does not exist: unacknowledged at once
        [call] = lifecycle.claim_due(s, _now(), 10, options)
        lifecycle.finish_call(s, call.channel_id, CallOutcome.INVALID_NUMBER, _now(), POLICY)
    assert _delivery(store, alert_id).status == "unreachable"
    call_id = "bi1796045058000010"
    assert _call_back(store, "+3250100042", call_id).kind is CallBackKind.ALERT
    with store.session() as s:
        assert lifecycle.acknowledge(s, call_id, "3", _now())  # not put through, not counted
        assert lifecycle.finish_call(s, call_id, CallOutcome.TRANSFERRED, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "unreachable" and row.transferred_at is None
    assert row.heard_on_call_back_at is not None and row.acknowledged_at is None


def test_a_call_back_without_a_key_moves_nothing(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])
    call_id = "bi1796045058000004"
    _call_back(store, "+3250100042", call_id)
    with store.session() as s:
        outcome = CallOutcome.HANGUP_NO_ACK
        assert lifecycle.finish_call(s, call_id, outcome, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "pending" and row.attempts == 0  # its retries go on as planned


def test_an_outbound_call_and_a_call_back_at_once_count_once(store: Store) -> None:
    """The member is being called on one phone and calls back from the other: the 1 on the
    call back is unverified; the 1 on our call acknowledges, once."""
    alert_id = seed_alert(store, [("050100042", "050100043")])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [outbound] = lifecycle.claim_due(s, _now(), 10, options)
    call_id = "bi1796045058000005"
    found = _call_back(store, "+3250100043", call_id)
    assert found.target is not None and found.target.phone_index == 1
    with store.session() as s:
        assert lifecycle.acknowledge(s, call_id, "1", _now())
        assert lifecycle.acknowledge(s, outbound.channel_id, "1", _now())
        assert not lifecycle.acknowledge(s, outbound.channel_id, "1", _now())  # a replay
        lifecycle.finish_call(s, outbound.channel_id, CallOutcome.ANSWERED, _now(), POLICY)
        lifecycle.finish_call(s, call_id, CallOutcome.ANSWERED, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.claimed_by is None
    kinds = [e.kind for e in _events(store, row.id)]
    assert kinds.count("acknowledged") == 1 and kinds.count("heard_on_call_back") == 1
    with store.session() as s:
        assert lifecycle.claim_due(s, _now() + timedelta(hours=1), 10, options) == []


def test_call_backs_are_limited_per_number_and_per_delivery(store: Store) -> None:
    alert_id = seed_alert(store, [("050100042", "050100043")])
    delivery = _delivery(store, alert_id)
    earlier = _now() - timedelta(hours=2)
    for n in range(two_way.CALL_BACKS_PER_NUMBER):
        call_id = f"bi17960450580001{n:02d}"
        assert _call_back(store, "+3250100042", call_id, earlier).kind is CallBackKind.ALERT
        with store.session() as s:
            lifecycle.finish_call(s, call_id, CallOutcome.HANGUP_NO_ACK, earlier, POLICY)
    # An hour later the number may call again, but this delivery had its call backs.
    assert two_way.CALL_BACKS_PER_DELIVERY <= two_way.CALL_BACKS_PER_NUMBER
    refused = _call_back(store, "+3250100043", "bi1796045058000200")
    assert refused.kind is CallBackKind.NO_ALERT and refused.language == "nl"
    assert len(_attempts(store, delivery.id)) == two_way.CALL_BACKS_PER_NUMBER  # none opened


def test_one_number_calls_back_a_few_times_an_hour_at_most(store: Store) -> None:
    first = seed_alert(store, ["050100042"])
    member = _member(store, first)
    second = _another_alert(store, member.id, _now())  # each delivery far from its own limit
    for n in range(two_way.CALL_BACKS_PER_NUMBER):
        call_id = f"bi17960450580003{n:02d}"
        assert _call_back(store, "+3250100042", call_id).kind is CallBackKind.ALERT
    refused = _call_back(store, "+3250100042", "bi1796045058000400")
    assert refused.kind is CallBackKind.NO_ALERT
    opened = _attempts(store, _delivery(store, second).id) + _attempts(
        store, _delivery(store, first).id
    )
    assert len(opened) == two_way.CALL_BACKS_PER_NUMBER
    assert "bi1796045058000400" not in {a.channel_id for a in opened}


def test_a_3_is_an_acknowledgement_put_through_to_the_police(store: Store) -> None:
    alert_id = seed_alert(store, [SIM.PRESS_3.number(1)])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [call] = lifecycle.claim_due(s, _now(), 10, options)
    moment = _now()
    with store.session() as s:
        assert lifecycle.acknowledge(s, call.channel_id, "3", moment)
        assert not lifecycle.acknowledge(s, call.channel_id, "3", moment)  # idempotent
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.last_outcome == "transferred"
    assert row.transferred_at is not None and row.digit == "3"
    assert row.lease_until is not None and row.lease_until > moment + timedelta(minutes=50)
    with store.session() as s:
        attempt = s.scalars(select(CallAttempt).where(CallAttempt.delivery_id == row.id)).one()
        assert attempt.deadline > moment + timedelta(minutes=50)  # talking to the police
        outcome = CallOutcome.TRANSFERRED
        assert lifecycle.finish_call(s, call.channel_id, outcome, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.claimed_by is None
    kinds = [e.kind for e in _events(store, row.id)]
    assert kinds == ["call_started", "transferred", "call_ended"]
    [event] = [e for e in _events(store, row.id) if e.kind == "transferred"]
    assert event.data["status"] == "acknowledged" and event.data["transferred_at"]


def test_a_3_after_a_1_still_says_who_was_put_through(store: Store) -> None:
    alert_id = seed_alert(store, [SIM.PRESS_3_THEN_1.number(1)])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [call] = lifecycle.claim_due(s, _now(), 10, options)
    with store.session() as s:
        assert lifecycle.acknowledge(s, call.channel_id, "1", _now())
    with store.session() as s:
        assert lifecycle.acknowledge(s, call.channel_id, "3", _now())
        assert not lifecycle.acknowledge(s, call.channel_id, "3", _now())
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.transferred_at is not None
    assert [e.kind for e in _events(store, row.id)] == [
        "call_started",
        "acknowledged",
        "transferred",
    ]


def test_seeded_numbers_are_valid() -> None:
    for member in (SIM.DISPATCH_LINE, SIM.PRESS_3, SIM.PRESS_3_THEN_1):
        assert parse_phone(member.number(1)).kind == "landline"


def test_the_dispatch_line_is_that_of_the_zone_the_alert_names(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])  # a BIN of police zone "Brugge"
    with store.session() as s:
        assert zones.dispatch_number_of_alert(s, alert_id) is None  # no zone settings
        zones.get_or_create(s, "Brugge")
    with store.session() as s:
        assert zones.dispatch_number_of_alert(s, alert_id) is None  # none set: no press 3
        zones.get_or_create(s, "Brugge").dispatch_number = "+3252100001"
    with store.session() as s:
        assert zones.dispatch_number_of_alert(s, alert_id) == "+3252100001"
        assert zones.dispatch_number_of_alert(s, alert_id + 1) is None


def test_two_inserts_of_one_call_back_keep_one_and_fail_nothing(store: Store) -> None:
    """Two dispatchers that both passed the look-up insert the same call back: the second
    insert is skipped (ON CONFLICT DO NOTHING), its transaction goes on."""
    alert_id = seed_alert(store, ["050100042"])
    delivery = _delivery(store, alert_id)
    now = _now()
    row = {
        "delivery_id": delivery.id,
        "number": 0,
        "phone_index": 0,
        "channel_id": "bi1796045058000500",
        "pbx": PBX,
        "started_at": now,
        "deadline": now + timedelta(minutes=5),
        "direction": "inbound",
    }
    with store.session() as s:
        assert attempts.insert_once(s, row)
        assert not attempts.insert_once(s, row)
        assert attempts.known(s, "bi1796045058000500")
    assert len(_attempts(store, delivery.id)) == 1
