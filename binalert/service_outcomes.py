"""What a service call's outcome does, per purpose (binalert.service_calls): one table.

ivr/service_calls.py stores every outcome with `finish(session, channel_id, outcome, now,
sms)`, in one transaction with what the purpose's handler does with it. A purpose without a
handler is only recorded. To add one: a function `(session, call, ctx) -> None` in your own
module, one line in HANDLERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from binalert import service_calls
from binalert.buddies import service as buddies
from binalert.members import signup
from binalert.models import ServiceCall
from binalert.service_calls import ServiceOutcome


@dataclass(frozen=True)
class OutcomeContext:
    """What a handler may need besides the call: whether the installation has SMS."""

    sms: bool = False


Handler = Callable[[Session, ServiceCall, OutcomeContext], None]


def _verify(session: Session, call: ServiceCall, ctx: OutcomeContext) -> None:
    signup.on_verify_call(session, call, signup.WelcomeSender(ctx.sms))


def _buddy_confirm(session: Session, call: ServiceCall, ctx: OutcomeContext) -> None:
    buddies.on_confirm_call(session, call)


HANDLERS: dict[str, Handler] = {
    signup.VERIFY: _verify,
    buddies.CONFIRM_CALL: _buddy_confirm,
}


def finish(
    session: Session,
    channel_id: str,
    outcome: ServiceOutcome,
    now: datetime,
    ctx: OutcomeContext | None = None,
) -> bool:
    """Store a service call's outcome and let its purpose act on it (once: a second finish of
    the same call does nothing). False when the call was finished already or is unknown."""
    call = service_calls.finish(session, channel_id, outcome, now)
    if call is None:
        return False
    handler = HANDLERS.get(call.purpose)
    if handler is not None:
        handler(session, call, ctx or OutcomeContext())
    return True
