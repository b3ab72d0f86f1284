"""SpeechService: text -> cached, verified telephone audio; thread-safe and synchronous."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tts import audio
from tts.cache import AudioCache, cache_key
from tts.config import SpeechConfig
from tts.engines import Engine, EngineError, EspeakEngine, GttsEngine, PiperEngine
from tts.normalise import normalise
from tts.phrases import phrase
from tts.types import CallAudio, Fallback, SpeechPath, VoiceRow
from tts.voices import LANGUAGES, PLAIN, VoiceChoice, check_language, choose_voice

log = logging.getLogger(__name__)
MIN_SPEED_SHARE = 0.3  # audio shorter than 30 % of the expected duration is rejected


def plausible(seconds: float, text: str, wpm: int) -> bool:
    expected = len(text.split()) / wpm * 60
    return seconds >= min(expected * MIN_SPEED_SHARE, 0.3)


class SpeechService:
    def __init__(self, config: SpeechConfig, online: Engine | None = None) -> None:
        self.config = config
        self.cache = AudioCache(config.cache_dir)
        self.espeak = EspeakEngine()
        self.online: Engine | None = online or self._online_engine()
        self._choices = {lang: choose_voice(lang, config.voices.get(lang)) for lang in LANGUAGES}
        self._fallbacks: deque[Fallback] = deque(maxlen=200)
        self._online_down_until = 0.0
        self._lock = threading.Lock()

    def _online_engine(self) -> Engine | None:
        if self.config.engine == "gtts":
            return GttsEngine(self.config.gtts_timeout_s, self.config.gtts_attempts)
        if self.config.engine == "piper":
            return PiperEngine({k: Path(v) for k, v in self.config.piper_models.items()})
        return None

    # --- public ---------------------------------------------------------------------------
    @property
    def last_fallbacks(self) -> list[Fallback]:
        with self._lock:
            return list(self._fallbacks)

    def voices(self) -> list[VoiceRow]:
        rows = []
        for lang, choice in self._choices.items():
            if self.online is not None and not self._online_down():
                rows.append(VoiceRow(lang, f"{self.online.name}-{lang}", self.online.name, False))
            else:
                rows.append(VoiceRow(lang, choice.voice, "espeak", choice.is_fallback))
        return rows

    def synthesize(self, text: str, language: str, rate_wpm: int | None = None) -> SpeechPath:
        """One piece of speech, normalised, cached; the path of its 8 kHz WAV."""
        return self._speak(text, language, rate_wpm)[0]

    def call_audio(self, language: str, police_zone: str, bin_name: str, message: str) -> CallAudio:
        lang = check_language(language)
        say = {p: phrase(p, lang, police_zone, bin_name) for p in ("intro", "prompt", "thanks")}
        paths = {p: self.synthesize(t, lang) for p, t in say.items()}
        paths["message"], engine, voice = self._speak(message, lang)
        paths["invalid_key"] = self.synthesize(phrase("invalid_key", lang), lang)
        closing = self.synthesize(phrase("machine", lang, police_zone, bin_name), lang)
        paths["machine"] = self.join([paths["intro"], paths["message"], closing])
        return CallAudio(lang, **paths, voice=voice, engine=engine)

    def join(self, parts: list[SpeechPath]) -> SpeechPath:
        """One file of several cached pieces with section pauses (the answering-machine version)."""
        pause = self.config.section_pause_s
        key = cache_key(parts[0].key[:2], join=[p.key for p in parts], pause=pause)

        def make(out: Path) -> None:
            pairs = [audio.read_pair(p) for p in parts]
            narrow = audio.join([n for n, _ in pairs], audio.PHONE_RATE, pause)
            wide = audio.join([w for _, w in pairs], audio.WIDE_RATE, pause)
            audio.write_pair(out, narrow, wide)

        return SpeechPath(self.cache.get_or_make(key, make))

    def purge(self, older_than: timedelta | None = None) -> int:
        age = timedelta(days=self.config.max_cache_age_days) if older_than is None else older_than
        return self.cache.purge(age.total_seconds())

    # --- internals ------------------------------------------------------------------------
    def _speak(
        self, text: str, language: str, rate_wpm: int | None = None
    ) -> tuple[SpeechPath, str, str]:
        """(path, engine, voice) that really spoke `text`."""
        lang = check_language(language)
        spoken = normalise(text, lang)
        if not spoken:
            raise ValueError("nothing to say")
        wpm = rate_wpm or self.config.rate_for(lang)
        if self.online is not None and not self._online_down():
            path = self._try_online(spoken, lang, wpm)
            if path is not None:
                return path, self.online.name, f"{self.online.name}-{lang}"
        return self._offline(spoken, lang, wpm)

    def _online_down(self) -> bool:
        return time.monotonic() < self._online_down_until

    def _try_online(self, spoken: str, lang: str, wpm: int) -> SpeechPath | None:
        assert self.online is not None
        engine = self.online
        key = cache_key(lang, text=spoken, engine=engine.name, rate=wpm)
        try:
            return self._make(key, engine, spoken, lang, f"{engine.name}-{lang}", wpm)
        except EngineError as exc:
            self._online_down_until = time.monotonic() + self.config.gtts_cooldown_s
            self._record(lang, engine.name, f"espeak {self._choices[lang].voice}", str(exc))
            return None

    def _offline(self, spoken: str, lang: str, wpm: int) -> tuple[SpeechPath, str, str]:
        choice = self._choices[lang]
        try:
            return self._espeak(spoken, choice, wpm), "espeak", choice.voice
        except EngineError as exc:
            if choice.voice == PLAIN[lang]:
                raise
            self._record(lang, choice.voice, PLAIN[lang], str(exc))
            plain = VoiceChoice(lang, PLAIN[lang], True)
            return self._espeak(spoken, plain, wpm), "espeak", plain.voice

    def _espeak(self, spoken: str, choice: VoiceChoice, wpm: int) -> SpeechPath:
        key = cache_key(choice.language, text=spoken, engine="espeak", voice=choice.voice, rate=wpm)
        return self._make(key, self.espeak, spoken, choice.language, choice.voice, wpm)

    def _make(
        self, key: str, engine: Engine, spoken: str, lang: str, voice: str, wpm: int
    ) -> SpeechPath:
        def make(out: Path) -> None:
            narrow, wide = self._render(engine, spoken, lang, voice, wpm)
            audio.write_pair(out, narrow, wide)

        return SpeechPath(self.cache.get_or_make(key, make))

    def _render(
        self, engine: Engine, spoken: str, lang: str, voice: str, wpm: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Render and verify; one retry, since a single bad run must not fail an alert."""
        problem = ""
        for _ in range(2):
            x, rate = engine.render(spoken, lang, voice, wpm)
            narrow, wide = audio.telephone(x, rate)
            seconds = len(narrow) / audio.PHONE_RATE
            if plausible(seconds, spoken, wpm):
                return narrow, wide
            problem = f"{engine.name} {voice}: {seconds:.2f} s is too short for the text"
            log.warning("%s; retrying", problem)
        raise EngineError(problem)

    def _record(self, lang: str, wanted: str, used: str, reason: str) -> None:
        log.warning("TTS fallback for %s: %s -> %s (%s)", lang, wanted, used, reason)
        with self._lock:
            self._fallbacks.append(Fallback(datetime.now(UTC), lang, wanted, used, reason))
