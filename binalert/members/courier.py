"""Sending a member's link or code (members/access.py) to their number, in their language:
a link (or a number's confirmation code) by SMS through the delivery lifecycle's SMS queue
(kind `service`), or a code read out in a short service call (binalert.service_calls, placed
by ivr/service_calls.py). Nothing is sent for a number that is no member's.

access.py limits who may ask how often (per number, per address); CALLS_PER_HOUR caps the
service calls of all these requests together, so many addresses at once still cannot keep
the PBX's lines busy with codes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert import service_calls
from binalert.deliveries import lifecycle, sms_rules
from binalert.errors import TooMany
from binalert.members import access
from binalert.members import repository as repo
from binalert.models import SmsKind
from tts.phrases import PHRASES

CALL_PURPOSE = "member_code"  # service_calls.purpose of these calls (no outcome handler)
CALLS_PER_HOUR = 300


def spoken_code(code: str) -> str:
    """Digits one by one, with pauses a listener can write down: "4, 7, 1, 0, 2, 9"."""
    return ", ".join(code)


def _fill(table: dict[str, dict[str, str]], piece: str, language: str, **values: str) -> str:
    template = table.get(language, table["nl"])[piece]
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def message(issued: access.Issued, base_url: str) -> str:
    """What the member reads or hears."""
    code, language = issued.secret or "", issued.language
    if issued.via == access.SMS:
        if issued.purpose == access.SIGN_IN:
            link = f"{base_url}/me/link/{issued.link_token}"
            return _fill(PHRASES, "sms_me_link", language, link=link)
        return _fill(PHRASES, "sms_number_code", language, code=code)
    piece = "me_code" if issued.purpose == access.SIGN_IN else "number_code"
    return _fill(PHRASES, piece, language, code=spoken_code(code))


def available(session: Session, via: str) -> bool:
    """Whether binalert can send this way here (the page offers only those): SMS when an
    SMSC is configured; calls always (binalert has a PBX)."""
    if via == access.SMS:
        return sms_rules.config_of(session.info) is not None
    return via == access.CALL


def send(session: Session, issued: access.Issued, base_url: str, now: datetime) -> bool:
    """Queue the SMS or the call for a member's number; False when nothing was sent (not a
    member's number, SMS not configured, or a number that cannot be texted)."""
    calls = service_calls.calls_since(session, now - timedelta(hours=1), CALL_PURPOSE)
    if issued.via == access.CALL and calls >= CALLS_PER_HOUR:  # for strangers' numbers too
        raise TooMany("binalert is calling many people with codes now; try again in an hour")
    if issued.member_id is None or issued.phone is None or issued.secret is None:
        return False
    body = message(issued, base_url)
    bins = repo.bin_ids_of(session, issued.member_id)
    bin_id = bins[0] if bins else None
    if issued.via == access.SMS:
        queued = lifecycle.queue_sms(
            session,
            kind=SmsKind.SERVICE,
            phone=issued.phone,
            language=issued.language,
            text=body,
            member_id=issued.member_id,
            bin_id=bin_id,
            now=now,
        )
        return queued is not None
    service_calls.queue(
        session,
        purpose=CALL_PURPOSE,
        phone=issued.phone,
        language=issued.language,
        text=body,
        bin_id=bin_id,
        now=now,
    )
    return True
