"""The audio and channel variables of two-way calls (#14), for one PBX.

- `TwoWaySounds`: the two-way pieces (tts.phrases), synthesised once per language by
  the process's speech service, named as this PBX plays them (ivr.audio.PbxSounds);
- `TransferLines`: the zone's dispatch line as a dial string over this PBX's trunk, and the
  press-3 variables (ivr.keys) an alert call gets when it offers 3 (an urgent alert whose
  zone has a line; its messages and follow-ups only where the zone asks);
- `WithTransfer`: an AudioSource that adds those variables to every alert call's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from binalert.phones import InvalidPhone, national_of
from binalert.settings import PbxSettings, Settings
from binalert.zones.repository import dispatch_number_of_alert
from ivr import channelvars as cv
from ivr import keys, wire
from ivr.audio import AudioSource, PbxSounds
from store.db import Store
from tts import SpeechPath, SpeechService
from tts.phrases import KEY_PIECES, PROMPT_RATE, UNKNOWN_LANGUAGES, phrase

log = logging.getLogger(__name__)
RunDb = Callable[..., Awaitable[Any]]
DISPATCH_CACHE_SECONDS = 60.0
"""How long an alert's dispatch line is reused before the store is asked again (a zone that
sets or removes its line is followed within a minute)."""
UNKNOWN = "unknown"
LANGUAGES = "languages"  # the language menu: each language's own line, in itself (#24)


class TwoWaySounds:
    def __init__(
        self,
        settings: Settings,
        speech: SpeechService,
        pbx: PbxSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.speech = speech
        self.names = PbxSounds(settings, pbx, clock)
        self._sounds: dict[tuple[str, str], asyncio.Future[SpeechPath]] = {}

    async def piece(self, name: str, language: str) -> str:
        """One piece in one language, as this PBX plays it."""
        return self.names.name((await self.sound(name, language)).key)

    async def sound(self, name: str, language: str) -> SpeechPath:
        """One piece in one language: its audio, synthesised once."""
        key = (name, language)
        built = self._sounds.get(key)
        if built is None or (built.done() and (built.cancelled() or built.exception())):
            built = asyncio.ensure_future(asyncio.to_thread(self._synthesise, name, language))
            self._sounds[key] = built
        return await asyncio.shield(built)

    def _synthesise(self, name: str, language: str) -> SpeechPath:
        if name == UNKNOWN:  # every language, one after the other
            parts = [
                self.speech.synthesize(phrase(UNKNOWN, lang), lang) for lang in UNKNOWN_LANGUAGES
            ]
            return self.speech.join(parts)
        if name == LANGUAGES:  # "Voor Nederlands: druk op 1. Pour le français : ..."
            rate_of = self.speech.config.rate_for
            parts = [
                self.speech.synthesize(
                    phrase("language_choice", lang), lang, round(rate_of(lang) * PROMPT_RATE)
                )
                for lang in cv.MENU_LANGUAGES
            ]
            return self.speech.join(parts)
        rate = None
        if name in KEY_PIECES:
            rate = round(self.speech.config.rate_for(language) * PROMPT_RATE)
        return self.speech.synthesize(phrase(name, language), language, rate)


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
        """The press-3 variables of an alert's call: none when it does not offer 3 (or when
        they cannot be had: an alert call never waits for press 3)."""
        try:
            dial = await self.dial_string(alert_id)
            if dial is None:
                return {}
            values = {keys.TRANSFER_DIAL: dial, cv.TRANSFER_MAX: str(self.pbx.max_transfers)}
            for variable, piece in keys.TRANSFER_PIECES.items():
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
