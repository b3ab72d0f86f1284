"""Key facts are spoken as pieces of their own: slower, with a pause before and after; the
keys prompt is slower too; Pico reads alert text, never its own markup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tts_testkit import check_phone_file

from tts import CALL_LIMIT_S, SpeechConfig, SpeechService, audio, phrase
from tts.engines import PicoEngine
from tts.phrases import PROMPT_RATE
from tts.service import FACT_PAUSE_S, FACT_RATE


def test_plate_pieces_are_slower_and_separated(tmp_path: Path) -> None:
    svc = SpeechService(
        SpeechConfig(cache_dir=tmp_path, rate_wpm=140, plate_styles={"default": "pauses"})
    )
    calls: list[tuple[str, int]] = []
    real = svc.espeak.render

    def recording(text: str, lang: str, voice: str, wpm: int) -> tuple[np.ndarray, int]:
        calls.append((text, wpm))
        return real(text, lang, voice, wpm)

    svc.espeak.render = recording  # type: ignore[method-assign]
    svc.engine_for = lambda voice: svc.espeak  # type: ignore[method-assign]
    path = svc.synthesize("Grijze wagen 1-KMT-482 gezien.", "nl")
    check_phone_file(path)
    slow = round(140 * FACT_RATE)
    plate = "één, ka, em, tee, vier, acht, twee."
    assert sorted(calls) == sorted(  # rendered side by side: any order
        [("Grijze wagen", 140), (plate, slow), (f"Ik herhaal: {plate}", slow), ("gezien.", 140)]
    )
    # the pauses around the facts are there (the longest inner silence is about FACT_PAUSE_S)
    levels = check_phone_file(path)
    assert FACT_PAUSE_S * 0.8 <= levels.longest_pause_s <= FACT_PAUSE_S + 0.3


def test_prompt_is_slower_than_the_message(service: SpeechService) -> None:
    call = service.call_audio("de", "Eupen", "NIN Kettenis", "Bleiben Sie im Haus.")
    words = len(phrase("prompt", "de").split())
    wpm = words / call.prompt.duration_s * 60
    assert wpm <= 140 * PROMPT_RATE * 1.15


# The suspect-vehicle template, shortened so that the whole call fits (proposed for
# binalert/alerts/templates.py, see docs/tts.md "Call length"), filled with long values.
VEHICLE = {
    "nl": "Verdacht voertuig: {make}, {colour}, nummerplaat {plate}, richting {direction}. "
    "Blijf binnen, sluit deuren en ramen. Volg het voertuig niet. Informatie? Bel 101.",
    "fr": "Véhicule suspect : {make}, {colour}, plaque {plate}, direction {direction}. "
    "Restez à l'intérieur et fermez tout. Ne suivez pas le véhicule. "
    "Informations : appelez le 101.",
    "de": "Verdächtiges Fahrzeug: {make}, {colour}, Kennzeichen {plate}, Richtung {direction}. "
    "Bleiben Sie im Haus, schließen Sie Türen und Fenster. Folgen Sie dem Fahrzeug nicht. "
    "Hinweise unter 101.",
    "en": "Suspicious vehicle: {make}, {colour}, plate {plate}, heading for {direction}. "
    "Stay inside, lock your doors and windows. Do not follow the vehicle. "
    "Information? Call 101.",
}
FILL = {  # make, colour, direction: as a dispatcher would type them
    "nl": ("Volkswagen Golf", "grijs", "Brugge"),
    "fr": ("Volkswagen Golf", "gris", "Namur"),
    "de": ("Volkswagen Golf", "grau", "Eupen"),
    "en": ("Volkswagen Golf", "grey", "Bruges"),
}


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_whole_call_of_the_vehicle_template_fits(service: SpeechService, lang: str) -> None:
    """Introduction + the (shortened) vehicle template with a plate + keys: within the limit."""
    make, colour, direction = FILL[lang]
    message = VEHICLE[lang].format(make=make, colour=colour, plate="1-KMT-482", direction=direction)
    call = service.call_audio(lang, "Brugge", "BIN Sint-Kruis", message)
    assert 20 < call.duration_s <= CALL_LIMIT_S, call.duration_s
    assert call.fits_call_limit


def test_pico_reads_angle_brackets_as_text() -> None:
    pico = PicoEngine()
    said, rate = pico.render("Bleiben speed level='20' Sie im Haus.", "de", "pico:de-DE", 140)
    x, _ = pico.render("Bleiben <speed level='20'> Sie im Haus.", "de", "pico:de-DE", 140)
    seconds, words = len(audio.trim(x, rate)) / rate, len(audio.trim(said, rate)) / rate
    assert 0.8 * words <= seconds <= 1.25 * words  # read as words; a real tag: five times slower


URGENT_WORDS = {"nl": "dringend", "fr": "urgent", "de": "dringend", "en": "urgent"}


@pytest.mark.parametrize("lang", sorted(URGENT_WORDS))
def test_a_non_urgent_message_is_not_introduced_as_urgent(tmp_path: Path, lang: str) -> None:
    """A prevention message (holiday watch, dark evenings) must not open with "urgent"."""
    for piece in ("intro_notice", "machine_notice"):
        assert URGENT_WORDS[lang] not in phrase(piece, lang, "Brugge", "BIN Centrum").lower()
    assert URGENT_WORDS[lang] in phrase("intro", lang, "Brugge", "BIN Centrum").lower()
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, rate_wpm=140))
    urgent = svc.call_audio(lang, "Brugge", "BIN Centrum", "Sluit uw ramen.")
    notice = svc.call_audio(lang, "Brugge", "BIN Centrum", "Sluit uw ramen.", urgent=False)
    assert notice.intro != urgent.intro and notice.machine != urgent.machine
    assert notice.message == urgent.message and notice.prompt == urgent.prompt


def test_spelled_plates_are_a_setting_per_language(tmp_path: Path) -> None:
    """`plate_styles` (BINALERT_TTS_PLATE_STYLE): spelling words after M and N, in Dutch only."""
    letters = SpeechService(
        SpeechConfig(cache_dir=tmp_path / "letters", plate_styles={"default": "pauses"})
    )
    words = SpeechService(
        SpeechConfig(
            cache_dir=tmp_path / "words", plate_styles={"nl": "spelled", "default": "pauses"}
        )
    )
    text = "Wagen 1-MNK-234 gezien."
    said, spelled = letters.synthesize(text, "nl"), words.synthesize(text, "nl")
    check_phone_file(spelled)
    assert spelled.duration_s > said.duration_s + 1.5  # "van Maria", "van Nico", said twice
    assert words.synthesize(text, "de").key == letters.synthesize(text, "de").key
