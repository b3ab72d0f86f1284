"""The dialer: from due deliveries to calls on one PBX and back to the store.

It claims what is due (guarded, in the store), places each call with its own id and
deadline, follows the AMI events, and writes every outcome back. It is woken by events
(a new alert, a finished call, the PBX coming back, the next retry falling due), never by
a busy loop; a slow safety timer only covers other processes' alerts on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar

from panoramisk.message import Message
from sqlalchemy.exc import SQLAlchemyError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from binalert import service_calls
from binalert.clock import utcnow
from binalert.deliveries import lifecycle as deliveries
from binalert.deliveries import two_way
from binalert.deliveries.policy import RetryPolicy
from binalert.deliveries.repository import ClaimedCall, next_due_time
from binalert.models import CallOutcome
from binalert.phones import InvalidPhone
from binalert.settings import PbxSettings, Settings
from ivr import channelvars as cv
from ivr import keys, wire
from ivr.ami import AmiConnection, AmiError, NotConnected
from ivr.audio import AudioSource, SpeechFailed
from ivr.calls import (
    REASON_ANSWERED,
    CallBook,
    LiveCall,
    NotPlaced,
    outcome_of_failed_originate,
)
from ivr.health import PbxHealth, SpeechHealth
from ivr.originate import forget_action, originate_action
from ivr.ratelimit import RateLimiter
from ivr.storewriter import StoreWriter
from ivr.wire import UnsafeValue
from store.announce import ALERTS_CHANGED, DELIVERY_EVENTS
from store.bus import EventBus
from store.db import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
SAFETY_WAKE_SECONDS = 5.0
INBOUND_POLL_SECONDS = 1.0  # lines held (calls coming in, settling): how often to look for one
DRAIN_AFTER_SECONDS = 30.0  # PBX unreachable this long: its calls end as lost, retried elsewhere
RELEASE_DELAY = 10.0  # a call that could not be prepared is tried again after this
CAUSE_WAIT_SECONDS = 1.0  # a failed Originate's Hangup (with the network's cause) may come later
STORE_RETRY_SECONDS = 120.0  # how long a call's end or a press of 1 is retried (store away)
TRANSFER_SECONDS = two_way.TRANSFER_SECONDS  # a call put through to the police may last this
# The AMI events the dialer handles (the session asks Asterisk for these only), and not
# those of the second half of a Local channel pair (its Hangup would come twice).
AMI_EVENTS = ("OriginateResponse", "Hangup", "UserEvent")
AMI_EXCLUDED = (f"Uniqueid: {wire.OTHER_PREFIX}",)


class Dialer:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        bus: EventBus,
        ami: AmiConnection,
        audio: AudioSource,
        pbx: PbxSettings | None = None,
        writer: StoreWriter | None = None,
        speech_health: SpeechHealth | None = None,
    ) -> None:
        self.settings = settings
        self.pbx = pbx or settings.pbxes[0]
        self.store = store
        self.bus = bus
        self.ami = ami
        self.audio = audio
        self.calls = CallBook()
        self.policy = RetryPolicy(settings.max_attempts, settings.retry_delay_seconds)
        self.limiter = RateLimiter(self.pbx.max_cps)
        self.claim_options = deliveries.ClaimOptions(
            worker_id=settings.worker_id,
            pbx=self.pbx.name,
            call_id=wire.call_id,
            spread=len(settings.pbxes) > 1,
            call_seconds=settings.ring_timeout + settings.call_deadline,
            max_channels=self.pbx.max_channels,
        )
        # One store writer per process: the dialers of several PBXes share it, so their
        # writes share transactions and one store thread (SQLite has one writer anyway).
        self._own_pool: ThreadPoolExecutor | None = None
        if writer is None:
            self._own_pool = ThreadPoolExecutor(1, thread_name_prefix="binalert-db")
            writer = StoreWriter(store, self._own_pool)
        self.writer = writer
        self._wake = asyncio.Event()
        self._claiming = True
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reconciled = asyncio.Event()
        self.originates_sent = 0
        self._last_expiry = 0.0
        self._capped = False  # other workers hold this PBX's channels: wake on their events
        self._inbound_held = False  # calls coming in hold the channels: look again soon
        self.pbx_health = PbxHealth()
        # One per process (the speech service is): shared by the dialers of every PBX.
        self.speech_health = speech_health or SpeechHealth()
        # Someone calls the BIN number (ivr.callbacks answers it); None: the dialplan's own
        # timeout tells them what this number is.
        self.on_inbound: Callable[[Message], None] | None = None
        # Others following calls on this PBX's AMI session (ivr.service_calls): every event.
        self.listeners: list[Callable[[Message], None]] = []

    # -- plumbing -------------------------------------------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(session, *args) in a transaction on the store's thread (batched with
        whatever else is waiting: see ivr.storewriter)."""
        return await self.writer.run(fn, *args)

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("dialer task %s failed", task.get_name(), exc_info=task.exception())

    def wake(self) -> None:
        self._wake.set()

    @property
    def ready(self) -> bool:
        """Logged in to the PBX and reconciled with it: calls may be placed."""
        return self.ami.ready.is_set() and self._reconciled.is_set()

    def hold_for_reconcile(self) -> None:
        """Place nothing new until reconciled() (a reconcile with the PBX is running)."""
        self._reconciled.clear()

    def reconciled(self) -> None:
        self._reconciled.set()
        self.wake()

    def follow(self, call: LiveCall) -> None:
        """Follow a call this dialer did not place (adopted from the store) to its end."""
        self.calls.add(call)
        self.spawn(self._await_end(call), f"adopted-{call.channel_id}")

    def line(self) -> DialerLine:
        """What calls coming in on this PBX (ivr.callbacks) may use of this dialer."""
        return DialerLine(self)

    # -- the scheduling loop -------------------------------------------------------------

    async def run(self) -> None:
        async with (
            self.bus.subscribe(ALERTS_CHANGED) as alerts,
            self.bus.subscribe(DELIVERY_EVENTS) as changes,
        ):
            self.spawn(self._forward_wakeups(alerts), "alert-wakeups")
            self.spawn(self._forward_when_capped(changes), "capacity-wakeups")
            while self._claiming:
                try:
                    timeout = await self._tick()
                except Exception:  # the store may be briefly away: never let the loop die
                    log.exception("dialer %s: scheduling round failed", self.pbx.name)
                    timeout = 1.0
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):  # woken in the same turn of the loop
                        await self._wake.wait()
                self._wake.clear()

    async def _forward_when_capped(self, changes: Any) -> None:
        while True:
            await changes.wait()
            if self._capped:
                self.wake()

    async def _forward_wakeups(self, alerts: Any) -> None:
        while True:
            await alerts.wait()
            self.wake()

    async def _tick(self) -> float:
        """Expire, claim and place what is due; return how long to sleep at most."""
        moment = utcnow()
        clock = time.monotonic()
        if clock - self._last_expiry >= 1.0:
            self._last_expiry = clock
            await self.db(deliveries.expire_overdue, moment)
        if self.ready:
            await self._claim_and_place(moment)
        else:
            self._drain_if_pbx_gone()
        if self._inbound_held:
            return INBOUND_POLL_SECONDS  # calls coming in hold the lines: their end wakes nobody
        if len(self.calls) >= self.pbx.max_channels:
            return SAFETY_WAKE_SECONDS  # every line is busy: a call that ends wakes us
        next_due = await self.db(next_due_time)
        if next_due is None:
            return SAFETY_WAKE_SECONDS  # nothing due: a new alert wakes us
        if self._capped and next_due <= utcnow():
            # what is due waits for a line (other workers' calls, the channels kept for
            # urgent alerts, a line still settling after its call): a call's end or a new
            # alert wakes us, and a settling line is free within a second
            return INBOUND_POLL_SECONDS
        return min(max((next_due - utcnow()).total_seconds(), 0.01), SAFETY_WAKE_SECONDS)

    async def _claim_and_place(self, moment: datetime) -> None:
        while self._claiming:
            inbound = await self.inbound_calls()
            if inbound is None:  # unknown: as many as the dialplan lets in, at worst
                inbound = self.pbx.inbound_cap
            inbound += await self.transfer_lines() + await self.service_lines()
            free = self.pbx.max_channels - self._outbound_in_flight() - inbound
            self._inbound_held = inbound > 0 and free <= 0
            batch = min(free, max(1, int(self.pbx.max_cps)))
            if not self.pbx_health.healthy:  # one probe call per back-off, else nothing
                batch = min(batch, int(self.pbx_health.may_probe(time.monotonic())))
            if not self.speech_health.healthy:  # calls claimed here would not be placed:
                # leave them to workers that can speak; one probe call now and then
                batch = min(batch, int(self.speech_health.may_probe(time.monotonic())))
            if batch <= 0:
                return
            claimed = await self.db(
                deliveries.claim_due, moment, batch, self.claim_options, inbound
            )
            for call in claimed:
                self._track(call)
                self.spawn(self._place(call), f"call-{call.channel_id}")
            if len(claimed) < batch:
                self._capped = len(claimed) == 0 and len(self.calls) < self.pbx.max_channels
                return
            moment = utcnow()

    async def inbound_calls(self) -> int | None:
        """Calls coming in on this PBX now (members calling back, or anyone: the dialplan
        puts each in the group inbound@binalert, and lets BINALERT_INBOUND_MAX in at once).
        They hold channels of the same trunk, so every claim counts them: read live on the
        PBX, which knows them from their first ring whether or not binalert answered them
        (a row in the store would come late, and a flood would write it). None: unknown
        (the AMI user may not read it, an older dialplan may not count them)."""
        try:
            response = await self.ami.action(
                {"Action": "Getvar", "Variable": f"GROUP_COUNT({cv.INBOUND_GROUP})"}
            )
        except AmiError as error:
            log.warning("PBX %s: inbound calls unknown: %s", self.pbx.name, error)
            return None
        value = response.get("Value") or "0"
        if response.get("Response") != "Success" or not value.isdigit():
            log.warning("PBX %s: inbound calls unknown: %s", self.pbx.name, response.get("Message"))
            return None
        return int(value)

    async def transfer_lines(self) -> int:
        """Lines held by the dispatch-line legs of members put through to the police (the
        dialplan puts each such call in transfer@binalert): each is a second line of the
        trunk, beside the member's own call. Unknown: none (a transfer is capped per line
        and rare; an unreadable count is logged)."""
        try:
            response = await self.ami.action(
                {"Action": "Getvar", "Variable": f"GROUP_COUNT({cv.TRANSFER_GROUP})"}
            )
        except AmiError as error:
            log.warning("PBX %s: transfer lines unknown: %s", self.pbx.name, error)
            return 0
        value = response.get("Value") or "0"
        return int(value) if response.get("Response") == "Success" and value.isdigit() else 0

    async def service_lines(self) -> int:
        """Lines held by service calls (#24: a sign-up's verification, "you are in"; placed
        by ivr.service_calls on this PBX, by any worker). Answered, each is in
        service@binalert on the PBX; ringing, it is in no group yet (an Originate cannot set
        one), but the store knows it as being placed: the larger of the two counts."""
        in_store = await self.db(service_calls.open_on, self.pbx.name, utcnow())
        try:
            response = await self.ami.action(
                {"Action": "Getvar", "Variable": f"GROUP_COUNT({cv.SERVICE_GROUP})"}
            )
        except AmiError as error:
            log.warning("PBX %s: service call lines unknown: %s", self.pbx.name, error)
            return in_store
        value = response.get("Value") or "0"
        live = int(value) if response.get("Response") == "Success" and value.isdigit() else 0
        return max(live, in_store)

    def _outbound_in_flight(self) -> int:
        """The calls this dialer placed (the call backs it follows are inbound calls)."""
        return sum(not c.channel_id.startswith(wire.INBOUND_PREFIX) for c in self.calls.all())

    def _drain_if_pbx_gone(self) -> None:
        """The PBX has been unreachable too long: end its calls as lost so they are retried
        (by another PBX, if there is one). A late acknowledgement in its AstDB still counts."""
        lost_at = self.ami.lost_at
        if lost_at is None or time.monotonic() - lost_at < DRAIN_AFTER_SECONDS:
            return
        for call in self.calls.all():
            call.ended.set()

    def _track(self, claimed: ClaimedCall) -> LiveCall:
        call = LiveCall(
            channel_id=claimed.channel_id,
            deadline=claimed.deadline,
        )
        self.calls.add(call)
        return call

    # -- one call ------------------------------------------------------------------------

    async def _place(self, claimed: ClaimedCall) -> None:
        call = self.calls.get(claimed.channel_id)
        assert call is not None
        try:
            variables = await self.audio.variables(claimed.alert_id, claimed.language)
            self._spoke()
            await self.limiter.acquire()
            action = originate_action(self.settings, self.pbx.dial_template, claimed, variables)
        except (UnsafeValue, InvalidPhone) as error:  # this number can never be dialled
            log.error("call %s refused: %s", claimed.channel_id, error)
            await self._finish(call, CallOutcome.FAILED)
            return
        except SpeechFailed as error:  # nothing was dialled; this process cannot speak
            self.speech_failed(str(error))
            await self._release(call, f"speech engine failing: {error}", RELEASE_DELAY)
            return
        except Exception as error:  # e.g. the store briefly away: nothing dialled, try again soon
            log.exception("call %s not placed", claimed.channel_id)
            await self._release(call, f"{type(error).__name__}: {error}", RELEASE_DELAY)
            return
        await self._originate(call, action)

    async def _originate(self, call: LiveCall, action: dict[str, Any]) -> None:
        timeout = self.settings.ring_timeout + 15
        try:
            self.originates_sent += 1
            response = await self.ami.action(action, timeout=timeout)
        except NotConnected as error:
            await self._release(call, str(error))
            return
        except AmiError:
            # It may be ringing: the deadline or a reconcile decides.
            log.warning("call %s: originate fate unknown, waiting for the PBX", call.channel_id)
            await self._await_end(call)
            return
        final = response[-1] if isinstance(response, list) else response
        reason = final.get("Reason")
        if reason == REASON_ANSWERED:
            self._placed()
            call.answered_at = call.answered_at or utcnow()
            await self._await_end(call)
            return
        if call.hangup_cause is None:  # over SIP the network's answer is the Hangup's cause
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.ended.wait(), CAUSE_WAIT_SECONDS)
        outcome = outcome_of_failed_originate(reason, call.hangup_cause)
        if isinstance(outcome, NotPlaced):
            self._not_placed(outcome)
            await self._release(call, outcome.value, RELEASE_DELAY)
            return
        self._placed()
        await self._finish(call, outcome)

    def _placed(self) -> None:
        if self.pbx_health.placed():
            log.warning("PBX %s places calls again", self.pbx.name)

    def _not_placed(self, why: NotPlaced) -> None:
        now = time.monotonic()
        turned = (
            self.pbx_health.fail(why.value, now)
            if why is NotPlaced.REFUSED
            else self.pbx_health.not_placed(why.value, now)
        )
        if turned:
            log.error(
                "PBX %s is unhealthy: %s; its calls wait or go elsewhere", self.pbx.name, why.value
            )

    def _spoke(self) -> None:
        if self.speech_health.spoke():
            log.warning("speech works again on worker %s", self.settings.worker_id)

    def speech_failed(self, reason: str) -> None:
        """This process cannot speak: claim nothing until a check or a call speaks again."""
        if self.speech_health.failed(reason, time.monotonic()):
            log.error(
                "worker %s cannot speak: %s; it places no calls until speech works again",
                self.settings.worker_id,
                reason,
            )

    def mark_unhealthy(self, reason: str) -> None:
        """A check of the PBX found it cannot place calls (recovery's checks after login)."""
        if self.pbx_health.fail(reason, time.monotonic()):
            log.error(
                "PBX %s is unhealthy: %s; its calls wait or go elsewhere", self.pbx.name, reason
            )

    async def _await_end(self, call: LiveCall) -> None:
        while True:
            remaining = (call.deadline - utcnow()).total_seconds()
            try:
                async with asyncio.timeout(max(remaining, 0.1)):
                    await call.ended.wait()
                break
            except TimeoutError:
                if call.deadline > utcnow():
                    continue  # moved on meanwhile: put through to the police
                await self._hangup(call)
                await self._finish(call, call.outcome_when_lost())
                return
        await self._finish(
            call, call.outcome_after_answer() if call.answered_at else call.outcome_when_lost()
        )

    async def _hangup(self, call: LiveCall) -> None:
        # Asterisk finds a channel by name or by Uniqueid: our channel id is enough.
        with contextlib.suppress(AmiError):
            await self.ami.action({"Action": "Hangup", "Channel": call.uniqueid or call.channel_id})

    async def _finish(self, call: LiveCall, outcome: CallOutcome) -> None:
        if call.finished:
            return
        call.finished = True
        outcome = call.acknowledged_outcome or outcome
        args = (
            call.channel_id,
            outcome,
            utcnow(),
            self.policy,
            call.hangup_cause,
            call.answered_at,
        )
        written = self.writer.submit(deliveries.finish_call, *args)
        # The line is free: the claim that refills it is queued behind this write and
        # usually shares its transaction (the write comes first, so the store's count of
        # open calls on this PBX is right).
        self.calls.remove(call.channel_id)
        self.wake()
        await self._until_stored(written, deliveries.finish_call, *args)

    async def _release(self, call: LiveCall, reason: str, delay: float = 0.0) -> None:
        """The call was never placed: requeue its delivery, retrying while the store is away
        (the PBX and the database down together). The call leaves the book whatever
        happens: if the store stays away, its attempt stays open in the store, still counted
        against the PBX's channels, until the lease sweep closes it (a call still in the
        book would be skipped by the sweep, and its delivery stay `calling` for ever)."""
        call.finished = True
        args = (call.channel_id, utcnow(), reason, delay)
        try:
            written = self.writer.submit(deliveries.release, *args)
            await self._until_stored(written, deliveries.release, *args)
        finally:
            self.calls.remove(call.channel_id)

    # -- AMI events (called on the loop; must not raise, must not block) ----------------

    def on_event(self, message: Message) -> None:
        for listener in self.listeners:
            listener(message)
        name = message.event
        if name == "UserEvent":
            self._on_user_event(message)
        elif name == "Hangup":
            call = self._call_of(message.get("Uniqueid"))
            if call is not None:
                with contextlib.suppress(TypeError, ValueError):
                    call.hangup_cause = int(message.get("Cause", ""))
                call.ended.set()

    def _call_of(self, uniqueid: str | None) -> LiveCall | None:
        """The call of an event's Uniqueid: ours (`ba...`), or a call back's (Asterisk's own
        id, whose call id is made of it)."""
        call = self.calls.get(uniqueid)
        if call is None and uniqueid and not uniqueid.startswith("b"):
            call = self.calls.get(wire.inbound_call_id(uniqueid))
        return call

    def _on_user_event(self, message: Message) -> None:
        kind = message.get("UserEvent")
        if kind == cv.EVENT_INBOUND:
            if self.on_inbound is not None and self.ready:
                self.on_inbound(message)
            return
        call = self._call_of(message.get("Uniqueid")) or self.calls.get(message.get("CallId"))
        if call is None:
            return
        call.answered_at = call.answered_at or utcnow()
        key = keys.by_event(kind)  # a press of 1 or 3 (ivr.keys)
        if key is keys.ACK and not call.acknowledged:
            call.acknowledged = True
            self.spawn(self.record_ack(call.channel_id), f"ack-{call.channel_id}")
        elif key is keys.TRANSFER and not call.transferred:
            # Pressed 3: acknowledged, and the call lasts as long as the member talks to the
            # police (its deadline moves on, here and in the store).
            call.transferred = call.acknowledged = True
            call.deadline = max(call.deadline, utcnow() + timedelta(seconds=TRANSFER_SECONDS))
            self.spawn(self.record_transfer(call.channel_id), f"transfer-{call.channel_id}")
        elif kind == cv.EVENT_RESULT:
            call.result = message.get("Result")
        elif kind == cv.EVENT_AMD and message.get("Status") != cv.AMD_HUMAN:
            # A long greeting was heard: unless a 1 comes, the call ends as a machine's,
            # even if the line hangs up before the message is left again.
            call.result = cv.RESULT_MACHINE

    async def record_ack(self, channel_id: str) -> None:
        """Store a press of 1, retrying while the store is away; only then forget it in
        AstDB (where the dialplan wrote it first). If the store stays away, the key stays,
        and the next AstDB sweep (recovery) stores it."""
        args = (channel_id, keys.ACK.digit, utcnow())
        written = self.writer.submit(deliveries.acknowledge, *args)
        await self._until_stored(written, deliveries.acknowledge, *args)
        with contextlib.suppress(AmiError):
            await self.ami.action(forget_action(keys.ACK.astdb_family, channel_id))

    async def record_transfer(self, channel_id: str) -> None:
        """Store a press of 3 (put through to the police) as durably as a press of 1: retried
        while the store is away, forgotten in AstDB only once stored (recovery sweeps it)."""
        args = (channel_id, keys.TRANSFER.digit, utcnow())
        written = self.writer.submit(deliveries.acknowledge, *args)
        await self._until_stored(written, deliveries.acknowledge, *args)
        with contextlib.suppress(AmiError):
            await self.ami.action(forget_action(keys.TRANSFER.astdb_family, channel_id))

    async def _until_stored(
        self, first: asyncio.Future[Any], fn: Callable[..., Any], *args: Any
    ) -> None:
        """Wait for a write; if the store refused it, write it again (alone) until it is
        stored or STORE_RETRY_SECONDS have passed (then the error goes up)."""
        try:
            await first
            return
        except SQLAlchemyError as error:
            log.warning("store write %s failed (%s); retrying", fn.__name__, type(error).__name__)
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(SQLAlchemyError),
            wait=wait_exponential(multiplier=0.2, max=5),
            stop=stop_after_delay(STORE_RETRY_SECONDS),
            reraise=True,
        ):
            with attempt:
                await self.writer.run(fn, *args)

    # -- stopping ------------------------------------------------------------------------

    async def stop(self, grace: float) -> None:
        """Stop claiming, let calls in flight end (up to `grace` s); the rest stay in the
        store as open attempts that the next start (or another worker) reconciles."""
        self._claiming = False
        self.wake()
        waits = [c.ended.wait() for c in self.calls.all()]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), grace)
            await asyncio.sleep(0.2)  # let the tasks write their outcomes
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.writer.flush()
        if self._own_pool is not None:
            self._own_pool.shutdown(wait=True)
        log.info("dialer %s stopped: %d originates", self.pbx.name, self.originates_sent)


class DialerLine:
    """A dialer as calls coming in on its PBX see it (ivr.callbacks.Line): its store thread,
    its AMI session, the calls it follows and an alert call's variables; nothing else."""

    def __init__(self, dialer: Dialer) -> None:
        self._dialer = dialer

    @property
    def pbx_name(self) -> str:
        return self._dialer.pbx.name

    @property
    def ami_ready(self) -> bool:
        return self._dialer.ami.ready.is_set()

    async def run_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._dialer.db(fn, *args)

    def spawn(self, coro: Any, name: str) -> None:
        self._dialer.spawn(coro, name)

    async def action(self, action: dict[str, str]) -> Message:
        response: Message = await self._dialer.ami.action(action)
        return response

    def is_following(self, call_id: str) -> bool:
        return call_id in self._dialer.calls

    def follow(self, call: LiveCall) -> None:
        self._dialer.follow(call)

    def end(self, call_id: str) -> None:
        call = self._dialer.calls.get(call_id)
        if call is not None:
            call.ended.set()

    async def call_variables(self, alert_id: int, language: str) -> dict[str, str]:
        return await self._dialer.audio.variables(alert_id, language)
