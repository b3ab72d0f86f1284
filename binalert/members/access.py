"""Reaching a member's own page without a password (#24): a single-use link sent by SMS, or a
short code read out in a call; and the code that confirms a new number before it is ever
called with alerts.

Someone types a number on /me. Whoever they are, the answer is the same (a ticket for the
code form), so the page never tells whether a number belongs to a member; only a member's
number gets the SMS or the call. What keeps it from being used against people:

- limits per number (NUMBER_PER_HOUR, NUMBER_PER_DAY) and per requesting address
  (SOURCE_PER_HOUR), counted over every request, known number or not: a stranger cannot make
  binalert ring or text someone again and again;
- a code is void after MAX_TRIES wrong tries and CODE_MINUTES, and used once: 6 digits, at
  most NUMBER_PER_DAY x MAX_TRIES guesses a day at a number;
- only HMACs (keyed with the server secret) of the ticket, the secret, the number asked
  for and the requesting address (an IPv6 address by its /64) are stored: a copy of the
  database opens nobody's page and lists no number typed by a stranger, nor who asked.
  Rows older than KEEP_HOURS are deleted at the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from binalert.errors import Invalid, TooMany
from binalert.members import repository as repo
from binalert.models import Member, MemberCode

SIGN_IN = "sign_in"
CONFIRM_NUMBER = "confirm_number"
SMS, CALL = "sms", "call"
CODE_DIGITS = 6
CODE_MINUTES = 15
MAX_TRIES = 5
NUMBER_PER_HOUR = 3
NUMBER_PER_DAY = 6
SOURCE_PER_HOUR = 10
MEMBER_CONFIRMS_PER_DAY = 6  # new numbers one member may have confirmed a day
KEEP_HOURS = 48


def _digest(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Issued:
    """What the page shows (the ticket) and, for a member's number, what is sent where."""

    ticket: str
    purpose: str
    via: str
    member_id: int | None  # None: the number is no member's; nothing is sent
    phone: str | None  # where to send it
    language: str
    secret: str | None  # the code (digits) or the link's token

    @property
    def link_token(self) -> str:
        return f"{self.ticket}.{self.secret}"


def _count(session: Session, since: datetime, *where: object) -> int:
    query = select(func.count()).select_from(MemberCode).where(MemberCode.created_at >= since)
    return int(session.scalar(query.where(*where)) or 0)  # type: ignore[arg-type]


def _check_limits(session: Session, number_digest: str, source: str | None, now: datetime) -> None:
    hour, day = now - timedelta(hours=1), now - timedelta(days=1)
    by_number = MemberCode.number_digest == number_digest
    if (
        _count(session, hour, by_number) >= NUMBER_PER_HOUR
        or _count(session, day, by_number) >= NUMBER_PER_DAY
    ):
        raise TooMany("this number was sent enough codes for now; try again in an hour")
    if source and _count(session, hour, MemberCode.source == source) >= SOURCE_PER_HOUR:
        raise TooMany("too many requests from this address; try again in an hour")


def _member_by_number(session: Session, e164: str) -> Member | None:
    """The member whose first or second number this is (inactive ones too: a member who
    stopped may come back); a number two members share opens neither's page."""
    query = select(Member).where(or_(Member.phone == e164, Member.second_phone == e164)).limit(2)
    found = list(session.scalars(query))
    return found[0] if len(found) == 1 else None


def _network(address: str) -> str:
    """The requester as limits count them: an IPv4 address, or an IPv6 address's /64 (one
    household or server holds a whole /64, and would otherwise have 2^64 addresses)."""
    try:
        found = ipaddress.ip_address(address.strip())
    except ValueError:
        return address[:64]
    if found.version == 6:
        return str(ipaddress.ip_network(f"{found}/64", strict=False))
    return str(found)


def _purge(session: Session, now: datetime) -> None:
    session.execute(
        delete(MemberCode).where(MemberCode.created_at < now - timedelta(hours=KEEP_HOURS))
    )


