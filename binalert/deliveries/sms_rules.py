"""The rules of SMS in the delivery lifecycle (#22), pure: whether a number may be texted, a
text's encoding and parts, what a reply says, and the times an SMS and its delivery wait.
No writes: lifecycle.py applies them.

The times, and why:
- SUBMIT_LEASE_SECONDS: a submit recorded (status submitting) whose worker has not recorded
  the SMSC's answer within this lease is taken as lost with its worker: the SMS becomes
  `unknown` and is never sent again (the SMSC may have taken it). A live worker's late answer
  still records it as sent (the message ids are the truth).
- RECEIPT_TIMEOUT_SECONDS: a sent SMS without a receipt after 15 minutes ends `no_receipt`
  (never delivered): a phone that is on gets an SMS within seconds and its receipt follows;
  one that is off may get it hours later, long after an urgent alert mattered. A receipt that
  does come later is still recorded on the SMS (the police see it), the delivery stays closed.
- REPLY_WINDOW_SECONDS: an SMS-only delivery whose SMS was delivered waits 10 minutes for a
  reply 1, then ends unacknowledged (reached: the SMS arrived). That is about the time the
  calls of the same alert take to end (three rounds, 2 and 5 minutes apart: policy.py), so
  the police's count settles for both channels together; a 1 after it still acknowledges
  (machine.ACKNOWLEDGE_SMS, like a late 1 on a call). An SMS that failed, expired or was
  undeliverable ends its delivery unreachable at once; `no_receipt` and `unknown` (it may
  have arrived) end it unacknowledged with reached false, once the window has passed since
  the submit.
- REPLY_HOURS: a 1 acknowledges the newest alert that texted that number in the last 12 hours
  (as a call back finds the newest alert: deliveries.two_way.CALLBACK_HOURS).
- CANNOT_READ_HOURS: the polite "we cannot read replies" goes at most once a day to a number,
  so an auto-reply never starts a ping-pong.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from binalert.deliveries.machine import Event
from binalert.errors import Invalid
from binalert.models import SmsStatus
from binalert.phones import sms_number
from binalert.sms.text import MAX_PARTS, SmsTextError, check_parts, check_sms_text
from tts.sms_phrases import ACK_WORDS, STOP_WORDS

SUBMIT_LEASE_SECONDS = 60
RECEIPT_TIMEOUT_SECONDS = 15 * 60
REPLY_WINDOW_SECONDS = 10 * 60
REPLY_HOURS = 12
CANNOT_READ_HOURS = 24
SERVICE_PER_HOUR = 5  # a member's own SMS (codes, links) to one number in an hour, at most
MAX_TRIES = 10  # temporary errors (throttled, queue full, link down) before an SMS fails
RETRY_SECONDS = (2, 5, 10, 30, 60)  # after the n-th temporary error; the last repeats
REPLY_LENGTH = 1000  # sms_replies.text

SMS_CONFIG = "binalert.sms"  # the store's session info: the SmsConfig when SMS is configured

FINAL = frozenset(
    {
        SmsStatus.DELIVERED,
        SmsStatus.UNDELIVERABLE,
        SmsStatus.EXPIRED,
        SmsStatus.REJECTED,
        SmsStatus.FAILED,
        SmsStatus.NO_RECEIPT,
        SmsStatus.UNKNOWN,
        SmsStatus.CANCELLED,
    }
)
UNDELIVERED = frozenset(
    {
        SmsStatus.UNDELIVERABLE,
        SmsStatus.EXPIRED,
        SmsStatus.REJECTED,
        SmsStatus.FAILED,
        SmsStatus.CANCELLED,
    }
)
"""Nobody can have read it: an SMS-only delivery ends unreachable at once."""
UNCERTAIN = frozenset({SmsStatus.NO_RECEIPT, SmsStatus.UNKNOWN})
"""It may have arrived, nobody told us."""

RECEIPT_STATES = {
    "DELIVRD": SmsStatus.DELIVERED,
    "EXPIRED": SmsStatus.EXPIRED,
    "UNDELIV": SmsStatus.UNDELIVERABLE,
    "REJECTD": SmsStatus.REJECTED,
    "DELETED": SmsStatus.UNDELIVERABLE,
    "UNKNOWN": SmsStatus.UNDELIVERABLE,
}
"""A receipt's `stat:` (SMPP 3.4 appendix B) -> the part's status; ACCEPTD and ENROUTE are
not final and change nothing."""


@dataclass(frozen=True)
class SmsConfig:
    """SMS is configured in this installation (an SMSC to bind to): the countries whose
    mobile numbers may be texted (Settings.sms_allowed()), and the most parts one SMS may
    take (Settings.sms_max_parts)."""

    countries: frozenset[str] = field(default_factory=lambda: frozenset({"BE"}))
    max_parts: int = MAX_PARTS


def configure(session_info: dict[str, Any], config: SmsConfig) -> None:
    """Every session of this store (its `session_info`) may queue SMS under `config`."""
    session_info[SMS_CONFIG] = config


def config_of(info: dict[str, Any]) -> SmsConfig | None:
    found = info.get(SMS_CONFIG)
    return found if isinstance(found, SmsConfig) else None


def textable(e164: str | None, countries: Collection[str]) -> str | None:
    """The number as E.164 if it may be texted (binalert.phones.sms_number: a mobile of an
    allowed country, never a landline, premium-rate, service number or short code)."""
    return sms_number(e164, countries)


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # gsm7 | ucs2
    parts: int


def sms_text(text: str, max_parts: int) -> SmsText:
    """A text as it is stored and sent (binalert.sms.text: checked, whitespace made one
    space, GSM 03.38 where it fits, else UCS-2), of at most `max_parts` parts; Invalid says
    why not."""
    try:
        clean = check_sms_text(text)
        counted = check_parts(clean, max_parts)
    except SmsTextError as error:
        raise Invalid(str(error)) from error
    return SmsText(clean, counted.encoding, counted.parts)


class ReplyAction(enum.StrEnum):
    """What a reply did (sms_replies.action)."""

    ACK = "ack"  # 1, ja, oui, yes, ok: the newest alert texted to that number
    STOP = "stop"  # no more SMS to that member
    OTHER = "other"  # anything else from a member: one polite "we cannot read replies"
    STRANGER = "stranger"  # not a member's number: nothing changes, nothing is sent


def reply_word(text: str) -> str:
    """The reply as one word: lower-cased, without spaces, punctuation or symbols (" Ja. ",
    "OK!", "1." -> "ja", "ok", "1")."""
    return "".join(
        ch for ch in text.casefold() if unicodedata.category(ch)[0] not in ("P", "Z", "S", "C")
    )


def classify(text: str) -> ReplyAction:
    word = reply_word(text)
    if word in ACK_WORDS:
        return ReplyAction.ACK
    if word in STOP_WORDS:
        return ReplyAction.STOP
    return ReplyAction.OTHER


def clean_reply(text: str) -> str:
    """A reply as it is stored: printable, at most REPLY_LENGTH characters."""
    kept = "".join(ch if ch.isprintable() else " " for ch in text)
    return kept[:REPLY_LENGTH]


def retry_at(tries: int, now: datetime) -> datetime:
    """When an SMS refused for now (throttled, queue full, link down) is tried again."""
    delay = RETRY_SECONDS[min(max(tries, 1), len(RETRY_SECONDS)) - 1]
    return now + timedelta(seconds=delay)


def sms_only_outcome(
    status: SmsStatus,
    submitted_at: datetime | None,
    finished_at: datetime | None,
    now: datetime,
    window: float = REPLY_WINDOW_SECONDS,
) -> tuple[Event, bool] | None:
    """How an SMS-only delivery ends after its SMS, as (event name, reached), or None while
    it waits: unreachable at once when nobody can have read the SMS; unacknowledged once the
    reply window has passed since it was delivered (reached) or, not knowing, since it was
    submitted (not reached)."""
    if status in UNDELIVERED:
        return Event.SMS_UNDELIVERED, False
    wait = timedelta(seconds=window)
    if status is SmsStatus.DELIVERED:
        since = finished_at or submitted_at
        return (Event.SMS_UNANSWERED, True) if since is None or now >= since + wait else None
    if status in UNCERTAIN:
        return (
            (Event.SMS_UNANSWERED, False)
            if submitted_at is None or now >= submitted_at + wait
            else None
        )
    return None
