"""Test harness for the dialer: alerts of simulated members and a dispatcher on the lab PBX."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from binalert.announce import ALERTS_CHANGED
from binalert.db import Store
from binalert.models import Alert, Bin, CallAttempt, Delivery, Member, Membership
from binalert.phones import parse_phone
from binalert.runtime import Runtime
from binalert.settings import Settings
from ivr import channelvars as cv
from ivr.service import DispatcherService
from lab.cli import lab_environment
from lab.config import SIM_SOUNDS
from lab.pbx import LabPbx

FINAL = {"acknowledged", "unacknowledged", "unreachable", "cancelled", "expired"}


class LabSoundsAudio:
    """Short recorded prompts from the lab's Asterisk sounds: fast calls for dialer tests.
    (The speech pipeline's own audio is used by the end-to-end tests.)"""

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        return {
            cv.FIRST_AUDIO: f"{SIM_SOUNDS}/vm-intro",  # 5.7 s: long enough to press during it
            cv.REPLAY_AUDIO: f"{SIM_SOUNDS}/vm-intro",
            cv.INVALID_AUDIO: f"{SIM_SOUNDS}/beep",
            cv.THANKS_AUDIO: f"{SIM_SOUNDS}/beep",
            cv.MACHINE_AUDIO: f"{SIM_SOUNDS}/beep",
        }


def lab_settings(pbx: LabPbx, store: Store, **overrides: object) -> Settings:
    env = lab_environment(pbx)
    values: dict[str, object] = {
        "database_url": store.url,
        "ami_port": int(env["BINALERT_AMI_PORT"]),
        "ami_username": env["BINALERT_AMI_USERNAME"],
        "ami_secret": env["BINALERT_AMI_SECRET"],
        "dial_template": env["BINALERT_DIAL_TEMPLATE"],
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


def make_alert(
    store: Store,
    numbers: Sequence[str | tuple[str, str]],
    languages: Sequence[str] = ("nl",),
    valid_minutes: float = 10,
    urgent: bool = True,
) -> int:
    """An alert to one new BIN whose members have these national numbers (or pairs)."""
    now = datetime.now(UTC)
    with store.session() as s:
        bin_ = Bin(name="Test BIN", municipality="Brugge", police_zone="Brugge")
        s.add(bin_)
        s.flush()
        alert = Alert(
            created_by="test",
            incident_ref="PV-TEST",
            bin_ids=[bin_.id],
            messages={lang: f"Test message {lang}" for lang in languages},
            urgent=urgent,
            valid_from=now,
            valid_until=now + timedelta(minutes=valid_minutes),
        )
        s.add(alert)
        s.flush()
        for i, entry in enumerate(numbers):
            first, second = entry if isinstance(entry, tuple) else (entry, None)
            phones = [parse_phone(first).e164] + ([parse_phone(second).e164] if second else [])
            member = Member(
                name=f"Member {i}",
                phone=phones[0],
                second_phone=phones[1] if second else None,
                language=languages[i % len(languages)],
            )
            s.add(member)
            s.flush()
            s.add(Membership(bin_id=bin_.id, member_id=member.id))
            s.add(
                Delivery(
                    alert_id=alert.id,
                    member_id=member.id,
                    urgent=urgent,
                    language=member.language,
                    phones=phones,
                    next_attempt_at=now,
                )
            )
        return alert.id


def deliveries(store: Store, alert_id: int) -> list[Delivery]:
    with store.session() as s:
        return list(
            s.scalars(select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id))
        )


def attempts(store: Store, delivery_id: int) -> list[CallAttempt]:
    with store.session() as s:
        return list(
            s.scalars(
                select(CallAttempt)
                .where(CallAttempt.delivery_id == delivery_id)
                .order_by(CallAttempt.id)
            )
        )


def alert_status(store: Store, alert_id: int) -> str:
    with store.session() as s:
        alert = s.get(Alert, alert_id)
        assert alert is not None
        return alert.status


async def wait_until_final(store: Store, alert_id: int, timeout: float) -> list[Delivery]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await asyncio.to_thread(deliveries, store, alert_id)
        if rows and all(d.status in FINAL for d in rows):
            return rows
        if asyncio.get_running_loop().time() > deadline:
            states = {d.id: d.status for d in rows}
            raise AssertionError(f"alert {alert_id} not final after {timeout} s: {states}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running_dispatcher(
    settings: Settings, store: Store, audio: object | None = None
) -> AsyncIterator[DispatcherService]:
    runtime = Runtime(settings=settings, store=store)
    service = DispatcherService(runtime, audio=audio or LabSoundsAudio())  # type: ignore[arg-type]
    await service.start()
    try:
        assert service.dialer is not None
        await asyncio.wait_for(service.dialer.ami.ready.wait(), 15)
        runtime.bus.publish(ALERTS_CHANGED)
        yield service
    finally:
        await service.stop()
