"""The words a template is filled with, chosen from lists and translated into nl, fr, de, en.

Only proper nouns (a make, a street, a place) are typed by the dispatcher; colours, kinds of
vehicle, clothing and who was seen are values from these lists, so each language gets its
own word in the right form: Dutch adjectives take -e before a de-word ("een grijze auto",
"een grijs trainingspak"), French adjectives follow the noun and agree with it ("une voiture
grise", "un scooter gris"), German adjectives are declined for the case the sentence uses
("ein graues Auto", "mit einer grauen Jacke"), English picks "a" or "an".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator

from binalert.models import Language

Colour = Literal[
    "white",
    "black",
    "grey",
    "silver",
    "blue",
    "dark_blue",
    "red",
    "green",
    "yellow",
    "brown",
    "beige",
    "orange",
]
Vehicle = Literal["car", "van", "motorbike", "scooter", "lorry", "bicycle"]
Clothing = Literal["jacket", "hoodie", "sweater", "tracksuit", "raincoat"]
Who = Literal["man", "woman", "person", "two_people", "group"]

NL, FR, DE, EN = Language.NL, Language.FR, Language.DE, Language.EN


@dataclass(frozen=True)
class ColourWords:
    nl: str  # before a het-word with "een", or said alone
    nl_e: str  # before a de-word
    fr_m: str
    fr_f: str
    de: str  # the stem German declension endings are added to
    en: str


COLOURS: dict[str, ColourWords] = {
    "white": ColourWords("wit", "witte", "blanc", "blanche", "weiß", "white"),
    "black": ColourWords("zwart", "zwarte", "noir", "noire", "schwarz", "black"),
    "grey": ColourWords("grijs", "grijze", "gris", "grise", "grau", "grey"),
    "silver": ColourWords(
        "zilverkleurig", "zilverkleurige", "argenté", "argentée", "silbern", "silver"
    ),
    "blue": ColourWords("blauw", "blauwe", "bleu", "bleue", "blau", "blue"),
    "dark_blue": ColourWords(
        "donkerblauw", "donkerblauwe", "bleu foncé", "bleu foncé", "dunkelblau", "dark blue"
    ),
    "red": ColourWords("rood", "rode", "rouge", "rouge", "rot", "red"),
    "green": ColourWords("groen", "groene", "vert", "verte", "grün", "green"),
    "yellow": ColourWords("geel", "gele", "jaune", "jaune", "gelb", "yellow"),
    "brown": ColourWords("bruin", "bruine", "brun", "brune", "braun", "brown"),
    "beige": ColourWords("beige", "beige", "beige", "beige", "beigefarben", "beige"),
    "orange": ColourWords("oranje", "oranje", "orange", "orange", "orangefarben", "orange"),
}


@dataclass(frozen=True)
class Noun:
    word: str
    gender: str  # nl: "de" | "het"; fr: "m" | "f"; de: "m" | "f" | "n"; en: ""


VEHICLES: dict[str, dict[Language, Noun]] = {
    "car": {
        NL: Noun("auto", "de"),
        FR: Noun("voiture", "f"),
        DE: Noun("Auto", "n"),
        EN: Noun("car", ""),
    },
    "van": {
        NL: Noun("bestelwagen", "de"),
        FR: Noun("camionnette", "f"),
        DE: Noun("Lieferwagen", "m"),
        EN: Noun("van", ""),
    },
    "motorbike": {
        NL: Noun("motorfiets", "de"),
        FR: Noun("moto", "f"),
        DE: Noun("Motorrad", "n"),
        EN: Noun("motorbike", ""),
    },
    "scooter": {
        NL: Noun("scooter", "de"),
        FR: Noun("scooter", "m"),
        DE: Noun("Motorroller", "m"),
        EN: Noun("scooter", ""),
    },
    "lorry": {
        NL: Noun("vrachtwagen", "de"),
        FR: Noun("camion", "m"),
        DE: Noun("Lastwagen", "m"),
        EN: Noun("lorry", ""),
    },
    "bicycle": {
        NL: Noun("fiets", "de"),
        FR: Noun("vélo", "m"),
        DE: Noun("Fahrrad", "n"),
        EN: Noun("bicycle", ""),
    },
}

CLOTHES: dict[str, dict[Language, Noun]] = {
    "jacket": {
        NL: Noun("jas", "de"),
        FR: Noun("veste", "f"),
        DE: Noun("Jacke", "f"),
        EN: Noun("jacket", ""),
    },
    "hoodie": {
        NL: Noun("hoodie", "de"),
        FR: Noun("sweat à capuche", "m"),
        DE: Noun("Kapuzenpullover", "m"),
        EN: Noun("hoodie", ""),
    },
    "sweater": {
        NL: Noun("trui", "de"),
        FR: Noun("pull", "m"),
        DE: Noun("Pullover", "m"),
        EN: Noun("jumper", ""),
    },
    "tracksuit": {
        NL: Noun("trainingspak", "het"),
        FR: Noun("survêtement", "m"),
        DE: Noun("Trainingsanzug", "m"),
        EN: Noun("tracksuit", ""),
    },
    "raincoat": {
        NL: Noun("regenjas", "de"),
        FR: Noun("imperméable", "m"),
        DE: Noun("Regenjacke", "f"),
        EN: Noun("raincoat", ""),
    },
}

WHO: dict[str, dict[Language, str]] = {
    # Said as the object of "meldt / signale / meldet / report" (German: accusative).
    "man": {
        NL: "een verdachte man",
        FR: "un homme suspect",
        DE: "einen verdächtigen Mann",
        EN: "a suspicious man",
    },
    "woman": {
        NL: "een verdachte vrouw",
        FR: "une femme suspecte",
        DE: "eine verdächtige Frau",
        EN: "a suspicious woman",
    },
    "person": {
        NL: "een verdachte persoon",
        FR: "une personne suspecte",
        DE: "eine verdächtige Person",
        EN: "a suspicious person",
    },
    "two_people": {
        NL: "twee verdachte personen",
        FR: "deux personnes suspectes",
        DE: "zwei verdächtige Personen",
        EN: "two suspicious people",
    },
    "group": {
        NL: "een groep verdachte personen",
        FR: "un groupe de personnes suspectes",
        DE: "eine Gruppe verdächtiger Personen",
        EN: "a group of suspicious people",
    },
}
PLURAL_WHO = frozenset({"two_people", "group"})

LABELS: dict[str, dict[str, str]] = {
    # What the send page shows for each choice (English; the pages translate them).
    "colour": {c: COLOURS[c].en.capitalize() for c in get_args(Colour)},
    "vehicle": {
        "car": "Car",
        "van": "Van",
        "motorbike": "Motorbike",
        "scooter": "Scooter",
        "lorry": "Lorry",
        "bicycle": "Bicycle",
    },
    "clothing": {
        "jacket": "Jacket",
        "hoodie": "Hoodie",
        "sweater": "Jumper",
        "tracksuit": "Tracksuit",
        "raincoat": "Raincoat",
    },
    "who": {
        "man": "A man",
        "woman": "A woman",
        "person": "A person",
        "two_people": "Two people",
        "group": "A group",
    },
}


def _colour_aliases() -> dict[str, str]:
    """Every form of every colour word, in any language: what an older API client typed."""
    found: dict[str, str] = {"gray": "grey", "dark blue": "dark_blue"}
    for value, words in COLOURS.items():
        for form in (words.nl, words.nl_e, words.fr_m, words.fr_f, words.de, words.en):
            found.setdefault(form.lower(), value)
    return found


COLOUR_ALIASES = _colour_aliases()


def _colour_value(value: Any) -> Any:
    if isinstance(value, str):
        return COLOUR_ALIASES.get(value.strip().lower(), value)
    return value


ColourField = Annotated[Colour, BeforeValidator(_colour_value)]
"""A colour from the list; a colour word in nl, fr, de or en ("grijs", "gris", "grau") is
taken as that colour, so clients that typed one keep working."""


def _an(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _nl(noun: Noun, colour: str | None) -> str:
    if colour is None:
        return f"een {noun.word}"
    words = COLOURS[colour]
    return f"een {words.nl_e if noun.gender == 'de' else words.nl} {noun.word}"


def _fr(noun: Noun, colour: str | None) -> str:
    article = "une" if noun.gender == "f" else "un"
    if colour is None:
        return f"{article} {noun.word}"
    words = COLOURS[colour]
    return f"{article} {noun.word} {words.fr_f if noun.gender == 'f' else words.fr_m}"


DE_NOMINATIVE = {"m": ("ein", "er"), "f": ("eine", "e"), "n": ("ein", "es")}
DE_DATIVE = {"m": ("einem", "en"), "f": ("einer", "en"), "n": ("einem", "en")}


def _de(noun: Noun, colour: str | None, case: dict[str, tuple[str, str]]) -> str:
    article, ending = case[noun.gender]
    if colour is None:
        return f"{article} {noun.word}"
    return f"{article} {COLOURS[colour].de}{ending} {noun.word}"


def _en(noun: Noun, colour: str | None) -> str:
    return _an(noun.word if colour is None else f"{COLOURS[colour].en} {noun.word}")


def noun_phrase(noun: Noun, colour: str | None, language: Language, dative: bool = False) -> str:
    """ "a (colour) noun" in the language, the adjective in its right form and place (German:
    nominative, or dative after "mit")."""
    if language is NL:
        return _nl(noun, colour)
    if language is FR:
        return _fr(noun, colour)
    if language is DE:
        return _de(noun, colour, DE_DATIVE if dative else DE_NOMINATIVE)
    return _en(noun, colour)


def vehicle_phrase(vehicle: str, colour: str | None, language: Language) -> str:
    return noun_phrase(VEHICLES[vehicle][language], colour, language)


def clothing_phrase(clothing: str, colour: str | None, language: Language) -> str:
    return noun_phrase(CLOTHES[clothing][language], colour, language, dative=True)
