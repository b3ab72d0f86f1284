"""Belgian text normalisation before synthesis: pure functions, one pass per rule."""

from __future__ import annotations

import re
import unicodedata

from tts.frnumbers import fr_be_words
from tts.lexicon import ABBREVIATIONS, DIGITS, I_REPEAT, LETTER_NAMES, UNITS, hour_phrase
from tts.voices import check_language

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


def spell(token: str, language: str) -> str:
    """Each character of a plate by name, with short pauses: '1-ABC-234' -> 'één, a, bee, ...'."""
    names = LETTER_NAMES[language]
    chars = [c for c in token.upper() if c.isalnum()]
    return ", ".join(names[c] if c.isalpha() else DIGITS[language][int(c)] for c in chars)


def plates(text: str, language: str) -> str:
    def say(m: re.Match[str]) -> str:
        spelled = spell(m.group(0), language)
        return f"{spelled}. {I_REPEAT[language].capitalize()}: {spelled}."

    return _PLATE.sub(say, text)


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


def phones(text: str, language: str) -> str:
    def say(m: re.Match[str]) -> str:
        number = national_digits(m.group(0))
        if len(number) not in (9, 10) or (len(number) == 10 and number[1] != "4"):
            return m.group(0)
        return ", ".join(digits(g, language) for g in phone_groups(number))

    return _PHONE.sub(say, text)


def emergency(text: str, language: str) -> str:
    return _EMERGENCY.sub(lambda m: digits(m.group(1), language), text)


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


def normalise(text: str, language: str) -> str:
    """Text as the voice must read it in `language` (nl, fr, de, en)."""
    lang = check_language(language)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    for rule in (plates, phones, emergency, times, units, abbreviations):
        text = rule(text, lang)
    if lang == "fr":
        text = french_numbers(text)
    return _SPACES.sub(" ", text).strip()
