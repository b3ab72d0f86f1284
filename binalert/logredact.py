"""No phone number in a log line: a filter on every handler masks the numbers that
phonenumbers finds in the final message (access log request lines included)."""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

import phonenumbers

MASK = "<phone>"
MIN_DIGITS = 8  # the shortest Belgian number has 9 digits (with its 0)


def redact(text: str, region: str = "BE") -> str:
    """The text with every valid phone number phonenumbers finds replaced by MASK; a request
    line is searched again percent-decoded ('%2B32...', '0470+12+34+56')."""
    if sum(ch.isdigit() for ch in text) < MIN_DIGITS:
        return text
    masked = _masked(text, region)
    decoded = unquote_plus(masked)
    if decoded != masked:
        decoded_masked = _masked(decoded, region)
        if decoded_masked != decoded:
            return decoded_masked
    return masked


def _masked(text: str, region: str) -> str:
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    spans = [(match.start, match.end) for match in matcher]
    return _mask(text, spans) if spans else text


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)


class PersonalDataFilter(logging.Filter):
    """Rewrites a record's message with phone numbers masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
