"""The dispatcher as a background service of `binalert serve` / `binalert worker`.

One Dialer per configured PBX, each with its own AMI connection and trunk limits; they
share the store, so a PBX with free channels simply claims more of the due deliveries.
Beside each dialer runs its recovery: a reconcile after every AMI login, and a periodic
sweep for the calls of dead workers on that PBX. Every few seconds the service writes a
heartbeat per PBX (binalert.workers): whether it is logged in, the PBX places calls and this
process can speak, so that /ready, /metrics and the police's pages tell the truth wherever
the dialers run. It checks its speech at start, and again while it cannot speak.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from binalert.clock import utcnow
from binalert.runtime import Runtime
from binalert.settings import PbxSettings, sms_configured
from binalert.workers import repository as heartbeats
from binalert.workers.health import STALE_BEATS, DialerReport, report_of
from ivr.ami import AmiConfig, AmiConnection
from ivr.audio import AudioSource, TtsAudio
from ivr.callbacks import CallBacks
from ivr.dialer import Dialer
from ivr.health import SpeechHealth
from ivr.recovery import Recovery
from ivr.service_calls import ServiceCalls
from ivr.storewriter import StoreWriter
from ivr.two_way import TransferLines, TwoWaySounds, WithTransfer

log = logging.getLogger(__name__)
T = TypeVar("T")
SWEEP_SECONDS = 15.0  # how often to look for dead workers' calls and for unstored presses of 1


class DispatcherService:
    def __init__(self, runtime: Runtime, audio: AudioSource | None = None) -> None:
        """`audio`: one source for every PBX (tests); by default the runtime's speech."""
        self.runtime = runtime
        self._audio = audio
        self.dialers: list[Dialer] = []
        self.call_backs: list[CallBacks] = []
        self.service_calls: list[ServiceCalls] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._db_pool = ThreadPoolExecutor(1, thread_name_prefix="binalert-db")
        self._writer = StoreWriter(runtime.store, self._db_pool)
        self.speech_health = SpeechHealth()
        self.speech_checks = 0  # SpeechService.check() runs so far (start, then while failing)
        self._beating = False  # a heartbeat could not be written: log it once, not each time
        self._last_beat: asyncio.Future[None] | None = None

    @property
    def dialer(self) -> Dialer | None:
        """The first PBX's dialer (the only one in a single-PBX setup)."""
        return self.dialers[0] if self.dialers else None

    async def start(self) -> None:
        settings = self.runtime.settings
        for pbx in settings.pbxes:
            dialer, recovery = self._dialer_for(pbx)
            self.dialers.append(dialer)
            dialer.ami.start()
            self._tasks.append(asyncio.create_task(dialer.run(), name=f"dialer-{pbx.name}"))
            self._tasks.append(
                asyncio.create_task(
                    self._sweep(dialer, recovery, self.call_backs[-1]), name=f"sweep-{pbx.name}"
                )
            )
        for service_calls in self.service_calls:
            name = f"service-calls-{service_calls.pbx.name}"
            self._tasks.append(asyncio.create_task(service_calls.run(), name=name))
        self._tasks.append(asyncio.create_task(self._heartbeat(), name="heartbeat"))
        if self._audio is None:  # the runtime's speech: check that it speaks
            self._tasks.append(asyncio.create_task(self._watch_speech(), name="speech-check"))
        names = ", ".join(p.name for p in settings.pbxes)
        log.info("dispatcher %s started for PBX %s", settings.worker_id, names)

    def _dialer_for(self, pbx: PbxSettings) -> tuple[Dialer, Recovery]:
        settings = self.runtime.settings
        config = AmiConfig(
            name=pbx.name,
            host=pbx.ami_host,
            port=pbx.ami_port,
            username=pbx.ami_username,
            secret=pbx.ami_secret.get_secret_value(),
        )  # events: the PBX sends AMI_EVENTS only (manager.conf eventfilter; no Filter right)
        ami = AmiConnection(config, on_event=lambda message: dialer.on_event(message))
        audio = self._audio or TtsAudio(
            settings, self.runtime.store, self.runtime.speech, pbx, self._run_db
        )
        # Two-way calls (#14): press 3 where the zone has a dispatch line, and call backs.
        sounds = TwoWaySounds(settings, self.runtime.speech, pbx)
        lines = TransferLines(self.runtime.store, pbx, sounds, self._run_db)
        dialer = Dialer(
            settings,
            self.runtime.store,
            self.runtime.bus,
            ami,
            WithTransfer(audio, lines),
            pbx,
            self._writer,
            self.speech_health,
        )
        call_backs = CallBacks(dialer.line(), sounds, settings, pbx.inbound_cap)
        dialer.on_inbound = call_backs.on_inbound
        self.call_backs.append(call_backs)
        # Service calls (#24): verification and "you are in", on the dialer's AMI session.
        service_calls = ServiceCalls(dialer, self.runtime.speech, sms_configured(settings))
        dialer.listeners.append(service_calls.on_event)
        self.service_calls.append(service_calls)
        recovery = Recovery(dialer)
        ami.on_ready(recovery.reconcile)
        ami.on_ready(call_backs.forget_published)
        ami.on_ready(call_backs.publish_unknown_audio)
        ami.on_ready(call_backs.publish_inbound_cap)
        return dialer, recovery

    async def _sweep(self, dialer: Dialer, recovery: Recovery, call_backs: CallBacks) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            if not dialer.ready:
                continue
            try:
                await recovery.sweep_expired_leases()
                await recovery.store_acknowledgements()
                await recovery.check_pbx()
                await call_backs.publish_unknown_audio()
            except Exception:  # the store or the PBX briefly away: the next round retries
                log.exception("lease sweep on PBX %s failed", dialer.pbx.name)

    # -- health: heartbeats and speech ---------------------------------------------------

    async def _heartbeat(self) -> None:
        """Say every few seconds, in the store, what each PBX's dialer can do. Not on the
        dialers' store thread: a long claim must not make this worker look dead."""
        interval = self.runtime.settings.heartbeat_seconds
        while True:
            if self._last_beat is None or self._last_beat.done():  # else the last write
                # still hangs (the store away): one at a time, never a pile of threads
                await self._beat(interval)
            await asyncio.sleep(interval)

    async def _beat(self, interval: float) -> None:
        reports = [self.report(d) for d in self.dialers]
        write = asyncio.ensure_future(asyncio.to_thread(self._write_beat, reports))
        write.add_done_callback(_retrieved)  # a write that fails after its wait: no warning
        self._last_beat = write
        try:
            await asyncio.wait_for(asyncio.shield(write), interval * STALE_BEATS)
            if self._beating:
                log.warning("heartbeat written again")
            self._beating = False
        except Exception as error:  # the store away: readers see the heartbeat age
            if not self._beating:
                log.warning("heartbeat not written: %s", type(error).__name__)
            self._beating = True

    def _write_beat(self, reports: list[DialerReport]) -> None:
        with self.runtime.store.session() as session:
            heartbeats.beat(session, reports)

    def report(self, dialer: Dialer) -> DialerReport:
        """What this process says about one PBX: binalert.workers judges it."""
        settings = self.runtime.settings
        ami = dialer.ami
        lost = ami.last_error
        if ami.ready.is_set() and not ami.answering:
            lost = f"no answer for {ami.silent_for():.0f} s"
        return report_of(
            settings.worker_id,
            dialer.pbx.name,
            connected=ami.answering,
            placing=dialer.pbx_health.healthy,
            speaking=self.speech_health.healthy,
            problems=(lost, dialer.pbx_health.reason, self.speech_health.reason),
            now=utcnow(),
            interval_seconds=settings.heartbeat_seconds,
        )

    async def _watch_speech(self) -> None:
        await self._check_speech()
        while True:
            await asyncio.sleep(1.0)
            if self.speech_health.may_probe(time.monotonic()):
                await self._check_speech()

    async def _check_speech(self) -> None:
        try:
            problem = await asyncio.to_thread(self.runtime.speech.check)
        except Exception as error:  # a check that crashes is a failing engine too
            problem = f"{type(error).__name__}: {error}"
        self.speech_checks += 1
        if problem is None:
            if self.speech_health.spoke():
                log.warning("worker %s can speak again", self.runtime.settings.worker_id)
                for dialer in self.dialers:
                    dialer.wake()
        elif self.dialers:
            self.dialers[0].speech_failed(problem)

    async def _run_db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) (which opens its own session) on the store thread the dialers share."""
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    async def stop(self) -> None:
        grace = self.runtime.settings.shutdown_grace
        for service_calls in self.service_calls:
            service_calls.stop()
        await asyncio.gather(*(d.stop(grace) for d in self.dialers))
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(d.ami.close() for d in self.dialers))
        await self._forget_heartbeats()
        self._db_pool.shutdown(wait=True)
        log.info(
            "dispatcher stopped: %d store jobs in %d transactions",
            self._writer.jobs,
            self._writer.transactions,
        )

    async def _forget_heartbeats(self) -> None:
        """A clean stop: this worker dials no more, at once (not three heartbeats later)."""
        worker = self.runtime.settings.worker_id
        if self._last_beat is not None:  # a heartbeat still being written must not come back
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._last_beat, 5.0)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._forget, worker), 5.0)
        except Exception as error:  # the store away: the heartbeat goes stale by itself
            log.warning("heartbeat of %s not removed: %s", worker, type(error).__name__)

    def _forget(self, worker: str) -> None:
        with self.runtime.store.session() as session:
            heartbeats.forget(session, worker)

    def health(self) -> dict[str, object]:
        if not self.dialers:
            return {"dispatcher": "stopped", "connected": False}
        speech = {
            "speech_healthy": self.speech_health.healthy,
            "speech_why": self.speech_health.reason,
        }
        worker = {"worker": self.runtime.settings.worker_id}
        pbxes = [d.ami.health() | _pbx_state(d) | speech | worker for d in self.dialers]
        return {
            "connected": all(p["connected"] for p in pbxes),
            "healthy": all(p["healthy"] for p in pbxes) and self.speech_health.healthy,
            "calls_in_flight": sum(len(d.calls) for d in self.dialers),
            "reconnects": sum(d.ami.reconnects for d in self.dialers),
            "pbxes": pbxes,
        }


def _pbx_state(dialer: Dialer) -> dict[str, object]:
    health = dialer.pbx_health
    return {"calls_in_flight": len(dialer.calls), "healthy": health.healthy, "why": health.reason}


def _retrieved(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
