"""Service calls on one PBX (#24): short calls that say one text and may wait for a 1.

Others queue them in the store (binalert.service_calls.queue: purpose, number, language,
text, wait_for_key); this module, one per PBX beside its dialer, places them and stores each
outcome (binalert.service_outcomes.finish, which hands it to the purpose's handler). Nothing
else is needed to use one: queue it, and add a handler for its purpose.

- The text is synthesised by the process's speech service, as the alerts' texts are, and
  named as this PBX plays it (ivr.audio.PbxSounds); "thank you" after a 1 is the phrase
  table's `service_thanks`.
- A service call holds a line of the trunk like any call, and every claim of the dialers
  counts it (Dialer.service_lines): once answered it is in the group service@binalert, read
  live on the PBX as the calls coming in are; while it rings (or if the PBX cannot say) the
  store's count of service calls being placed on this PBX, whichever is more. It is
  placed only when a line is free beyond one kept for alerts, at most
  BINALERT_SERVICE_CALLS_AT_ONCE at once on this PBX (counted in the store, every worker's),
  within the PBX's calls per second (the dialer's rate limiter).
- One try per call: a missed verification is a new sign-up, never a retry that rings a
  stranger again. A call a dead worker left is finished as failed by the next sweep.
- Outcomes: pressed_1; no_key (answered, no 1; or heard, when no key was asked for);
  no_answer, busy, failed (as the network said).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from panoramisk.message import Message

from binalert import service_calls, service_outcomes
from binalert.clock import utcnow
from binalert.deliveries.attempts import open_attempt_count
from binalert.models import CallOutcome
from binalert.phones import InvalidPhone, national_of
from binalert.retention import forget_signups
from binalert.service_calls import ClaimedServiceCall, ServiceOutcome
from binalert.settings import Settings
from ivr import channelvars as cv
from ivr import wire
from ivr.ami import AmiError, NotConnected
from ivr.audio import PbxSounds
from ivr.calls import REASON_ANSWERED, outcome_of_failed_originate
from ivr.dialer import Dialer
from tts import SpeechService
from tts.phrases import phrase

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0  # how soon a queued call is seen (a sign-up waits for its call)
SWEEP_SECONDS = 30.0  # calls left by a dead worker; forgetting what is older than 48 hours
FORGET_EVERY_SECONDS = 600.0
CALL_PREFIX = "bs"  # channel ids: bs + the row's id (fixed width, as wire.call_id)
OTHER_PREFIX = "bt"  # the other half of a Local channel pair (never "bb": alerts' halves)
EXTRA_SECONDS = 90  # after the ring timeout: the text twice, the waits, the thanks
SPEECH_CACHE = 64

NETWORK_OUTCOMES = {
    CallOutcome.NO_ANSWER: ServiceOutcome.NO_ANSWER,
    CallOutcome.BUSY: ServiceOutcome.BUSY,
}


@dataclass
class ServiceCallState:
    channel_id: str
    deadline: datetime
    result: str | None = None
    hangup_cause: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class ServiceCalls:
    def __init__(self, dialer: Dialer, speech: SpeechService, sms: bool = False) -> None:
        self.dialer = dialer
        self.settings: Settings = dialer.settings
        self.pbx = dialer.pbx
        self.speech = speech
        self.sounds = PbxSounds(self.settings, self.pbx)
        self.ctx = service_outcomes.OutcomeContext(sms=sms)
        self.calls: dict[str, ServiceCallState] = {}
        self._audio: dict[tuple[str, str], str] = {}
        self._running = True
        self._last_sweep = 0.0
        self._last_forget = 0.0
        self.placed = 0

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        while self._running:
            try:
                await self._round()
            except Exception:  # the store or the PBX briefly away: the next round tries again
                log.exception("service calls on PBX %s: round failed", self.pbx.name)
            await asyncio.sleep(POLL_SECONDS)

    def stop(self) -> None:
        self._running = False

    async def _round(self) -> None:
        clock = time.monotonic()
        if clock - self._last_sweep >= SWEEP_SECONDS:
            self._last_sweep = clock
            await self._sweep(clock)
        if not self.dialer.ready or not await self.dialer.db(service_calls.has_queued):
            return
        now = utcnow()
        room = await self.room(now)
        if room <= 0:
            return
        seconds = self.settings.ring_timeout + EXTRA_SECONDS
        claimed = await self.dialer.db(
            service_calls.claim, self.pbx.name, now, room, _call_id, seconds
        )
        for call in claimed:
            self.calls[call.channel_id] = ServiceCallState(call.channel_id, call.deadline)
            self.dialer.spawn(self._place(call), f"service-{call.channel_id}")

    async def room(self, now: datetime) -> int:
        """How many service calls may start now on this PBX: a line free beyond one kept for
        alerts, and fewer than BINALERT_SERVICE_CALLS_AT_ONCE open (every worker's)."""
        inbound = await self.dialer.inbound_calls()
        held = (inbound if inbound is not None else self.pbx.inbound_cap) + (
            await self.dialer.transfer_lines()
        )
        held += await self.service_lines()
        alerts = await self.dialer.db(open_attempt_count, self.pbx.name, now)
        free = self.pbx.max_channels - alerts - held - 1
        open_here = await self.dialer.db(service_calls.open_on, self.pbx.name, now)
        return min(free, self.settings.service_calls_at_once - open_here)

    async def service_lines(self) -> int:
        return await self.dialer.service_lines()

    async def _sweep(self, clock: float) -> None:
        """Finish as failed the calls a dead worker left `calling` past their deadline; every
        ten minutes, forget what is older than 48 hours (binalert.retention)."""
        lost = await self.dialer.db(service_calls.lost_before, utcnow() - timedelta(seconds=30))
        for channel_id in lost:
            if channel_id not in self.calls:
                await self._finish(channel_id, ServiceOutcome.FAILED)
        if clock - self._last_forget >= FORGET_EVERY_SECONDS:
            self._last_forget = clock
            forgotten = await self.dialer.db(forget_signups, utcnow())
            if forgotten:
                log.info("forgot %d unconfirmed sign-ups", forgotten)

    # -- one call ----------------------------------------------------------------------------

    async def _place(self, call: ClaimedServiceCall) -> None:
        state = self.calls[call.channel_id]
        outcome = ServiceOutcome.FAILED
        try:
            action = await self._action(call)
            await self.dialer.limiter.acquire()
            outcome = await self._originate(call, state, action)
        except (wire.UnsafeValue, InvalidPhone) as error:
            log.error("service call %s refused: %s", call.channel_id, error)
        except NotConnected as error:
            log.warning("service call %s not placed: %s", call.channel_id, error)
        except Exception:
            log.exception("service call %s failed", call.channel_id)
        finally:
            self.calls.pop(call.channel_id, None)
            await self._finish(call.channel_id, outcome)

    async def _action(self, call: ClaimedServiceCall) -> dict[str, Any]:
        values = {
            cv.CALL_ID: call.channel_id,
            cv.SERVICE_AUDIO: await self._spoken(call.text, call.language),
            cv.SERVICE_THANKS_AUDIO: await self._spoken(_thanks(call.language), call.language),
            cv.SERVICE_WAIT: "1" if call.wait_for_key else "0",
            cv.DIGIT_TIMEOUT: str(self.settings.digit_timeout),
        }
        return {
            "Action": "Originate",
            "Channel": wire.dial_channel(
                self.pbx.dial_template, call.phone, national_of(call.phone)
            ),
            "Context": wire.context(cv.SERVICE_CONTEXT),
            "Exten": "s",
            "Priority": "1",
            "Timeout": str(self.settings.ring_timeout * 1000),
            "CallerID": wire.caller_id(self.settings.caller_id),
            "Async": "true",
            "ChannelId": wire.channel_id(call.channel_id),
            "OtherChannelId": wire.channel_id(OTHER_PREFIX + call.channel_id[2:]),
            "Variable": wire.variables(values),
        }

    async def _originate(
        self, call: ClaimedServiceCall, state: ServiceCallState, action: dict[str, Any]
    ) -> ServiceOutcome:
        self.placed += 1
        try:
            response = await self.dialer.ami.action(action, timeout=self.settings.ring_timeout + 15)
        except NotConnected:
            raise
        except AmiError:  # its fate unknown: it may ring; its deadline decides
            response = None
        final = response[-1] if isinstance(response, list) else response
        reason = final.get("Reason") if final is not None else REASON_ANSWERED
        if reason != REASON_ANSWERED:
            if state.hangup_cause is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(state.ended.wait(), 1.0)
            network = outcome_of_failed_originate(reason, state.hangup_cause)
            if isinstance(network, CallOutcome):
                return NETWORK_OUTCOMES.get(network, ServiceOutcome.FAILED)
            return ServiceOutcome.FAILED
        remaining = (call.deadline - utcnow()).total_seconds()
        try:
            await asyncio.wait_for(state.ended.wait(), max(remaining, 0.1))
        except TimeoutError:
            with contextlib.suppress(AmiError):
                await self.dialer.ami.action({"Action": "Hangup", "Channel": call.channel_id})
        if state.result == cv.RESULT_PRESSED_1:
            return ServiceOutcome.PRESSED_1
        return ServiceOutcome.NO_KEY

    async def _finish(self, channel_id: str, outcome: ServiceOutcome) -> None:
        try:
            await self.dialer.db(service_outcomes.finish, channel_id, outcome, utcnow(), self.ctx)
        except Exception:  # the store away: the sweep finishes it (as failed) later
            log.exception("service call %s: outcome %s not stored", channel_id, outcome.value)

    async def _spoken(self, text: str, language: str) -> str:
        """The text as this PBX plays it, synthesised once per text and language."""
        key = (text, language)
        found = self._audio.get(key)
        if found is None:
            path = await asyncio.to_thread(self.speech.synthesize, text, language)
            found = path.key
            if len(self._audio) >= SPEECH_CACHE:
                self._audio.clear()
            self._audio[key] = found
        return self.sounds.name(found)

    # -- AMI events (on the loop; must not block) --------------------------------------------

    def on_event(self, message: Message) -> None:
        name = message.event
        if name == "Hangup":
            state = self.calls.get(message.get("Uniqueid") or "")
            if state is not None:
                with contextlib.suppress(TypeError, ValueError):
                    state.hangup_cause = int(message.get("Cause", ""))
                state.ended.set()
        elif name == "UserEvent" and message.get("UserEvent") == cv.EVENT_SERVICE:
            state = self.calls.get(message.get("CallId") or "")
            if state is not None and state.result != cv.RESULT_PRESSED_1:
                state.result = message.get("Result")


def _call_id(row_id: int) -> str:
    return wire.call_id(row_id, prefix=CALL_PREFIX)


def _thanks(language: str) -> str:
    return phrase("service_thanks", language)
