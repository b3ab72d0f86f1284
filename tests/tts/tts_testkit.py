"""Shared checks and texts for the tts tests (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path

import soundfile as sf

from tts import audio

# Realistic alert sentences, also used to calibrate the rates (tests/tts/test_tts_rates.py).
CORPUS = {
    "nl": "Een verdachte man in een donkere jas probeert deuren te openen in de Kerkstraat. "
    "Blijf binnen en laat de buitenverlichting branden. Zie je iets verdachts, bel dan de "
    "politie. Ga niet zelf achter de verdachte aan. Sluit ramen en deuren goed af.",
    "fr": "Un homme suspect en veste foncée essaie d'ouvrir des portes dans la rue de l'Église. "
    "Restez à l'intérieur et laissez l'éclairage extérieur allumé. Si vous voyez quelque chose "
    "de suspect, appelez la police. Ne suivez pas le suspect vous-même. Fermez bien les portes "
    "et les fenêtres.",
    "de": "Ein verdächtiger Mann in einer dunklen Jacke versucht in der Kirchstraße Türen zu "
    "öffnen. Bleiben Sie im Haus und lassen Sie die Außenbeleuchtung brennen. Wenn Sie etwas "
    "Verdächtiges sehen, rufen Sie die Polizei. Folgen Sie dem Verdächtigen nicht selbst. "
    "Schließen Sie Fenster und Türen gut ab.",
    "en": "A suspicious man in a dark jacket is trying to open doors in Church Street. Stay "
    "inside and leave your outside lights on. If you see anything suspicious, call the police. "
    "Do not follow the suspect yourself. Lock your doors and windows well.",
}


def check_phone_file(path: Path) -> audio.Levels:
    """Assert the telephone format and levels of a cached WAV and its .sln16; return its levels."""
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype, info.format) == (8000, 1, "PCM_16", "WAV")
    x, rate = sf.read(path, dtype="float32")
    levels = audio.measure(x, rate)
    assert abs(levels.rms_dbfs - audio.TARGET_RMS_DBFS) <= 1.5, levels
    assert levels.peak_dbfs <= audio.MAX_PEAK_DBFS + 0.05, levels
    assert levels.longest_pause_s < 3.0, levels
    sln = path.with_suffix(".sln16")
    assert abs(sln.stat().st_size / 2 / 16000 - info.duration) < 0.01
    return levels


def wpm(text: str, path: Path) -> float:
    """Words per minute of real output, over the trimmed speech."""
    return len(text.split()) / sf.info(path).duration * 60
