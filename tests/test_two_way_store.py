"""Two-way calls in the store (#14), on SQLite and PostgreSQL: who is calling back (their
number), which alert they hear, the inbound call attempt that a press of 1 acknowledges, and a
press of 3 (put through to the police) counted as an acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from binalert.deliveries import lifecycle, two_way
from binalert.deliveries.policy import RetryPolicy
from binalert.deliveries.two_way import CallBackKind
from binalert.models import (
    Alert,
    AlertStatus,
    CallAttempt,
    Delivery,
    DeliveryEvent,
    Member,
)
from binalert.phones import parse_phone
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


def _call_back(store: Store, number: str | None, call_id: str) -> two_way.CallBack:
    now = _now()
    with store.session() as s:
        return two_way.answer_call_back(s, number, call_id, PBX, now, now + timedelta(minutes=5))


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
    assert two_way.caller_e164(given) == e164


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
        assert two_way.members_with_phone(s, "+3250100042") == [two_way.Caller(member.id, "nl")]
        assert [c.member_id for c in two_way.members_with_phone(s, "+32470123456")] == [member.id]
        assert two_way.members_with_phone(s, "+3250100099") == []
        inactive = _member(store, other)
        s.get(Member, inactive.id).active = False  # type: ignore[union-attr]
    with store.session() as s:
        assert two_way.members_with_phone(s, "+3250100043") == []


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
        found = two_way.newest_delivery(s, [member.id], "+3250100042", now)
        assert found is not None and found.alert_id == newer and found.language == "fr"
        assert found.phone_index == 0 and not found.acknowledged
        later = now + timedelta(hours=12)
        assert two_way.newest_delivery(s, [member.id], "+3250100042", later) is None
        assert two_way.newest_delivery(s, [], "+3250100042", now) is None


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


def test_a_1_on_a_call_back_acknowledges_and_the_retries_stop(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])
    delivery = _delivery(store, alert_id)
    call_id = "bi1796045058000003"
    assert _call_back(store, "+3250100042", call_id).kind is CallBackKind.ALERT
    with store.session() as s:
        assert lifecycle.acknowledge(s, call_id, "1", _now())
        assert lifecycle.finish_call(s, call_id, two_way.CallOutcome.ANSWERED, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.digit == "1"
    with store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None and alert.status == "completed"
        options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
        assert lifecycle.claim_due(s, _now() + timedelta(hours=1), 10, options) == []
    kinds = [(e.kind, e.data.get("direction")) for e in _events(store, delivery.id)]
    assert kinds == [
        ("call_started", "inbound"),
        ("acknowledged", None),
        ("call_ended", "inbound"),
    ]


def test_a_call_back_without_a_key_moves_nothing(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])
    call_id = "bi1796045058000004"
    _call_back(store, "+3250100042", call_id)
    with store.session() as s:
        outcome = two_way.CallOutcome.HANGUP_NO_ACK
        assert lifecycle.finish_call(s, call_id, outcome, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "pending" and row.attempts == 0  # its retries go on as planned


def test_an_outbound_call_and_a_call_back_at_once_count_once(store: Store) -> None:
    """The member is being called on one phone and calls back from the other: the 1 on the
    call back acknowledges; the outbound call ends without moving the delivery again."""
    alert_id = seed_alert(store, [("050100042", "050100043")])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [outbound] = lifecycle.claim_due(s, _now(), 10, options)
    call_id = "bi1796045058000005"
    found = _call_back(store, "+3250100043", call_id)
    assert found.target is not None and found.target.phone_index == 1
    with store.session() as s:
        assert lifecycle.acknowledge(s, call_id, "1", _now())
        assert not lifecycle.acknowledge(s, call_id, "1", _now())  # a replay: nothing new
        outcome = two_way.CallOutcome.HANGUP_NO_ACK
        assert lifecycle.finish_call(s, outbound.channel_id, outcome, _now(), POLICY)
        lifecycle.finish_call(s, call_id, two_way.CallOutcome.ANSWERED, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.claimed_by is None
    kinds = [e.kind for e in _events(store, row.id)]
    assert kinds.count("acknowledged") == 1
    with store.session() as s:
        assert lifecycle.claim_due(s, _now() + timedelta(hours=1), 10, options) == []


def test_a_3_is_an_acknowledgement_put_through_to_the_police(store: Store) -> None:
    alert_id = seed_alert(store, [SIM.PRESS_3.number(1)])
    options = lifecycle.ClaimOptions("w", PBX, wire.call_id, 300)
    with store.session() as s:
        [call] = lifecycle.claim_due(s, _now(), 10, options)
    moment = _now()
    with store.session() as s:
        assert two_way.transfer(s, call.channel_id, moment)
        assert not two_way.transfer(s, call.channel_id, moment)  # idempotent
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.last_outcome == "transferred"
    assert row.transferred_at is not None and row.digit == "3"
    assert row.lease_until is not None and row.lease_until > moment + timedelta(minutes=50)
    with store.session() as s:
        attempt = s.scalars(select(CallAttempt).where(CallAttempt.delivery_id == row.id)).one()
        assert attempt.deadline > moment + timedelta(minutes=50)  # talking to the police
        outcome = two_way.CallOutcome.TRANSFERRED
        assert lifecycle.finish_call(s, call.channel_id, outcome, _now(), POLICY)
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.claimed_by is None
    kinds = [e.kind for e in _events(store, row.id)]
    assert kinds == ["call_started", "transferred", "call_ended"]
    [event] = [e for e in _events(store, row.id) if e.kind == "transferred"]
    assert event.data["status"] == "acknowledged" and event.data["transferred_at"]


def test_a_3_after_a_1_still_says_who_was_put_through(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])
    delivery = _delivery(store, alert_id)
    call_id = "bi1796045058000006"
    _call_back(store, "+3250100042", call_id)
    with store.session() as s:
        lifecycle.acknowledge(s, call_id, "1", _now())
    call_id = "bi1796045058000007"
    found = _call_back(store, "+3250100042", call_id)
    assert found.target is not None and found.target.acknowledged  # "confirmed already"
    with store.session() as s:
        assert two_way.transfer(s, call_id, _now())
    row = _delivery(store, alert_id)
    assert row.status == "acknowledged" and row.transferred_at is not None
    assert [e.kind for e in _events(store, delivery.id)].count("acknowledged") == 1


def test_seeded_numbers_are_valid() -> None:
    for member in (SIM.DISPATCH_LINE, SIM.PRESS_3, SIM.PRESS_3_THEN_1):
        assert parse_phone(member.number(1)).kind == "landline"


def test_the_dispatch_line_is_that_of_the_zone_the_alert_names(store: Store) -> None:
    alert_id = seed_alert(store, ["050100042"])  # a BIN of police zone "Brugge"
    with store.session() as s:
        assert two_way.dispatch_number_of_alert(s, alert_id) is None  # no zone settings
        zones.get_or_create(s, "Brugge")
    with store.session() as s:
        assert two_way.dispatch_number_of_alert(s, alert_id) is None  # none set: no press 3
        zones.get_or_create(s, "Brugge").dispatch_number = "+3252100001"
    with store.session() as s:
        assert two_way.dispatch_number_of_alert(s, alert_id) == "+3252100001"
        assert two_way.dispatch_number_of_alert(s, alert_id + 1) is None
