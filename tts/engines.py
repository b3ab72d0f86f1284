"""Speech engines behind one interface: text -> (float signal, sample rate)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf
from tenacity import retry, stop_after_attempt, wait_fixed

from tts.voices import GTTS_LANG, espeak_rate

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


class PiperEngine:
    """Piper (optional): `piper` binary with a local .onnx model per language."""

    name = "piper"

    def __init__(self, models: dict[str, Path], binary: str = "piper") -> None:
        self.models = models
        self.binary = binary

    def available(self, language: str) -> bool:
        model = self.models.get(language)
        return shutil.which(self.binary) is not None and model is not None and model.is_file()

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple[np.ndarray, int]:
        if not self.available(language):
            raise EngineError(f"piper: no binary or model for {language}")
        scale = f"{140 / max(rate_wpm, 60):.3f}"  # piper's length scale: >1 is slower
        args = [self.binary, "--model", str(self.models[language]), "--length_scale", scale]
        try:
            run = subprocess.run(
                [*args, "--output_file", "-"],
                input=text.encode(),
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"piper: {exc}") from exc
        if run.returncode != 0:
            raise EngineError(f"piper: exit {run.returncode}: {run.stderr[:200]!r}")
        return decode(run.stdout, "piper")
