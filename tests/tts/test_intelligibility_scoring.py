"""The intelligibility bench's own parts: G.711 round trips and the scoring of a transcript.

The bench itself (Whisper over the corpus) is not a test; these check that what it measures is
measured right."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from bench.intelligibility_corpus import CORPUS
from bench.intelligibility_facts import ENDED, exact, fact_tests
from bench.intelligibility_line import alaw_decode, alaw_encode, g711, ulaw_decode, ulaw_encode
from bench.intelligibility_score import canonical, facts_in, score
from tts import normalise
from tts.normalise import plain
from tts.piper_voices import install_voice_file


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
        ("fr", "un, ka, emme", "Un, qu'à, homme"),
        ("fr", "quatre-vingt-douze, septante-sept", "92, 77"),
        ("de", "eins, kah, emm, teh", "1 km t"),
        ("de", "zweiundachtzig", "82"),
        ("en", "one hundred and five, double you", "105, W"),
        ("nl", "em van Maria", "M van Maria"),
        ("nl", "em van Maria", "N van Maaria"),  # the name, misspelt, still names the letter
        ("fr", "emme comme Marcel, dé comme Désiré", "N comme Marcelle, B comme désirées"),
        ("de", "emm wie München", "N wie Munchen"),
    ],
)
def test_same_sound_same_canonical_form(lang: str, said: str, heard: str) -> None:
    assert canonical(said, lang) == canonical(heard, lang)


def test_a_word_far_from_every_spelling_word_is_no_spelling_word() -> None:
    assert canonical("M van Murnaart", "nl") == ["m", "van", "murnaart"]
    assert canonical("B comme buzz", "fr") == ["b", "comme", "buzz"]


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


def test_closed_set_tests_follow_the_facts_as_they_are_said() -> None:
    sentence = "Een Audi met plaat 1-NMV-356 stond om 23u15 en 18u00 aan het kerkhof."
    first, repeat, quarter, full = fact_tests(sentence, "nl")
    assert (first.kind, first.context) == ("plate", "Een Audi met plaat")
    assert [min(item.right) for item in first.items] == [" 1", " N", " M", " V", " 3", " 5", " 6"]
    assert ENDED not in first.items[0].choices and ENDED in first.items[1].choices
    assert len(first.items[1].choices) == 37  # ten digits, 26 letters, or the end
    assert repeat.context == "Een Audi met plaat 1, N, M, V, 3, 5, 6. Ik herhaal:"
    assert quarter.context.endswith("Ik herhaal: 1, N, M, V, 3, 5, 6. stond om")
    assert [(i.before, min(i.right)) for i in quarter.items] == [("", " 23"), (" uur", " 15")]
    assert full.context.endswith("stond om 23 uur 15 en")
    assert [min(i.right) for i in full.items] == [" 18"]  # a full hour is its hour


def test_closed_set_tests_of_phones_times_and_spelling_words() -> None:
    (phone,) = fact_tests("Bel 0477/21.64.90 nu.", "nl")
    assert "".join(min(i.right) for i in phone.items) == " 0 4 7 7 2 1 6 4 9 0"
    (emergency,) = fact_tests("Appelez le 101.", "fr")
    assert [min(i.right) for i in emergency.items] == [" 1", " 0", " 1"]
    (time,) = fact_tests("Um 4:20 Uhr.", "de")
    assert [(i.before, min(i.right)) for i in time.items] == [("", " 4"), (" Uhr", " 20")]
    (time,) = fact_tests("à 17h05.", "fr")
    assert [(i.before, min(i.right)) for i in time.items] == [("", " 17"), ("h", "05")]
    first, repeat = fact_tests("Plaque 2-MNP-530.", "fr", spelling_words=True)
    assert first.items[1].written == " M comme Marcel"
    word = first.items[1].then  # the letter is taken from its spelling word
    assert word is not None and word.before == " comme" and word.right == {" Marcel"}
    assert len(word.choices) == 26 and first.items[1].deciding() is word
    assert first.items[0].then is None  # a digit has no spelling word
    assert exact(first, [" 2", " Marcel", " Nicolas", " Pierre", " 5", " 3", " 0"])
    assert not exact(first, [" 2", " M", " N", " P", " 5", " 3", " 0"])
    assert repeat.context == (
        "Plaque 2, M comme Marcel, N comme Nicolas, P comme Pierre, 5, 3, 0. Je répète:"
    )
    assert len(fact_tests("Plaque 2-MNP-530.", "fr", repeated=False)) == 1


def test_a_fact_is_exact_only_with_every_item_picked_right() -> None:
    (test,) = fact_tests("Appelez le 101.", "fr")
    assert exact(test, [" 1", " 0", " 1"])
    assert not exact(test, [" 1", " 0"])  # ended early
    assert not exact(test, [" 1", " 6"])


def test_a_repeat_without_spelling_words_is_judged_by_its_letters() -> None:
    first, repeat = fact_tests("Plaque 2-MNP-530.", "fr", spelling_words=True, repeat_words=False)
    assert first.items[1].then is not None and repeat.items[1].then is None
    assert repeat.context.endswith("P comme Pierre, 5, 3, 0. Je répète:")
    assert exact(repeat, [" 2", " M", " N", " P", " 5", " 3", " 0"])


def test_the_bench_measures_the_operators_voices_as_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BINALERT_TTS_VOICES and the voices installed with install-voice join the default voices'
    run (BENCH_VOICE_QUICK=1 keeps only those), in binalert's own way."""
    import bench.intelligibility_bench as b

    model = tmp_path / "nl_BE-rdh-medium.onnx"
    install_voice_file(
        "nl_BE-rdh-medium",
        _write(model, b"model"),
        hashlib.sha256(b"model").hexdigest(),
        hashlib.sha256(b"{}").hexdigest(),
        tmp_path / "voices",
        config_file=_write(tmp_path / "c.json", b"{}"),
    )
    monkeypatch.setenv("BINALERT_TTS_VOICES_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("BINALERT_TTS_VOICES", "fr=mb-fr5,xx=nothing")
    monkeypatch.setenv("BENCH_VOICE_QUICK", "1")
    chosen = [(c.language, c.voice) for c in b._selected(b.candidates())]
    assert ("fr", "mb-fr5") in chosen and ("nl", "piper:nl_BE-rdh-medium") in chosen
    assert ("nl", "mb-nl2") in chosen and ("nl", "mb-nl3") not in chosen
    assert all(b.is_default(c) for c in b._selected(b.candidates()))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
