"""The dispatcher as a background service of `binalert serve` / `binalert worker`.

One Dialer per configured PBX, each with its own AMI connection and trunk limits; they
share the store, so a PBX with free channels simply claims more of the due deliveries.
Beside each dialer runs its recovery: a reconcile after every AMI login, and a periodic
sweep for the calls of dead workers on that PBX.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from binalert.runtime import Runtime
from binalert.settings import PbxSettings
from ivr.ami import AmiConfig, AmiConnection
from ivr.audio import AudioSource, TtsAudio
from ivr.callbacks import CallBacks
from ivr.dialer import Dialer
from ivr.recovery import Recovery
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
        self._tasks: list[asyncio.Task[None]] = []
        self._db_pool = ThreadPoolExecutor(1, thread_name_prefix="binalert-db")
        self._writer = StoreWriter(runtime.store, self._db_pool)

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
        )
        call_backs = CallBacks(dialer.line(), sounds, settings, pbx.inbound_cap)
        dialer.on_inbound = call_backs.on_inbound
        self.call_backs.append(call_backs)
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

    async def _run_db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(*args) (which opens its own session) on the store thread the dialers share."""
        return await asyncio.get_running_loop().run_in_executor(self._db_pool, fn, *args)

    async def stop(self) -> None:
        grace = self.runtime.settings.shutdown_grace
        await asyncio.gather(*(d.stop(grace) for d in self.dialers))
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(d.ami.close() for d in self.dialers))
        self._db_pool.shutdown(wait=True)
        log.info(
            "dispatcher stopped: %d store jobs in %d transactions",
            self._writer.jobs,
            self._writer.transactions,
        )

    def health(self) -> dict[str, object]:
        if not self.dialers:
            return {"dispatcher": "stopped", "connected": False}
        pbxes = [d.ami.health() | _pbx_state(d) for d in self.dialers]
        return {
            "connected": all(p["connected"] for p in pbxes),
            "healthy": all(p["healthy"] for p in pbxes),
            "calls_in_flight": sum(len(d.calls) for d in self.dialers),
            "reconnects": sum(d.ami.reconnects for d in self.dialers),
            "pbxes": pbxes,
        }


def _pbx_state(dialer: Dialer) -> dict[str, object]:
    health = dialer.pbx_health
    return {"calls_in_flight": len(dialer.calls), "healthy": health.healthy, "why": health.reason}
