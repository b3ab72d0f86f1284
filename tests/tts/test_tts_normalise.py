"""Table tests for Belgian normalisation in nl, fr (Belgian), de and en."""

from __future__ import annotations

import importlib

import pytest

from tts import normalise
from tts.frnumbers import fr_be_words
from tts.normalise import emergency, pieces, plain

NL_PLATE = "één, bee, oo, es, twee, drie, vier"
FR_PLATE = "un, double vé, iks, i grec, neuf, sept, un"


def fact(text: str) -> str:
    """A key fact as the normaliser marks it (spoken slower, with pauses around it)."""
    return f"\u27e6{text}\u27e7"


@pytest.mark.parametrize(
    ("lang", "text", "spoken"),
    [
        # plates: every character by name, then repeated; each reading a key fact
        ("nl", "1-BOS-234", f"{fact(NL_PLATE + '.')} {fact(f'Ik herhaal: {NL_PLATE}.')}"),
        (
            "nl",
            "Wagen ABC-123 gezien",
            f"Wagen {fact('a, bee, cee, één, twee, drie.')} "
            f"{fact('Ik herhaal: a, bee, cee, één, twee, drie.')} gezien",
        ),
        (
            "nl",
            "plaat 123-VWY.",
            f"plaat {fact('één, twee, drie, vee, wee, ypsilon.')} "
            f"{fact('Ik herhaal: één, twee, drie, vee, wee, ypsilon.')}",
        ),
        ("fr", "1-WXY-971", f"{fact(FR_PLATE + '.')} {fact(f'Je répète: {FR_PLATE}.')}"),
        (
            "de",
            "2-VWY-123",
            f"{fact('zwei, vau, we, ypsilon, eins, zwei, drei.')} "
            f"{fact('Ich wiederhole: zwei, vau, we, ypsilon, eins, zwei, drei.')}",
        ),
        (
            "en",
            "1-WHY-900",
            f"{fact('one, double you, aitch, why, nine, zero, zero.')} "
            f"{fact('I repeat: one, double you, aitch, why, nine, zero, zero.')}",
        ),
        # emergency numbers digit by digit
        ("nl", "1012 en 101,5", "1012 en 101,5"),  # not emergency numbers
        # Belgian phone numbers in groups
        (
            "nl",
            "Bel 0477/77.77.55",
            f"Bel {fact('nul vier zeven zeven, zeven zeven, zeven zeven, vijf vijf')}",
        ),
        (
            "fr",
            "Tél 03/210.40.00",
            f"Tél {fact('zéro trois, deux un zéro, quatre zéro, zéro zéro')}",
        ),
        (
            "de",
            "Tel. +32 (0)87 12 34 56",
            f"Tel. {fact('null acht sieben, eins zwei, drei vier, fünf sechs')}",
        ),
        (
            "en",
            "ring 0032 2 123 45 67",
            f"ring {fact('zero two, one two three, four five, six seven')}",
        ),
        # times
        ("nl", "om 14u30", "om 14 uur 30"),
        ("nl", "om 22u", "om 22 uur"),
        ("nl", "om 14:05", "om 14 uur 5"),
        ("fr", "à 14h30", "à quatorze heures trente"),
        ("fr", "à 21h05 ou 1h", "à vingt et une heures cinq ou une heure"),
        ("de", "um 14:30", "um 14 Uhr 30"),
        ("de", "um 9h", "um 9 Uhr"),
        ("en", "at 14:30", "at 14 30"),
        ("en", "at 9:05 or 10:00", "at 9 oh 5 or 10 o'clock"),
        # abbreviations and units
        ("nl", "ca. 1m80, ong. 30 jaar", "circa 1 meter 80, ongeveer 30 jaar"),
        ("nl", "reed 50 km/u over 200 m", "reed 50 kilometer per uur over 200 meter"),
        ("fr", "env. 1m80", "environ un mètre quatre-vingts"),
        ("fr", "roulait à 90 km/h", "roulait à nonante kilomètres par heure"),
        ("de", "ca. 1m80, ungef. 30 m", "circa 1 Meter 80, ungefähr 30 Meter"),
        ("de", "mit 50 km/h", "mit 50 Kilometer pro Stunde"),
        ("en", "approx. 1m80, 1 m away", "approximately 1 metre 80, 1 metre away"),
        ("en", "at 30 km/h", "at 30 kilometres per hour"),
        # Belgian French numbers
        (
            "fr",
            "71 ans, 80 ans, 91 ans",
            "septante et un ans, quatre-vingts ans, nonante et un ans",
        ),
        ("fr", "en 1975, 2,5 km", "en mille neuf cent septante-cinq, deux virgule cinq kilomètres"),
        # untouched
        ("nl", "  Blijf   binnen. ", "Blijf binnen."),
    ],
)
def test_normalise_table(lang: str, text: str, spoken: str) -> None:
    assert normalise(text, lang, plate_style="pauses") == spoken


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zéro"),
        (1, "un"),
        (17, "dix-sept"),
        (21, "vingt et un"),
        (70, "septante"),
        (71, "septante et un"),
        (77, "septante-sept"),
        (80, "quatre-vingts"),
        (81, "quatre-vingt-un"),
        (90, "nonante"),
        (91, "nonante et un"),
        (99, "nonante-neuf"),
        (100, "cent"),
        (101, "cent un"),
        (200, "deux cents"),
        (280, "deux cent quatre-vingts"),
        (1000, "mille"),
        (2080, "deux mille quatre-vingts"),
        (80000, "quatre-vingt mille"),
        (200000, "deux cent mille"),
        (1_000_000, "un million"),
        (2_000_000, "deux millions"),
    ],
)
def test_fr_be_numbers(n: int, words: str) -> None:
    assert fr_be_words(n) == words


