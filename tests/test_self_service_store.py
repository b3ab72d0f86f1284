"""A member's own changes in the store (#24): each kept as a record with its channel, quiet
hours kept by non-urgent messages but not by urgent alerts, leaving as the GDPR erase does."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from binalert.auth.schemas import Caller
from binalert.calling_hours import BRUSSELS, CallingHours, QuietHours, next_allowed
from binalert.deliveries import lifecycle, sms_rules
from binalert.deliveries.sms_rules import SmsConfig
from binalert.errors import Invalid, TooMany
from binalert.logredact import redact
from binalert.members import access, courier, records, selfservice, service
from binalert.members.policy import MemberPolicy
from binalert.models import (
    Alert,
    Bin,
    Delivery,
    Member,
    MemberCode,
    MemberRecord,
    Membership,
    RecordChannel,
    SmsMessage,
)
from binalert.models import AuditLog as AuditEntry
from binalert.phones import display
from ivr import wire
from store.db import Store

WEB, PHONE = RecordChannel.WEB, RecordChannel.PHONE


def brussels(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS).astimezone(UTC)


def _member(store: Store, name: str = "An Peeters", phone: str = "+3250123440") -> int:
    with store.session() as s:
        bin_ = Bin(name="Sint-Kruis", municipality="Brugge", police_zone="Brugge")
        s.add(bin_)
        s.flush()
        member = Member(name=name, phone=phone, language="nl")
        s.add(member)
        s.flush()
        s.add(Membership(bin_id=bin_.id, member_id=member.id))
        return member.id


def _kinds(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.scalars(select(MemberRecord).order_by(MemberRecord.id))
        return [(row.kind, row.channel) for row in rows]


def test_each_change_is_kept_once_with_its_channel_and_in_the_audit_log(store: Store) -> None:
    member_id = _member(store)
    with store.session() as s:
        selfservice.set_language(s, member_id, "fr", WEB)
        selfservice.set_language(s, member_id, "fr", WEB)  # no change, no record
        selfservice.set_quiet_hours(s, member_id, WEB, "22:00", "08:00")
        selfservice.stop(s, member_id, PHONE)
        selfservice.resume(s, member_id, WEB)
    with store.session() as s:
        member = s.get(Member, member_id)
        assert member is not None
        assert (member.language, member.quiet_start, member.quiet_end) == ("fr", "22:00", "08:00")
        assert member.active
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert _kinds(store) == [
        ("language_changed", "web"),
        ("quiet_hours_changed", "web"),
        ("stopped", "phone"),
        ("resumed", "web"),
    ]
    assert actions[-4:] == [
        "member.language_changed",
        "member.quiet_hours_changed",
        "member.stopped",
        "member.resumed",
    ]


def test_sms_needs_a_mobile_and_a_new_number_needs_its_confirmation(store: Store) -> None:
    member_id = _member(store)
    policy = MemberPolicy()
    with store.session() as s:
        with pytest.raises(Invalid, match="mobile"):
            selfservice.set_channels(s, member_id, WEB, "sms", None)
        with pytest.raises(Invalid, match="confirmed"):
            selfservice.set_numbers(s, member_id, WEB, "+3250123440", "0470 12 34 56", policy)
        selfservice.set_numbers(
            s, member_id, WEB, "+3250123440", "0470 12 34 56", policy, frozenset({"+32470123456"})
        )
        s.get(Member, member_id).sms_stopped_at = datetime.now(UTC)  # type: ignore[union-attr]
        selfservice.set_channels(s, member_id, WEB, "both", "sms")
        with pytest.raises(Invalid, match="HH:MM"):
            selfservice.set_quiet_hours(s, member_id, WEB, "25:00", "08:00")
    with store.session() as s:
        member = s.get(Member, member_id)
        assert member is not None
        assert (member.second_phone, member.urgent_channels) == ("+32470123456", "both")
        assert member.sms_stopped_at is None  # chose SMS again after a STOP
        numbers = s.scalars(select(MemberRecord).where(MemberRecord.kind == "numbers_changed"))
        assert [r.detail for r in numbers] == [{"changed": ["second_phone"]}]  # no number kept


def test_leaving_erases_the_member_and_keeps_who_left_and_how(store: Store) -> None:
    member_id = _member(store)
    with store.session() as s:
        selfservice.set_language(s, member_id, "de", WEB)
        left = selfservice.leave(s, member_id, WEB, reason="  moving\nhouse ")
    with store.session() as s:
        assert s.get(Member, member_id) is None
        [row] = s.scalars(select(MemberRecord).where(MemberRecord.kind == "left"))
        assert (row.member_id, row.bin_id, row.channel) == (None, left.bin_ids[0], "web")
        assert row.detail == {"name": "An Peeters", "reason": "moving house"}
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "member.left")).one()
        assert "An Peeters" not in str(audit.detail) and "moving" not in str(audit.detail)
    with store.session() as s:  # after the retention, the name and reason go too
        assert records.forget_left_names(s, datetime.now(UTC) + timedelta(days=91)) == 1
    with store.session() as s:
        [row] = s.scalars(select(MemberRecord).where(MemberRecord.kind == "left"))
        assert row.detail == {}


def test_quiet_hours_cross_midnight_and_meet_the_bins_hours() -> None:
    quiet = QuietHours.of("22:00", "10:30")
    assert quiet is not None and quiet.quiet(brussels("2026-12-01 23:00"))
    assert next_allowed(CallingHours(), quiet, brussels("2026-12-01 19:00")) == brussels(
        "2026-12-01 19:00"
    )
    # Tuesday 09:30: the BIN calls from 09:00, the member is quiet until 10:30
    assert next_allowed(CallingHours(), quiet, brussels("2026-12-01 09:30")) == brussels(
        "2026-12-01 10:30"
    )


def _alert(store: Store, urgent: bool, member_id: int) -> int:
    with store.session() as s:
        bin_id = s.scalars(select(Membership.bin_id)).first()
        member = s.get(Member, member_id)
        alert = Alert(
            created_by="test",
            incident_ref=f"quiet-{urgent}",
            bin_ids=[bin_id],
            messages={"nl": "Bericht"},
            sms_texts={"nl": "Bericht"},
            urgent=urgent,
            valid_until=brussels("2030-12-31 00:00"),
        )
        s.add(alert)
        s.flush()
        due = brussels("2030-12-03 08:00")
        lifecycle.open_deliveries(s, alert, [(member, due, bin_id)])  # type: ignore[list-item]
        return alert.id


def test_quiet_hours_hold_a_message_but_not_an_urgent_alert(store: Store) -> None:
    """A member quiet from 09:00 to 11:00, called and texted for messages: on a Tuesday at
    10:00 (their BIN calls from 09:00) the urgent alert rings, the message's call and SMS wait
    until 11:00 (a moved clock: the claim is told the time)."""
    sms_rules.configure(store.session_info, SmsConfig(frozenset({"BE"}), 4))
    member_id = _member(store)
    with store.session() as s:
        selfservice.set_numbers(
            s,
            member_id,
            WEB,
            "+3250123440",
            "+32470123456",
            MemberPolicy(),
            frozenset({"+32470123456"}),
        )
        selfservice.set_channels(s, member_id, WEB, None, "both")
        selfservice.set_quiet_hours(s, member_id, WEB, "09:00", "11:00")
    message, urgent = _alert(store, False, member_id), _alert(store, True, member_id)
    options = lifecycle.ClaimOptions("w1", "pbx1", wire.call_id, 60)
    with store.session() as s:  # Tuesday 10:00: the BIN's hours, the member's quiet ones
        claimed = lifecycle.claim_due(s, brussels("2030-12-03 10:00"), 10, options)
    assert [call.alert_id for call in claimed] == [urgent]
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == message)).one()
        assert delivery.status == "pending"
        assert delivery.next_attempt_at == brussels("2030-12-03 11:00")
    with store.session() as s:
        claimed = lifecycle.claim_due(s, brussels("2030-12-03 11:00"), 10, options)
    assert [call.alert_id for call in claimed] == [message]
    with store.session() as s:
        texts = {m.alert_id: m.next_try_at for m in s.scalars(select(SmsMessage))}
    assert texts == {message: brussels("2030-12-03 11:00")}  # the urgent alert: call only


KEY = b"k" * 32


def test_a_code_is_void_after_five_wrong_tries_and_used_once(store: Store) -> None:
    member_id = _member(store)
    now = datetime.now(UTC)
    with store.session() as s:
        issued = access.request_sign_in(s, KEY, "+3250123440", access.CALL, "192.0.2.1", now)
        other = access.request_sign_in(s, KEY, "+3250123440", access.CALL, "192.0.2.1", now)
    assert issued.member_id == member_id and issued.secret is not None
    wrong = f"{(int(issued.secret) + 1) % 10**6:06d}"
    with store.session() as s:
        for _ in range(access.MAX_TRIES):
            assert access.sign_in_with_code(s, KEY, issued.ticket, wrong, now) is None
        assert access.sign_in_with_code(s, KEY, issued.ticket, issued.secret, now) is None  # void
    assert other.secret is not None
    late = now + timedelta(minutes=access.CODE_MINUTES, seconds=1)
    with store.session() as s:
        assert access.sign_in_with_code(s, KEY, other.ticket, other.secret, late) is None
        assert access.sign_in_with_code(s, KEY, other.ticket, other.secret, now) == member_id
        assert access.sign_in_with_code(s, KEY, other.ticket, other.secret, now) is None  # once


def test_a_flood_of_requests_sends_at_most_the_limits(store: Store) -> None:
    """One address asking for codes for a member's number and for strangers' numbers: the
    number gets at most NUMBER_PER_HOUR codes, the address at most SOURCE_PER_HOUR requests,
    and a stranger's number gets a ticket like any other, but nothing is sent."""
    _member(store)
    now = datetime.now(UTC)
    sent, refused = 0, 0
    with store.session() as s:
        for _ in range(10):
            try:
                issued = access.request_sign_in(s, KEY, "+3250123440", access.SMS, "a", now)
            except TooMany:
                refused += 1
                continue
            sent += courier.message(issued, "https://x") != "" and issued.member_id is not None
    assert (sent, refused) == (access.NUMBER_PER_HOUR, 10 - access.NUMBER_PER_HOUR)
    with store.session() as s:
        strangers = []
        for n in range(20):
            with contextlib.suppress(TooMany):
                strangers.append(
                    access.request_sign_in(s, KEY, f"+324701234{n:02d}", access.CALL, "b", now)
                )
    assert len(strangers) == access.SOURCE_PER_HOUR
    assert all(i.member_id is None and i.secret is None and i.ticket for i in strangers)
    with store.session() as s:  # an hour later the number may ask again
        later = now + timedelta(hours=1, seconds=1)
        assert access.request_sign_in(s, KEY, "+3250123440", access.SMS, "c", later).secret


