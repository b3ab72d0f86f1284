"""Speech synthesis time per language for a ~30-second message, cold and cached."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import soundfile as sf

from tts import SpeechConfig, SpeechService
from tts.voices import LANGUAGES

COLD_TARGET_MS = 150.0
CACHED_TARGET_MS = 2.0
MESSAGE = {
    "nl": "Dringend. Een verdachte man in een donkere jas probeert deuren te openen in de "
    "Kerkstraat en de Molenstraat. Hij rijdt met een grijze bestelwagen, nummerplaat 1-BOS-234. "
    "Blijf binnen en laat de buitenverlichting branden. Zie je iets verdachts, bel dan 101. "
    "Ga niet zelf achter de verdachte aan. Sluit ramen en deuren goed af.",
    "fr": "Urgent. Un homme suspect en veste foncée essaie d'ouvrir des portes rue de l'Église "
    "et rue du Moulin. Il circule dans une camionnette grise, plaque 1-BOS-234. Restez à "
    "l'intérieur et laissez l'éclairage extérieur allumé. Si vous voyez quelque chose de "
    "suspect, appelez le 101. Ne suivez pas le suspect. Fermez bien portes et fenêtres.",
    "de": "Dringend. Ein verdächtiger Mann in einer dunklen Jacke versucht in der Kirchstraße "
    "und der Mühlenstraße Türen zu öffnen. Er fährt einen grauen Lieferwagen, Kennzeichen "
    "1-BOS-234. Bleiben Sie im Haus und lassen Sie die Außenbeleuchtung brennen. Wenn Sie "
    "etwas sehen, rufen Sie 101. Folgen Sie ihm nicht. Schließen Sie Fenster und Türen.",
    "en": "Urgent. A suspicious man in a dark jacket is trying to open doors in Church Street "
    "and Mill Street. He drives a grey van, number plate 1-BOS-234. Stay inside and leave your "
    "outside lights on. If you see anything suspicious, call 101. Do not follow the suspect "
    "yourself. Lock your doors and windows well.",
}


def _ms(seconds: float) -> float:
    return seconds * 1000


def bench_language(svc: SpeechService, lang: str, runs: int = 5) -> tuple[float, float, float]:
    """(median cold ms, median cached ms, audio seconds)."""
    cold, path = [], None
    for i in range(runs):
        text = f"{MESSAGE[lang]} {'Einde' if lang == 'nl' else 'Fin'} {i}."
        start = time.perf_counter()
        path = svc.synthesize(text, lang)
        cold.append(time.perf_counter() - start)
    assert path is not None
    cached = []
    for _ in range(200):
        start = time.perf_counter()
        svc.synthesize(text, lang)
        cached.append(time.perf_counter() - start)
    return _ms(statistics.median(cold)), _ms(statistics.median(cached)), sf.info(path).duration


def main() -> None:
    print("tts: synthesis of a ~30 s message (default voices, 8 kHz + 16 kHz, levelled)")
    print(
        f"{'lang':<5}{'voice':<8}{'audio s':>8}{'cold ms':>9}{'target':>8}"
        f"{'cached ms':>11}{'target':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        svc = SpeechService(SpeechConfig(cache_dir=Path(tmp)))
        voices = {row.language: row.voice for row in svc.voices()}
        for lang in LANGUAGES:
            cold, cached, seconds = bench_language(svc, lang)
            verdict = "ok" if cold <= COLD_TARGET_MS and cached <= CACHED_TARGET_MS else "MISSED"
            print(
                f"{lang:<5}{voices[lang]:<8}{seconds:>8.1f}{cold:>9.1f}{COLD_TARGET_MS:>8.0f}"
                f"{cached:>11.3f}{CACHED_TARGET_MS:>8.0f}  {verdict}"
            )


if __name__ == "__main__":
    main()
