"""Speech engines behind one interface: text -> (float signal, sample rate)."""

from __future__ import annotations

import io
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import soundfile as sf
from tenacity import retry, stop_after_attempt, wait_fixed

from tts.piper_voices import find_model
from tts.voices import GTTS_LANG, espeak_rate, piper_installed, speed_ratio

ESPEAK_TIMEOUT_S = 30.0


class EngineError(RuntimeError):
    """An engine produced no usable audio."""


class Engine(Protocol):
    name: str

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        """Synthesise `text`; raise EngineError when no usable audio came out."""
        ...


def decode(data: bytes, what: str) -> tuple[np.ndarray, int]:
    try:
        x, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise EngineError(f"{what}: unreadable audio ({exc})") from exc
    mono = x.mean(axis=1)
    if mono.size < rate * 0.05 or float(np.abs(mono).max(initial=0.0)) < 1e-3:
        raise EngineError(f"{what}: empty or silent audio")
    return mono, int(rate)


class EspeakEngine:
    """espeak-ng called directly (no shell, text on stdin); see docs/decisions.md for why."""

    name = "espeak"

    def __init__(self, binary: str = "espeak-ng") -> None:
        self.binary = binary

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        args = [self.binary, "-v", voice, "-s", str(espeak_rate(voice, rate_wpm)), "--stdout"]
        try:
            run = subprocess.run(
                args,
                input=text.encode(),
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"espeak-ng {voice}: {exc}") from exc
        if run.returncode != 0:
            raise EngineError(f"espeak-ng {voice}: exit {run.returncode}: {run.stderr[:200]!r}")
        return decode(run.stdout, f"espeak-ng {voice}")


class GttsEngine:
    """Google Translate TTS (online). Short timeout, a few quick retries."""

    name = "gtts"

    def __init__(self, timeout_s: float = 3.0, attempts: int = 2) -> None:
        self.timeout_s = timeout_s
        self.attempts = attempts

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        fetch = retry(stop=stop_after_attempt(self.attempts), wait=wait_fixed(0.2), reraise=True)(
            self._fetch
        )
        try:
            data = fetch(text, language)
        except Exception as exc:  # gTTS raises many kinds; every one means "no audio"
            raise EngineError(f"gTTS {language}: {type(exc).__name__}: {exc}") from exc
        return decode(data, f"gTTS {language}")

    def _fetch(self, text: str, language: str) -> bytes:
        from gtts import gTTS

        buf = io.BytesIO()
        gTTS(text, lang=GTTS_LANG[language], lang_check=False, timeout=self.timeout_s).write_to_fp(
            buf
        )
        return buf.getvalue()


class PicoEngine:
    """SVOX Pico (`pico2wave`, Debian non-free `libttspico-utils`): fr-FR, de-DE, en-GB, en-US.

    pico2wave reads the text on stdin and writes a WAV file (not to stdout), so each call gets
    its own temporary folder. The rate is Pico's `<speed level>` markup (100 = natural)."""

    name = "pico"

    def __init__(self, binary: str = "pico2wave") -> None:
        self.binary = binary

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        lang = voice.removeprefix("pico:")
        level = round(100 * speed_ratio(voice, rate_wpm))
        # Pico reads its own markup in the text: angle brackets from the alert must not open tags
        clean = text.replace("<", " ").replace(">", " ")
        with tempfile.TemporaryDirectory(prefix="binalert-pico-") as tmp:
            out = Path(tmp) / "out.wav"
            markup = f'<speed level="{level}">{clean}</speed>'
            try:  # the text on stdin (pico2wave reads it when no text argument is given)
                run = subprocess.run(
                    [self.binary, "-l", lang, "-w", str(out)],
                    input=markup.encode(),
                    capture_output=True,
                    timeout=ESPEAK_TIMEOUT_S,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise EngineError(f"pico {lang}: {exc}") from exc
            if run.returncode != 0 or not out.is_file():
                raise EngineError(f"pico {lang}: exit {run.returncode}: {run.stderr[:200]!r}")
            return decode(out.read_bytes(), f"pico {lang}")


class PiperEngine:
    """Piper (the `piper-tts` package), in this process: one loaded model per voice.

    A voice is `piper:<name>` (its files found by tts.piper_voices.find_model) or, for a
    language listed in `models`, that model file (SpeechConfig.piper_models)."""

    name = "piper"
    SENTENCE_PAUSE_S = 0.35

    def __init__(
        self, models: dict[str, Path] | None = None, voices_dir: Path | None = None
    ) -> None:
        self.models = dict(models or {})
        self.voices_dir = voices_dir
        self._loaded: dict[Path, Any] = {}
        self._lock = threading.Lock()

    def model_for(self, language: str, voice: str) -> Path | None:
        if voice.startswith("piper:"):
            found = find_model(voice.removeprefix("piper:"), self.voices_dir)
            if found is not None:
                return found
        model = self.models.get(language)
        return model if model is not None and model.is_file() else None

    def available(self, language: str, voice: str = "") -> bool:
        return piper_installed() and self.model_for(language, voice) is not None

    def _voice(self, model: Path) -> Any:
        with self._lock:
            if model not in self._loaded:
                from piper import PiperVoice

                self._loaded[model] = PiperVoice.load(model)
            return self._loaded[model]

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        model = self.model_for(language, voice)
        if model is None or not piper_installed():
            raise EngineError(f"piper: no piper-tts or no model for {voice or language}")
        try:
            from piper import SynthesisConfig

            loaded = self._voice(model)
            key = voice if voice.startswith("piper:") else f"piper:{model.stem}"
            config = SynthesisConfig(length_scale=1 / speed_ratio(key, rate_wpm))
            with self._lock:  # one synthesis at a time per process: 2 cores, and ORT threads
                chunks = list(loaded.synthesize(text, syn_config=config))
        except Exception as exc:  # onnxruntime and piper raise many kinds
            raise EngineError(f"piper {model.name}: {type(exc).__name__}: {exc}") from exc
        if not chunks:
            raise EngineError(f"piper {model.name}: no audio")
        rate = int(chunks[0].sample_rate)
        gap = np.zeros(int(rate * self.SENTENCE_PAUSE_S), dtype=np.float32)
        parts: list[np.ndarray] = []
        for i, chunk in enumerate(chunks):
            parts += [gap, chunk.audio_float_array] if i else [chunk.audio_float_array]
        x = np.concatenate(parts).astype(np.float32)
        if x.size < rate * 0.05 or float(np.abs(x).max(initial=0.0)) < 1e-3:
            raise EngineError(f"piper {model.name}: empty or silent audio")
        return x, rate
