"""Belgian phone numbers: any usual notation in, E.164 out; premium and service numbers refused."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

ACCEPTED_TYPES = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
    PhoneNumberType.VOIP: "landline",
}
REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.TOLL_FREE: "a toll-free service number",
    PhoneNumberType.SHARED_COST: "a shared-cost service number",
    PhoneNumberType.UAN: "a universal access (UAN) service number",
    PhoneNumberType.PAGER: "a pager number",
}


class InvalidPhone(ValueError):
    """The number cannot be called as a member's phone; the message says why."""


@dataclass(frozen=True)
class Phone:
    e164: str
    kind: str

    @property
    def national(self) -> str:
        return national_of(self.e164)


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def national_of(e164: str) -> str:
    """A stored E.164 number as dialled from Belgium (0 + the Belgian number, 00 + a
    foreign one). Checks the form only: the number was validated when it was stored."""
    if not _E164.fullmatch(e164):
        raise InvalidPhone(f"{e164!r} is not an E.164 number")
    return "0" + e164[3:] if e164.startswith("+32") else "00" + e164[1:]


def parse_phone(text: str, region: str = "BE") -> Phone:
    raw = text.strip()
    if not raw or len(raw) > 32 or any(ord(ch) < 32 for ch in raw):
        raise InvalidPhone(
            "a phone number is required (at most 32 characters, no control characters)"
        )
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"{raw!r} is not a phone number") from error
    number_type = phonenumbers.number_type(parsed)
    if number_type in REFUSED_TYPES:
        raise InvalidPhone(f"{raw!r} is {REFUSED_TYPES[number_type]}, not a member's phone")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{raw!r} is not a valid phone number (check the area code and length)")
    if number_type not in ACCEPTED_TYPES:
        raise InvalidPhone(f"{raw!r} is not a landline or mobile number")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164=e164, kind=ACCEPTED_TYPES[number_type])
