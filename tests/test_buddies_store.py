"""Buddy links and the neighbour relay in the store (#24): a link is live once both sides
agreed, at most three per member, ended by either; an offer by phone number tells nothing
about whether anyone has it; a buddy learns a neighbour's first name and street, nothing
else; after an urgent alert, a member it did not reach is passed on once to a buddy who
acknowledged it, never to one who did not, never after a cancel."""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert import retention, service_calls, service_outcomes
from binalert.alerts.schedule import schedule
from binalert.auth.schemas import Caller, Principal
from binalert.buddies import service as buddies
from binalert.buddies import view
from binalert.buddies.relay import RELAY_AUDIENCE
from binalert.buddies.schemas import Proposal
from binalert.clock import utcnow
from binalert.deliveries import lifecycle
from binalert.deliveries.policy import RetryPolicy
from binalert.errors import Conflict, NotFound
from binalert.members import records, selfservice
from binalert.models import (
    Alert,
    AlertStatus,
    AuditLog,
    Bin,
    BuddyRelay,
    CallOutcome,
    Delivery,
    DeliveryEvent,
    Member,
    Membership,
    RecordChannel,
    Role,
)
from binalert.service_calls import ServiceOutcome
from store.db import Store

ONE_CALL = RetryPolicy(1, (1,))
_numbers = count(100)


def _bin(s: Session, name: str = "BIN Sint-Kruis") -> int:
    found = Bin(name=name, municipality="Brugge", police_zone="Brugge")
    s.add(found)
    s.flush()
    return found.id


def _member(s: Session, bin_id: int, name: str, street: str | None = "Kerkstraat") -> int:
    member = Member(
        name=name,
        phone=f"+32501{next(_numbers):05d}",
        second_phone=None,
        language="nl",
        street=street,
        house_number="12",
    )
    s.add(member)
    s.flush()
    s.add(Membership(bin_id=bin_id, member_id=member.id))
    s.flush()
    return member.id


def _phone(s: Session, member_id: int) -> str:
    found = s.get(Member, member_id)
    assert found is not None
    return "0" + found.phone[3:]  # as a neighbour writes it


def _linked(s: Session, buddy: int, neighbour: int) -> int:
    """A live link: the buddy offers by the neighbour's number, the neighbour agrees."""
    buddies.offer(s, buddy, _phone(s, neighbour))
    link = next(lk for lk in buddies.of_member(s, neighbour).links if lk.state == "awaiting_you")
    buddies.confirm(s, neighbour, link.id)
    return link.id


def _coordinator(bin_id: int) -> Caller:
    principal = Principal(
        token_id=None, name="coord", role=Role.COORDINATOR, bin_ids=frozenset({bin_id})
    )
    return Caller(principal, source="test")


def test_a_link_is_live_once_both_sides_agreed_and_shows_first_name_and_street_only(
    sqlite_store: Store,
) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy = _member(s, bin_id, "Bert Peeters", street="Molenstraat")
        neighbour = _member(s, bin_id, "Anna Maria Janssens", street="Kerkstraat")
        buddies.offer(s, buddy, _phone(s, neighbour))
        assert buddies.of_member(s, buddy).links == []  # an offer not accepted is not shown
        asked = buddies.of_member(s, neighbour).links
        assert [(lk.role, lk.state) for lk in asked] == [("neighbour", "awaiting_you")]
        assert (asked[0].first_name, asked[0].street) == ("Bert", "Molenstraat")
        buddies.confirm(s, neighbour, asked[0].id)
        mine = buddies.of_member(s, buddy)
        assert [(lk.role, lk.state) for lk in mine.links] == [("buddy", "live")]
        shown = mine.links[0].model_dump_json()
        assert (mine.links[0].first_name, mine.links[0].street) == ("Anna", "Kerkstraat")
        for private in ("Janssens", "Maria", "12", "+32", str(neighbour)):
            assert private not in shown.replace(f'"id":{asked[0].id}', "")
        kinds = [(r.member_id, r.kind) for r in records.of_member(s, buddy)]
        kinds += [(r.member_id, r.kind) for r in records.of_member(s, neighbour)]
        for member_id in (buddy, neighbour):
            assert (member_id, buddies.OFFERED) in kinds
            assert (member_id, buddies.CONFIRMED) in kinds


