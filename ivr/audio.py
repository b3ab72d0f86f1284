"""The audio of a call, as channel variables: synthesised once per alert and language."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from binalert.alerts.recorded import call_audio, recording_path
from binalert.alerts.spoken import SpokenTexts, alert_recording, alert_texts
from binalert.media import MediaSigner, expiry
from binalert.settings import PbxSettings, Settings
from ivr import channelvars as cv
from store.db import Store
from tts import SpeechPath, SpeechService

RunDb = Callable[..., Awaitable[Any]]
MEDIA_URL_MARGIN = 300
"""Seconds a media URL stays valid beyond the longest call (BINALERT_CALL_DEADLINE)."""


def _key(piece: Any) -> str:
    """A sound's name without extension: what Asterisk's Playback takes."""
    return str(getattr(piece, "key", None) or Path(piece).stem)


class SpeechFailed(RuntimeError):
    """The call's speech could not be made (engine missing or failing, sounds folder
    unwritable): nothing was dialled, and the process cannot speak (ivr.health.SpeechHealth)."""


class AudioSource(Protocol):
    async def variables(self, alert_id: int, language: str) -> dict[str, str]: ...


class PbxSounds:
    """How one PBX names the sounds binalert made (the one place that decides it): a path in
    its sounds folder, or, where it fetches them over HTTP, a signed URL."""

    def __init__(
        self, settings: Settings, pbx: PbxSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.pbx = pbx
        self._clock = clock
        self._signer = MediaSigner.from_settings(settings)

    def name(self, key: str) -> str:
        """The sound `key` (a file name without extension) as this PBX plays it.

        A URL is valid for at least the longest call plus a margin, and there is one per sound
        and expiry window, not one per call: Asterisk's media cache keys on the whole URL, so
        a URL per call would download every piece again for every call (and keep a copy per
        call on the PBX). The expiry lies on a fixed grid (binalert.media), so every call, and
        every dispatcher process, hands out the same URL until too little of its validity is
        left for a whole call; from then on the next one."""
        if self.pbx.media_base_url:
            lasting = self.settings.call_deadline + MEDIA_URL_MARGIN
            expires = expiry(self._clock(), lasting)
            return self._signer.url(self.pbx.media_base_url, key, expires)
        sounds = self.pbx.pbx_sounds_dir or self.settings.sounds_dir.resolve()
        return f"{sounds}/{key}"


class TtsAudio:
    """Synthesises an alert's pieces with the speech service and names them as one PBX
    sees them."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        speech: SpeechService,
        pbx: PbxSettings,
        run_db: RunDb,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.speech = speech
        self.pbx = pbx
        self._run_db = run_db
        self.sounds = PbxSounds(settings, pbx, clock)
        self._cache: dict[tuple[int, str], asyncio.Future[dict[str, str]]] = {}

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        sounds = await self._sounds(alert_id, language)
        return {name: self.sounds.name(sound) for name, sound in sounds.items()}

    async def _sounds(self, alert_id: int, language: str) -> dict[str, str]:
        """Each channel variable's sound key, synthesised once per alert and language."""
        key = (alert_id, language)
        if key not in self._cache:
            self._cache[key] = asyncio.ensure_future(self._build(alert_id, language))
        else:
            built = self._cache[key]
            if built.done() and not built.cancelled() and built.exception() is None:
                return built.result()  # the usual case: this alert is already spoken
        try:
            return await asyncio.shield(self._cache[key])
        except Exception:
            self._cache.pop(key, None)
            raise

    async def _build(self, alert_id: int, language: str) -> dict[str, str]:
        texts: SpokenTexts = await self._run_db(self._alert_texts, alert_id, language)
        recording = await self._run_db(self._recording, alert_id, language)
        try:
            return await asyncio.to_thread(self._synthesise, language, texts, recording)
        except Exception as error:  # whatever the engine raised: this process cannot speak
            raise SpeechFailed(f"{type(error).__name__}: {error}") from error

    def _synthesise(
        self,
        language: str,
        texts: SpokenTexts,
        recording: SpeechPath | None = None,
    ) -> dict[str, str]:
        """The pieces; the police's own recording, if the alert has one, is the message."""
        audio = call_audio(self.speech, language, texts, recording)
        join = self.speech.join
        pieces = {
            cv.FIRST_AUDIO: join([audio.intro, audio.message, audio.prompt]),
            cv.REPLAY_AUDIO: join([audio.message, audio.prompt]),
            cv.INVALID_AUDIO: join([audio.invalid_key, audio.prompt]),
            cv.THANKS_AUDIO: audio.thanks,
            cv.MACHINE_AUDIO: audio.machine,
        }
        return {name: _key(piece) for name, piece in pieces.items()}

    def _alert_texts(self, alert_id: int, language: str) -> SpokenTexts:
        with self.store.session() as session:
            return alert_texts(session, alert_id, language)

    def _recording(self, alert_id: int, language: str) -> SpeechPath | None:
        with self.store.session() as session:
            key = alert_recording(session, alert_id, language)
        return None if key is None else recording_path(self.speech.config.cache_dir, key)
