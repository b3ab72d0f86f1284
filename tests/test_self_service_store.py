"""A member's own changes in the store (#24): each kept as a record with its channel, quiet
hours kept by non-urgent messages but not by urgent alerts, leaving as the GDPR erase does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from binalert.calling_hours import BRUSSELS, CallingHours, QuietHours, next_allowed
from binalert.deliveries import lifecycle
from binalert.errors import Invalid
from binalert.members import records, selfservice
from binalert.members.policy import MemberPolicy
from binalert.models import Alert, Bin, Delivery, Member, MemberRecord, Membership, RecordChannel
from binalert.models import AuditLog as AuditEntry
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
        selfservice.set_channels(s, member_id, WEB, "both", "sms")
        with pytest.raises(Invalid, match="HH:MM"):
            selfservice.set_quiet_hours(s, member_id, WEB, "25:00", "08:00")
    with store.session() as s:
        member = s.get(Member, member_id)
        assert member is not None
        assert (member.second_phone, member.urgent_channels) == ("+32470123456", "both")
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
            urgent=urgent,
            valid_until=datetime.now(UTC) + timedelta(days=30),
        )
        s.add(alert)
        s.flush()
        due = brussels("2026-12-01 08:00")
        lifecycle.open_deliveries(s, alert, [(member, due, bin_id)])  # type: ignore[list-item]
        return alert.id


def test_quiet_hours_hold_a_message_but_not_an_urgent_alert(store: Store) -> None:
    member_id = _member(store)
    with store.session() as s:
        selfservice.set_quiet_hours(s, member_id, WEB, "09:00", "11:00")
    message, urgent = _alert(store, False, member_id), _alert(store, True, member_id)
    options = lifecycle.ClaimOptions("w1", "pbx1", wire.call_id, 60)
    with store.session() as s:  # Tuesday 10:00: the BIN's hours, the member's quiet ones
        claimed = lifecycle.claim_due(s, brussels("2026-12-01 10:00"), 10, options)
    assert [call.alert_id for call in claimed] == [urgent]
    with store.session() as s:
        delivery = s.scalars(select(Delivery).where(Delivery.alert_id == message)).one()
        assert delivery.status == "pending"
        assert delivery.next_attempt_at == brussels("2026-12-01 11:00")
    with store.session() as s:
        claimed = lifecycle.claim_due(s, brussels("2026-12-01 11:00"), 10, options)
    assert [call.alert_id for call in claimed] == [message]
