"""The audio and channel variables of two-way calls (#14), for one PBX.

- `TwoWaySounds`: the two-way pieces (tts.two_way_phrases), synthesised once per language by
  the process's speech service, named as this PBX plays them (its sounds folder, or a signed
  /media URL, as ivr.audio does for an alert's pieces);
- `TransferLines`: the zone's dispatch line as a dial string over this PBX's trunk, and the
  press-3 variables an alert call gets when its zone has one;
- `WithTransfer`: an AudioSource that adds those variables to every alert call's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from binalert.media import MediaSigner, expiry
from binalert.phones import InvalidPhone, national_of
from binalert.settings import PbxSettings, Settings
from binalert.zones.repository import dispatch_number_of_alert
from ivr import channelvars as cv
from ivr import wire
from ivr.audio import MEDIA_URL_MARGIN, AudioSource
from store.db import Store
from tts import SpeechService
from tts.two_way_phrases import (
    SLOW_PIECES,
    SLOW_RATE,
    UNKNOWN_LANGUAGES,
    two_way_phrase,
)

log = logging.getLogger(__name__)
RunDb = Callable[..., Awaitable[Any]]
DISPATCH_CACHE_SECONDS = 60.0
"""How long an alert's dispatch line is reused before the store is asked again (a zone that
sets or removes its line is followed within a minute)."""
TRANSFER_PIECES = {
    cv.TRANSFER_OFFER_AUDIO: "transfer_offer",
    cv.TRANSFERRING_AUDIO: "transferring",
    cv.TRANSFER_FAILED_AUDIO: "transfer_failed",
    cv.TRANSFER_BUSY_AUDIO: "transfer_busy",
}
UNKNOWN = "unknown"


class TwoWaySounds:
    def __init__(
        self,
        settings: Settings,
        speech: SpeechService,
        pbx: PbxSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.speech = speech
        self.pbx = pbx
        self._clock = clock
        self._signer = MediaSigner.from_settings(settings)
        self._keys: dict[tuple[str, str], asyncio.Future[str]] = {}

    async def piece(self, name: str, language: str) -> str:
        """One piece in one language, as this PBX plays it."""
        return self.pbx_path(await self._key(name, language))

    async def _key(self, name: str, language: str) -> str:
        key = (name, language)
        built = self._keys.get(key)
        if built is None or (built.done() and (built.cancelled() or built.exception())):
            built = asyncio.ensure_future(asyncio.to_thread(self._synthesise, name, language))
            self._keys[key] = built
        return await asyncio.shield(built)

    def _synthesise(self, name: str, language: str) -> str:
        if name == UNKNOWN:  # every language, one after the other
            parts = [
                self.speech.synthesize(two_way_phrase(UNKNOWN, lang), lang)
                for lang in UNKNOWN_LANGUAGES
            ]
            return self.speech.join(parts).key
        rate = None
        if name in SLOW_PIECES:
            rate = round(self.speech.config.rate_for(language) * SLOW_RATE)
        return self.speech.synthesize(two_way_phrase(name, language), language, rate).key

    def pbx_path(self, key: str) -> str:
        """The sound as this PBX plays it: a path in its sounds folder, or a signed URL valid
        for at least the longest call (the rule of ivr.audio.TtsAudio.pbx_path)."""
        if self.pbx.media_base_url:
            lasting = self.settings.call_deadline + MEDIA_URL_MARGIN
            expires = expiry(self._clock(), lasting)
            return self._signer.url(self.pbx.media_base_url, key, expires)
        sounds = self.pbx.pbx_sounds_dir or self.settings.sounds_dir.resolve()
        return f"{sounds}/{key}"


class TransferLines:
    """Press 3: the dispatch line of the police zone an alert names (the zone members hear
    in its introduction), dialled over this PBX's trunk."""

    def __init__(
        self,
        store: Store,
        pbx: PbxSettings,
        sounds: TwoWaySounds,
        run_db: RunDb,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.pbx = pbx
        self.sounds = sounds
        self._run_db = run_db
        self._clock = clock
        self._lines: dict[int, tuple[float, str | None]] = {}

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        """The press-3 variables of an alert's call: none when its zone has no line (or when
        they cannot be had: an alert call never waits for press 3)."""
        try:
            dial = await self.dial_string(alert_id)
            if dial is None:
                return {}
            values = {cv.TRANSFER_DIAL: dial, cv.TRANSFER_MAX: str(self.pbx.max_transfers)}
            for variable, piece in TRANSFER_PIECES.items():
                values[variable] = await self.sounds.piece(piece, language)
        except Exception:
            log.exception("alert %s: no press 3 on this call", alert_id)
            return {}
        return values

    async def dial_string(self, alert_id: int) -> str | None:
        now = self._clock()
        cached = self._lines.get(alert_id)
        if cached is not None and now - cached[0] < DISPATCH_CACHE_SECONDS:
            return cached[1]
        number = await self._run_db(self._dispatch_number, alert_id)
        dial = None
        if number:
            try:
                dial = wire.dial_channel(self.pbx.dial_template, number, national_of(number))
            except (wire.UnsafeValue, InvalidPhone) as error:
                log.error(
                    "alert %s: the zone's dispatch line cannot be dialled: %s", alert_id, error
                )
        if len(self._lines) > 1000:
            self._lines.clear()
        self._lines[alert_id] = (now, dial)
        return dial

    def _dispatch_number(self, alert_id: int) -> str | None:
        with self.store.session() as session:
            return dispatch_number_of_alert(session, alert_id)


class WithTransfer:
    """An alert call's variables (`inner`) and, when its zone has a dispatch line, press 3."""

    def __init__(self, inner: AudioSource, lines: TransferLines) -> None:
        self.inner = inner
        self.lines = lines

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        values = await self.inner.variables(alert_id, language)
        return values | await self.lines.variables(alert_id, language)
