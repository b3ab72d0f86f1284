"""Voice table per language: the default voice, the plain espeak-ng fallback, rate factors.

A voice is named by a string, and its engine follows from the name:
- `mb-nl2`, `fr-be`, ...: espeak-ng (an MBROLA voice when it starts with `mb-`);
- `pico:fr-FR`, `pico:de-DE`, `pico:en-GB`: SVOX Pico (`pico2wave`, Debian non-free);
- `piper:nl_BE-nathalie-medium`: Piper (the `piper-tts` package), a model file installed with
  `binalert tts install-voice` (or shipped by a Python package, like en_US-joe-medium).

The defaults were chosen with `make bench` (bench/intelligibility_bench.py): the voice Whisper
understood best after a G.711 line, per language; see docs/tts.md for the measured table.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES = ("nl", "fr", "de", "en")
MBROLA_DIR = Path("/usr/share/mbrola")
PICO_LANG_DIR = Path("/usr/share/pico/lang")
PICO_LANGS = ("fr-FR", "de-DE", "en-GB", "en-US")

PREFERRED: dict[str, str] = {"nl": "mb-nl2", "fr": "mb-fr1", "de": "pico:de-DE", "en": "pico:en-GB"}
PLAIN: dict[str, str] = {"nl": "nl", "fr": "fr-be", "de": "de", "en": "en"}
GTTS_LANG: dict[str, str] = {"nl": "nl", "fr": "fr", "de": "de", "en": "en"}

# Speech rate per voice, measured on realistic alert sentences (words of the normalised text per
# minute of trimmed output; tests/tts/test_tts_speech.py checks every default and plain voice).
# espeak-ng: its `-s` value per wanted word per minute.
RATE_FACTORS: dict[str, float] = {
    "mb-nl2": 0.896,
    "mb-nl3": 0.896,
    "mb-fr1": 0.763,
    "mb-fr4": 0.717,
    "mb-fr5": 0.740,
    "mb-fr7": 0.740,
    "mb-de6": 1.180,
    "mb-de2": 1.250,
    "mb-en1": 0.813,
    "nl": 0.997,
    "fr-be": 0.881,
    "de": 1.006,
    "en": 0.933,
}
# Pico and Piper: words per minute at their natural speed (Pico `<speed level="100">`, Piper
# length_scale 1); the wanted rate is reached by scaling against it.
NATURAL_WPM: dict[str, float] = {
    "pico:fr-FR": 183.0,
    "pico:de-DE": 147.0,
    "pico:en-GB": 159.0,
    "pico:en-US": 159.0,
    "piper:en_US-joe-medium": 181.0,
}
PIPER_NATURAL_WPM = 175.0  # a Piper voice not in NATURAL_WPM
MIN_ESPEAK_RATE, MAX_ESPEAK_RATE = 80, 450


@dataclass(frozen=True)
class VoiceChoice:
    language: str
    voice: str
    is_fallback: bool
    reason: str = ""

    @property
    def engine(self) -> str:
        return engine_of(self.voice)


def check_language(language: str) -> str:
    lang = language.lower().split("-")[0].split("_")[0]
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
    return lang


def engine_of(voice: str) -> str:
    """'espeak', 'pico' or 'piper', from the voice's name."""
    if voice.startswith("pico:"):
        return "pico"
    if voice.startswith("piper:"):
        return "piper"
    return "espeak"


def mbrola_installed(voice: str, mbrola_dir: Path = MBROLA_DIR) -> bool:
    """True when espeak-ng can use MBROLA voice `mb-xx9`: binary and database both present."""
    if not voice.startswith("mb-"):
        return True
    name = voice[3:].split("-")[0]
    return shutil.which("mbrola") is not None and (mbrola_dir / name / name).is_file()


def pico_installed(voice: str, lang_dir: Path = PICO_LANG_DIR) -> bool:
    lang = voice.removeprefix("pico:")
    return (
        lang in PICO_LANGS
        and shutil.which("pico2wave") is not None
        and any(lang_dir.glob(f"{lang}_*.bin"))
    )


def piper_installed() -> bool:
    return importlib.util.find_spec("piper") is not None


def voice_available(voice: str, voices_dir: Path | None = None) -> bool:
    """Whether `voice` can speak on this machine (binary, database or model present)."""
    engine = engine_of(voice)
    if engine == "pico":
        return pico_installed(voice)
    if engine == "piper":
        from tts.piper_voices import find_model

        name = voice.removeprefix("piper:")
        return piper_installed() and find_model(name, voices_dir) is not None
    return mbrola_installed(voice)


def choose_voice(
    language: str, override: str | None = None, voices_dir: Path | None = None
) -> VoiceChoice:
    """The configured or default voice, or the plain espeak-ng voice with a warning."""
    lang = check_language(language)
    wanted = override or PREFERRED[lang]
    if voice_available(wanted, voices_dir):
        return VoiceChoice(lang, wanted, is_fallback=wanted == PLAIN[lang] and override is None)
    reason = f"voice {wanted} not installed ({_how_to_install(wanted)})"
    log.warning("%s; using plain espeak-ng voice %s", reason, PLAIN[lang])
    return VoiceChoice(lang, PLAIN[lang], is_fallback=True, reason=reason)


def _how_to_install(voice: str) -> str:
    engine = engine_of(voice)
    if engine == "piper":
        return f"binalert tts install-voice {voice.removeprefix('piper:')}"
    return "run scripts/system-deps.sh"


def espeak_rate(voice: str, wpm: int) -> int:
    """espeak-ng `-s` value that makes `voice` speak about `wpm` words per minute."""
    rate = round(wpm * RATE_FACTORS.get(voice, 1.0))
    return max(MIN_ESPEAK_RATE, min(MAX_ESPEAK_RATE, rate))


def speed_ratio(voice: str, wpm: int) -> float:
    """Wanted rate over the voice's natural rate (Pico speed level / 100, 1 / Piper length)."""
    natural = NATURAL_WPM.get(voice, PIPER_NATURAL_WPM)
    return max(0.5, min(2.0, wpm / natural))
