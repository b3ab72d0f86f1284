"""Joining a BIN by its sign-up page (#24): the link, the sign-up, its verification call, the
coordinator's approval, and forgetting what nobody confirmed.

1. The coordinator makes (and may renew) the page's link: an unguessable token, not the BIN's
   id, so only those given the link or the flyer find the page.
2. A person signs up (name, numbers, language, channels, optionally street and number) and
   agrees to the consent text (binalert.members.consent, recorded with its version). The
   sign-up is kept apart from members (table signups): nothing plans alerts from it.
3. Before anything else binalert calls the number (a service call, binalert.service_calls):
   a 1 confirms it. Calls are limited per number, per client address and in all, so nobody
   can use the page to make binalert ring strangers.
4. A confirmed sign-up waits for the coordinator (approve or refuse), or joins at once where
   the BIN accepts confirmed sign-ups; a new member hears (service call) or reads (SMS, where
   the installation has it) that they are in.
5. An unconfirmed sign-up is forgotten 48 hours after it was made (binalert.retention).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from binalert import service_calls
from binalert.audit.service import record as audit
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins.service import visible_bin
from binalert.clock import utcnow
from binalert.errors import Conflict, Invalid, NotFound, TooMany
from binalert.members import consent, records
from binalert.members import repository as members_repo
from binalert.members.policy import MemberPolicy
from binalert.models import (
    Bin,
    Channels,
    Member,
    RecordChannel,
    Role,
    ServiceCall,
    Signup,
    SignupPage,
    SignupStatus,
)
from binalert.phones import InvalidPhone, parse_phone
from binalert.service_calls import ServiceOutcome
from store.db import on_postgres
from tts.phrases import phrase

LANGUAGES = ("nl", "fr", "de", "en")
VERIFY = "verify"  # the service call purposes of this module
WELCOME = "welcome"
FORGET_AFTER = timedelta(hours=48)
TOKEN_PATTERN_LENGTH = 32  # secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Limits:
    """How often the page may make binalert call (BINALERT_SIGNUP_*)."""

    per_number_hour: int = 1
    per_number_day: int = 3
    per_client_hour: int = 5
    per_hour: int = 60


@dataclass(frozen=True)
class SignupForm:
    """What a person typed, as typed; checked by `check`."""

    name: str
    phone: str
    second_phone: str = ""
    language: str = "nl"
    channels: str = Channels.CALL.value
    street: str = ""
    house_number: str = ""
    consent: bool = False


@dataclass(frozen=True)
class Checked:
    name: str
    phone: str
    second_phone: str | None
    language: str
    channels: str
    street: str | None
    house_number: str | None


@dataclass(frozen=True)
class Submitted:
    """A sign-up taken: its id (None when the number is a member of the BIN already: then
    nothing was stored), and the number that is called, as stored (E.164)."""

    signup_id: int | None
    phone: str


# -- the page's link and options (the coordinator's) ------------------------------------------


def page_of(session: Session, bin_id: int) -> SignupPage | None:
    return session.get(SignupPage, bin_id)


def options(session: Session, caller: Caller, bin_id: int) -> tuple[Bin, SignupPage]:
    """The BIN and its sign-up page's settings (defaults when never set), for its coordinator."""
    found = _managed(session, caller, bin_id)
    return found, page_of(session, bin_id) or SignupPage(
        bin_id=bin_id, token=None, auto_accept=False, languages=",".join(LANGUAGES), contact=""
    )


def renew_link(session: Session, caller: Caller, bin_id: int) -> str:
    """A new link for the BIN's page; the old one stops working (a flyer to print again)."""
    _managed(session, caller, bin_id)
    found = _page_row(session, bin_id)
    found.token = secrets.token_urlsafe(24)
    if not found.contact:  # the consent text names whom to ask: the coordinator who made it
        who = caller.principal
        found.contact = ", ".join(p for p in (who.name, who.email) if p)[:200]
    session.flush()
    audit(session, caller, "signup.link_renewed", f"bin:{bin_id}")
    return found.token


def set_options(
    session: Session,
    caller: Caller,
    bin_id: int,
    *,
    auto_accept: bool,
    languages: list[str],
    contact: str,
) -> None:
    _managed(session, caller, bin_id)
    chosen = [lang for lang in LANGUAGES if lang in languages]
    if not chosen:
        raise Invalid("choose at least one language for the sign-up page")
    contact = " ".join(contact.split())
    if len(contact) > 200 or any(ord(ch) < 32 for ch in contact):
        raise Invalid("the contact is at most 200 characters on one line")
    found = _page_row(session, bin_id)
    found.auto_accept = auto_accept
    found.languages = ",".join(chosen)
    found.contact = contact
    session.flush()
    audit(
        session,
        caller,
        "signup.options",
        f"bin:{bin_id}",
        auto_accept=auto_accept,
        languages=found.languages,
    )


