"""A message the police recorded themselves, made into call audio like a synthesised one.

ffmpeg (Debian's) decodes what phones and browsers make: WAV, MP3, OGG/Opus, WebM/Opus
(MediaRecorder in Chromium and Firefox), M4A/AAC (Safari, phones). It reads a file, never a
URL: only the `file` protocol and the demuxers of those formats are allowed, so an upload
that is really a playlist or a concat list cannot make ffmpeg fetch anything.

A small file can still ask ffmpeg for a lot: a QuickTime movie atom compressed with zlib
(`cmov`) inflates a few hundred KB into hundreds of MB before anything is parsed. So ffmpeg
runs under limits (util-linux `prlimit` sets them on itself and then runs ffmpeg, so no
Python runs between fork and exec in this threaded server): no single allocation over
FFMPEG_MAX_ALLOC, an address space of FFMPEG_MAX_MEMORY, FFMPEG_MAX_CPU_S of CPU, one
thread; and at most MAX_CONVERSIONS run at once in the process (others are refused as
busy after BUSY_WAIT_S).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf

from tts.audio import WIDE_RATE, measure, telephone, trim, write_pair
from tts.cache import AudioCache
from tts.types import SpeechPath

MAX_BYTES = 10 * 1024 * 1024
MAX_SECONDS = 120.0
MIN_SPEECH_SECONDS = 0.5
SILENT_DBFS = -50.0
FFMPEG_TIMEOUT_S = 60.0
FFMPEG_MAX_CPU_S = 20  # decoding 120 s of audio takes well under a second
# ffmpeg with its libraries maps about 270 MB before it reads a byte (Debian 12, measured)
FFMPEG_MAX_MEMORY = 512 * 2**20
FFMPEG_MAX_ALLOC = 64 * 2**20  # the largest single block: far above what audio needs
MAX_CONVERSIONS = 2
BUSY_WAIT_S = 2.0
CONVERSIONS = threading.BoundedSemaphore(MAX_CONVERSIONS)
FORMATS = "wav,mp3,ogg,matroska,webm,mov,mp4,m4a,3gp,aac,flac"
KEY_VERSION = 1
NOT_AUDIO = "this file is not audio binalert can read (WAV, MP3, OGG, M4A)"
TOO_DEMANDING = "decoding this file needs more memory or time than binalert allows"

Refusal = Literal["too_large", "not_audio", "unusable", "busy"]


class RecordingRefused(ValueError):
    """The upload is not usable call audio; `reason` says why, for the person who sent it,
    `kind` what sort of refusal it is (too large, not audio, unusable audio, or every
    conversion slot busy: try again)."""

    def __init__(self, reason: str, kind: Refusal = "unusable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind

    @property
    def too_large(self) -> bool:
        return self.kind == "too_large"


@dataclass(frozen=True)
class Recording:
    audio: SpeechPath  # 8 kHz WAV in the sounds cache, with its .sln16
    seconds: float


def decode(data: bytes, ffmpeg: str = "ffmpeg") -> np.ndarray:
    """16 kHz mono float samples of an uploaded file (at most a little over MAX_SECONDS)."""
    if len(data) > MAX_BYTES:
        raise RecordingRefused(f"the recording is over {MAX_BYTES // 2**20} MB", "too_large")
    if not data:
        raise RecordingRefused("the recording is empty", "not_audio")
    if not CONVERSIONS.acquire(timeout=BUSY_WAIT_S):
        raise RecordingRefused("other recordings are being converted; try again", "busy")
    try:
        with tempfile.TemporaryDirectory(prefix="binalert-rec-") as folder:
            source = Path(folder) / "upload"
            source.write_bytes(data)
            pcm = _run_ffmpeg(ffmpeg, source)
    finally:
        CONVERSIONS.release()
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def ffmpeg_command(ffmpeg: str, source: Path) -> list[str]:
    """ffmpeg decoding `source` to 16 kHz mono PCM on stdout, under its limits."""
    limits = ["prlimit", f"--as={FFMPEG_MAX_MEMORY}", f"--cpu={FFMPEG_MAX_CPU_S}", "--"]
    args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error"]
    args += ["-max_alloc", str(FFMPEG_MAX_ALLOC), "-threads", "1"]
    args += ["-protocol_whitelist", "file", "-format_whitelist", FORMATS]
    args += ["-i", f"file:{source}", "-vn", "-t", str(MAX_SECONDS + 1)]
    args += ["-ac", "1", "-ar", str(WIDE_RATE), "-f", "s16le", "pipe:1"]
    return limits + args


def _run_ffmpeg(ffmpeg: str, source: Path) -> bytes:
    command = ffmpeg_command(ffmpeg, source)
    try:
        run = subprocess.run(command, capture_output=True, timeout=FFMPEG_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as error:
        raise RecordingRefused("the recording could not be decoded in time") from error
    # killed (SIGXCPU past its CPU time, SIGSEGV on a failed allocation) or out of memory
    if run.returncode < 0 or b"Cannot allocate memory" in run.stderr:
        raise RecordingRefused(TOO_DEMANDING)
    if run.returncode != 0 or not run.stdout:
        raise RecordingRefused(NOT_AUDIO, "not_audio")
    return run.stdout


def check(samples: np.ndarray) -> float:
    """The recording's length in seconds, or RecordingRefused (too long, silent)."""
    seconds = len(samples) / WIDE_RATE
    if seconds > MAX_SECONDS:
        raise RecordingRefused(f"the recording is longer than {MAX_SECONDS:.0f} seconds")
    spoken = trim(samples, WIDE_RATE)
    too_short = len(spoken) / WIDE_RATE < MIN_SPEECH_SECONDS
    if too_short or measure(spoken, WIDE_RATE).rms_dbfs < SILENT_DBFS:
        raise RecordingRefused("the recording is silent")
    return seconds


def convert(data: bytes, sounds: Path, ffmpeg: str = "ffmpeg") -> Recording:
    """Decode, check and store an uploaded recording as call audio (8 kHz, the speech level,
    silence trimmed at both ends, long pauses shortened) under a key of its content."""
    samples = decode(data, ffmpeg)
    check(samples)
    digest = hashlib.sha256(data).hexdigest()[:24]
    cache = AudioCache(sounds)
    key = f"rec-v{KEY_VERSION}-{digest}"

    def make(path: Path) -> None:
        narrow, wide = telephone(samples, WIDE_RATE)
        write_pair(path, narrow, wide)

    path = SpeechPath(cache.get_or_make(key, make))
    return Recording(audio=path, seconds=float(sf.info(str(path)).duration))
