"""A member's own changes (#24), whichever way they come: their page (api/web/self_service.py),
the keys of a call (by-phone: press 9, the call-in menu) or an SMS. Each change is kept as a
record with its channel (members/records.py, also in the audit log), one per BIN of the member
so each coordinator sees it; a change to what is already set records nothing.

The member is whoever the link, code or number proved (the caller's job); nothing here
trusts anything else. Numbers are applied only once confirmed (`set_numbers`: a number new to
the member must be in `confirmed`, proved by a code sent to it: members/access.py), so an
unconfirmed number is never called with alerts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.buddies import service as buddies
from binalert.deliveries import lifecycle
from binalert.deliveries import repository as deliveries
from binalert.errors import Conflict, Invalid, NotFound
from binalert.members import records
from binalert.members import repository as repo
from binalert.members.policy import MemberPolicy
from binalert.models import (
    Alert,
    Bin,
    Channels,
    Delivery,
    Language,
    Member,
    Membership,
    RecordChannel,
    SmsMessage,
)
from binalert.phones import InvalidPhone, parse_phone
from binalert.text import reject_control

MAX_REASON = 500  # a leaver's reason, if they give one
_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _member(session: Session, member_id: int) -> Member:
    member = repo.get(session, member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def _bins_or_none(session: Session, member_id: int) -> list[int | None]:
    """The member's BINs, or [None]: a record is kept even for a member of no BIN."""
    found: list[int | None] = list(repo.bin_ids_of(session, member_id))
    return found or [None]


def _record(
    session: Session,
    member: Member,
    kind: str,
    channel: RecordChannel,
    source: str | None,
    **detail: Any,
) -> None:
    for bin_id in _bins_or_none(session, member.id):
        records.record(session, member.id, bin_id, kind, channel, source=source, **detail)


def set_language(
    session: Session,
    member_id: int,
    language: Language | str,
    channel: RecordChannel,
    source: str | None = None,
) -> Member:
    member = _member(session, member_id)
    try:
        chosen = Language(language)
    except ValueError as error:
        raise Invalid(f"{language!r} is not a language (nl, fr, de, en)") from error
    if member.language != chosen.value:
        before, member.language = member.language, chosen.value
        session.flush()
        _record(session, member, "language_changed", channel, source, old=before, new=chosen.value)
    return member


