"""The intelligibility bench's own parts: G.711 round trips and the scoring of a transcript.

The bench itself (Whisper over the corpus) is not a test; these check that what it measures is
measured right."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bench.intelligibility_corpus import CORPUS
from bench.intelligibility_line import alaw_decode, alaw_encode, g711, ulaw_decode, ulaw_encode
from bench.intelligibility_score import canonical, facts_in, score
from tts import normalise
from tts.normalise import plain


def test_g711_matches_the_reference_codec() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = np.arange(-32768, 32768, 7, dtype=np.int32)
    raw = pcm.astype("<i2").tobytes()
    assert (ulaw_encode(pcm) == np.frombuffer(audioop.lin2ulaw(raw, 2), np.uint8)).all()
    assert (alaw_encode(pcm) == np.frombuffer(audioop.lin2alaw(raw, 2), np.uint8)).all()
    codes = np.arange(256, dtype=np.uint8)
    assert (ulaw_decode(codes) == np.frombuffer(audioop.ulaw2lin(codes.tobytes(), 2), "<i2")).all()
    assert (alaw_decode(codes) == np.frombuffer(audioop.alaw2lin(codes.tobytes(), 2), "<i2")).all()


@pytest.mark.parametrize("law", ["alaw", "ulaw"])
def test_g711_round_trip_keeps_speech_level_audio(law: str) -> None:
    t = np.arange(8000) / 8000
    x = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    y = g711(x, law)
    snr = 10 * np.log10(np.sum(x**2) / np.sum((x - y) ** 2))
    assert 30 < snr < 45  # 8-bit companding: about 38 dB


@pytest.mark.parametrize(
    ("lang", "said", "heard"),
    [
        ("nl", "één, ka, em, tee, vier, acht, twee", "1 KMT 482"),
        ("nl", "om 21 uur 30, tussen 18 uur en 20 uur", "om 21.30 uur, tussen 18.00 en 20u"),
        ("nl", "vierhonderdtweeëntachtig", "482"),
        ("fr", "à vingt et une heures trente", "à 21h30"),
        ("fr", "un, ka, emme, té", "Un, cas, homme, t'es"),
        ("fr", "quatre-vingt-douze, septante-sept", "92, 77"),
        ("de", "eins, kah, emm, teh", "1 km t"),
        ("de", "zweiundachtzig", "82"),
        ("en", "one hundred and five, double you", "105, W"),
        ("nl", "em van Maria", "M van Maria"),
    ],
)
def test_same_sound_same_canonical_form(lang: str, said: str, heard: str) -> None:
    assert canonical(said, lang) == canonical(heard, lang)


def test_facts_are_exact_only_when_every_token_is_right() -> None:
    text = "Wagen 1-KMT-482 om 21u30."
    said = plain(normalise(text, "nl"))
    facts = facts_in(text)
    assert [kind for kind, _ in facts] == ["plate", "time"]
    right = score(said, "Wagen 1 KMT 482. Ik herhaal 1 KMT 482 om 21.30 uur.", "nl", facts)
    assert right.wer == 0 and right.share("plate") == (2, 2) and right.share("time") == (1, 1)
    wrong = score(said, "Wagen 1 KNT 482. Ik herhaal 1 KMT 482 om 21 uur.", "nl", facts)
    assert wrong.share("plate") == (1, 2) and wrong.share("time") == (0, 1)
    assert 0 < wrong.wer < 0.3


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_corpus_has_30_sentences_and_every_fact_is_found_in_what_is_said(lang: str) -> None:
    assert len(CORPUS[lang]) >= 30
    kinds = set()
    for sentence in CORPUS[lang]:
        said = plain(normalise(sentence, lang))
        for kind, written in facts_in(sentence):
            kinds.add(kind)
            s = score(said, said, lang, [(kind, written)])
            exact, total = s.share(kind)
            assert exact == total >= 1, (sentence, written, canonical(said, lang))
    assert kinds == {"plate", "phone", "time"}
