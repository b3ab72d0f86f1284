"""200 syntheses in a row of varied messages give 200 valid files (runs in `make test`)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from tts_testkit import CORPUS, check_phone_file

from tts import SpeechConfig, SpeechService, normalise
from tts.voices import PLAIN

MESSAGES = {
    "nl": ["Blijf binnen.", "Verdachte wagen 1-BOS-234 om 14u30, bel 101.", CORPUS["nl"] * 2],
    "fr": ["Restez chez vous.", "Véhicule ABC-123 vu à 21h05, appelez le 101.", CORPUS["fr"] * 2],
    "de": ["Bleiben Sie drinnen.", "Auto 2-VWY-123 um 14:30, ca. 1m80, 112.", CORPUS["de"] * 2],
    "en": ["Stay inside.", "Car 123-ABC at 9:05, call 0477/77.77.55.", CORPUS["en"] * 2],
}


@pytest.mark.timeout(300)
def test_200_varied_syntheses_give_200_valid_files(tmp_path: Path) -> None:
    services = [
        SpeechService(SpeechConfig(cache_dir=tmp_path / "mbrola")),
        SpeechService(SpeechConfig(cache_dir=tmp_path / "plain", voices=dict(PLAIN))),
    ]
    rates = itertools.cycle([120, 135, 140, 150, 165, 180])
    combos = itertools.cycle([(lang, msg) for lang, msgs in MESSAGES.items() for msg in msgs])
    made = set()
    for i in range(200):
        lang, msg = next(combos)
        text = f"{msg} Bericht {i}." if lang == "nl" else f"{msg} {i}."  # every text new
        rate = next(rates)
        path = services[i % 7 == 0].synthesize(text, lang, rate_wpm=rate)
        check_phone_file(path)
        words = len(normalise(text, lang).split())
        assert words / (rate * 1.6) * 60 <= path.stat().st_size / 16000  # not too fast
        made.add(path)
    assert len(made) == 200
    assert not list(tmp_path.rglob(".*part"))