def _page_row(session: Session, bin_id: int) -> SignupPage:
    found = page_of(session, bin_id)
    if found is None:
        found = SignupPage(
            bin_id=bin_id, token=None, auto_accept=False, languages=",".join(LANGUAGES), contact=""
        )
        session.add(found)
    return found


def _managed(session: Session, caller: Caller, bin_id: int) -> Bin:
    require_role(caller.principal, Role.COORDINATOR)
    return visible_bin(session, caller, bin_id)


def by_token(session: Session, token: str) -> tuple[Bin, SignupPage]:
    """The BIN whose page this link opens; NotFound for any other token (the same answer for
    a renewed, a wrong or a malformed one)."""
    if not (20 <= len(token) <= 64) or not all(ch.isalnum() or ch in "-_" for ch in token):
        raise NotFound("this sign-up link does not exist (any more)")
    found = session.scalar(select(SignupPage).where(SignupPage.token == token))
    bin_row = session.get(Bin, found.bin_id) if found is not None else None
    if found is None or bin_row is None or not hmac.compare_digest(found.token or "", token):
        raise NotFound("this sign-up link does not exist (any more)")
    return bin_row, found


def page_languages(found: SignupPage) -> list[str]:
    return [lang for lang in found.languages.split(",") if lang in LANGUAGES] or ["nl"]


def consent_for(bin_row: Bin, found: SignupPage, language: str) -> consent.ConsentText:
    return consent.consent_text(language, bin_row.name, bin_row.police_zone, found.contact)


# -- signing up --------------------------------------------------------------------------------


def client_key(address: str | None, secret: str) -> str:
    """A client address as kept for the limits: keyed, so the table holds no addresses."""
    message = (address or "unknown").encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def check(form: SignupForm, policy: MemberPolicy, sms: bool) -> Checked:
    """The form, checked; Invalid names every field that is wrong (details: field, message)."""
    errors: list[dict[str, Any]] = []
    name = " ".join(form.name.split())
    if not name or len(name) > 200:
        errors.append({"field": "name", "message": "give your name (at most 200 characters)"})
    phone = _number(form.phone, "phone", errors, policy, required=True)
    second = _number(form.second_phone, "second_phone", errors, policy, required=False)
    if phone and second == phone:
        second = None
    if form.language not in LANGUAGES:
        errors.append({"field": "language", "message": "choose a language"})
    allowed = {Channels.CALL.value} | ({Channels.SMS.value, Channels.BOTH.value} if sms else set())
    if form.channels not in allowed:
        errors.append({"field": "channels", "message": "choose how you want the messages"})
    street = " ".join(form.street.split())[:200] or None
    house = " ".join(form.house_number.split())[:20] or None
    for field, value in (("street", street), ("house_number", house)):
        if value and any(ord(ch) < 32 for ch in value):
            errors.append({"field": field, "message": "no control characters"})
    if not form.consent:
        errors.append({"field": "consent", "message": "you can only join if you agree"})
    if errors or phone is None:
        raise Invalid("check the form", details=errors)
    return Checked(name, phone, second, form.language, form.channels, street, house)


def _number(
    text: str, field: str, errors: list[dict[str, Any]], policy: MemberPolicy, required: bool
) -> str | None:
    if not text.strip():
        if required:
            errors.append({"field": field, "message": "give a phone number"})
        return None
    try:
        e164 = parse_phone(text).e164
        policy.check_numbers([e164])
    except InvalidPhone as error:
        errors.append({"field": field, "message": str(error)})
        return None
    except Invalid as error:
        errors.append({"field": field, "message": error.message})
        return None
    return e164


