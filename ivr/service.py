"""The dispatcher as a background service of `binalert serve` / `binalert worker`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from binalert.runtime import Runtime
from ivr.ami import AmiConfig, AmiConnection
from ivr.audio import AudioSource, TtsAudio
from ivr.dialer import Dialer
from ivr.recovery import reconcile

log = logging.getLogger(__name__)


class DispatcherService:
    def __init__(self, runtime: Runtime, audio: AudioSource | None = None) -> None:
        self.runtime = runtime
        self._audio = audio
        self.dialer: Dialer | None = None
        self._loop_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.runtime.settings
        ami = AmiConnection(
            AmiConfig(
                name=settings.pbx_name,
                host=settings.ami_host,
                port=settings.ami_port,
                username=settings.ami_username,
                secret=settings.ami_secret.get_secret_value(),
            ),
            on_event=lambda message: self._on_event(message),
        )
        self.dialer = Dialer(
            settings, self.runtime.store, self.runtime.bus, ami, self._audio or _no_audio()
        )
        if self._audio is None:
            self.dialer.audio = TtsAudio(settings, self.runtime.store, self.dialer.run_db)
        ami.on_ready(lambda: reconcile(self.dialer))
        ami.start()
        self._loop_task = asyncio.create_task(self.dialer.run(), name="dialer")
        log.info("dispatcher %s started for PBX %s", settings.worker_id, settings.pbx_name)

    def _on_event(self, message: object) -> None:
        if self.dialer is not None:
            self.dialer.on_event(message)  # type: ignore[arg-type]

    async def stop(self) -> None:
        if self.dialer is None:
            return
        await self.dialer.stop(self.runtime.settings.shutdown_grace)
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        await self.dialer.ami.close()
        log.info("dispatcher stopped")

    def health(self) -> dict[str, object]:
        if self.dialer is None:
            return {"dispatcher": "stopped"}
        return self.dialer.ami.health() | {"calls_in_flight": len(self.dialer.calls)}


def _no_audio() -> AudioSource:
    class _Pending:
        async def variables(self, alert_id: int, language: str) -> dict[str, str]:
            raise RuntimeError("audio source not configured")

    return _Pending()
