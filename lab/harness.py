"""A dispatcher on a lab Asterisk, for the tests and the bench: settings that point at the
lab and its simulated members, short recorded prompts instead of speech, and a running
DispatcherService in this process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from binalert.models import OPEN_DELIVERY_STATUSES, DeliveryStatus
from binalert.runtime import Runtime
from binalert.settings import Settings
from ivr import channelvars as cv
from ivr.service import DispatcherService
from lab.cli import lab_environment
from lab.config import SIM_SOUNDS
from lab.pbx import LabPbx
from store.announce import ALERTS_CHANGED
from store.db import Store

FINAL = frozenset(s.value for s in DeliveryStatus if s not in OPEN_DELIVERY_STATUSES)
"""The statuses a delivery ends in (acknowledged, unacknowledged, unreachable, ...)."""


class LabSoundsAudio:
    """Short recorded prompts from the lab's Asterisk sounds: fast calls for dialer tests.
    (The speech pipeline's own audio is used by the end-to-end tests.) The first message is
    vm-intro (5.7 s: long enough to press during it); a long one (demo-congrats, 30 s) gives
    the line time to play a whole answering-machine greeting while binalert speaks, as a
    real alert message does."""

    def __init__(self, first: str = "vm-intro", stop: bool = False) -> None:
        self.first = first
        # The offer of 9 (#24) lengthens every call (after a 1 too): the dialer tests keep the
        # short calls they time and count; the tests of press 9 ask for it.
        self.offers_stop = stop

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        return {
            cv.FIRST_AUDIO: f"{SIM_SOUNDS}/{self.first}",
            cv.REPLAY_AUDIO: f"{SIM_SOUNDS}/vm-intro",
            cv.INVALID_AUDIO: f"{SIM_SOUNDS}/beep",
            cv.THANKS_AUDIO: f"{SIM_SOUNDS}/beep",
            cv.MACHINE_AUDIO: f"{SIM_SOUNDS}/beep",
        }


def lab_settings(pbx: LabPbx, store: Store, **overrides: object) -> Settings:
    """Settings for a dispatcher on `pbx` and `store`: quick calls, quick retries, no AMD."""
    env = lab_environment(pbx)
    values: dict[str, object] = {
        "database_url": store.url,
        "ami_port": int(env["BINALERT_AMI_PORT"]),
        "ami_username": env["BINALERT_AMI_USERNAME"],
        "ami_secret": env["BINALERT_AMI_SECRET"],
        "dial_template": env["BINALERT_DIAL_TEMPLATE"],
        "caller_id": env["BINALERT_CALLER_ID"],
        "sounds_dir": Path(env["BINALERT_SOUNDS_DIR"]),
        "pbx_sounds_dir": Path(env["BINALERT_PBX_SOUNDS_DIR"]),
        "environment": "test",
        "ring_timeout": 8,
        "retry_delays": "1",
        "max_cps": 50,
        "max_channels": 40,
        "amd_enabled": False,
        "digit_timeout": 3,
        "shutdown_grace": 5,
        "worker_id": "test-worker",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running_dispatcher(
    settings: Settings, store: Store, audio: object | None = None, speech: bool = False
) -> AsyncIterator[DispatcherService]:
    """A started dispatcher (with LabSoundsAudio unless told otherwise, or with the real
    speech of production when `speech`), logged in to its PBX and told to look for due
    deliveries; stopped on leaving."""
    runtime = Runtime(settings=settings, store=store)
    source = None if speech else audio or LabSoundsAudio()
    service = DispatcherService(runtime, audio=source)  # type: ignore[arg-type]
    await service.start()
    try:
        assert service.dialer is not None
        await asyncio.wait_for(service.dialer.ami.ready.wait(), 15)
        runtime.bus.publish(ALERTS_CHANGED)
        yield service
    finally:
        await service.stop()