def _channels(value: Channels | str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        return Channels(value).value
    except ValueError as error:
        raise Invalid(f"{value!r} is not a channel choice (call, sms, both)") from error


def _has_mobile(member: Member) -> bool:
    numbers = [n for n in (member.phone, member.second_phone) if n]
    for number in numbers:
        try:
            if parse_phone(number).kind == "mobile":
                return True
        except InvalidPhone:
            continue
    return False


def set_channels(
    session: Session,
    member_id: int,
    channel: RecordChannel,
    urgent: Channels | str | None,
    messages: Channels | str | None,
    source: str | None = None,
) -> Member:
    """How the member wants urgent alerts and non-urgent messages (None: their BIN's default).
    SMS needs a mobile number among theirs; a member who had replied STOP and now chooses
    SMS is texted again."""
    member = _member(session, member_id)
    new = {"urgent_channels": _channels(urgent), "message_channels": _channels(messages)}
    wants_sms = any(v in (Channels.SMS.value, Channels.BOTH.value) for v in new.values())
    if wants_sms and not _has_mobile(member):
        raise Invalid("SMS needs a mobile number: add one first")
    old = {key: getattr(member, key) for key in new}
    if old != new:
        for key, value in new.items():
            setattr(member, key, value)
        session.flush()
        _record(session, member, "channels_changed", channel, source, old=old, new=new)
    if wants_sms and member.sms_stopped_at is not None:
        # They replied STOP once; choosing SMS themselves now is saying otherwise.
        member.sms_stopped_at = None
        session.flush()
        _record(session, member, "sms_resumed", channel, source)
    return member


def set_numbers(
    session: Session,
    member_id: int,
    channel: RecordChannel,
    phone: str,
    second_phone: str | None,
    policy: MemberPolicy,
    confirmed: frozenset[str] = frozenset(),
    source: str | None = None,
) -> Member:
    """The member's numbers (E.164 or any notation). A number they did not have must be in
    `confirmed` (its owner answered a code sent to it); dropping or swapping their own
    numbers needs no confirmation. The record names which numbers changed, not the numbers
    (records outlive the member)."""
    member = _member(session, member_id)
    try:
        first = parse_phone(phone).e164
        second = parse_phone(second_phone).e164 if second_phone else None
    except InvalidPhone as error:
        raise Invalid(str(error)) from error
    if first == second:
        raise Invalid("the second number is the same as the first")
    known = {member.phone, member.second_phone}
    for number in (first, second):
        if number and number not in known and number not in confirmed:
            raise Invalid("a new number must be confirmed first (with the code sent to it)")
    policy.check_numbers([first, second])
    _check_not_taken(session, member, [n for n in (first, second) if n and n not in known])
    changed = [
        name
        for name, old, new in (
            ("phone", member.phone, first),
            ("second_phone", member.second_phone, second),
        )
        if old != new
    ]
    if changed:
        member.phone, member.second_phone = first, second
        member.phone_kind = parse_phone(first).kind
        session.flush()
        _record(session, member, "numbers_changed", channel, source, changed=changed)
    return member


def _check_not_taken(session: Session, member: Member, numbers: list[str]) -> None:
    for bin_id in repo.bin_ids_of(session, member.id):
        if set(numbers) & repo.phones_in_bin(session, bin_id):
            raise Conflict("another member of your BIN has this number")


def parse_hhmm(value: str | time | None) -> str | None:
    if value is None or value == "":
        return None
    text = value.strftime("%H:%M") if isinstance(value, time) else value.strip()
    if not _HHMM.fullmatch(text):
        raise Invalid(f"{text[:10]!r} is not a time (HH:MM)")
    return text


def set_quiet_hours(
    session: Session,
    member_id: int,
    channel: RecordChannel,
    start: str | time | None,
    end: str | time | None,
    source: str | None = None,
) -> Member:
    """When non-urgent messages must not ring (Belgian local time; 22:00-08:00 crosses
    midnight); both None: no quiet hours. Urgent alerts ring at any hour."""
    member = _member(session, member_id)
    new = (parse_hhmm(start), parse_hhmm(end))
    if (new[0] is None) != (new[1] is None):
        raise Invalid("quiet hours need a start and an end (or neither)")
    if new[0] is not None and new[0] == new[1]:
        raise Invalid("quiet hours must end at another time than they start")
    old = (member.quiet_start, member.quiet_end)
    if old != new:
        member.quiet_start, member.quiet_end = new
        session.flush()
        _record(
            session, member, "quiet_hours_changed", channel, source, old=list(old), new=list(new)
        )
    return member


def stop(
    session: Session, member_id: int, channel: RecordChannel, source: str | None = None
) -> Member:
    """No more alerts or messages: the member becomes inactive (kept; the coordinator sees
    it; they can come back with `resume`). Calls still waiting for them are cancelled, a call
    in progress ends cancelled unless they press 1."""
    member = _member(session, member_id)
    if member.active:
        member.active = False
        session.flush()
        lifecycle.stop_deliveries(session, deliveries.of_member(session, member_id))
        _record(session, member, "stopped", channel, source)
        buddies.end_all(session, member_id, channel, "stopped")  # nobody looks in, nor they
    return member


def resume(
    session: Session, member_id: int, channel: RecordChannel, source: str | None = None
) -> Member:
    """A member who stopped comes back: called with the next alert again."""
    member = _member(session, member_id)
    if not member.active:
        member.active = True
        session.flush()
        _record(session, member, "resumed", channel, source)
    return member


def _reason(reason: str | None) -> str | None:
    text = " ".join((reason or "").split())
    if not text:
        return None
    try:
        reject_control(text)
    except ValueError as error:
        raise Invalid(str(error)) from error
    return text[:MAX_REASON]


@dataclass(frozen=True)
class Left:
    bin_ids: list[int]
    cancelled: int  # waiting calls cancelled


def leave(
    session: Session,
    member_id: int,
    channel: RecordChannel,
    reason: str | None = None,
    source: str | None = None,
    actor: str = records.MEMBER,
) -> Left:
    """The member leaves: erased as the coordinator's GDPR erase does (their deliveries
    anonymous, waiting calls cancelled, the person and numbers deleted), and a `left` record
    per BIN with its channel and time; the display name and the reason (only if they gave
    one) are kept out of the audit log and for records.LEFT_NAME_DAYS only. The
    coordinator's erase (service.erase) comes here too, with channel `coordinator`."""
    member = _member(session, member_id)
    why = _reason(reason)
    bin_ids = repo.bin_ids_of(session, member_id)
    private = {"name": member.name} | ({"reason": why} if why else {})
    for bin_id in _bins_or_none(session, member_id):
        records.record(
            session,
            member_id,
            bin_id,
            records.LEFT,
            channel,
            actor=actor,
            source=source,
            private=private,
        )
    session.flush()
    buddies.end_all(session, member_id, channel, "left")  # the other side's record says so
    cancelled = lifecycle.forget_member(session, member_id)
    repo.erase(session, member_id)  # the records' member_id becomes NULL (ON DELETE SET NULL)
    return Left(bin_ids=bin_ids, cancelled=cancelled)


RECENT_DELIVERIES = 50


def holdings(session: Session, member_id: int) -> dict[str, Any]:
    """Everything binalert holds about the member, as they may see and download it (JSON
    types): their row, BINs, records, recent calls and SMS. E.164 numbers (the data as
    stored); the page shows them as people write them."""
    member = _member(session, member_id)
    fields = {
        column.key: _plain(getattr(member, column.key)) for column in Member.__table__.columns
    }
    bins = session.execute(
        select(Bin.id, Bin.name, Bin.municipality, Bin.police_zone)
        .join(Membership, Membership.bin_id == Bin.id)
        .where(Membership.member_id == member_id)
        .order_by(Bin.id)
    )
    return {
        "member": fields,
        "bins": [dict(row._mapping) for row in bins],
        "records": [
            {"at": _plain(r.at), "kind": r.kind, "channel": r.channel, "detail": r.detail}
            for r in records.of_member(session, member_id)
        ],
        "deliveries": _deliveries(session, member_id),
        "sms": _sms(session, member_id),
        "buddies": [link.model_dump() for link in buddies.of_member(session, member_id).links],
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _deliveries(session: Session, member_id: int) -> list[dict[str, Any]]:
    query = (
        select(Delivery, Alert.created_at, Alert.urgent, Alert.messages)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(Delivery.member_id == member_id)
        .order_by(Delivery.id.desc())
        .limit(RECENT_DELIVERIES)
    )
    out = []
    for delivery, sent_at, urgent, messages in session.execute(query):
        out.append(
            {
                "alert_id": delivery.alert_id,
                "sent_at": _plain(sent_at),
                "urgent": urgent,
                "message": messages.get(delivery.language) or next(iter(messages.values()), ""),
                "language": delivery.language,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "last_outcome": delivery.last_outcome,
                "numbers_called": list(delivery.phones),
            }
        )
    return out


def _sms(session: Session, member_id: int) -> list[dict[str, Any]]:
    query = (
        select(SmsMessage)
        .where(SmsMessage.member_id == member_id)
        .order_by(SmsMessage.id.desc())
        .limit(RECENT_DELIVERIES)
    )
    return [
        {
            "created_at": _plain(row.created_at),
            "kind": row.kind,
            "phone": row.phone,
            "status": row.status,
            "parts": row.parts,
        }
        for row in session.scalars(query)
    ]
