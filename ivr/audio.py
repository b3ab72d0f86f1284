"""The audio of a call, as channel variables: synthesised once per alert and language."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from binalert.alerts.spoken import SpokenTexts, alert_texts
from binalert.db import Store
from binalert.settings import PbxSettings, Settings
from ivr import channelvars as cv
from tts import SpeechService

RunDb = Callable[..., Awaitable[Any]]


def _key(piece: Any) -> str:
    """A sound's name without extension: what Asterisk's Playback takes."""
    return str(getattr(piece, "key", None) or Path(piece).stem)


class AudioSource(Protocol):
    async def variables(self, alert_id: int, language: str) -> dict[str, str]: ...


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
    ) -> None:
        self.settings = settings
        self.store = store
        self.speech = speech
        self.pbx = pbx
        self._run_db = run_db
        self._cache: dict[tuple[int, str], asyncio.Future[dict[str, str]]] = {}

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
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
        return await asyncio.to_thread(self._synthesise, language, *texts)

    def _synthesise(self, language: str, zone: str, bin_name: str, message: str) -> dict[str, str]:
        audio = self.speech.call_audio(
            language=language, police_zone=zone, bin_name=bin_name, message=message
        )
        join = self.speech.join
        pieces = {
            cv.FIRST_AUDIO: join([audio.intro, audio.message, audio.prompt]),
            cv.REPLAY_AUDIO: join([audio.message, audio.prompt]),
            cv.INVALID_AUDIO: join([audio.invalid_key, audio.prompt]),
            cv.THANKS_AUDIO: audio.thanks,
            cv.MACHINE_AUDIO: audio.machine,
        }
        return {name: self.pbx_path(_key(piece)) for name, piece in pieces.items()}

    def pbx_path(self, key: str) -> str:
        if self.pbx.media_base_url:
            return f"{self.pbx.media_base_url.rstrip('/')}/{key}.wav"
        sounds = self.pbx.pbx_sounds_dir or self.settings.sounds_dir.resolve()
        return f"{sounds}/{key}"

    def _alert_texts(self, alert_id: int, language: str) -> SpokenTexts:
        with self.store.session() as session:
            return alert_texts(session, alert_id, language)
