"""ivr/keys.py (what each key does) and the dialplan that acts on the keys agree: every key of
the table has its extension in [binalert-alert], a key that acknowledges is written to its
AstDB family and raises its event there, 3 is valid only when the call has a dispatch line,
and every other key is an invalid one."""

from __future__ import annotations

import re
from pathlib import Path

from ivr import channelvars as cv
from ivr import keys

DIALPLAN = Path(__file__).resolve().parents[2] / "dialplans" / "extensions.conf"


def _extensions(context: str) -> dict[str, str]:
    """The dialplan code of each extension of a context (comments left out)."""
    found: dict[str, str] = {}
    inside, name = False, ""
    for raw in DIALPLAN.read_text().splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("["):
            inside = line == f"[{context}]"
        elif inside and (start := re.match(r"exten => ([^,]+),", line)):
            name = start.group(1)
            found[name] = found.get(name, "") + line + "\n"
        elif inside and line.startswith("same =>"):
            found[name] += line + "\n"
    return found


def _goes_to(code: str) -> list[str]:
    return re.findall(r"[?:(](\w+),1\b", code)


def _pattern_keys(pattern: str) -> set[str]:
    """The keys an Asterisk pattern such as _[04-9*#] matches (one character class)."""
    inner = re.fullmatch(r"_\[(.+)\]", pattern)
    assert inner, pattern
    text, keys_ = inner.group(1), set()
    for start, end in re.findall(r"(.)(?:-(.))?", text):
        keys_ |= {chr(c) for c in range(ord(start), ord(end or start) + 1)}
    return keys_


ALERT = _extensions("binalert-alert")


def test_every_key_of_the_table_has_its_extension_in_the_dialplan() -> None:
    for digit in keys.KEYS:
        assert digit in ALERT, f"the dialplan does nothing with {digit}"


def test_a_key_that_acknowledges_is_kept_in_astdb_and_reported_by_its_event() -> None:
    for key in keys.ACKNOWLEDGING:
        [target] = [t for t in _goes_to(ALERT[key.digit]) if t != "invalid"]
        code = ALERT[target]
        kept = code.index(f"Set(DB({key.astdb_family}/${{{cv.CALL_ID}}})")
        reported = code.index(f"UserEvent({key.event},CallId: ${{{cv.CALL_ID}}}")
        assert kept < reported, f"{key.digit}: reported before it is kept"
        assert keys.by_event(key.event) is key
    assert keys.by_event(cv.EVENT_RESULT) is None and keys.by_event(None) is None


def test_2_plays_the_message_again_and_3_needs_a_dispatch_line() -> None:
    assert _goes_to(ALERT[keys.REPLAY.digit]) == ["replay"]
    three = ALERT[keys.TRANSFER.digit]
    assert f'$["${{{keys.TRANSFER_DIAL}}}" = ""]' in three
    assert _goes_to(three) == ["invalid", "transfer"]
    assert f"Dial(${{{keys.TRANSFER_DIAL}}}" in ALERT["transfer"]


def test_every_other_key_is_an_invalid_one() -> None:
    [pattern] = [name for name in ALERT if name.startswith("_")]
    assert _pattern_keys(pattern) == set(keys.INVALID_DIGITS)
    assert _goes_to(ALERT[pattern]) == ["invalid"]
    every = set("0123456789*#")
    assert set(keys.KEYS) | set(keys.INVALID_DIGITS) == every
    assert not set(keys.KEYS) & set(keys.INVALID_DIGITS)
