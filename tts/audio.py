"""Telephone audio: trim, level, resample (soxr) and write 8 kHz WAV + 16 kHz .sln16 atomically."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

PHONE_RATE = 8000
WIDE_RATE = 16000
TARGET_RMS_DBFS = -22.0
MAX_PEAK_DBFS = -3.0
FRAME_S = 0.02
ACTIVE_BELOW_PEAK_DB = 40.0  # frames quieter than loudest frame minus this are not speech
EDGE_S = 0.05  # silence kept at each end after trimming
MAX_PAUSE_S = 3.0

Signal = np.ndarray


@dataclass(frozen=True)
class Levels:
    rms_dbfs: float  # over active-speech frames
    peak_dbfs: float
    duration_s: float
    longest_pause_s: float


def _db(x: float) -> float:
    return float(20 * np.log10(max(x, 1e-10)))


def frame_rms(x: Signal, rate: int) -> Signal:
    n = max(1, int(rate * FRAME_S))
    usable = len(x) // n * n
    if usable == 0:
        return np.zeros(0)
    frames = np.asarray(x[:usable], dtype=np.float32).reshape(-1, n)
    return np.sqrt(np.einsum("ij,ij->i", frames, frames) / n)


def active_mask(x: Signal, rate: int, rms: Signal | None = None) -> Signal:
    rms = frame_rms(x, rate) if rms is None else rms
    if rms.size == 0 or rms.max() <= 0:
        return np.zeros(rms.size, dtype=bool)
    floor = max(rms.max() * 10 ** (-ACTIVE_BELOW_PEAK_DB / 20), 10 ** (-60 / 20))
    return rms > floor


def measure(x: Signal, rate: int) -> Levels:
    rms = frame_rms(x, rate)
    mask = active_mask(x, rate, rms)
    active = rms[mask]
    rms_db = _db(float(np.sqrt(np.mean(active**2)))) if active.size else -200.0
    return Levels(
        rms_db, _db(float(np.abs(x).max(initial=0.0))), len(x) / rate, _longest_run(~mask)
    )


def _longest_run(flags: Signal) -> float:
    """Longest run of True, in seconds of frames."""
    starts, ends = _runs(flags)
    return float((ends - starts).max(initial=0)) * FRAME_S


def trim(x: Signal, rate: int) -> Signal:
    """Cut leading/trailing silence, keeping EDGE_S on each side."""
    mask = active_mask(x, rate)
    idx = np.nonzero(mask)[0]
    if idx.size == 0:
        return x[:0]
    n = int(rate * FRAME_S)
    edge = int(rate * EDGE_S)
    return x[max(0, idx[0] * n - edge) : min(len(x), (idx[-1] + 1) * n + edge)]


def _runs(flags: Signal) -> tuple[Signal, Signal]:
    """Start and end frame indices of each run of True."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]


def cap_pauses(x: Signal, rate: int, max_pause_s: float = MAX_PAUSE_S - 0.5) -> Signal:
    """Shorten any inner silence longer than max_pause_s (sections must never pause > 3 s)."""
    n, limit = int(rate * FRAME_S), int(max_pause_s / FRAME_S)
    starts, ends = _runs(~active_mask(x, rate))
    long = (ends - starts) > limit
    if not long.any():
        return x
    keep = np.ones(len(x), dtype=bool)
    for start, end in zip(starts[long], ends[long], strict=True):
        keep[(start + limit) * n : end * n] = False
    return x[keep]


def resample(x: Signal, rate: int, to: int) -> Signal:
    if rate == to:
        return x.astype(np.float32)
    return soxr.resample(x.astype(np.float32), rate, to, quality="HQ")


MAX_LIMIT_DB = 6.0  # at most this much peak reduction; beyond it the level gives way instead


def level_gain(x: Signal, rate: int, headroom_db: float = 0.0) -> float:
    """Linear gain putting active speech at TARGET_RMS_DBFS without peaks above MAX_PEAK_DBFS
    (+ `headroom_db`, which the peak limiter takes back)."""
    lv = measure(x, rate)
    if lv.rms_dbfs < -150:
        return 1.0
    to_rms = TARGET_RMS_DBFS - lv.rms_dbfs
    to_peak = MAX_PEAK_DBFS - 0.2 - lv.peak_dbfs + headroom_db
    return float(10 ** (min(to_rms, to_peak) / 20))


def limit_peaks(x: Signal, rate: int, ceiling_dbfs: float = MAX_PEAK_DBFS - 0.2) -> Signal:
    """Lower the gain around the few peaks above the ceiling (10 ms frames, each frame's gain no
    higher than its neighbours', interpolated): voices with a high crest factor (Piper) reach
    the speech level without clipping."""
    ceiling = 10 ** (ceiling_dbfs / 20)
    n = max(1, int(rate * 0.01))
    frames = -(-len(x) // n)
    padded = np.zeros(frames * n, dtype=np.float32)
    padded[: len(x)] = np.abs(x)
    peak = padded.reshape(frames, n).max(axis=1)
    if peak.size == 0 or peak.max() <= ceiling:
        return x
    raw = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    near = np.minimum(raw, np.minimum(np.r_[raw[1:], 1.0], np.r_[1.0, raw[:-1]]))
    centres = np.arange(frames) * n + n / 2
    gain = np.interp(np.arange(len(x)), centres, near)
    return (x * gain).astype(np.float32)


def telephone(x: Signal, rate: int) -> tuple[Signal, Signal]:
    """(8 kHz, 16 kHz) float signals: trimmed, pauses capped, levelled (peaks limited)."""
    x = cap_pauses(trim(x, rate), rate)
    wide = resample(x, rate, WIDE_RATE)
    narrow = resample(wide, WIDE_RATE, PHONE_RATE)
    gain = min(
        level_gain(narrow, PHONE_RATE, MAX_LIMIT_DB), level_gain(wide, WIDE_RATE, MAX_LIMIT_DB)
    )
    return limit_peaks(narrow * gain, PHONE_RATE), limit_peaks(wide * gain, WIDE_RATE)


def join(parts: list[Signal], rate: int, pause_s: float = 0.8) -> Signal:
    gap = np.zeros(int(rate * pause_s), dtype=np.float32)
    out: list[Signal] = []
    for i, p in enumerate(parts):
        out += [gap, p] if i else [p]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def to_pcm16(x: Signal) -> Signal:
    return np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")


def _atomic(path: Path, write: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        write(tmp)  # type: ignore[operator]
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_pair(wav: Path, narrow: Signal, wide: Signal) -> None:
    """Write the 16 kHz .sln16 first, then the 8 kHz WAV (whose presence marks a complete entry)."""
    sln = wav.with_suffix(".sln16")
    _atomic(sln, lambda t: Path(t).write_bytes(to_pcm16(wide).tobytes()))
    _atomic(wav, lambda t: sf.write(t, to_pcm16(narrow), PHONE_RATE, "PCM_16", format="WAV"))


def read_pair(wav: Path) -> tuple[Signal, Signal]:
    narrow, _ = sf.read(wav, dtype="float32")
    wide = np.frombuffer(wav.with_suffix(".sln16").read_bytes(), dtype="<i2")
    return narrow, wide.astype(np.float32) / 32767
