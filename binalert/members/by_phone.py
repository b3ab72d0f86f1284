"""Staying in charge by phone (#24): what the keys of a call change for the member.

- **A confirmed 9 on binalert's own call** (`stop_on_call`): the member stops receiving
  alerts at once (members.selfservice.stop: inactive, kept, a `stopped` record on channel
  phone that the coordinator sees). binalert dialled that number itself, so whoever pressed
  9 holds the member's phone: the call proves the number, as a 1 on it proves the alert was
  heard. The delivery is not acknowledged (lifecycle.stopped_on_call says why).
- **A request on a call in** (`request`: a stop, or another language, asked for by someone
  calling the BIN number): a caller ID is a claim, asserted or not (a trunk can be
  misconfigured, a number spoofed upstream; docs/architecture.md). Nothing changes on the
  claim: it is recorded as requested, and binalert calls the number back (a service call,
  binalert.service_calls) and asks for a 1. Only that 1 (`confirmed`, the service call's
  outcome handler) changes anything, for every active member called on that number. A
  stranger who writes a member's number gets that member a short call they can ignore;
  at most CONFIRMS_PER_HOUR such calls an hour go to one number.

A confirmation call about a language is spoken in the language asked for: whoever does not
understand it does not press 1, and nothing changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from binalert import service_calls
from binalert.deliveries import lifecycle
from binalert.members import records, selfservice
from binalert.members import repository as repo
from binalert.models import Language, RecordChannel, ServiceCall
from binalert.service_calls import ServiceOutcome
from tts.phrases import phrase

STOP_PURPOSE = "phone_stop"  # a service call that confirms a stop asked for on a call in
LANGUAGE_PURPOSE = "phone_language"  # ... a language (the call's own language is the new one)
PURPOSES = (STOP_PURPOSE, LANGUAGE_PURPOSE)
CONFIRMS_PER_HOUR = 3
"""Confirmation calls to one number an hour at most: a member who changes their mind calls
once or twice; more is someone making binalert ring a member's number."""
STOP = "stop"
LANGUAGE = "language"


def stop_on_call(session: Session, channel_id: str, now: datetime) -> int | None:
    """A confirmed 9 on this call (the dialplan kept it in AstDB first): the member stopped
    (their id), or None (a call in, an unknown or an erased member's call). Idempotent: a
    second store of the same 9 (AstDB swept after an outage) records nothing more."""
    member_id = lifecycle.stopped_on_call(session, channel_id, now)
    if member_id is None:
        return None
    selfservice.stop(session, member_id, RecordChannel.PHONE)
    return member_id


def request(
    session: Session,
    e164: str,
    kind: str,
    language: str,
    asserted: bool,
    now: datetime,
) -> int | None:
    """Someone calling from `e164` asked to stop (kind STOP, `language` the one they hear)
    or for `language` (kind LANGUAGE). Recorded as requested for every active member on
    that number; a confirmation call is queued to the number. Its id, or None: nobody to
    ask (no active member has this number), or over CONFIRMS_PER_HOUR."""
    holders = repo.with_phone(session, e164)
    if not holders:
        return None
    chosen = Language(language).value
    purpose = STOP_PURPOSE if kind == STOP else LANGUAGE_PURPOSE
    recorded = f"{kind}_requested"
    detail: dict[str, Any] = {"asserted": asserted, "confirm": "call back"}
    if kind == LANGUAGE:
        detail["new"] = chosen
    for holder in holders:
        _record(session, holder.member_id, recorded, **detail)
    since = now - timedelta(hours=1)
    if service_calls.calls_to(session, e164, since, purpose) >= CONFIRMS_PER_HOUR:
        return None
    piece = "confirm_stop" if kind == STOP else "confirm_language"
    return service_calls.queue(
        session,
        purpose=purpose,
        phone=e164,
        language=chosen,
        text=phrase(piece, chosen),
        wait_for_key=True,
        subject_id=holders[0].member_id,
        now=now,
    )


def confirmed(session: Session, call: ServiceCall, outcome: ServiceOutcome) -> list[int]:
    """A confirmation call ended: with a 1, the stop or the language (the call's own) applies
    to every active member on the number it rang (binalert's call proves it). Another
    outcome changes nothing (the request stays as a record). The members changed."""
    if outcome is not ServiceOutcome.PRESSED_1:
        return []
    changed = []
    for holder in repo.with_phone(session, call.phone):
        if call.purpose == STOP_PURPOSE:
            selfservice.stop(session, holder.member_id, RecordChannel.PHONE)
        elif call.purpose == LANGUAGE_PURPOSE:
            selfservice.set_language(session, holder.member_id, call.language, RecordChannel.PHONE)
        else:
            continue
        changed.append(holder.member_id)
    return changed


def _record(session: Session, member_id: int, kind: str, **detail: Any) -> None:
    bins: list[int | None] = list(repo.bin_ids_of(session, member_id)) or [None]
    for bin_id in bins:
        records.record(session, member_id, bin_id, kind, RecordChannel.PHONE, **detail)
