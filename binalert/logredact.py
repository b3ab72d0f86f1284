"""No phone number and no link secret in a log line: a filter on every handler masks the
numbers that phonenumbers finds in the final message (access log request lines included) and
in the exception's traceback, and the secret of an invitation or reset link (`/setup/<token>`)
in a request line (#21 point 10), and of a member's page link (`/me/link/<token>`, #24)."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

import phonenumbers

MASK = "<phone>"
MIN_DIGITS = 8  # the shortest Belgian number has 9 digits (with its 0)
SECRET_MASK = "<secret>"
# The one-time link's token is the path segment after /setup/ (api/web/setup.py) or
# /me/link/ (api/web/self_service.py), however it is encoded; whoever reads the access log
# must not be able to take the account or the member's page over.
LINK_SECRET = re.compile(r"(/setup/|/me/link/)[^\s?#\"/]+")


def redact(text: str, region: str = "BE") -> str:
    """The text with every link secret replaced by SECRET_MASK and every valid phone number
    phonenumbers finds by MASK; a request line is searched again percent-decoded
    ('%2B32...', '0470+12+34+56')."""
    text = LINK_SECRET.sub(r"\1" + SECRET_MASK, text)
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
    """Rewrites a record's message, traceback and stack with phone numbers and link secrets
    masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = None
        if message is not None and (cleaned := redact(message)) != message:
            record.msg, record.args = cleaned, None
        _redact_traceback(record)
        return True


def _redact_traceback(record: logging.LogRecord) -> None:
    """The traceback as text, masked (exc_text, which every Formatter prints as it is); the
    exception itself is dropped so that no handler formats it again unmasked."""
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


_FORMATTER = logging.Formatter()


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
