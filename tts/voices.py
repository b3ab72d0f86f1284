"""Voice table per language: preferred (MBROLA) voice, plain espeak-ng fallback, rate factors."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES = ("nl", "fr", "de", "en")
MBROLA_DIR = Path("/usr/share/mbrola")

PREFERRED: dict[str, str] = {"nl": "mb-nl2", "fr": "mb-fr5", "de": "mb-de6", "en": "mb-en1"}
PLAIN: dict[str, str] = {"nl": "nl", "fr": "fr-be", "de": "de", "en": "en"}
GTTS_LANG: dict[str, str] = {"nl": "nl", "fr": "fr", "de": "de", "en": "en"}

# espeak-ng `-s` value per wanted word per minute, measured on realistic alert sentences
# (tests/tts/test_calibration.py re-measures them): words / active-speech duration.
RATE_FACTORS: dict[str, float] = {
    "mb-nl2": 0.896,
    "mb-fr5": 0.740,
    "mb-de6": 1.180,
    "mb-en1": 0.813,
    "nl": 0.997,
    "fr-be": 0.881,
    "de": 1.006,
    "en": 0.933,
}
MIN_ESPEAK_RATE, MAX_ESPEAK_RATE = 80, 450


@dataclass(frozen=True)
class VoiceChoice:
    language: str
    voice: str
    is_fallback: bool
    reason: str = ""


def check_language(language: str) -> str:
    lang = language.lower().split("-")[0].split("_")[0]
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
    return lang


def mbrola_installed(voice: str, mbrola_dir: Path = MBROLA_DIR) -> bool:
    """True when espeak-ng can use MBROLA voice `mb-xx9`: binary and database both present."""
    if not voice.startswith("mb-"):
        return True
    name = voice[3:].split("-")[0]
    return shutil.which("mbrola") is not None and (mbrola_dir / name / name).is_file()


def choose_voice(language: str, override: str | None = None) -> VoiceChoice:
    """The configured or preferred voice, or the plain espeak-ng voice with a warning."""
    lang = check_language(language)
    wanted = override or PREFERRED[lang]
    if mbrola_installed(wanted):
        return VoiceChoice(lang, wanted, is_fallback=wanted == PLAIN[lang] and override is None)
    reason = f"MBROLA voice {wanted} not installed (run scripts/system-deps.sh)"
    log.warning("%s; using plain espeak-ng voice %s", reason, PLAIN[lang])
    return VoiceChoice(lang, PLAIN[lang], is_fallback=True, reason=reason)


def espeak_rate(voice: str, wpm: int) -> int:
    """espeak-ng `-s` value that makes `voice` speak about `wpm` words per minute."""
    rate = round(wpm * RATE_FACTORS.get(voice, 1.0))
    return max(MIN_ESPEAK_RATE, min(MAX_ESPEAK_RATE, rate))