def submit(
    session: Session,
    token: str,
    form: SignupForm,
    *,
    client: str,
    source: str | None,
    limits: Limits,
    policy: MemberPolicy,
    sms: bool,
    now: datetime,
) -> Submitted:
    """Store a sign-up, its consent, and queue its verification call. Refused (TooMany) when
    the client, the number or everyone together asked for too many calls: the client's count
    before the form, so a flood costs a count, not a parse."""
    bin_row, _page = by_token(session, token)
    _one_at_a_time(session)
    hour_ago, day_ago = now - timedelta(hours=1), now - timedelta(days=1)
    if _signups_from(session, client, hour_ago) >= limits.per_client_hour:
        raise _too_many("too many sign-ups from this address; try again in an hour")
    checked = check(form, policy, sms)
    if checked.phone in members_repo.phones_in_bin(session, bin_row.id):
        # Already a member: nothing is stored and nobody is called, and the page says what it
        # says to anyone (we are calling you), so it never tells a stranger who is a member.
        return Submitted(None, checked.phone)
    to_number_hour = service_calls.calls_to(session, checked.phone, hour_ago, VERIFY)
    to_number_day = service_calls.calls_to(session, checked.phone, day_ago, VERIFY)
    if to_number_hour >= limits.per_number_hour or to_number_day >= limits.per_number_day:
        raise _too_many("we called this number a short while ago; try again later")
    if service_calls.calls_since(session, hour_ago, VERIFY) >= limits.per_hour:
        raise _too_many("too many sign-ups right now; try again in an hour")
    row = Signup(
        bin_id=bin_row.id,
        name=checked.name,
        phone=checked.phone,
        second_phone=checked.second_phone,
        language=checked.language,
        channels=checked.channels,
        street=checked.street,
        house_number=checked.house_number,
        consent_version=consent.VERSION,
        status=SignupStatus.UNCONFIRMED.value,
        client=client,
        created_at=now,
    )
    session.add(row)
    session.flush()
    records.record(
        session,
        None,
        bin_row.id,
        "consent",
        RecordChannel.WEB,
        source=source,
        signup=row.id,
        version=consent.VERSION,
        language=checked.language,
    )
    service_calls.queue(
        session,
        purpose=VERIFY,
        phone=checked.phone,
        language=checked.language,
        text=phrase("signup_verify", checked.language, bin_name=bin_row.name),
        wait_for_key=True,
        subject_id=row.id,
        bin_id=bin_row.id,
        now=now,
    )
    return Submitted(row.id, checked.phone)


def _one_at_a_time(session: Session) -> None:
    """Sign-ups are counted, then stored: on PostgreSQL two at once could both pass a limit,
    so they take turns (a transaction lock; SQLite has one writer anyway). They are few, and
    a flood is refused after a count."""
    if on_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('binalert-signups'))"))


def _too_many(message: str) -> TooMany:
    error = TooMany(message)
    error.retry_after_s = 3600
    return error


def _signups_from(session: Session, client: str, since: datetime) -> int:
    query = select(func.count()).where(Signup.client == client, Signup.created_at >= since)
    return int(session.scalar(query) or 0)


# -- the verification call's outcome (binalert.service_outcomes) ------------------------------


def on_verify_call(session: Session, call: ServiceCall, welcome: WelcomeSender) -> None:
    """A 1 on the verification call confirms the sign-up (and, where the BIN accepts confirmed
    sign-ups at once, makes the member). Anything else changes nothing: the sign-up is
    forgotten after 48 hours unless the person signs up again."""
    if call.outcome != ServiceOutcome.PRESSED_1.value or call.subject_id is None:
        return
    row = session.get(Signup, call.subject_id)
    if row is None or row.status != SignupStatus.UNCONFIRMED.value or row.phone != call.phone:
        return
    row.status = SignupStatus.CONFIRMED.value
    row.confirmed_at = call.ended_at
    records.record(
        session, None, row.bin_id, "confirmed", RecordChannel.PHONE, signup=row.id, key="1"
    )
    found = page_of(session, row.bin_id)
    if found is not None and found.auto_accept:
        _accept(session, row, records.SYSTEM, welcome)


# -- the coordinator's decision ----------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    id: int
    name: str
    phone: str
    second_phone: str | None
    language: str
    channels: str
    street: str | None
    house_number: str | None
    status: str
    created_at: datetime
    confirmed_at: datetime | None


def waiting(session: Session, caller: Caller, bin_id: int) -> list[Waiting]:
    """The BIN's sign-ups, confirmed ones first (those the coordinator decides on); the
    unconfirmed ones only say that someone is waiting for their call."""
    _managed(session, caller, bin_id)
    query = select(Signup).where(Signup.bin_id == bin_id).order_by(Signup.created_at)
    rows = [
        Waiting(
            r.id,
            r.name,
            r.phone,
            r.second_phone,
            r.language,
            r.channels,
            r.street,
            r.house_number,
            r.status,
            r.created_at,
            r.confirmed_at,
        )
        for r in session.scalars(query)
    ]
    return sorted(rows, key=lambda w: w.status != SignupStatus.CONFIRMED.value)


def bin_of(session: Session, signup_id: int) -> int:
    """The BIN of a sign-up (NotFound when it is gone); the caller's scope is checked by the
    step that follows (approve, refuse)."""
    row = session.get(Signup, signup_id)
    if row is None:
        raise NotFound(f"sign-up {signup_id} not found")
    return row.bin_id


def _decided(session: Session, caller: Caller, signup_id: int) -> Signup:
    row = session.get(Signup, signup_id)
    if row is None:
        raise NotFound(f"sign-up {signup_id} not found")
    _managed(session, caller, row.bin_id)
    if row.status != SignupStatus.CONFIRMED.value:
        raise Conflict("this sign-up's number is not confirmed yet")
    return row


