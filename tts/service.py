"""SpeechService: text -> cached, verified telephone audio; thread-safe and synchronous."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from tts import audio
from tts.cache import AudioCache, cache_key
from tts.config import SpeechConfig
from tts.engines import Engine, EngineError, EspeakEngine, GttsEngine, PicoEngine, PiperEngine
from tts.normalise import normalise, pieces, plain
from tts.phrases import PROMPT_RATE, phrase
from tts.types import CallAudio, Fallback, SpeechPath, VoiceRow
from tts.voices import (
    LANGUAGES,
    PLAIN,
    VoiceChoice,
    check_language,
    choose_voice,
    engine_of,
)

log = logging.getLogger(__name__)
MIN_SPEED_SHARE = 0.3  # audio shorter than 30 % of the expected duration is rejected
# Key facts (plates, phone numbers; marked by the normaliser) are their own pieces: a pause
# before and after each, spoken at FACT_RATE of the text's rate. Chosen with the
# intelligibility bench (docs/tts.md).
FACT_PAUSE_S = 0.6
FACT_RATE = 0.85
CHECK_TEXT = "binalert"  # what SpeechService.check() says in each language


def plausible(seconds: float, text: str, wpm: int) -> bool:
    expected = len(plain(text).split()) / wpm * 60
    return seconds >= min(expected * MIN_SPEED_SHARE, 0.3)


class SpeechService:
    def __init__(self, config: SpeechConfig, online: Engine | None = None) -> None:
        self.config = config
        self.cache = AudioCache(config.cache_dir)
        self.espeak = EspeakEngine()
        self.pico = PicoEngine()
        self.piper = PiperEngine(dict(config.piper_models), config.voices_dir)
        self.online: Engine | None = online or self._online_engine()
        self._choices = {lang: self._choose(lang) for lang in LANGUAGES}
        self._fallbacks: deque[Fallback] = deque(maxlen=200)
        self._online_down_until = 0.0
        self._lock = threading.Lock()
        # pieces of one text (text, plate, repeat, ...) are rendered side by side: espeak-ng and
        # pico2wave are processes, and a plate adds three of them to a message
        self._pieces = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tts-piece")

    def _online_engine(self) -> Engine | None:
        if self.config.engine == "gtts":
            return GttsEngine(self.config.gtts_timeout_s, self.config.gtts_attempts)
        return None

    def _choose(self, lang: str) -> VoiceChoice:
        """The voice per language: the configured one, or with engine="piper" the language's
        Piper model (piper_models), or the default; plain espeak-ng when it cannot speak."""
        wanted = self.config.voices.get(lang)
        if wanted is None and self.config.engine == "piper" and lang in self.config.piper_models:
            wanted = f"piper:{Path(self.config.piper_models[lang]).stem}"
        if wanted is not None and engine_of(wanted) == "piper":
            if self.piper.available(lang, wanted):
                return VoiceChoice(lang, wanted, is_fallback=False)
            reason = f"Piper voice {wanted} not installed (binalert tts install-voice NAME)"
            log.warning("%s; using plain espeak-ng voice %s", reason, PLAIN[lang])
            return VoiceChoice(lang, PLAIN[lang], is_fallback=True, reason=reason)
        return choose_voice(lang, wanted, self.config.voices_dir)

    def engine_for(self, voice: str) -> Engine:
        """The engine that speaks `voice` (looked up at each call, so tests can swap one)."""
        engine = engine_of(voice)
        if engine == "pico":
            return self.pico
        if engine == "piper":
            return self.piper
        return self.espeak

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
                rows.append(VoiceRow(lang, choice.voice, choice.engine, choice.is_fallback))
        return rows

    def synthesize(self, text: str, language: str, rate_wpm: int | None = None) -> SpeechPath:
        """One piece of speech, normalised, cached; the path of its 8 kHz WAV."""
        return self._speak(text, language, rate_wpm)[0]

    def call_audio(
        self, language: str, police_zone: str, bin_name: str, message: str, urgent: bool = True
    ) -> CallAudio:
        """The pieces of a call; a non-urgent message (urgent=False) is not introduced as an
        urgent one."""
        lang = check_language(language)
        intro = "intro" if urgent else "intro_notice"
        say = {"intro": phrase(intro, lang, police_zone, bin_name)}
        say["thanks"] = phrase("thanks", lang, police_zone, bin_name)
        paths = {p: self.synthesize(t, lang) for p, t in say.items()}
        paths["message"], engine, voice = self._speak(message, lang)
        slow = round(self.config.rate_for(lang) * PROMPT_RATE)
        paths["prompt"] = self.synthesize(phrase("prompt", lang), lang, rate_wpm=slow)
        paths["invalid_key"] = self.synthesize(phrase("invalid_key", lang), lang, rate_wpm=slow)
        closing_piece = "machine" if urgent else "machine_notice"
        closing = self.synthesize(phrase(closing_piece, lang, police_zone, bin_name), lang)
        paths["machine"] = self.join([paths["intro"], paths["message"], closing])
        return CallAudio(
            lang, **paths, voice=voice, engine=engine, section_pause_s=self.config.section_pause_s
        )

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

    def check(self) -> str | None:
        """Whether this process can speak now: each language's voice renders a short text
        afresh (not from the cache, which would hide an engine gone since) and the cache
        folder takes files. None, or what fails (a worker reports it as its health)."""
        try:
            with tempfile.NamedTemporaryFile(dir=self.cache.directory):
                pass
        except OSError as exc:
            return f"the sounds folder takes no files: {exc}"
        for lang, choice in self._choices.items():
            try:
                self.engine_for(choice.voice).render(CHECK_TEXT, lang, choice.voice, 140)
            except EngineError as exc:
                return str(exc)
        return None

    def purge(self, older_than: timedelta | None = None) -> int:
        age = timedelta(days=self.config.max_cache_age_days) if older_than is None else older_than
        return self.cache.purge(age.total_seconds())

    # --- internals ------------------------------------------------------------------------
    def _speak(
        self, text: str, language: str, rate_wpm: int | None = None
    ) -> tuple[SpeechPath, str, str]:
        """(path, engine, voice) that really spoke `text`."""
        lang = check_language(language)
        spoken = normalise(text, lang, self.config.plate_style_for(lang))
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
            choice = self._choices[lang]
            self._record(lang, engine.name, f"{choice.engine} {choice.voice}", str(exc))
            return None

    def _offline(self, spoken: str, lang: str, wpm: int) -> tuple[SpeechPath, str, str]:
        choice = self._choices[lang]
        try:
            return self._voice(spoken, choice, wpm), choice.engine, choice.voice
        except EngineError as exc:
            if choice.voice == PLAIN[lang]:
                raise
            self._record(lang, choice.voice, PLAIN[lang], str(exc))
            plain = VoiceChoice(lang, PLAIN[lang], True)
            return self._voice(spoken, plain, wpm), "espeak", plain.voice

    def _voice(self, spoken: str, choice: VoiceChoice, wpm: int) -> SpeechPath:
        engine = self.engine_for(choice.voice)
        key = cache_key(
            choice.language, text=spoken, engine=engine.name, voice=choice.voice, rate=wpm
        )
        return self._make(key, engine, spoken, choice.language, choice.voice, wpm)

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
            x, rate = self._render_pieces(engine, spoken, lang, voice, wpm)
            narrow, wide = audio.telephone(x, rate)
            seconds = len(narrow) / audio.PHONE_RATE
            if plausible(seconds, spoken, wpm):
                return narrow, wide
            problem = f"{engine.name} {voice}: {seconds:.2f} s is too short for the text"
            log.warning("%s; retrying", problem)
        raise EngineError(problem)

    def _render_pieces(
        self, engine: Engine, spoken: str, lang: str, voice: str, wpm: int
    ) -> tuple[np.ndarray, int]:
        """The text and its key facts as pieces, each rendered (facts slower), trimmed, and
        joined with FACT_PAUSE_S of silence (the same for every engine)."""
        parts = pieces(spoken)
        if len(parts) == 1 and not parts[0][1]:
            return engine.render(parts[0][0], lang, voice, wpm)
        if not parts:
            raise EngineError(f"{engine.name} {voice}: nothing to say")
        rendered = list(
            self._pieces.map(
                lambda part: engine.render(
                    part[0], lang, voice, round(wpm * FACT_RATE) if part[1] else wpm
                ),
                parts,
            )
        )
        rate = rendered[0][1]
        if any(r != rate for _, r in rendered):
            raise EngineError(f"{engine.name} {voice}: pieces at different sample rates")
        return audio.join([audio.trim(x, rate) for x, _ in rendered], rate, FACT_PAUSE_S), rate

    def _record(self, lang: str, wanted: str, used: str, reason: str) -> None:
        log.warning("TTS fallback for %s: %s -> %s (%s)", lang, wanted, used, reason)
        with self._lock:
            self._fallbacks.append(Fallback(datetime.now(UTC), lang, wanted, used, reason))
