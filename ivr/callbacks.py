"""Members calling the BIN number back (#14), on one PBX.

The dialplan (binalert-inbound) answers nothing at first: the caller hears ringing while it
reports `BinalertInbound` with the caller's number (a URI's user part) and whether the trunk
asserted it, and waits a few seconds. Here (seeing the dialer only through a `Line`):

1. every dispatcher on this PBX sees that event; each names itself on the channel (AMI
   Setvar BINALERT_HANDLER) at once and, after a short settling time, only the one whose name
   stayed there answers (a last-writer-wins election; the store's unique call id is the
   second guard: one inbound attempt per call whatever happens);
2. the number, if the trunk asserted it (else the caller is a stranger), is checked
   (ivr.wire, then binalert.phones) and looked up (binalert.deliveries.lifecycle.open_call_back):
   a member with an alert of the last 12 hours, within the call-back limits, gets an inbound
   call attempt on that delivery, whose id (made of the channel's Uniqueid) the call keeps as
   BINALERT_CALL_ID, so its press of 1 is the usual `BinalertAck` -> `Dialer.record_ack` ->
   `lifecycle.acknowledge`, durable in AstDB like any other. A caller ID proves nothing: that 1
   is kept as heard on a call back (unverified) and the member is called straight back, where
   a 1 counts; a call back is never put through to the police (no press 3);
3. the call's variables are set (AMI Setvar, each checked) and the channel is moved on
   (AMI Redirect) to binalert-callback, binalert-no-alert or binalert-unknown;
4. (#24) a member calling in also hears the options: another language (4), stop (9). A number
   the trunk does not assert but which is a member's goes to binalert-menu: the options
   without any message (the police's alerts are never read out on a claim anyone can
   write). What is asked on any call in is a request: ivr.by_phone.CallInRequests sends it,
   once the caller hangs up, to be confirmed by a call to the number.

If no dispatcher acts in time, the dialplan plays the unknown-caller message itself (its
sound is a global variable this module sets after every login), so nobody waits in silence.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from panoramisk.message import Message

from binalert.clock import utcnow
from binalert.deliveries import lifecycle
from binalert.deliveries.two_way import CallBack, CallBackKind
from binalert.members import repository as members
from binalert.phones import caller_e164
from binalert.settings import Settings
from ivr import channelvars as cv
from ivr import keys, wire
from ivr.ami import AmiError
from ivr.by_phone import CallIn, CallInRequests, call_in_variables
from ivr.calls import LiveCall
from ivr.two_way import UNKNOWN, TwoWaySounds

log = logging.getLogger(__name__)
T = TypeVar("T")
SETTLE_SECONDS = 0.3
"""How long after the event a dispatcher checks whether its name stayed on the channel (the
other dispatchers' Setvar arrive within milliseconds of each other)."""


class Line(Protocol):
    """All a call back may use of the PBX it came in on (ivr.dialer.Dialer.line() gives
    it; the dialer owns the PBX's one AMI session and the calls it follows)."""

    @property
    def pbx_name(self) -> str: ...

    @property
    def ami_ready(self) -> bool: ...

    def run_db(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        """fn(session, *args) in a transaction on the store's thread."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None: ...

    def action(self, action: dict[str, str]) -> Awaitable[Message]:
        """One AMI action (its values checked by ivr.wire before)."""
        ...

    def is_following(self, call_id: str) -> bool: ...

    def follow(self, call: LiveCall) -> None:
        """Follow the call to its end (its Hangup, its 1 or 3: as any alert call's)."""
        ...

    def end(self, call_id: str) -> None:
        """The caller (or the PBX) is gone: end the call if it is followed."""
        ...

    def call_variables(self, alert_id: int, language: str) -> Awaitable[dict[str, str]]:
        """An alert call's variables (audio, press 3) in that language."""
        ...


class CallBacks:
    def __init__(
        self, line: Line, sounds: TwoWaySounds, settings: Settings, inbound_cap: int = 5
    ) -> None:
        self.line = line
        self.sounds = sounds
        self.settings = settings
        self.inbound_cap = inbound_cap  # calls on the BIN number at once (PbxSettings)
        self.name = f"d{secrets.token_hex(6)}"  # this dispatcher, in the election
        self._unknown_audio: str | None = None
        self.answered: dict[str, int] = {kind.value: 0 for kind in CallBackKind}
        self.menus = 0  # calls in from a member's number the network does not assert
        # A stop or a language asked for on these calls (#24): the dialer's listener.
        self.requests = CallInRequests(line.run_db, line.action, line.spawn)

    def on_inbound(self, message: Message) -> None:
        """The dialer's hook for `BinalertInbound` (on the loop; must not block)."""
        uniqueid = message.get("Uniqueid") or ""
        call_id = wire.inbound_call_id(uniqueid)
        if call_id is None or self.line.is_following(call_id):
            return
        number = wire.caller_number(message.get("Caller"))
        asserted = wire.caller_asserted(message.get("Asserted"))
        self.line.spawn(self.answer(uniqueid, call_id, number, asserted), f"call-back-{call_id}")

    async def answer(
        self, uniqueid: str, call_id: str, number: str | None, asserted: bool = False
    ) -> None:
        """`number`: the caller's, as the dialplan found it; `asserted`: the trunk vouches
        for it. A number nobody vouches for is anyone's to write: such a caller is not taken
        for the member (they hear what this number is, as a stranger does)."""
        started = time.monotonic()
        try:
            await self._setvar(uniqueid, cv.HANDLER, self.name)
            e164 = caller_e164(number) if asserted else None
            claimed = None if asserted else caller_e164(number)
            await self._pause_until(started + SETTLE_SECONDS)
            if not await self._elected(uniqueid):
                return
            now = utcnow()
            deadline = now + timedelta(seconds=self.settings.call_deadline)
            found: CallBack = await self.line.run_db(
                lifecycle.open_call_back, e164, call_id, self.line.pbx_name, now, deadline
            )
            self.answered[found.kind.value] += 1
            if found.kind is CallBackKind.TAKEN:
                return
            if found.kind is CallBackKind.ALERT:
                assert e164 is not None
                self.requests.answered(call_id, CallIn(e164, True, found.language))
                await self._play_alert(uniqueid, call_id, found, deadline)
            elif found.kind is CallBackKind.NO_ALERT:
                assert e164 is not None
                self.requests.answered(call_id, CallIn(e164, True, found.language))
                audio = await self.sounds.piece("no_alert", found.language)
                await self._setvar(uniqueid, cv.NO_ALERT_AUDIO, audio)
                await self._set_call_in(uniqueid, call_id, found.language)
                await self._redirect(uniqueid, cv.NO_ALERT_CONTEXT)
            elif claimed and await self._menu(uniqueid, call_id, claimed):
                log.info("call back %s: menu (number not asserted)", call_id)
                return
            else:
                await self._setvar(uniqueid, cv.UNKNOWN_AUDIO, await self.unknown_audio())
                await self._redirect(uniqueid, cv.UNKNOWN_CONTEXT)
            log.info("call back %s: %s", call_id, found.kind.value)
        except (AmiError, wire.UnsafeValue) as error:
            log.warning("call back %s not answered: %s", call_id, error)
            self.line.end(call_id)  # the caller is gone (or the PBX): the dialplan's timeout
        except Exception:
            log.exception("call back %s failed", call_id)
            self.line.end(call_id)

    async def _play_alert(
        self, uniqueid: str, call_id: str, found: CallBack, deadline: datetime
    ) -> None:
        target = found.target
        assert target is not None
        call = LiveCall(
            channel_id=call_id, deadline=deadline, answered_at=utcnow(), uniqueid=uniqueid
        )
        self.line.follow(call)  # its Hangup, its 1 or 3: as on any alert call
        values = await self.line.call_variables(target.alert_id, found.language)
        # A caller ID is no proof of who calls: nobody is put through to the police on it.
        values.pop(cv.TRANSFER_DIAL, None)
        settings = self.settings
        values |= {
            cv.CALL_ID: call_id,
            cv.AMD_ENABLED: "0",  # a person rang us
            cv.DIGIT_TIMEOUT: str(settings.digit_timeout),
            cv.MAX_PLAYS: str(settings.max_plays),
        }
        greeting = "callback_confirmed" if target.acknowledged else "callback"
        values[cv.CALLBACK_AUDIO] = await self.sounds.piece(greeting, found.language)
        if target.open:  # its 1 confirms nothing: the member is called straight back
            values[cv.THANKS_AUDIO] = await self.sounds.piece("callback_thanks", found.language)
        # Another language (4), and a stop (9) that a call back confirms (#24); without them
        # no 9 either (its words on binalert's own call say the stop is done: not so here).
        options = await call_in_variables(self.sounds, found.language)
        if not options:
            for variable in keys.STOP_PIECES:
                values.pop(variable, None)
        values |= options
        for name, value in values.items():
            await self._setvar(uniqueid, name, value)
        await self._redirect(uniqueid, cv.CALLBACK_CONTEXT)

    async def _menu(self, uniqueid: str, call_id: str, claimed: str) -> bool:
        """A member's number the trunk does not assert: anyone may have written it. No message
        (the police's alerts are not read out on a claim), only the options, and whatever is
        asked is confirmed by calling the number. False: not a member's number (or no
        options to offer): the caller is answered as a stranger."""
        language = await self.line.run_db(_language_of, claimed)
        if language is None:
            return False
        menu = await self.sounds.piece("menu", language)
        if not await self._set_call_in(uniqueid, call_id, language):
            return False
        self.menus += 1
        self.requests.answered(call_id, CallIn(claimed, False, language))
        await self._setvar(uniqueid, cv.MENU_AUDIO, menu)
        await self._redirect(uniqueid, cv.MENU_CONTEXT)
        return True

    async def _set_call_in(self, uniqueid: str, call_id: str, language: str) -> bool:
        """The call-in options (another language, stop) on a call without a message; False
        when they cannot be had (speech failing): the call goes on without them."""
        values = await call_in_variables(self.sounds, language)
        if not values:
            return False
        values[cv.CALL_ID] = call_id  # the events' CallId (no attempt: nothing is stored)
        values[cv.DIGIT_TIMEOUT] = str(self.settings.digit_timeout)
        for name, value in values.items():
            await self._setvar(uniqueid, name, value)
        return True

    async def unknown_audio(self) -> str:
        return await self.sounds.piece(UNKNOWN, "nl")

    async def publish_unknown_audio(self) -> None:
        """The unknown-caller message as a global variable, for the dialplan's own timeout
        (binalert away): after every login, and again when its name changes (a signed URL
        moves on with time)."""
        try:
            audio = await self.unknown_audio()
            if audio == self._unknown_audio and self.line.ami_ready:
                return
            name, value = wire.setvar(cv.UNKNOWN_AUDIO, audio)
            await self.line.action({"Action": "Setvar", "Variable": name, "Value": value})
            self._unknown_audio = audio
        except Exception:  # speech or the PBX briefly away: the next sweep tries again
            log.exception("could not give PBX %s the unknown-caller message", self.line.pbx_name)

    async def warm_call_in(self) -> None:
        """Synthesise the call-in options in every language after a login, in the background:
        a caller waits (ringing) while binalert prepares what it says, and the first call in
        of a language would otherwise wait for a dozen pieces of speech."""
        try:
            for language in cv.MENU_LANGUAGES:
                await call_in_variables(self.sounds, language)
                await self.sounds.piece("no_alert", language)
                await self.sounds.piece("menu", language)
        except Exception:  # speech failing: a call in synthesises what it needs itself
            log.exception("could not prepare the call-in options")

    async def publish_inbound_cap(self) -> None:
        """How many calls on the BIN number the dialplan lets in at once (a global, after
        every login: a restarted PBX forgets it and falls back to the dialplan's 5)."""
        try:
            name, value = wire.setvar(cv.INBOUND_MAX, str(self.inbound_cap))
            await self.line.action({"Action": "Setvar", "Variable": name, "Value": value})
        except Exception:  # the PBX away again: the next login sets it
            log.exception("could not give PBX %s its inbound cap", self.line.pbx_name)

    def forget_published(self) -> None:
        """A new AMI session (the PBX may have restarted): publish the global again."""
        self._unknown_audio = None

    # -- AMI ------------------------------------------------------------------------------

    async def _pause_until(self, moment: float) -> None:
        delay = moment - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _elected(self, uniqueid: str) -> bool:
        for variable in (cv.ROUTED, cv.HANDLER):
            response = await self.line.action(
                {"Action": "Getvar", "Channel": uniqueid, "Variable": variable}
            )
            if response.get("Response") != "Success":
                raise AmiError(f"Getvar {variable}: {response.get('Message')}")
            value = response.get("Value") or ""
            if variable == cv.ROUTED and value:
                return False  # moved on already by another dispatcher
            if variable == cv.HANDLER and value != self.name:
                return False
        return True

    async def _setvar(self, uniqueid: str, name: str, value: str) -> None:
        name, value = wire.setvar(name, value)
        action = {"Action": "Setvar", "Channel": uniqueid, "Variable": name, "Value": value}
        response = await self.line.action(action)
        if response.get("Response") != "Success":
            raise AmiError(f"Setvar {name}: {response.get('Message')}")

    async def _redirect(self, uniqueid: str, context: str) -> None:
        action = {
            "Action": "Redirect",
            "Channel": uniqueid,
            "Context": wire.context(context),
            "Exten": "s",
            "Priority": "1",
        }
        response = await self.line.action(action)
        if response.get("Response") != "Success":
            raise AmiError(f"Redirect to {context}: {response.get('Message')}")


def _language_of(session: Any, e164: str) -> str | None:
    """The language of the first active member with this number, if any."""
    holders = members.with_phone(session, e164)
    return holders[0].language if holders else None
