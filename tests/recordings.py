"""Recordings for the tests of the police's own voice: espeak-ng speech as a dispatcher's
microphone would give it, encoded by ffmpeg as phones and browsers do, and a measure of how
well one sound is found inside another."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

CODECS = {
    "wav": (".wav", []),
    "mp3": (".mp3", ["-c:a", "libmp3lame"]),
    "ogg": (".ogg", ["-c:a", "libopus"]),
    "webm": (".webm", ["-c:a", "libopus"]),  # Chromium's MediaRecorder
    "m4a": (".m4a", ["-c:a", "aac"]),  # Safari, phones
}


def speech_wav(folder: Path, text: str, voice: str = "nl", padding_s: float = 1.0) -> Path:
    """espeak-ng reading `text`, quieter than the phone level, with silence at both ends."""
    raw = folder / f"raw-{voice}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True, timeout=30)
    speech, rate = sf.read(raw, dtype="float32")
    gap = np.zeros(int(rate * padding_s), dtype=np.float32)
    out = folder / f"microphone-{voice}.wav"
    sf.write(out, np.concatenate([gap, speech * 0.1, gap]), rate, subtype="PCM_16")
    return out


def encoded(source: Path, kind: str) -> bytes:
    suffix, codec = CODECS[kind]
    target = source.with_name(f"{source.stem}-encoded{suffix}")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), *codec, str(target)],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


def samples(path: Path) -> np.ndarray:
    found, _rate = sf.read(str(path), dtype="float64")
    return np.asarray(found if found.ndim == 1 else found.mean(axis=1))


def similarity(haystack: np.ndarray, needle: np.ndarray) -> float:
    """The best normalised cross-correlation of `needle` against any stretch of `haystack`
    (1.0: it is in there as it is; speech that is not there stays far below)."""
    n = len(needle)
    if n == 0 or len(haystack) < n:
        return 0.0
    needle = needle - needle.mean()
    size = 1 << int(np.ceil(np.log2(len(haystack) + n)))
    product = np.fft.irfft(np.fft.rfft(haystack, size) * np.conj(np.fft.rfft(needle, size)), size)
    dots = product[: len(haystack) - n + 1]
    sums = np.concatenate([[0.0], np.cumsum(haystack)])
    squares = np.concatenate([[0.0], np.cumsum(haystack**2)])
    window_sum = sums[n:] - sums[:-n]
    window_energy = squares[n:] - squares[:-n] - window_sum**2 / n
    norm = np.sqrt(np.maximum(window_energy, 1e-12) * np.sum(needle**2))
    return float(np.max(dots / norm))


def middle(x: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """`seconds` from the middle of a sound (a stretch sure to be speech)."""
    half = int(rate * seconds / 2)
    centre = len(x) // 2
    return x[max(0, centre - half) : centre + half]
