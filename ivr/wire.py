"""Everything that goes onto the AMI wire is checked here first.

A CR or LF inside a header value ends the header and lets the rest be read as a new
action (we smuggled a whole second Originate into Asterisk 22 that way), and Asterisk
splits a `Variable` header on commas (`CALL_ID=abc,EVIL=1` sets EVIL). So values are
never escaped into something "safe enough": anything outside a strict alphabet is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ivr import channelvars


class UnsafeValue(ValueError):
    """A value would change the meaning of an AMI action or of the dialplan."""


CALL_ID_PATTERN = re.compile(r"^b[a-z][0-9]{16}$")
_SOUND = re.compile(r"^(/[A-Za-z0-9_.\-]+)+$|^https?://[A-Za-z0-9_.\-:/]+$")
_CHANNEL = re.compile(r"^[A-Za-z]+/[A-Za-z0-9_+\-.@/]+$")
_NUMBER_DIGITS = re.compile(r"^\+?[0-9]{3,16}$")
_SIMPLE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_CALLER_ID = re.compile(r'^("[A-Za-z0-9 .\-]{0,40}" )?<?\+?[0-9]{3,16}>?$')


def call_id(attempt_id: int, prefix: str = "ba") -> str:
    """Fixed width: Asterisk rejects a ChannelId that is a prefix of a live one."""
    if attempt_id < 0 or attempt_id >= 10**16:
        raise UnsafeValue(f"attempt id out of range: {attempt_id}")
    return f"{prefix}{attempt_id:016d}"


OTHER_PREFIX = "bb"


def other_call_id(channel_id: str) -> str:
    """The id of the second half of a Local channel pair: same width, other prefix."""
    return OTHER_PREFIX + channel_id[2:]


def check(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UnsafeValue(f"refusing unsafe {what} for the AMI wire: {value!r}")
    return value


def dial_channel(template: str, e164: str, national: str) -> str:
    check(_NUMBER_DIGITS, e164, "E.164 number")
    check(_NUMBER_DIGITS, national, "national number")
    return check(_CHANNEL, template.format(e164=e164, national=national), "channel")


def caller_id(value: str) -> str:
    return check(_CALLER_ID, value, "caller id")


def context(name: str) -> str:
    """A dialplan context name."""
    return check(_SIMPLE, name, "context")


def channel_id(value: str) -> str:
    """A call's ChannelId as call_id() makes it."""
    return check(CALL_ID_PATTERN, value, "ChannelId")


def variables(values: Mapping[str, str]) -> list[str]:
    """Originate `Variable` headers, one per variable, every name and value checked."""
    headers = []
    for name, value in values.items():
        if name not in channelvars.ORIGINATE_VARIABLES:
            raise UnsafeValue(f"unknown channel variable {name!r}")
        headers.append(f"{name}={variable_value(name, value)}")
    return headers


def variable_value(name: str, value: str) -> str:
    """One channel variable's value, checked by its kind (call id, sound, dial string)."""
    if name == channelvars.CALL_ID:
        return check(CALL_ID_PATTERN, value, name)
    if name.endswith("_AUDIO"):
        return check(_SOUND, value, name)
    if name == channelvars.TRANSFER_DIAL:
        return check(_CHANNEL, value, name)
    return check(_SIMPLE, value, name)


def setvar(name: str, value: str) -> tuple[str, str]:
    """A variable binalert sets on a live channel (AMI Setvar), name and value checked."""
    if name not in channelvars.SETVAR_VARIABLES:
        raise UnsafeValue(f"unknown channel variable {name!r}")
    return name, variable_value(name, value)


INBOUND_PREFIX = "bi"
_UNIQUEID = re.compile(r"^(?:[A-Za-z0-9_.\-]{0,80}-)?([0-9]{10})\.([0-9]{1,12})$")


def inbound_call_id(uniqueid: str | None) -> str | None:
    """The call id of a call coming in to the PBX (a member calling back), made of its
    Asterisk Uniqueid ([systemname-]epoch.sequence): the same in every dispatcher that sees
    the call's events, fixed width like call_id() and with its own prefix. None for a
    Uniqueid of another form (ours, `ba...`, never matches)."""
    match = _UNIQUEID.fullmatch(uniqueid or "")
    if match is None:
        return None
    epoch, sequence = match.groups()
    return f"{INBOUND_PREFIX}{epoch}{int(sequence) % 10**6:06d}"


def caller_number(field: str | None) -> str | None:
    """The caller's number in the dialplan's `Caller` field: digits with an optional +, which
    the dialplan took from a URI's user part (the asserted identity's, else the From's; never
    a display name) and filtered to [0-9+]. None when it holds no number (withheld,
    anonymous, a name, garbage). Parsing it as a phone number is binalert.phones'."""
    if field and _NUMBER_DIGITS.fullmatch(field):
        return field
    return None


def caller_asserted(field: str | None) -> bool:
    """The dialplan's `Asserted` field: "1" only when the trunk asserted the number
    (P-Asserted-Identity from an endpoint with trust_id_inbound); anything else is not."""
    return field == "1"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def header_value(value: str) -> str:
    """Any other header value: printable, no CR/LF, no control characters."""
    if _CONTROL.search(value):
        raise UnsafeValue(f"control character in AMI header value: {value!r}")
    return value
