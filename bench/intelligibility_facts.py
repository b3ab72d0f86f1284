"""Closed-set listening for the key facts: plates, phone numbers and clock times.

An open transcript shows whether the recogniser writes a plate down the way it was meant, and
Whisper base writes isolated letter names badly whatever the voice (a neural Piper voice does
no better than MBROLA there), so it cannot tell voices apart on plates. The other classic
intelligibility measure is closed-set identification (as in rhyme tests and letter-recognition
tests): the listener knows what kind of item comes (a plate is letters and digits, a phone
number digits, a time an hour and minutes) and picks each one from that set.

Here the same Whisper does that: for each item of a fact, in order, it is given the sentence's
audio and the written text heard so far (the words before the fact and the items before this
one, right ones), and picks the most likely item from the closed set (every other token of its
vocabulary suppressed). A fact is exact when every item was picked right. The set includes
"it ended here" where a listener might hear the end (a plate shorter than said), so a swallowed
character counts as wrong.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from tts.lexicon import ALPHABET, BLURRED, I_REPEAT, SPELLING
from tts.normalise import _EMERGENCY, _PHONE, _PLATE, _TIME, national_digits

CHARACTERS = tuple(f" {c}" for c in string.digits + string.ascii_uppercase)
DIGITS = tuple(f" {c}" for c in string.digits)
HOURS = tuple(f" {h}" for h in range(24))
ENDED = "."
# How Whisper writes a clock time in each language (seen in its transcripts): the word or sign
# between hour and minutes, and the minutes' form.
HOUR_SIGN = {"nl": " uur", "de": " Uhr", "fr": "h", "en": ":"}
SPACED_MINUTES = {"nl": True, "de": True, "fr": False, "en": False}


@dataclass(frozen=True)
class Item:
    """One thing to pick: what is written just before it, the closed set, the right picks."""

    before: str
    choices: tuple[str, ...]
    right: frozenset[str]
    written: str  # how it is written when heard right (the context of what follows)
    # A letter said with its spelling word ("em van Maria") is taken from its alphabet entry, as
    # a listener does: which of the 26 entries ("M van Maria") was said, the word deciding
    # (Listener.picks); `then` is the word, picked from the alphabet's words after the connector.
    then: Item | None = None

    def deciding(self) -> Item:
        return self.then or self


@dataclass(frozen=True)
class FactTest:
    kind: str  # plate, phone, time
    context: str  # the written words heard before the fact
    items: tuple[Item, ...]


def exact(test: FactTest, picked: list[str]) -> bool:
    return len(picked) == len(test.items) and all(
        p in item.deciding().right for p, item in zip(picked, test.items, strict=True)
    )


def _spelled(
    chars: str, choices: tuple[str, ...], lang: str = "", words: bool = False
) -> tuple[Item, ...]:
    """Characters one by one, comma-separated, as Whisper writes a spelled plate or number; the
    last one may be followed by the end, every other by another character. With `words`, a
    letter that blurs on the line is written with its spelling word ("M van Maria")."""
    out = []
    for i, c in enumerate(chars):
        allowed = choices if i == 0 else (*choices, ENDED)
        written, then = f" {c}", None
        if words and c in BLURRED:
            written = " " + SPELLING[lang].format(letter=c, word=ALPHABET[lang][c])
            then = _spelling_word(c, lang)
        out.append(Item("" if i == 0 else ",", allowed, frozenset({f" {c}"}), written, then))
    return tuple(out)


def _spelling_word(letter: str, lang: str) -> Item:
    """The word after a letter ("van Maria"), picked from the alphabet's 26 words."""
    connector = SPELLING[lang].split("{letter}")[1].split("{word}")[0].rstrip()
    word = f" {ALPHABET[lang][letter]}"
    words = tuple(f" {w}" for w in ALPHABET[lang].values())
    return Item(connector, words, frozenset({word}), word)


