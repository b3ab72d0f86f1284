"""Sending a member's link or code (members/access.py) to their number, in their language:
a link by SMS (the delivery lifecycle's SMS queue, kind `service`) or a code read out in a
short service call. Nothing is sent for a number that is no member's.

Both channels are other helpers' work of this session (#22's SMS queue, #24's service call);
until they are there, `send` answers False and the page says the way is not available.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from binalert.deliveries import lifecycle
from binalert.members import access
from binalert.members import repository as repo
from binalert.models import SmsKind
from tts.phrases import PHRASES


def spoken_code(code: str) -> str:
    """Digits one by one, with pauses a listener can write down: "4, 7, 1, 0, 2, 9"."""
    return ", ".join(code)


def text(piece: str, language: str, **values: str) -> str:
    template = PHRASES.get(language, PHRASES["nl"])[piece]
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def message(issued: access.Issued, base_url: str) -> str:
    """What the member reads or hears."""
    code = issued.secret or ""
    if issued.purpose == access.SIGN_IN and issued.via == access.SMS:
        return text("me_link_sms", issued.language, link=f"{base_url}/me/link/{issued.link_token}")
    piece = "me_code" if issued.purpose == access.SIGN_IN else "number_code"
    return text(
        piece, issued.language, code=code if issued.via == access.SMS else spoken_code(code)
    )


def _sms_queue() -> Callable[..., Any] | None:
    # TODO(merge sms-store): lifecycle.queue_sms is theirs; called by name until it lands.
    found: Callable[..., Any] | None = getattr(lifecycle, "queue_sms", None)
    return found


def available(via: str) -> bool:
    """Whether binalert can send this way here at all (the page offers only those)."""
    if via == access.SMS:
        return _sms_queue() is not None
    return _service_call() is not None


def _service_call() -> Callable[..., Any] | None:
    # TODO(merge signup): the service call (ivr/service_calls.py) is queued through a domain
    # step of theirs; none committed yet.
    return None


def send(session: Session, issued: access.Issued, base_url: str, now: datetime) -> bool:
    """Queue the SMS or the call for a member's number; False when nothing was sent (not a
    member's number, or the way is not available or the number cannot be texted)."""
    if issued.member_id is None or issued.phone is None or issued.secret is None:
        return False
    body = message(issued, base_url)
    bins = repo.bin_ids_of(session, issued.member_id)
    bin_id = bins[0] if bins else None
    if issued.via == access.SMS:
        queue = _sms_queue()
        if queue is None:
            return False
        queued = queue(
            session,
            kind=SmsKind.SERVICE.value,
            phone=issued.phone,
            language=issued.language,
            text=body,
            member_id=issued.member_id,
            bin_id=bin_id,
            now=now,
        )
        return queued is not None
    call = _service_call()
    if call is None:
        return False
    return bool(call(session, phone=issued.phone, language=issued.language, text=body, now=now))
