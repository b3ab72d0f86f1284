"""Belgian text normalisation before synthesis: pure functions, one pass per rule."""

from __future__ import annotations

import re
import unicodedata

from tts.frnumbers import fr_be_words
from tts.lexicon import (
    ABBREVIATIONS,
    ALPHABET,
    BLURRED,
    DIGITS,
    EMERGENCY_STYLES,
    I_REPEAT,
    LETTER_NAMES,
    PLATE_STYLES,
    SPELLING,
    UNITS,
    hour_phrase,
)
from tts.voices import check_language

# A key fact (a plate and its repeat, a phone number) is marked ⟦...⟧: the service speaks it as
# a piece of its own, slower, with a pause before and after (tts.service.FACT_PAUSE_S).
FACT_OPEN, FACT_CLOSE = "\u27e6", "\u27e7"
# How plates are read: "pauses" (letters and digits by name, each reading a marked fact, then
# "I repeat" and the plate again), "spelled" (the same, with a spelling word after letters that
# blur on a phone line: "em van Maria"), "spelled_once" (spelling words in the first reading
# only, the repeat by letter names: shorter), "plain" (no marks, no pauses, the rate of the
# text). The default per language was chosen with bench/intelligibility_bench.py and the 50 s
# call limit (docs/tts.md); PLATE_STYLE, when set, replaces it for every language (the bench
# sets it to compare styles).
DEFAULT_PLATE_STYLES: dict[str, str] = {
    "nl": "spelled",
    "fr": "spelled_once",  # spelled twice: 51 s with three spelling words (over 50 s)
    "de": "spelled_once",  # the same (Pico's "Völklingen", "Salzwedel")
    "en": "spelled",
}
PLATE_STYLE: str | None = None  # one of PLATE_STYLES, for every language
# How 101 and 112 are said, in every prompt and message that says them (one of
# EMERGENCY_STYLES; chosen with the bench's prompts, docs/tts.md "Numbers").
EMERGENCY_STYLE = "paced"

_PLATE = re.compile(
    r"(?<![\w-])(?:[12]-[A-Z]{3}-\d{3}|[A-Z]{3}-\d{3}|\d{3}-[A-Z]{3})(?![\w-])[.,;:]?",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)32[ ]?(?:\(0\)[ ]?)?[1-9]|0[1-9])(?:[ ./-]?\d){7,8}(?![\d/.-]\d)"
)
_EMERGENCY = re.compile(r"(?<![\d.,/-])(101|112)(?![\d]|[.,]\d)")
_TIME = re.compile(r"(?<![\d.,:])([01]?\d|2[0-3])(?:([uh])([0-5]\d)?|:([0-5]\d))(?![\w:])")
_HEIGHT = re.compile(r"(?<![\d.,])(\d)m(\d\d)(?!\w)")
_UNIT = re.compile(r"(?<![\w.,])(\d+(?:,\d+)?)\s?(km/u|km/h|km|cm|m)(?![\w/])")
_NUMBER = re.compile(r"(?<![\w.,])(\d+)(?:,(\d+))?(?![\w])")
_SPACES = re.compile(r"\s+")


def digits(number: str, language: str) -> str:
    return " ".join(DIGITS[language][int(d)] for d in number if d.isdigit())


def spell(token: str, language: str, spelling: bool = False) -> str:
    """Each character of a plate by name, with short pauses: '1-ABC-234' -> 'één, a, bee, ...';
    with `spelling`, letters that blur on a phone line get a word: 'bee van Bernard'."""
    names = LETTER_NAMES[language]
    words = []
    for c in (c for c in token.upper() if c.isalnum()):
        if c.isdigit():
            words.append(DIGITS[language][int(c)])
        elif spelling and c in BLURRED:
            words.append(SPELLING[language].format(letter=names[c], word=ALPHABET[language][c]))
        else:
            words.append(names[c])
    return ", ".join(words)


def plate_style(language: str, style: str | None = None) -> str:
    """The plate style for `language`: `style`, else PLATE_STYLE, else the language's default."""
    return style or PLATE_STYLE or DEFAULT_PLATE_STYLES[language]


def plates(text: str, language: str, style: str | None = None) -> str:
    style = plate_style(language, style)

    def say(m: re.Match[str]) -> str:
        first = spell(m.group(0), language, spelling=style in ("spelled", "spelled_once"))
        again = spell(m.group(0), language, spelling=style == "spelled")
        repeat = I_REPEAT[language].capitalize()
        if style == "plain":
            return f"{first}. {repeat}: {again}."
        return f"{_fact(first + '.')} {_fact(f'{repeat}: {again}.')}"

    return _PLATE.sub(say, text)


