"""Staying in charge by phone (#24), on one PBX: the variables that offer 9 on every call and
the call-in options (another language, stop), and what a call in asks for.

- `WithStop`: every alert call's variables (`inner`) and the stop pieces (ivr.keys.STOP_PIECES:
  "to stop receiving these calls, press 9", "press 9 again", "done", "you keep them", the keys
  again), in the call's language. Without them (speech failing for a piece) the call goes on
  as before: the dialplan offers no 9 and takes it for an invalid key.
- `call_in_variables`: what a call in adds (the language offer and menu, what the caller hears
  after choosing, and that a stop asked for here is confirmed by a call back).
- `CallInRequests`: a stop or a language asked for on a call in. A caller ID is a claim, so
  nothing changes on it: once the caller has hung up (their line must be free), the request
  goes to the store (binalert.members.by_phone.request: recorded, and a service call to the
  number that asks for a 1). A confirmed 9 on binalert's own call is the dialer's
  (`Dialer.record_stop`): that call proves the number.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from panoramisk.message import Message

from binalert.clock import utcnow
from binalert.members import by_phone
from ivr import channelvars as cv
from ivr import keys, wire
from ivr.ami import AmiError
from ivr.audio import AudioSource
from ivr.originate import forget_action
from ivr.two_way import LANGUAGES, TwoWaySounds

log = logging.getLogger(__name__)
RunDb = Callable[..., Awaitable[Any]]
Action = Callable[[dict[str, str]], Awaitable[Any]]
Spawn = Callable[[Any, str], None]


async def stop_variables(sounds: TwoWaySounds, language: str) -> dict[str, str]:
    """The stop pieces of a call in `language` (none when they cannot be had: an alert call
    never waits for the 9)."""
    try:
        return {
            variable: await sounds.piece(piece, language)
            for variable, piece in keys.STOP_PIECES.items()
        }
    except Exception:
        log.exception("no press 9 on calls in %s", language)
        return {}


async def call_in_variables(sounds: TwoWaySounds, language: str) -> dict[str, str]:
    """What a call in offers beyond the message: 4 for another language (its menu, and what
    the caller hears after choosing, in the language chosen) and 9, confirmed by a call back."""
    values = await stop_variables(sounds, language)
    if not values:
        return {}
    try:
        values[cv.STOPPED_AUDIO] = await sounds.piece("stopped_call_in", language)
        values[cv.LANGUAGE_OFFER_AUDIO] = await sounds.piece("language_offer", language)
        values[cv.LANGUAGES_AUDIO] = await sounds.piece(LANGUAGES, language)
        for chosen, variable in cv.CHOSEN_AUDIO.items():
            values[variable] = await sounds.piece("chosen", chosen)
    except Exception:  # the call in goes on without its options (nothing half-offered)
        log.exception("no call-in options in %s", language)
        return {}
    return values


class WithStop:
    """An alert call's variables (`inner`) and the offer of 9 on it."""

    def __init__(self, inner: AudioSource, sounds: TwoWaySounds) -> None:
        self.inner = inner
        self.sounds = sounds

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        values = await self.inner.variables(alert_id, language)
        return values | await stop_variables(self.sounds, language)


@dataclass
class CallIn:
    """A call in whose number is a member's (asserted or not), while it lasts."""

    e164: str
    asserted: bool
    language: str  # the one they hear: a stop is confirmed in it
    kind: str | None = None  # what they asked for: by_phone.STOP or by_phone.LANGUAGE
    chosen: str | None = None


class CallInRequests:
    """The requests made on the calls in this dispatcher answered (ivr.callbacks elects one
    per call): noted from the dialplan's events, sent to the store when the call ends."""

    def __init__(self, run_db: RunDb, action: Action, spawn: Spawn) -> None:
        self._run_db = run_db
        self._action = action
        self._spawn = spawn
        self._calls: dict[str, CallIn] = {}
        self.requested: dict[str, int] = {by_phone.STOP: 0, by_phone.LANGUAGE: 0}

    def answered(self, call_id: str, call: CallIn) -> None:
        if len(self._calls) > 1000:  # Hangups lost with a PBX: never grow for ever
            self._calls.clear()
        self._calls[call_id] = call

    def on_event(self, message: Message) -> None:
        """Every AMI event of the PBX (the dialer's listener; on the loop, must not block)."""
        if message.event == "Hangup":
            call_id = wire.inbound_call_id(message.get("Uniqueid"))
            call = self._calls.pop(call_id, None) if call_id else None
            if call is not None and call.kind is not None:
                self._spawn(self._send(call), f"call-in-request-{call_id}")
            return
        if message.event != "UserEvent":
            return
        kind = message.get("UserEvent")
        call_id = message.get("CallId") or ""
        call = self._calls.get(call_id)
        if call is None:
            return
        if kind == cv.EVENT_STOP:
            call.kind, call.chosen = by_phone.STOP, call.language
            self._spawn(self._forget(call_id), f"forget-stop-{call_id}")
        elif kind == cv.EVENT_LANGUAGE:
            chosen = message.get("Chosen") or ""  # (Language: is the channel's own header)
            if chosen in cv.MENU_LANGUAGES:  # the dialplan's own words; checked all the same
                call.kind, call.chosen = by_phone.LANGUAGE, chosen

    async def _send(self, call: CallIn) -> None:
        assert call.kind is not None and call.chosen is not None
        queued = await self._run_db(
            by_phone.request, call.e164, call.kind, call.chosen, call.asserted, utcnow()
        )
        self.requested[call.kind] += 1
        log.info(
            "call in asked for %s (%s): confirmation call %s",
            call.kind,
            "asserted" if call.asserted else "not asserted",
            queued if queued is not None else "not placed (limit)",
        )

    async def _forget(self, call_id: str) -> None:
        """The 9 of a call in is held here until the call ends: its AstDB key is not needed
        (a request lost with this dispatcher is made again; nothing changed on it)."""
        with contextlib.suppress(AmiError, wire.UnsafeValue):
            await self._action(forget_action(cv.STOP_DB_FAMILY, call_id))
