"""A PBX on another host: Asterisk fetches the call audio from binalert over HTTP."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from binalert.alerts.spoken import SpokenTexts
from binalert.media import GRID_SECONDS, MediaSigner
from binalert.runtime import Runtime
from binalert.settings import Settings
from ivr import wire
from ivr.audio import MEDIA_URL_MARGIN, TtsAudio
from ivr.service import DispatcherService
from lab.harness import lab_settings
from lab.pbx import LabPbx, free_port
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import deliveries

SIGNED = re.compile(r"^http://10\.0\.0\.5:8000/media/(\d+)/([0-9a-f]{64})/([a-z]{2}-[\w-]+)\.wav$")


def _serve(runtime: Runtime, port: int) -> Iterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive()
            time.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        thread.join(30)


class FakeSpeech:
    """Sound keys as the speech service names them, without synthesis."""

    def call_audio(self, language: str, *texts: object, **named: object) -> SimpleNamespace:
        names = ("intro", "message", "prompt", "invalid_key", "thanks", "machine")
        return SimpleNamespace(**{n: SimpleNamespace(key=f"{language}-{n}") for n in names})

    def join(self, parts: list[Any]) -> SimpleNamespace:
        return SimpleNamespace(key="-".join(p.key for p in parts))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _texts(fn: object, *args: object) -> SpokenTexts | None:
    if getattr(fn, "__name__", "") == "_recording":
        return None  # no message recorded by the police: all speech
    return SpokenTexts("Brugge", "BIN Centrum", "Inbraak bezig, nummerplaat 1-ABC-123.")


def _audio(sqlite_store: Store, tmp_path: Path, clock: Clock) -> tuple[TtsAudio, Settings]:
    settings = Settings(
        database_url=sqlite_store.url,
        sounds_dir=tmp_path / "sounds",
        media_base_url="http://10.0.0.5:8000/media",
        environment="test",
    )  # type: ignore[call-arg]
    speech: Any = FakeSpeech()
    return TtsAudio(settings, sqlite_store, speech, settings.pbxes[0], _texts, clock), settings


async def test_the_pbx_gets_signed_media_urls(sqlite_store: Store, tmp_path: Path) -> None:
    clock = Clock(1_800_000_123.0)
    audio, settings = _audio(sqlite_store, tmp_path, clock)
    urls = await audio.variables(7, "nl")
    signer = MediaSigner.from_settings(settings)
    lasting = settings.call_deadline + MEDIA_URL_MARGIN
    assert len(urls) == 5
    for url in urls.values():
        found = SIGNED.fullmatch(url)
        assert found, url
        expires, signature, key = found.groups()
        assert signer.expires(key, expires, signature, clock.now) == int(expires)
        assert lasting <= int(expires) - clock.now <= lasting + GRID_SECONDS
    assert wire.variables(urls)  # the AMI wire and Background() take them as they are


async def test_calls_share_a_url_until_too_little_of_it_is_left(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Asterisk's media cache keys on the whole URL: one URL per sound, not per call, or
    every call downloads every piece again."""
    clock = Clock(1_800_000_123.0)
    audio, settings = _audio(sqlite_store, tmp_path, clock)
    first = await audio.variables(7, "nl")
    expires = int(SIGNED.fullmatch(first["BINALERT_FIRST_AUDIO"]).group(1))  # type: ignore[union-attr]
    lasting = settings.call_deadline + MEDIA_URL_MARGIN
    clock.now = expires - lasting
    assert await audio.variables(7, "nl") == first  # a call placed now can still finish
    clock.now += 1
    renewed = await audio.variables(7, "nl")
    assert renewed.keys() == first.keys() and set(renewed.values()).isdisjoint(first.values())
    again = int(SIGNED.fullmatch(renewed["BINALERT_FIRST_AUDIO"]).group(1))  # type: ignore[union-attr]
    assert again - clock.now >= lasting


@pytest.mark.pbx
@pytest.mark.timeout(120)
def test_audio_reaches_the_pbx_through_its_http_media_cache(
    pbx: LabPbx, sqlite_store: Store, tmp_path: Path
) -> None:
    port = free_port()
    sounds = tmp_path / "sounds"  # outside the PBX's chroot: only HTTP can reach it
    settings = lab_settings(
        pbx,
        sqlite_store,
        sounds_dir=sounds,
        pbx_sounds_dir=None,
        media_base_url=f"http://127.0.0.1:{port}/media",
        digit_timeout=4,
    )
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services.append(DispatcherService(runtime))
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_1.number(31)])
    server = _serve(runtime, port)
    next(server)
    try:
        deadline = time.monotonic() + 90
        while deliveries(sqlite_store, alert_id)[0].status != "acknowledged":
            assert time.monotonic() < deadline, deliveries(sqlite_store, alert_id)[0].status
            time.sleep(0.2)
    finally:
        next(server, None)
    cached = pbx.rx("media cache show all")
    signed = re.findall(rf"http://127\.0\.0\.1:{port}/media/\d+/[0-9a-f]{{64}}/\S+\.wav", cached)
    assert signed, cached  # the signed URLs played: the ack needed the first piece heard
    assert any(p.suffix == ".wav" for p in sounds.iterdir())
    pbx.rx("media cache delete all")
