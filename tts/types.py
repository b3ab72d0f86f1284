"""Result types handed to the IVR and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import PosixPath
from typing import NamedTuple

import soundfile as sf

# introduction + message (a plate said twice, with spelling words) + keys: what one call's first
# audio may last (issue 25)
CALL_LIMIT_S = 50.0


class SpeechPath(PosixPath):
    """Path of an 8 kHz WAV in the cache, with its .sln16 sibling and Asterisk playback names."""

    @property
    def key(self) -> str:
        """File name without extension (what Asterisk Playback gets when cache_dir is a
        sounds directory)."""
        return self.stem

    @property
    def playback(self) -> str:
        """Absolute path without extension: Playback(<this>) picks .sln16 or .wav itself."""
        return str(self.with_suffix(""))

    @property
    def sln16(self) -> PosixPath:
        return PosixPath(self.with_suffix(".sln16"))

    @property
    def duration_s(self) -> float:
        """Seconds of audio (from the WAV header)."""
        return float(sf.info(str(self)).duration)


@dataclass(frozen=True)
class CallAudio:
    language: str
    intro: SpeechPath
    message: SpeechPath
    prompt: SpeechPath
    thanks: SpeechPath
    invalid_key: SpeechPath
    machine: SpeechPath  # intro + message + how to confirm (press 1 now, or when called again)
    voice: str
    engine: str  # the engine that really spoke the message (after any fallback)
    section_pause_s: float = 0.8  # the pause SpeechService.join puts between pieces

    @property
    def duration_s(self) -> float:
        """Seconds of what a member hears first: introduction, message and the keys prompt,
        joined with the section pauses (the IVR's first audio; the preview's file)."""
        parts = (self.intro, self.message, self.prompt)
        return sum(p.duration_s for p in parts) + 2 * self.section_pause_s

    @property
    def fits_call_limit(self) -> bool:
        return self.duration_s <= CALL_LIMIT_S

    def pieces(self) -> dict[str, SpeechPath]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.type == "SpeechPath"}


class VoiceRow(NamedTuple):
    language: str
    voice: str
    engine: str
    is_fallback: bool


@dataclass(frozen=True)
class Fallback:
    """gTTS (or Piper, or an MBROLA voice) failed and the offline voice spoke instead."""

    at: datetime
    language: str
    wanted: str
    used: str
    reason: str