def _fact(text: str) -> str:
    return f"{FACT_OPEN}{text}{FACT_CLOSE}"


def pieces(spoken: str) -> list[tuple[str, bool]]:
    """(text, is a key fact) for the parts of a normalised text, in order."""
    out: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{FACT_OPEN}{FACT_CLOSE}]", spoken)):
        if any(c.isalnum() for c in part):
            out.append((part.strip(), i % 2 == 1))
    return out


def plain(spoken: str) -> str:
    """A normalised text without its fact marks (what is said, as words)."""
    return _SPACES.sub(" ", re.sub(f"[{FACT_OPEN}{FACT_CLOSE}]", " ", spoken)).strip()


def national_digits(raw: str) -> str:
    d = re.sub(r"\D", "", raw.replace("(0)", ""))
    for prefix in ("0032", "32"):
        if raw.lstrip().startswith(("+", "00")) and d.startswith(prefix):
            return "0" + d[len(prefix) :]
    return d


def phone_groups(number: str) -> list[str]:
    """Belgian grouping: 0477 77 77 55, 02 123 45 67, 050 12 34 56."""
    if len(number) == 10:
        sizes = [4, 2, 2, 2]
    elif number[1] in "2349":
        sizes = [2, 3, 2, 2]
    else:
        sizes = [3, 2, 2, 2]
    groups, at = [], 0
    for size in sizes:
        groups.append(number[at : at + size])
        at += size
    return groups


def phones(text: str, language: str, style: str | None = None) -> str:
    style = plate_style(language, style)

    def say(m: re.Match[str]) -> str:
        number = national_digits(m.group(0))
        if len(number) not in (9, 10) or (len(number) == 10 and number[1] != "4"):
            return m.group(0)
        said = ", ".join(digits(g, language) for g in phone_groups(number))
        return said if style == "plain" else _fact(said)

    return _PHONE.sub(say, text)


def emergency(text: str, language: str, style: str | None = None) -> str:
    """101 and 112 digit by digit, the way EMERGENCY_STYLE (or `style`) says: never "honderd
    één" nor a number a recogniser or a listener can take for a word."""
    style = style or EMERGENCY_STYLE
    if style not in EMERGENCY_STYLES:
        raise ValueError(f"unknown emergency style {style!r}; use one of {EMERGENCY_STYLES}")

    def say(m: re.Match[str]) -> str:
        if style == "digits":
            return digits(m.group(1), language)
        said = ", ".join(DIGITS[language][int(d)] for d in m.group(1))
        return _fact(said) if style == "fact" else said

    return _EMERGENCY.sub(say, text)


def times(text: str, language: str) -> str:
    def say(m: re.Match[str]) -> str:
        minutes = m.group(3) or m.group(4) or "0"
        return hour_phrase(language, int(m.group(1)), int(minutes))

    return _TIME.sub(say, text)


def units(text: str, language: str) -> str:
    table = UNITS[language]
    text = _HEIGHT.sub(lambda m: f"{m.group(1)} {table['m'][0]} {m.group(2)}", text)

    def say(m: re.Match[str]) -> str:
        singular, plural = table[m.group(2)]
        return f"{m.group(1)} {singular if m.group(1) == '1' else plural}"

    return _UNIT.sub(say, text)


def abbreviations(text: str, language: str) -> str:
    for abbr, full in ABBREVIATIONS[language].items():
        text = re.sub(rf"(?<![\w.]){re.escape(abbr)}(?=\s|$|[,;:])", full, text, flags=re.I)
    return text


def french_numbers(text: str) -> str:
    def say(m: re.Match[str]) -> str:
        words = fr_be_words(int(m.group(1)))
        return f"{words} virgule {fr_be_words(int(m.group(2)))}" if m.group(2) else words

    return _NUMBER.sub(say, text)


def normalise(text: str, language: str, plate_style: str | None = None) -> str:
    """Text as the voice must read it in `language` (nl, fr, de, en); plates (and whether
    phone numbers are key facts) in `plate_style`, one of PLATE_STYLES (default: plate_style())."""
    lang = check_language(language)
    if plate_style is not None and plate_style not in PLATE_STYLES:
        raise ValueError(f"unknown plate style {plate_style!r}; use one of {PLATE_STYLES}")
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", re.sub(f"[{FACT_OPEN}{FACT_CLOSE}]", "", text)).strip()
    text = phones(plates(text, lang, plate_style), lang, plate_style)
    for rule in (emergency, times, units, abbreviations):
        text = rule(text, lang)
    if lang == "fr":
        text = french_numbers(text)
    return _SPACES.sub(" ", text).strip()