def test_pieces_split_text_and_key_facts_in_order() -> None:
    spoken = normalise("Wagen 1-KMT-482 gezien, bel 0477/21.64.90.", "nl", plate_style="pauses")
    plate = "één, ka, em, tee, vier, acht, twee."
    assert pieces(spoken) == [
        ("Wagen", False),
        (plate, True),
        (f"Ik herhaal: {plate}", True),
        ("gezien, bel", False),
        ("nul vier zeven zeven, twee één, zes vier, negen nul", True),
    ]
    assert plain(spoken) == (
        f"Wagen {plate} Ik herhaal: {plate} gezien, bel "
        "nul vier zeven zeven, twee één, zes vier, negen nul ."
    )


def test_marks_in_the_alert_text_are_not_taken_as_facts() -> None:
    assert pieces(normalise("Blijf \u27e6binnen\u27e7.", "nl")) == [("Blijf binnen.", False)]


@pytest.mark.parametrize(
    ("lang", "spoken"),
    [
        ("nl", "één, em van Maria, en van Nico, ka, twee, drie, vier."),
        ("fr", "un, emme comme Marcel, enne comme Nicolas, ka, deux, trois, quatre."),
        ("de", "eins, emm wie München, enn wie Nürnberg, kah, zwei, drei, vier."),
        ("en", "one, em for Mike, en for November, kay, two, three, four."),
    ],
)
def test_spelled_plates_name_the_letters_that_blur(lang: str, spoken: str) -> None:
    first, repeat = pieces(normalise("1-MNK-234", lang, plate_style="spelled"))
    assert first == (spoken, True) and repeat[0].endswith(spoken)


def test_the_default_plate_style_applies_to_every_plate_of_a_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = importlib.import_module("tts.normalise")
    for lang, style in module.DEFAULT_PLATE_STYLES.items():
        assert normalise("1-MNK-234", lang) == normalise("1-MNK-234", lang, plate_style=style)
    monkeypatch.setattr(module, "PLATE_STYLE", "pauses")  # one style for every language
    assert "Maria" not in normalise("1-MNK-234", "nl")


def test_spelled_once_gives_the_words_in_the_first_reading_only() -> None:
    first, repeat = pieces(normalise("2-BDP-719", "de", plate_style="spelled_once"))
    assert (
        first[0] == "zwei, beh wie Berlin, deh wie Düsseldorf, peh wie Potsdam, sieben, eins, neun."
    )
    assert repeat[0] == "Ich wiederhole: zwei, beh, deh, peh, sieben, eins, neun."


@pytest.mark.parametrize(
    ("style", "spoken"),
    [
        ("digits", "Bel één nul één of één één twee."),
        ("paced", "Bel één, nul, één of één, één, twee."),
        ("fact", "Bel \u27e6één, nul, één\u27e7 of \u27e6één, één, twee\u27e7."),
    ],
)
def test_emergency_numbers_digit_by_digit_in_each_style(style: str, spoken: str) -> None:
    assert emergency("Bel 101 of 112.", "nl", style) == spoken
    with pytest.raises(ValueError, match="emergency style"):
        emergency("Bel 101.", "nl", "hundreds")


def test_plate_style_given_per_call() -> None:
    spelled = normalise("Wagen 1-MNK-234, bel 0477 21 64 90.", "nl", plate_style="spelled")
    assert "em van Maria" in spelled and "⟦nul vier zeven zeven" in spelled
    plain_style = normalise("Wagen 1-MNK-234, bel 0477 21 64 90.", "nl", plate_style="plain")
    assert "van Maria" not in plain_style and "⟦" not in plain_style  # no key-fact pieces
    with pytest.raises(ValueError, match="plate style"):
        normalise("1-MNK-234", "nl", plate_style="nato")


def test_unknown_language_rejected() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        normalise("hallo", "es")


@pytest.mark.parametrize("lang", ["nl-BE", "fr_BE", "DE"])
def test_regional_codes_accepted(lang: str) -> None:
    assert normalise("101", lang) != "101"
