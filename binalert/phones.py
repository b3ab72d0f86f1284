"""Phone numbers, parsed here only: any usual notation in, E.164 out. A member's phone
(`parse_phone`: premium and service numbers refused), a caller's number as the network gave
it (`caller_e164`), a zone's dispatch line by allow list (`dispatch_line`), a stored
number's country (`region_of`), how Belgium dials it (`national_of`) and how people write
it (`display`: on pages and exports meant for people; the API keeps E.164)."""

from __future__ import annotations

import re
from collections.abc import Collection
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


REFUSED_DISPATCH = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.PAGER: "a pager number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (forwarding) number",
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


def display(e164: str | None) -> str:
    """A stored number the way people write it: Belgian ones nationally with Belgian
    groupings (050 12 34 40, 0470 12 34 56, 02 123 45 67: phonenumbers' national format
    is exactly these), foreign ones in international form (+31 6 12345678). Anything that
    does not parse is shown as it is (never an error on a page)."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 32
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


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


def caller_e164(number: str | None, region: str = "BE") -> str | None:
    """A caller's number as the network gave it (+32..., 0032..., 0477..., 32477...) in
    E.164, or None when it is no valid number. Only the form is judged: a member's stored
    numbers are what it is compared with."""
    if not number or len(number) > 20 or not number.lstrip("+").isdigit():
        return None
    candidates = [number]
    if number.startswith("00"):
        candidates = ["+" + number[2:]]
    elif not number.startswith(("+", "0")):
        candidates.append("+" + number)  # an international number without its +
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


def region_of(e164: str) -> str | None:
    """The country (ISO code) of a stored E.164 number."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))


def dispatch_line(text: str, allowed: Collection[str] = ()) -> str:
    """A police zone's dispatch line (press 3 puts members through to it), as E.164: a
    Belgian geographic landline (police zones answer on one), or a number an admin listed
    (BINALERT_DISPATCH_ALLOW, as E.164). Anything else is refused, whatever its kind: a
    stolen police account must not turn press 3 into calls to mobiles, premium-rate or
    foreign numbers, short codes or service numbers."""
    raw = text.strip()
    if not raw or len(raw) > 32 or any(ord(ch) < 32 for ch in raw):
        raise InvalidPhone("a dispatch line is a phone number (at most 32 characters)")
    try:
        parsed = phonenumbers.parse(raw, "BE")
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"{raw!r} is not a phone number") from error
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if e164 in allowed:
        return e164
    if not (
        phonenumbers.is_valid_number(parsed)
        and phonenumbers.region_code_for_number(parsed) == "BE"
        and phonenumbers.number_type(parsed) == PhoneNumberType.FIXED_LINE
        and phonenumbers.is_number_geographical(parsed)
    ):
        raise InvalidPhone(
            f"{raw!r} is not a Belgian landline with an area code (101 and 112, mobiles, "
            "service and foreign numbers are not put through; an admin may allow a number "
            "with BINALERT_DISPATCH_ALLOW)"
        )
    return e164


def dispatch_allow_list(text: str) -> frozenset[str]:
    """BINALERT_DISPATCH_ALLOW: comma-separated numbers (any notation), as E.164."""
    allowed = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            parsed = phonenumbers.parse(part, "BE")
        except phonenumbers.NumberParseException as error:
            raise InvalidPhone(f"{part!r} is not a phone number") from error
        if not phonenumbers.is_valid_number(parsed):
            raise InvalidPhone(f"{part!r} is not a valid phone number")
        allowed.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return frozenset(allowed)


SMS_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def sms_number(e164: str | None, allowed_countries: Collection[str]) -> str | None:
    """The number as E.164 when binalert may text it (#22): a valid mobile number of an
    allowed country (BINALERT_SMS_COUNTRIES). FIXED_LINE_OR_MOBILE counts where a country's
    plan does not tell them apart (phonenumbers says so only there). Never a premium-rate,
    shared-cost, toll-free, UAN, pager or personal number, a short code or a landline: a
    text to those costs money, reaches nobody, or reaches someone who did not ask."""
    if not e164 or not _E164.fullmatch(e164):
        return None
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.region_code_for_number(parsed) not in allowed_countries:
        return None
    if phonenumbers.number_type(parsed) not in SMS_TYPES:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def sms_countries(text: str) -> frozenset[str]:
    """BINALERT_SMS_COUNTRIES: comma-separated ISO country codes."""
    countries = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    for country in countries:
        if country not in phonenumbers.SUPPORTED_REGIONS:
            raise InvalidPhone(f"{country!r} is not a country code (BE, NL, FR, ...)")
    return countries
