"""SpeechConfig: what binalert's settings tell the speech service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tts.lexicon import PLATE_STYLES, SPELLING

ENGINES = ("espeak", "gtts", "piper")
DEFAULT_CACHE = Path.home() / ".cache" / "binalert" / "tts"
DEFAULT_VOICES_DIR = Path.home() / ".local" / "share" / "binalert" / "voices"  # Piper voices
MIN_RATE, MAX_RATE = 80, 250


def _pairs(raw: str) -> dict[str, str]:
    """'nl=mb-nl2,fr=mb-fr5' -> {'nl': 'mb-nl2', 'fr': 'mb-fr5'}."""
    out: dict[str, str] = {}
    for item in raw.split(","):
        if "=" in item:
            key, value = item.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def _per_language(raw: str) -> dict[str, str]:
    """'spelled' -> {'default': 'spelled'}; 'nl=spelled,fr=spelled' -> per language."""
    raw = raw.strip()
    return _pairs(raw) if "=" in raw else ({"default": raw} if raw else {})


@dataclass(frozen=True)
class SpeechConfig:
    cache_dir: Path = DEFAULT_CACHE
    engine: str = "espeak"
    rate_wpm: int | Mapping[str, int] = 140  # one rate, or per language ({"fr": 130, ...})
    voices: Mapping[str, str] = field(default_factory=dict)  # {"nl": "mb-nl2", "de": "pico:de-DE"}
    max_cache_age_days: float = 30.0
    gtts_timeout_s: float = 3.0
    gtts_attempts: int = 2
    gtts_cooldown_s: float = 60.0  # after a gTTS failure, go offline at once for this long
    piper_models: Mapping[str, Path] = field(default_factory=dict)
    voices_dir: Path = DEFAULT_VOICES_DIR  # where `binalert tts install-voice` puts Piper voices
    section_pause_s: float = 0.8  # between sections of the answering-machine piece
    # how plates are said, per language or "default" ({"nl": "spelled"}): tts.normalise
    plate_styles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown TTS engine {self.engine!r}; use one of {ENGINES}")
        if not 0 < self.section_pause_s <= 3:
            raise ValueError("section_pause_s must be in (0, 3] seconds")
        for lang, style in self.plate_styles.items():
            if style not in PLATE_STYLES:
                raise ValueError(f"unknown plate style {style!r}; use one of {PLATE_STYLES}")
            if lang not in (*SPELLING, "default"):
                raise ValueError(f"plate style for an unknown language {lang!r}")

    def rate_for(self, language: str) -> int:
        if isinstance(self.rate_wpm, int):
            return self.rate_wpm
        return int(self.rate_wpm.get(language, self.rate_wpm.get("default", 140)))

    def plate_style_for(self, language: str) -> str | None:
        """The plate style for `language`, or None for tts.normalise's default."""
        return self.plate_styles.get(language, self.plate_styles.get("default"))

    @classmethod
    def parse(
        cls,
        cache_dir: Path,
        engine: str,
        voices: str,
        rate: str,
        piper_models: str = "",
        voices_dir: Path | None = None,
        plate_style: str = "",
    ) -> SpeechConfig:
        """From the settings' strings: voices 'nl=mb-nl2,fr=pico:fr-FR,en=piper:en_US-joe-medium',
        rate '140' or 'nl=140,fr=130' (words per minute, 80-250), piper models
        'nl=/models/nl.onnx', the Piper voices folder, and the plate style 'spelled' or
        'nl=spelled,fr=spelled' (one of tts.normalise.PLATE_STYLES)."""
        rate = rate.strip()
        rates: int | dict[str, int] = (
            int(rate) if rate.isdigit() else {k: int(v) for k, v in _pairs(rate).items()}
        )
        values = [rates] if isinstance(rates, int) else list(rates.values())
        if not values or not all(MIN_RATE <= r <= MAX_RATE for r in values):
            raise ValueError(f"speech rate must be {MIN_RATE}-{MAX_RATE} words per minute")
        return cls(
            cache_dir=cache_dir,
            engine=engine.strip() or "espeak",
            rate_wpm=rates,
            voices=_pairs(voices),
            piper_models={k: Path(v) for k, v in _pairs(piper_models).items()},
            voices_dir=voices_dir or DEFAULT_VOICES_DIR,
            plate_styles=_per_language(plate_style),
        )
