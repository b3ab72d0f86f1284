"""By phone (#24), the store's side: a confirmed 9 on binalert's own call stops the member
(once, whatever stores it twice) without acknowledging the delivery; a 9 on a call in stops
nothing; a request made on a call in is recorded, changes nothing, and queues one
confirmation call to the number (at most a few an hour); only its 1 changes anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from binalert import service_calls, service_outcomes
from binalert.deliveries import lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.members import by_phone
from binalert.models import CallOutcome, Delivery, DeliveryEvent, Member, MemberRecord
from binalert.service_calls import ServiceOutcome
from ivr import wire
from lab.seed import seed_alert
from store.db import Store

PHONE = "+3250123440"


def _member(store: Store, alert_id: int) -> Member:
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)).one()
        member = s.get(Member, delivery.member_id)
        assert member is not None
        s.expunge(member)
        return member


def _records(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(r.kind, r.channel) for r in s.scalars(select(MemberRecord).order_by("id"))]


def _claimed_call(store: Store, now: datetime) -> str:
    options = lifecycle.ClaimOptions("w", "pbx1", wire.call_id, 300)
    with store.session() as s:
        [call] = lifecycle.claim_due(s, now, 10, options)
        return call.channel_id


def test_a_9_on_binalerts_own_call_stops_the_member_once_and_acknowledges_nothing(
    store: Store,
) -> None:
    alert_id = seed_alert(store, ["050123440"])
    now = datetime.now(UTC)
    channel_id = _claimed_call(store, now)
    with store.session() as s:
        stopped = by_phone.stop_on_call(s, channel_id, now)
    with store.session() as s:  # the recovery sweep stores the same 9 from AstDB again
        by_phone.stop_on_call(s, channel_id, now)
        lifecycle.finish_call(
            s, channel_id, CallOutcome.HANGUP_NO_ACK, now, RetryPolicy(3, (600,)), None, now
        )
    member = _member(store, alert_id)
    assert stopped == member.id and member.active is False
    assert _records(store) == [("stopped", "phone")]
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id)).one()
        kinds = list(
            s.scalars(select(DeliveryEvent.kind).where(DeliveryEvent.delivery_id == delivery.id))
        )
    assert delivery.status == "cancelled" and delivery.acknowledged_at is None
    assert kinds.count("stopped_by_member") == 1
    assert delivery.digit is None


def test_a_9_on_a_call_in_stops_nothing_by_itself(store: Store) -> None:
    alert_id = seed_alert(store, ["050123440"])
    now = datetime.now(UTC)
    call_id = wire.inbound_call_id("1796000000.42")
    assert call_id is not None
    with store.session() as s:
        found = lifecycle.open_call_back(s, PHONE, call_id, "pbx1", now, now + timedelta(minutes=5))
        assert found.kind.value == "alert"
        assert by_phone.stop_on_call(s, call_id, now) is None
    assert _member(store, alert_id).active is True
    assert _records(store) == []


def test_a_request_on_a_call_in_is_confirmed_by_a_call_back_before_anything_changes(
    store: Store,
) -> None:
    alert_id = seed_alert(store, ["050123440"])
    now = datetime.now(UTC)
    with store.session() as s:
        queued = [by_phone.request(s, PHONE, by_phone.LANGUAGE, "fr", False, now) for _ in range(5)]
        nobody = by_phone.request(s, "+3250999999", by_phone.STOP, "nl", True, now)
    assert nobody is None
    assert [q is not None for q in queued] == [True] * by_phone.CONFIRMS_PER_HOUR + [False] * 2
    member = _member(store, alert_id)
    assert member.language == "nl"  # asked (five times), not changed
    assert _records(store) == [("language_requested", "phone")] * 5
    with store.session() as s:
        calls = service_calls.claim(s, "pbx1", now, 10, lambda i: wire.call_id(i, "bs"), 120)
    assert {(c.purpose, c.language, c.phone) for c in calls} == {
        (by_phone.LANGUAGE_PURPOSE, "fr", PHONE)
    }
    first, second, third = calls
    with store.session() as s:
        service_outcomes.finish(s, first.channel_id, ServiceOutcome.NO_ANSWER, now)
        service_outcomes.finish(s, second.channel_id, ServiceOutcome.NO_KEY, now)
    assert _member(store, alert_id).language == "nl"
    with store.session() as s:
        service_outcomes.finish(s, third.channel_id, ServiceOutcome.PRESSED_1, now)
    assert _member(store, alert_id).language == "fr"
    assert _records(store)[-1] == ("language_changed", "phone")


def test_a_confirmed_stop_request_stops_every_member_on_the_number(store: Store) -> None:
    alert_id = seed_alert(store, ["050123440"])
    now = datetime.now(UTC)
    with store.session() as s:
        by_phone.request(s, PHONE, by_phone.STOP, "nl", True, now)
    with store.session() as s:
        [call] = service_calls.claim(s, "pbx1", now, 10, lambda i: wire.call_id(i, "bs"), 120)
        assert call.text.startswith("Hier is het buurtinformatienetwerk")
        service_outcomes.finish(s, call.channel_id, ServiceOutcome.PRESSED_1, now)
    assert _member(store, alert_id).active is False
    assert _records(store) == [("stop_requested", "phone"), ("stopped", "phone")]
    with store.session() as s:
        [delivery] = s.scalars(select(Delivery).where(Delivery.alert_id == alert_id))
    assert delivery.status == "cancelled"  # its waiting call is cancelled with the stop
