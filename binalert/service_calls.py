"""Service calls (#24): a short outbound call that says one text in the listener's language
and, if asked, waits for a 1. The only writer of the service_calls table.

Who uses it, and how (the whole interface):

    from binalert import service_calls
    call_id = service_calls.queue(
        session, purpose="verify", phone="+3250100007", language="nl",
        text="...", wait_for_key=True, subject_id=signup.id, bin_id=bin_id, now=utcnow(),
    )

- `purpose` names what the call is for (a word of PURPOSE_PATTERN); its outcome goes to that
  purpose's handler in `binalert.service_outcomes` (add yours there: one line in HANDLERS),
  in the transaction that stores the outcome. A purpose without a handler is only recorded.
- `text` is spoken by the speech engine as the alerts' texts are (ivr/service_calls.py), in
  `language`. With `wait_for_key` the text itself says what the 1 does ("to confirm, press
  1"): the dialplan listens from the first second, plays the text twice at most, thanks the
  listener for a 1 and ends; any other key is ignored.
- Outcomes (ServiceOutcome): `pressed_1`, `no_key` (answered, no 1), `no_answer`, `busy`,
  `failed` (unreachable, refused, lost).
- Limits: `queue` places nothing by itself; the placing side (ivr/service_calls.py) places
  at most BINALERT_SERVICE_CALLS_AT_ONCE per PBX, never on its last free line, and every one
  counts against the PBX's channels (GROUP service@binalert). Limits per number or per
  client (who may ask for a call how often) are the caller's: `calls_to(session, phone,
  since, purpose)` and `calls_since(session, since, purpose)` count them.
- A call is tried once: a missed verification is a new sign-up, not a retry loop that rings
  a stranger. The rows (with their numbers) are forgotten after 48 hours (`forget_before`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from binalert.models import ServiceCall, ServiceCallStatus
from binalert.phones import national_of

PURPOSE_PATTERN = re.compile(r"^[a-z][a-z_]{1,29}$")
MAX_TEXT = 600  # characters: a service call is short (about 40 s of speech)
KEEP_HOURS = 48


class ServiceOutcome(enum.StrEnum):
    PRESSED_1 = "pressed_1"
    NO_KEY = "no_key"  # answered, no 1 (or no key was asked for: then it is the success)
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


@dataclass(frozen=True)
class ClaimedServiceCall:
    id: int
    channel_id: str
    purpose: str
    phone: str
    language: str
    text: str
    wait_for_key: bool
    deadline: datetime


def queue(
    session: Session,
    *,
    purpose: str,
    phone: str,
    language: str,
    text: str,
    wait_for_key: bool = False,
    subject_id: int | None = None,
    bin_id: int | None = None,
    now: datetime,
) -> int:
    """Queue one service call; its id. `phone` is a stored (checked) E.164 number."""
    if not PURPOSE_PATTERN.fullmatch(purpose):
        raise ValueError(f"not a service call purpose: {purpose!r}")
    national_of(phone)  # E.164 or InvalidPhone
    if language not in ("nl", "fr", "de", "en"):
        raise ValueError(f"not a language of binalert: {language!r}")
    text = " ".join(text.split())
    if not text or len(text) > MAX_TEXT:
        raise ValueError(f"a service call's text is 1..{MAX_TEXT} characters")
    row = ServiceCall(
        purpose=purpose,
        subject_id=subject_id,
        bin_id=bin_id,
        phone=phone,
        language=language,
        text=text,
        wait_for_key=wait_for_key,
        status=ServiceCallStatus.QUEUED.value,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def calls_to(session: Session, phone: str, since: datetime, purpose: str | None = None) -> int:
    """Service calls queued to this number since then (of this purpose, if given)."""
    query = select(func.count()).where(ServiceCall.phone == phone, ServiceCall.created_at >= since)
    if purpose is not None:
        query = query.where(ServiceCall.purpose == purpose)
    return int(session.scalar(query) or 0)


def calls_since(session: Session, since: datetime, purpose: str | None = None) -> int:
    """Service calls queued since then, to any number (of this purpose, if given)."""
    query = select(func.count()).where(ServiceCall.created_at >= since)
    if purpose is not None:
        query = query.where(ServiceCall.purpose == purpose)
    return int(session.scalar(query) or 0)


def open_on(session: Session, pbx: str, now: datetime) -> int:
    """Service calls being placed on this PBX (by any worker) and not past their deadline."""
    query = select(func.count()).where(
        ServiceCall.status == ServiceCallStatus.CALLING.value,
        ServiceCall.pbx == pbx,
        ServiceCall.deadline > now,
    )
    return int(session.scalar(query) or 0)


def has_queued(session: Session) -> bool:
    query = select(ServiceCall.id).where(ServiceCall.status == ServiceCallStatus.QUEUED.value)
    return session.scalar(query.limit(1)) is not None


def claim(
    session: Session,
    pbx: str,
    now: datetime,
    room: int,
    call_id: Callable[[int], str],
    seconds: int,
) -> list[ClaimedServiceCall]:
    """Up to `room` queued calls, oldest first, taken for this PBX (guarded: a row another
    worker took meanwhile is skipped). `call_id(id)` makes the channel id."""
    if room <= 0:
        return []
    query = (
        select(ServiceCall)
        .where(ServiceCall.status == ServiceCallStatus.QUEUED.value)
        .order_by(ServiceCall.id)
        .limit(room)
    )
    claimed = []
    deadline = now + timedelta(seconds=seconds)
    for row in list(session.scalars(query)):
        channel_id = call_id(row.id)
        taken = session.execute(
            update(ServiceCall)
            .where(ServiceCall.id == row.id, ServiceCall.status == ServiceCallStatus.QUEUED.value)
            .values(
                status=ServiceCallStatus.CALLING.value,
                pbx=pbx,
                channel_id=channel_id,
                placed_at=now,
                deadline=deadline,
            ),
            execution_options={"synchronize_session": False},
        )
        if cast(CursorResult[Any], taken).rowcount != 1:
            continue
        claimed.append(
            ClaimedServiceCall(
                row.id,
                channel_id,
                row.purpose,
                row.phone,
                row.language,
                row.text,
                row.wait_for_key,
                deadline,
            )
        )
    return claimed


def finish(
    session: Session, channel_id: str, outcome: ServiceOutcome, now: datetime
) -> ServiceCall | None:
    """Store a call's outcome once; the row, or None if it was finished (or forgotten)."""
    row = session.scalar(select(ServiceCall).where(ServiceCall.channel_id == channel_id))
    if row is None or row.status == ServiceCallStatus.DONE.value:
        return None
    row.status = ServiceCallStatus.DONE.value
    row.outcome = outcome.value
    row.ended_at = now
    session.flush()
    return row


def forget_before(session: Session, moment: datetime) -> int:
    """Forget the service calls queued before `moment` (their numbers with them)."""
    result = session.execute(
        delete(ServiceCall).where(ServiceCall.created_at < moment),
        execution_options={"synchronize_session": False},
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


def lost_before(session: Session, moment: datetime) -> list[str]:
    """Channel ids of calls still `calling` whose deadline passed before `moment` (a worker
    died while placing them): the sweep finishes them as failed."""
    query = select(ServiceCall.channel_id).where(
        ServiceCall.status == ServiceCallStatus.CALLING.value, ServiceCall.deadline < moment
    )
    return [c for c in session.scalars(query) if c]
