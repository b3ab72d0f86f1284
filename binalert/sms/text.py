"""The rules of an SMS text (#22): what may be sent, in which encoding, in how many parts.

`check_sms_text` is the gate: every text queued for an SMS passes it first (nothing a user
typed reaches an SMPP PDU unchecked). `sms_parts` counts the parts the way the SMSC will:
GSM 03.38 7-bit when every character is in its tables (smpplib.gsm's table), 160 septets
alone or 153 a part when concatenated, a character of the extension table (€ [ ] { } ...)
costing two septets and never cut between two parts; UCS-2 otherwise, 70 units alone or 67 a
part. `split_parts` gives the parts' texts along those same cuts, so a sender that splits
by these counts bills exactly what the preview showed. Parts cost money, so a text needing
more than the installation's maximum (BINALERT_SMS_MAX_PARTS) is refused with a clear error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from smpplib import gsm

MAX_PARTS = 8
"""The default of BINALERT_SMS_MAX_PARTS: at most this many parts per SMS. Measured on the
alert templates written out (alerts.sms): the longest, a suspect person, needs 3 parts in
Dutch, 4 in English and German, and 8 in French, whose "fenêtres" and "vous-même" make it
UCS-2 (67 characters a part); 4 would refuse the police's own template at night."""
MAX_CHARACTERS = 1600  # checked before anything is counted: no text is worth more
SINGLE = {"gsm7": 160, "ucs2": 70}  # septets / UTF-16 units of a message alone
CONCATENATED = {"gsm7": 153, "ucs2": 67}  # the rest of a part carries the UDH

Encoding = Literal["gsm7", "ucs2"]

# Typographic marks a word processor or phone keyboard puts in, written as GSM 7-bit has them:
# each one left alone would make the whole text UCS-2 (70 characters a part instead of 160),
# and the backtick is the placeholder smpplib's table uses for the characters it lacks.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2026": "...",
    }
)
_SPACES = re.compile(r"\s+")
_EXTENSION = frozenset("^{}\\[~]|€")  # GSM 03.38's extension table: escape + character


class SmsTextError(ValueError):
    """The text cannot be sent as an SMS; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class SmsParts:
    encoding: Encoding
    parts: int
    units: int  # septets (gsm7) or UTF-16 units (ucs2) of the whole text


def check_sms_text(text: str) -> str:
    """The text as it will be sent: whitespace runs (newlines, tabs, no-break spaces) as one
    space, typographic quotes and dashes as GSM has them, NFC. Refuses an empty text,
    control and invisible characters (bidi overrides, zero-width), unpaired surrogates,
    private-use and unassigned code points, and characters beyond UCS-2 (emoji): an SMS
    holds none of them, and some would show the reader something else than was checked."""
    if not isinstance(text, str):
        raise SmsTextError("an SMS text must be text")
    if len(text) > MAX_CHARACTERS:
        raise SmsTextError(f"an SMS text has at most {MAX_CHARACTERS} characters")
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            raise SmsTextError(f"unpaired surrogate U+{ord(char):04X} is not a character")
        if category in ("Cc", "Cf", "Co", "Cn") and not char.isspace():
            raise SmsTextError(f"control or invisible character U+{ord(char):04X} is not allowed")
    plain = unicodedata.normalize("NFC", _SPACES.sub(" ", text).translate(_PLAIN)).strip()
    if not plain:
        raise SmsTextError("an SMS text must not be empty")
    for char in plain:
        if ord(char) > 0xFFFF:
            raise SmsTextError(
                f"character U+{ord(char):04X} (an emoji or a rare sign) cannot be sent by SMS"
            )
    return plain


def encoding_of(text: str) -> Encoding:
    """gsm7 when smpplib's GSM 03.38 table holds every character (its backtick is a
    placeholder, not a character), else ucs2."""
    if "`" in text:
        return "ucs2"
    try:
        gsm.gsm_encode(text)
    except UnicodeError:
        return "ucs2"
    return "gsm7"


def _cost(char: str, encoding: Encoding) -> int:
    if encoding == "gsm7":
        return 2 if char in _EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def split_parts(text: str) -> tuple[Encoding, list[str]]:
    """The text's encoding and its parts' texts, cut as the parts are counted: at most 153
    septets (67 units) a part when it needs more than one, a two-septet character never
    split."""
    encoding = encoding_of(text)
    costs = [_cost(char, encoding) for char in text]
    if sum(costs) <= SINGLE[encoding]:
        return encoding, [text]
    size = CONCATENATED[encoding]
    parts: list[str] = []
    start, used = 0, 0
    for index, cost in enumerate(costs):
        if used + cost > size:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    return encoding, parts


def sms_parts(text: str) -> SmsParts:
    """How the SMSC will count this (checked) text: its encoding and number of parts."""
    encoding, parts = split_parts(text)
    return SmsParts(encoding, len(parts), sum(_cost(char, encoding) for char in text))


def check_parts(text: str, max_parts: int = MAX_PARTS) -> SmsParts:
    """`sms_parts`, refusing a text of more than `max_parts` parts with what to shorten."""
    counted = sms_parts(text)
    if counted.parts <= max_parts:
        return counted
    size = CONCATENATED[counted.encoding] if max_parts > 1 else SINGLE[counted.encoding]
    room = max_parts * size
    why = (
        "it has characters GSM 7-bit lacks (such as ê, â, ç), so it goes as UCS-2, "
        f"{size} characters a part"
        if counted.encoding == "ucs2"
        else f"GSM 7-bit, {size} characters a part"
    )
    raise SmsTextError(
        f"the SMS text needs {counted.parts} parts, more than the {max_parts} allowed ({why}): "
        f"shorten it by about {counted.units - room} characters"
    )