def _minutes(lang: str) -> tuple[str, ...]:
    if SPACED_MINUTES[lang]:
        return tuple(f" {m}" for m in range(60))
    return tuple(f"{m:02d}" for m in range(60))


def _time_items(hour: int, minutes: int | None, lang: str) -> tuple[Item, ...]:
    """The hour, then the minutes; a full hour ("18 uur", "18h", "18:00") is its hour only: the
    words after it are no minutes."""
    said = Item("", HOURS, frozenset({f" {hour}"}), f" {hour}")
    if minutes is None:
        return (said,)
    written = f" {minutes}" if SPACED_MINUTES[lang] else f"{minutes:02d}"
    return said, Item(HOUR_SIGN[lang], (*_minutes(lang), ENDED), frozenset({written}), written)


def _written(items: tuple[Item, ...]) -> str:
    """The fact as written with its right picks (the context of a repeat)."""
    return "".join(item.before + item.written for item in items).strip()


def spelling_words_of(style: str) -> tuple[bool, bool]:
    """Whether the first reading and the repeat of a plate have spelling words, in a plate style
    of tts.normalise (PLATE_STYLES)."""
    return style in ("spelled", "spelled_once"), style == "spelled"


def fact_tests(
    sentence: str,
    lang: str,
    repeated: bool = True,
    spelling_words: bool = False,
    repeat_words: bool | None = None,
) -> list[FactTest]:
    """The closed-set tests of a corpus sentence, in the order they are said (a plate twice
    when `repeated`, as binalert says it; with its spelling words when `spelling_words`, in the
    repeat too unless `repeat_words` is False)."""
    again = spelling_words if repeat_words is None else repeat_words
    found: list[tuple[int, str, tuple[Item, ...]]] = []
    for m in _PLATE.finditer(sentence):
        found.append((m.start(), "plate", _plate_items(m, lang, spelling_words)))
    for m in _PHONE.finditer(sentence):
        found.append((m.start(), "phone", _spelled(national_digits(m.group(0)), DIGITS)))
    for m in _EMERGENCY.finditer(sentence):
        found.append((m.start(), "phone", _spelled(m.group(1), DIGITS)))
    for m in _TIME.finditer(sentence):
        found.append((m.start(), "time", _time_items(int(m.group(1)), _minutes_of(m), lang)))
    tests = []
    for start, kind, items in sorted(found, key=lambda f: f[0]):
        context = _heard(sentence[:start], lang, spelling_words, again)
        tests.append(FactTest(kind, context, items))
        if kind == "plate" and repeated:  # said twice: the repeat comes after the first reading
            repeat = f"{context} {_written(items)}. {_i_repeat(lang)}"
            m = next(p for p in _PLATE.finditer(sentence) if p.start() == start)
            tests.append(FactTest(kind, repeat.strip(), _plate_items(m, lang, again)))
    return tests


def _plate_items(m: re.Match[str], lang: str, spelling_words: bool) -> tuple[Item, ...]:
    chars = "".join(c for c in m.group(0).upper() if c.isalnum())
    return _spelled(chars, CHARACTERS, lang, spelling_words)


def _i_repeat(lang: str) -> str:
    return f"{I_REPEAT[lang].capitalize()}:"


def _heard(text: str, lang: str, spelling_words: bool = False, again: bool = False) -> str:
    """Words before a fact, with the facts before it written as Whisper writes them heard."""

    def plate(m: re.Match[str]) -> str:
        said = _written(_plate_items(m, lang, spelling_words))
        return f"{said}. {_i_repeat(lang)} {_written(_plate_items(m, lang, again))}."

    def time(m: re.Match[str]) -> str:
        return _written(_time_items(int(m.group(1)), _minutes_of(m), lang))

    text = _TIME.sub(time, _PLATE.sub(plate, text))
    return re.sub(r"\s+", " ", text).strip()


def _minutes_of(m: re.Match[str]) -> int | None:
    minutes = m.group(3) or m.group(4)
    return int(minutes) if minutes and int(minutes) else None