def test_a_link_opens_the_page_once(store: Store) -> None:
    member_id = _member(store)
    now = datetime.now(UTC)
    with store.session() as s:
        issued = access.request_sign_in(s, KEY, "+3250123440", access.SMS, None, now)
    text = courier.message(issued, "https://bin.example")
    assert f"https://bin.example/me/link/{issued.link_token}" in text
    with store.session() as s:
        assert access.sign_in_with_link(s, KEY, issued.ticket + ".x", now) is None
        assert access.sign_in_with_link(s, KEY, issued.link_token, now) == member_id
        assert access.sign_in_with_link(s, KEY, issued.link_token, now) is None


def test_the_access_log_never_holds_a_member_page_links_secret() -> None:
    line = '127.0.0.1:5 - "GET /me/link/Qx7vLw2bTq9sZk4mHn8pRf.3jYc6dWa1eKk HTTP/1.1" 200'
    assert redact(line) == '127.0.0.1:5 - "GET /me/link/<secret> HTTP/1.1" 200'


@pytest.mark.parametrize(
    ("e164", "written"),
    [
        ("+3250123440", "050 12 34 40"),
        ("+32470123456", "0470 12 34 56"),
        ("+3221234567", "02 123 45 67"),
        ("+3232104000", "03 210 40 00"),
        ("+3287123456", "087 12 34 56"),
        ("+31612345678", "+31 6 12345678"),
        ("+33612345678", "+33 6 12 34 56 78"),
        (None, ""),
    ],
)
def test_numbers_are_shown_as_people_write_them(e164: str | None, written: str) -> None:
    assert display(e164) == written


def test_a_coordinators_erase_is_kept_as_a_left_record_too(store: Store) -> None:
    member_id = _member(store, name="Jan Claes")
    with store.session() as s:
        service.erase(s, Caller.operator(), member_id)
    with store.session() as s:
        [row] = s.scalars(select(MemberRecord).where(MemberRecord.kind == "left"))
        assert (row.channel, row.detail) == ("coordinator", {"name": "Jan Claes"})
        assert row.actor != "member"


def test_an_ipv6_household_counts_as_one_address(store: Store) -> None:
    now = datetime.now(UTC)
    with store.session() as s:
        for n in range(access.SOURCE_PER_HOUR):
            access.request_sign_in(s, KEY, f"+324701234{n:02d}", access.CALL, f"2001:db8::{n}", now)
        with pytest.raises(TooMany):
            access.request_sign_in(s, KEY, "+32470123499", access.CALL, "2001:db8::ffff", now)
        access.request_sign_in(s, KEY, "+32470123499", access.CALL, "2001:db8:0:1::1", now)
        stored = {row.source for row in s.scalars(select(MemberCode))}
    assert not any("2001" in (source or "") for source in stored)  # keyed digests only
