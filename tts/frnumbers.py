"""Belgian French number words (septante, nonante, quatre-vingts), 0 to 999 999 999."""

from __future__ import annotations


def _words(line: str) -> list[str]:
    return line.split()


_UNITS = _words(
    "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
    "seize dix-sept dix-huit dix-neuf"
)
_TENS = {
    2: "vingt",
    3: "trente",
    4: "quarante",
    5: "cinquante",
    6: "soixante",
    7: "septante",
    9: "nonante",
}


def _below_100(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{_UNITS[unit]}"
    word = _TENS[tens]
    if unit == 0:
        return word
    return f"{word} et un" if unit == 1 else f"{word}-{_UNITS[unit]}"


def _below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return _below_100(rest)
    head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
    if rest == 0:
        return head if hundreds == 1 else head + "s"
    return f"{head} {_below_100(rest)}"


def _drop_plural(words: str) -> str:
    """'quatre-vingts' and 'cents' lose their s before 'mille' (not before 'millions')."""
    if words.endswith("quatre-vingts") or (words.endswith("cents") and " " in words):
        return words[:-1]
    return words


def fr_be_words(n: int) -> str:
    if n < 0:
        return "moins " + fr_be_words(-n)
    if n >= 1_000_000_000:
        return " ".join(_UNITS[int(d)] for d in str(n))
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    parts: list[str] = []
    if millions:
        parts.append("un million" if millions == 1 else f"{_below_1000(millions)} millions")
    if thousands:
        parts.append("mille" if thousands == 1 else f"{_drop_plural(_below_1000(thousands))} mille")
    if units or not parts:
        parts.append(_below_1000(units))
    return " ".join(parts)