def test_an_offer_to_a_stranger_answers_the_same_and_stores_no_link(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        other_bin = _bin(s, "BIN Assebroek")
        buddy = _member(s, bin_id, "Bert")
        elsewhere = _member(s, other_bin, "Carla")  # another BIN: not a neighbour here
        assert buddies.offer(s, buddy, "0470 12 34 56") is None
        assert buddies.offer(s, buddy, _phone(s, elsewhere)) is None
        assert buddies.of_member(s, elsewhere).links == []
        offered = [r.detail for r in records.of_member(s, buddy) if r.kind == buddies.OFFERED]
        assert offered == [{"role": "buddy"}, {"role": "buddy"}]  # the same either way
        for _ in range(buddies.OFFERS_PER_DAY - 2):
            buddies.offer(s, buddy, "0470 12 34 56")
        with pytest.raises(Exception, match="offers a day"):
            buddies.offer(s, buddy, "0470 12 34 56")


def test_a_member_looks_in_on_three_neighbours_at_most(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy = _member(s, bin_id, "Bert")
        neighbours = [_member(s, bin_id, f"N{i}") for i in range(4)]
        for neighbour in neighbours[:3]:
            _linked(s, buddy, neighbour)
        with pytest.raises(Conflict, match="3 neighbours"):
            buddies.offer(s, buddy, _phone(s, neighbours[3]))
        coordinator = _coordinator(bin_id)
        with pytest.raises(Conflict):
            buddies.propose(
                s, coordinator, bin_id, Proposal(buddy_id=buddy, neighbour_id=neighbours[3])
            )
        live = [lk for lk in buddies.of_member(s, buddy).links if lk.state == "live"]
        assert len(live) == 3


def test_either_side_ends_a_link_and_both_keep_a_record(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy, neighbour, third = (_member(s, bin_id, n) for n in ("Bert", "Anna", "Carl"))
        first = _linked(s, buddy, neighbour)
        buddies.end(s, neighbour, first)  # the neighbour ends it
        second = _linked(s, third, neighbour)
        buddies.end(s, third, second)  # the buddy ends it
        with pytest.raises(NotFound):
            buddies.end(s, third, second)
        with pytest.raises(NotFound):
            buddies.confirm(s, buddy, second)  # not theirs
        for member_id in (buddy, neighbour, third):
            assert buddies.of_member(s, member_id).links == []
            assert buddies.ENDED in [r.kind for r in records.of_member(s, member_id)]
        audited = s.scalars(select(AuditLog.action).where(AuditLog.action == "member.buddy_ended"))
        assert len(list(audited)) == 4


def test_a_coordinators_pair_needs_both_and_a_stopped_members_links_end(
    sqlite_store: Store,
) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy, neighbour = _member(s, bin_id, "Bert"), _member(s, bin_id, "Anna")
        coordinator = _coordinator(bin_id)
        proposed = buddies.propose(
            s, coordinator, bin_id, Proposal(buddy_id=buddy, neighbour_id=neighbour)
        )
        assert proposed.state == "awaiting_both"
        seen = buddies.of_member(s, buddy).links[0]
        assert (seen.state, seen.first_name, seen.street) == ("awaiting_you", None, None)
        buddies.confirm(s, buddy, proposed.id)
        assert buddies.bin_links(s, coordinator, bin_id)[0].state == "awaiting_neighbour"
        buddies.confirm(s, neighbour, proposed.id)
        assert buddies.bin_links(s, coordinator, bin_id)[0].state == "live"
        assert buddies.end_all(s, neighbour, RecordChannel.PHONE, "stopped") == 1
        assert buddies.bin_links(s, coordinator, bin_id) == []
        with pytest.raises(NotFound):
            buddies.propose(
                s,
                _coordinator(bin_id + 1),
                bin_id,
                Proposal(buddy_id=buddy, neighbour_id=neighbour),
            )


def _alert(s: Session, bin_id: int) -> Alert:
    now = utcnow()
    alert = Alert(
        created_by="police",
        created_at=now,
        incident_ref="PV-1",
        bin_ids=[bin_id],
        messages={"nl": "Dringend bericht."},
        urgent=True,
        valid_from=now,
        valid_until=now + timedelta(minutes=30),
        status=AlertStatus.ACTIVE.value,
    )
    s.add(alert)
    s.flush()
    schedule(s, alert, now, timedelta(minutes=30))
    return alert


def _calls(s: Session, alert_id: int) -> dict[int, str]:
    """Claim the alert's due deliveries: member id -> channel id."""
    options = lifecycle.ClaimOptions(
        worker_id="w", pbx="pbx1", call_id=lambda i: f"bt{i:012d}", call_seconds=60
    )
    claimed = lifecycle.claim_due(s, utcnow(), 50, options)
    members = dict(s.execute(select(Delivery.id, Delivery.member_id)).all())
    return {members[c.delivery_id]: c.channel_id for c in claimed if c.alert_id == alert_id}


def _answer(s: Session, channel: str) -> None:
    lifecycle.acknowledge(s, channel, "1", utcnow())
    lifecycle.finish_call(s, channel, CallOutcome.ANSWERED, utcnow(), ONE_CALL)


def _no_answer(s: Session, channel: str) -> None:
    lifecycle.finish_call(s, channel, CallOutcome.NO_ANSWER, utcnow(), ONE_CALL)


def _relays(s: Session, parent: int) -> list[Alert]:
    query = select(Alert).where(Alert.parent_id == parent, Alert.audience == RELAY_AUDIENCE)
    return list(s.scalars(query))


def test_an_unreached_neighbour_is_passed_once_to_their_acknowledging_buddy(
    store: Store,
) -> None:
    with store.session() as s:
        bin_id = _bin(s)
        buddy = _member(s, bin_id, "Bert Peeters", street="Molenstraat")
        neighbour = _member(s, bin_id, "Anna Janssens", street="Kerkstraat")
        second_buddy = _member(s, bin_id, "Carl")
        _linked(s, buddy, neighbour)
        _linked(s, second_buddy, neighbour)
        phone = s.get(Member, neighbour).phone  # type: ignore[union-attr]
        alert = _alert(s, bin_id)
        calls = _calls(s, alert.id)
        _answer(s, calls[buddy])
        _answer(s, calls[second_buddy])
        _no_answer(s, calls[neighbour])
        s.refresh(alert)
        assert alert.status == AlertStatus.COMPLETED.value
        relays = _relays(s, alert.id)
        assert len(relays) == 1  # one relay for the member, to the oldest link's buddy
        relay = relays[0]
        text = relay.messages["nl"]
        assert "Anna" in text and "Kerkstraat" in text
        stored = json.dumps([relay.messages, relay.sms_texts, relay.incident_ref, relay.bin_ids])
        for private in ("Janssens", "12", phone, phone[3:]):
            assert private not in stored
        relay_calls = _calls(s, relay.id)
        assert list(relay_calls) == [buddy]
        assert view.neighbours(s, alert.id, None).ringing == 1
        _answer(s, relay_calls[buddy])
        seen = view.neighbours(s, alert.id, None)
        assert [(r.member_id, r.state) for r in seen.relays] == [(neighbour, "looking_in")]
        assert view.neighbours(s, alert.id, {bin_id + 1}).relays == []  # another zone's BINs
        lifecycle.complete_if_done(s, alert.id, utcnow())  # again: still one relay
        assert len(_relays(s, alert.id)) == 1
        kinds = list(
            s.scalars(select(DeliveryEvent.kind).where(DeliveryEvent.alert_id == alert.id))
        )
        assert kinds.count(lifecycle.BUDDY_RELAY) == 1
        assert kinds[-1] == lifecycle.BUDDY_RELAY_ENDED
        assert _relays(s, relay.id) == []  # a relay is never relayed


def test_no_relay_to_a_buddy_who_did_not_acknowledge_nor_after_a_cancel(
    sqlite_store: Store,
) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy, neighbour = _member(s, bin_id, "Bert"), _member(s, bin_id, "Anna")
        _linked(s, buddy, neighbour)
        alert = _alert(s, bin_id)
        calls = _calls(s, alert.id)
        _no_answer(s, calls[buddy])
        _no_answer(s, calls[neighbour])
        assert _relays(s, alert.id) == []
        cancelled = _alert(s, bin_id)
        calls = _calls(s, cancelled.id)
        _answer(s, calls[buddy])
        lifecycle.cancel_alert(s, cancelled.id, utcnow(), "police")
        _no_answer(s, calls[neighbour])
        s.refresh(cancelled)
        assert cancelled.status == AlertStatus.CANCELLED.value
        assert _relays(s, cancelled.id) == []


def test_the_purge_forgets_a_relays_neighbour_with_the_call_details(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy, neighbour = _member(s, bin_id, "Bert"), _member(s, bin_id, "Anna")
        _linked(s, buddy, neighbour)
        alert = _alert(s, bin_id)
        calls = _calls(s, alert.id)
        _answer(s, calls[buddy])
        _no_answer(s, calls[neighbour])
        [relay] = _relays(s, alert.id)
        _answer(s, _calls(s, relay.id)[buddy])
        purged = retention.purge_call_details(s, utcnow() + timedelta(seconds=1))
        assert set(purged.alert_ids) == {alert.id, relay.id}
        s.expire_all()
        assert "Anna" not in json.dumps([relay.messages, relay.sms_texts])
        assert list(s.scalars(select(BuddyRelay))) == []


def test_a_member_who_stops_or_leaves_ends_their_links(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy, neighbour, third = (_member(s, bin_id, n) for n in ("Bert", "Anna", "Carl"))
        _linked(s, buddy, neighbour)
        _linked(s, third, neighbour)
        assert [lk["role"] for lk in selfservice.holdings(s, neighbour)["buddies"]] == [
            "neighbour",
            "neighbour",
        ]
        selfservice.stop(s, buddy, RecordChannel.PHONE)
        assert [lk.state for lk in buddies.of_member(s, neighbour).links] == ["live"]
        selfservice.leave(s, neighbour, RecordChannel.WEB)
        assert buddies.of_member(s, third).links == []
        ended = [r.detail for r in records.of_member(s, third) if r.kind == buddies.ENDED]
        assert ended == [
            {"role": "buddy", "link": ended[0]["link"], "by": "system", "reason": "left"}
        ]


def test_a_neighbour_agrees_by_pressing_1_on_the_call_that_asks_them(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        bin_id = _bin(s)
        buddy = _member(s, bin_id, "Bert Peeters", street="Molenstraat")
        neighbour = _member(s, bin_id, "Anna Janssens")
        buddies.offer(s, buddy, _phone(s, neighbour))
        buddies.offer(s, buddy, "0470 12 34 56")  # nobody's: nobody is called
        [call] = service_calls.claim(s, "pbx1", utcnow(), 5, lambda i: f"sv{i:012d}", 60)
        assert call.purpose == buddies.CONFIRM_CALL and call.wait_for_key
        assert call.phone == s.get(Member, neighbour).phone  # type: ignore[union-attr]
        assert "Bert, Molenstraat" in call.text and "Peeters" not in call.text
        assert service_outcomes.finish(s, call.channel_id, ServiceOutcome.PRESSED_1, utcnow())
        [link] = buddies.of_member(s, buddy).links
        assert (link.state, link.first_name) == ("live", "Anna")
        agreed = [r for r in records.of_member(s, neighbour) if r.kind == buddies.CONFIRMED]
        assert [r.channel for r in agreed] == [RecordChannel.PHONE.value]