def _issue(
    session: Session,
    key: bytes,
    now: datetime,
    *,
    purpose: str,
    via: str,
    e164: str,
    source: str | None,
    member: Member | None,
    new_phone: str | None = None,
    slot: str | None = None,
) -> Issued:
    if via not in (SMS, CALL):
        raise Invalid("a code comes by SMS or by a call")
    _purge(session, now)
    number_digest = _digest(key, "number", e164)
    source = _digest(key, "source", _network(source)) if source else None
    _check_limits(session, number_digest, source, now)
    ticket = secrets.token_urlsafe(16)
    secret = None
    if member is not None:
        link = via == SMS and purpose == SIGN_IN
        secret = secrets.token_urlsafe(18) if link else f"{secrets.randbelow(10**CODE_DIGITS):06d}"
    session.add(
        MemberCode(
            member_id=member.id if member is not None else None,
            purpose=purpose,
            via=via,
            number_digest=number_digest,
            source=source,
            ticket_digest=_digest(key, "ticket", ticket),
            secret_digest=_digest(key, "secret", ticket, secret) if secret else None,
            slot=slot,
            new_phone=new_phone,
            created_at=now,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
        )
    )
    session.flush()
    return Issued(
        ticket=ticket,
        purpose=purpose,
        via=via,
        member_id=member.id if member is not None else None,
        phone=e164 if member is not None else None,
        language=member.language if member is not None else "nl",
        secret=secret,
    )


def request_sign_in(
    session: Session, key: bytes, e164: str, via: str, source: str | None, now: datetime
) -> Issued:
    """Someone asks for a way into the page of the member with this number (E.164, parsed
    by the caller). TooMany over a limit, for known and unknown numbers alike."""
    return _issue(
        session,
        key,
        now,
        purpose=SIGN_IN,
        via=via,
        e164=e164,
        source=source,
        member=_member_by_number(session, e164),
    )


def request_confirmation(
    session: Session,
    key: bytes,
    member_id: int,
    new_phone: str,
    slot: str,
    via: str,
    source: str | None,
    now: datetime,
) -> Issued:
    """A signed-in member wants `new_phone` as their `slot` number: a code goes to the new
    number, and the number is theirs only once the code comes back (`confirm_number`)."""
    if slot not in ("phone", "second_phone"):
        raise Invalid("which number: phone or second_phone")
    member = repo.get(session, member_id)
    if member is None:
        raise Invalid("this member no longer exists")
    day = now - timedelta(days=1)
    mine = (MemberCode.member_id == member_id, MemberCode.purpose == CONFIRM_NUMBER)
    if _count(session, day, *mine) >= MEMBER_CONFIRMS_PER_DAY:
        raise TooMany("enough numbers were confirmed today; try again tomorrow")
    return _issue(
        session,
        key,
        now,
        purpose=CONFIRM_NUMBER,
        via=via,
        e164=new_phone,
        source=source,
        member=member,
        new_phone=new_phone,
        slot=slot,
    )


def _redeem(
    session: Session, key: bytes, ticket: str, secret: str, purpose: str, now: datetime
) -> MemberCode | None:
    """The live row of this ticket if `secret` is right (then used up); a wrong secret
    counts a try, and the row is void after MAX_TRIES."""
    if not ticket or len(ticket) > 64 or len(secret) > 64:
        return None
    query = select(MemberCode).where(MemberCode.ticket_digest == _digest(key, "ticket", ticket))
    row = session.scalars(query.with_for_update()).first()
    if (
        row is None
        or row.purpose != purpose
        or row.used_at is not None
        or row.expires_at <= now
        or row.tries >= MAX_TRIES
    ):
        return None
    expected = row.secret_digest or ""
    if not hmac.compare_digest(expected, _digest(key, "secret", ticket, secret.strip())):
        row.tries += 1
        session.flush()
        return None
    row.used_at = now
    session.flush()
    return row


def sign_in_with_code(
    session: Session, key: bytes, ticket: str, code: str, now: datetime
) -> int | None:
    """The member id a code read out in a call (or texted) proves, or None."""
    row = _redeem(session, key, ticket, code, SIGN_IN, now)
    return row.member_id if row is not None else None


def sign_in_with_link(session: Session, key: bytes, token: str, now: datetime) -> int | None:
    """The member id a link's token (`ticket.secret`) proves, or None."""
    ticket, _, secret = token.partition(".")
    row = _redeem(session, key, ticket, secret, SIGN_IN, now)
    return row.member_id if row is not None else None


@dataclass(frozen=True)
class Confirmed:
    member_id: int
    slot: str
    phone: str


def confirm_number(
    session: Session, key: bytes, member_id: int, ticket: str, code: str, now: datetime
) -> Confirmed | None:
    """The new number a code proves, if the code is this member's and right."""
    row = _redeem(session, key, ticket, code, CONFIRM_NUMBER, now)
    if row is None or row.member_id != member_id or row.new_phone is None or row.slot is None:
        return None
    return Confirmed(member_id=member_id, slot=row.slot, phone=row.new_phone)