def approve(
    session: Session, caller: Caller, signup_id: int, policy: MemberPolicy, welcome: WelcomeSender
) -> int:
    """The coordinator lets a confirmed sign-up in: the member is made (active), the sign-up
    row goes; they hear or read that they are in. The new member's id."""
    row = _decided(session, caller, signup_id)
    policy.check_growth(len(members_repo.phones_in_bin(session, row.bin_id)), 1)
    return _accept(session, row, caller.principal.actor, welcome, caller.source)


def refuse(session: Session, caller: Caller, signup_id: int) -> None:
    """The coordinator refuses a confirmed sign-up: it is forgotten, the record stays."""
    row = _decided(session, caller, signup_id)
    records.record(
        session,
        None,
        row.bin_id,
        "refused",
        RecordChannel.COORDINATOR,
        actor=caller.principal.actor,
        source=caller.source,
        signup=row.id,
    )
    session.delete(row)
    session.flush()


def _accept(
    session: Session, row: Signup, actor: str, welcome: WelcomeSender, source: str | None = None
) -> int:
    if row.phone in members_repo.phones_in_bin(session, row.bin_id):
        raise Conflict("this number is already a member of this BIN")
    kind = parse_phone(row.phone).kind
    member = Member(
        name=row.name,
        phone=row.phone,
        phone_kind=kind,
        second_phone=row.second_phone,
        language=row.language,
        active=True,
        urgent_channels=row.channels,
        message_channels=row.channels,
        street=row.street,
        house_number=row.house_number,
        opt_in_at=row.created_at,
        created_at=row.confirmed_at or row.created_at,
    )
    members_repo.add(session, member, row.bin_id)
    channel = RecordChannel.SYSTEM if actor == records.SYSTEM else RecordChannel.COORDINATOR
    records.record(
        session,
        member.id,
        row.bin_id,
        "approved",
        channel,
        actor=actor,
        source=source,
        signup=row.id,
        consent_version=row.consent_version,
        consented_at=row.created_at.isoformat(),
        confirmed_at=row.confirmed_at.isoformat() if row.confirmed_at else None,
    )
    bin_row = session.get(Bin, row.bin_id)
    welcome(session, member, bin_row.name if bin_row else "")
    session.delete(row)
    session.flush()
    return member.id


class WelcomeSender:
    """Tells a new member they are in: by SMS where the installation has SMS and the member
    chose it (lifecycle.queue_sms, #22), else by a service call."""

    def __init__(self, sms: bool = False) -> None:
        self.sms = sms

    def __call__(self, session: Session, member: Member, bin_name: str) -> None:
        text = phrase("signup_welcome", member.language, bin_name=bin_name)
        now = utcnow()
        texted = member.urgent_channels in (Channels.SMS.value, Channels.BOTH.value)
        if self.sms and texted and _queue_sms(session, member, text, now):
            return
        service_calls.queue(
            session,
            purpose=WELCOME,
            phone=member.phone,
            language=member.language,
            text=text,
            subject_id=member.id,
            bin_id=None,
            now=now,
        )


def _queue_sms(session: Session, member: Member, text: str, now: datetime) -> bool:
    """The welcome by SMS through the SMS lifecycle (sms-store's queue_sms, #22), when it is
    there; False when the member cannot be texted (then they are called)."""
    from binalert.deliveries import lifecycle

    queue_sms = getattr(lifecycle, "queue_sms", None)
    if queue_sms is None:
        return False
    queued = queue_sms(
        session,
        kind="welcome",
        phone=member.phone,
        language=member.language,
        text=text,
        member_id=member.id,
        now=now,
    )
    return queued is not None


# -- forgetting (binalert.retention) -----------------------------------------------------------


def forget_unconfirmed(session: Session, now: datetime) -> int:
    """Forget the sign-ups nobody confirmed within 48 hours (name, numbers, address); a
    `forgotten` record (without them) says it happened. How many."""
    cutoff = now - FORGET_AFTER
    query = select(Signup.id, Signup.bin_id).where(
        Signup.status == SignupStatus.UNCONFIRMED.value, Signup.created_at < cutoff
    )
    gone = list(session.execute(query))
    for signup_id, bin_id in gone:
        records.record(
            session,
            None,
            bin_id,
            "forgotten",
            RecordChannel.SYSTEM,
            actor=records.SYSTEM,
            signup=signup_id,
        )
    if gone:
        session.execute(
            delete(Signup).where(Signup.id.in_([g[0] for g in gone])),
            execution_options={"synchronize_session": False},
        )
    return len(gone)
