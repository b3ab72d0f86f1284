"""What goes into and comes out of SMPP PDUs, checked: a text cut into parts where the preview
counted them (binalert/sms/text.py) and encoded with smpplib.gsm's table, a destination as
E.164 digits, a delivery receipt read into (message id, state, error), a member's message
decoded (GSM 03.38 / UCS-2, parts of a concatenated message put together). Pure functions,
no socket: the link (sms/link.py) frames and sends them."""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any

import smpplib.consts as c
import smpplib.gsm

from binalert.sms.text import SmsTextError, check_sms_text, split_parts

GSM7, UCS2 = "gsm7", "ucs2"
MAX_LINK_PARTS = 10
"""The most parts the link sends for one text: a guard below the configured maximum that the
text rules (binalert/sms/text.py) apply at the preview, never reached by a checked text."""
_E164 = re.compile(r"\+?([1-9][0-9]{6,14})")


class PduInputError(ValueError):
    """A destination or text that must not reach a PDU; the message says why."""


@dataclass(frozen=True)
class OutgoingText:
    """A text as the parts of submit_sm: user data (UDH included), data_coding, esm_class."""

    parts: tuple[bytes, ...]
    data_coding: int
    esm_class: int

    @property
    def encoding(self) -> str:
        return UCS2 if self.data_coding == c.SMPP_ENCODING_ISO10646 else GSM7


def destination_digits(number: str) -> str:
    """An E.164 number as SMPP's international destination (TON 1, NPI 1): digits only."""
    match = _E164.fullmatch(number)
    if match is None:
        raise PduInputError(f"not an E.164 number: {number!r}")
    return match.group(1)


def encode_text(text: str, reference: int) -> OutgoingText:
    """The text checked by the domain's rules (binalert/sms/text.py: no control or invisible
    characters, whitespace as one space) and cut where the preview counted its parts
    (split_parts: GSM 03.38 where it fits, an extension character never cut, else UCS-2);
    several parts carry a UDH with the concatenation `reference` (8 bits)."""
    data_coding, payloads = _encoded(text)
    if len(payloads) == 1:
        return OutgoingText(payloads, data_coding, c.SMPP_MSGTYPE_DEFAULT)
    total = len(payloads)
    parts = tuple(
        bytes((0x05, 0x00, 0x03, reference & 0xFF, total, seq)) + payload
        for seq, payload in enumerate(payloads, start=1)
    )
    return OutgoingText(parts, data_coding, c.SMPP_GSMFEAT_UDHI)


@functools.lru_cache(maxsize=256)
def _encoded(text: str) -> tuple[int, tuple[bytes, ...]]:
    """An alert sends one text to thousands: checked, cut and encoded once (the GSM
    encoding alone costs more than the rest of a submit)."""
    try:
        checked = check_sms_text(text)
    except SmsTextError as error:
        raise PduInputError(str(error)) from error
    encoding, texts = split_parts(checked)
    if len(texts) > MAX_LINK_PARTS:
        raise PduInputError(f"the text needs {len(texts)} parts, more than {MAX_LINK_PARTS}")
    if encoding == GSM7:
        return c.SMPP_ENCODING_DEFAULT, tuple(smpplib.gsm.gsm_encode(t) for t in texts)
    return c.SMPP_ENCODING_ISO10646, tuple(t.encode("utf-16-be") for t in texts)


# -- receipts ------------------------------------------------------------------------------------

STATES = {
    1: "enroute",
    2: "delivered",
    3: "expired",
    4: "deleted",
    5: "undeliverable",
    6: "accepted",
    7: "unknown",
    8: "rejected",
    9: "skipped",
}
_STAT_WORDS = {
    "ENROUTE": "enroute",
    "DELIVRD": "delivered",
    "EXPIRED": "expired",
    "DELETED": "deleted",
    "UNDELIV": "undeliverable",
    "ACCEPTD": "accepted",
    "UNKNOWN": "unknown",
    "REJECTD": "rejected",
}
FINAL_STATES = frozenset({"delivered", "expired", "deleted", "undeliverable", "rejected"})
_RECEIPT_FIELD = re.compile(r"(id|stat|err):([^\s]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt for one part: the SMSC's message id (as submit_sm_resp gave it), the
    state (delivered, expired, undeliverable, rejected, deleted, ... see STATES) and the
    network's error code when it gave one."""

    message_id: str
    state: str
    error: str | None = None
    source: str | None = None
    """The handset the receipt is about (its source_addr, E.164; a claim): what reconciles a
    receipt whose message id was never stored (the worker died before the submit's answer)."""

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def read_receipt(pdu: Any) -> Receipt:
    """A deliver_sm with esm_class 0x04: the receipted_message_id and message_state TLVs when
    the SMSC sends them, else the standard text "id:... stat:DELIVRD err:000 ..."."""
    found = {k.lower(): v for k, v in _RECEIPT_FIELD.findall(_text(pdu.short_message))}
    message_id = _text(getattr(pdu, "receipted_message_id", None)) or found.get("id", "")
    state_code = getattr(pdu, "message_state", None)
    if isinstance(state_code, int) and state_code in STATES:
        state = STATES[state_code]
    else:
        state = _STAT_WORDS.get(found.get("stat", "").upper(), "unknown")
    if not re.fullmatch(r"[\x21-\x7e]{1,65}", message_id):
        raise PduInputError("a receipt without a readable message id")
    source = _text(getattr(pdu, "source_addr", None))
    handset = "+" + source.lstrip("+") if re.fullmatch(r"\+?[0-9]{3,20}", source) else None
    return Receipt(message_id, state, found.get("err"), handset)


RECEIPT_ESM_CLASS = 0x04
"""esm_class message type "MC delivery receipt" (SMPP 3.4, 5.2.12)."""


def is_receipt(pdu: Any) -> bool:
    return bool((pdu.esm_class or 0) & RECEIPT_ESM_CLASS)


# -- members' messages ---------------------------------------------------------------------------


def _gsm_table() -> tuple[dict[int, str], dict[int, str]]:
    """GSM 03.38's default alphabet and its extension, from smpplib's encoding table
    (whose "`" marks unused cells; 0x5F is "§")."""
    table = smpplib.gsm.GSM_CHARACTER_TABLE
    basic = {i: ch for i, ch in enumerate(table[:0x80]) if ch != "`" or i == 0x5F}
    basic[0x5F] = "§"
    extended = {i - 0x80: ch for i, ch in enumerate(table) if i >= 0x80 and ch != "`"}
    return basic, extended


_GSM_BASIC, _GSM_EXTENDED = _gsm_table()


def decode_gsm(data: bytes) -> str:
    """GSM 03.38 unpacked (one septet an octet, as SMPP carries it), escapes included."""
    out, escaped = [], False
    for octet in data:
        if escaped:
            out.append(_GSM_EXTENDED.get(octet, " "))
            escaped = False
        elif octet == 0x1B:
            escaped = True
        else:
            out.append(_GSM_BASIC.get(octet & 0x7F, " "))
    return "".join(out)


def decode_user_data(data: bytes, data_coding: int) -> str:
    scheme = data_coding & 0x0F if data_coding & 0xF0 in (0x00, 0xF0) else data_coding
    if scheme == c.SMPP_ENCODING_ISO10646:
        return data[: len(data) // 2 * 2].decode("utf-16-be", errors="replace")
    if scheme == c.SMPP_ENCODING_ISO88591:
        return data.decode("latin-1")
    if scheme == c.SMPP_ENCODING_IA5:
        return data.decode("ascii", errors="replace")
    return decode_gsm(data)


@dataclass(frozen=True)
class MessagePart:
    """One deliver_sm from a handset: who (E.164), the decoded text of this part, and where it
    belongs when it is one part of a concatenated message."""

    source: str
    text: str
    reference: int | None = None
    total: int = 1
    sequence: int = 1


def read_message(pdu: Any) -> MessagePart:
    """A member's message (deliver_sm, not a receipt): decoded by data_coding, the user data
    header (esm_class 0x40) read for concatenation (8- or 16-bit reference)."""
    source = _text(pdu.source_addr)
    if not re.fullmatch(r"\+?[0-9]{3,20}", source):
        raise PduInputError("a message from an unreadable sender")
    data = pdu.short_message or getattr(pdu, "message_payload", None) or b""
    if isinstance(data, str):
        data = data.encode("latin-1", errors="replace")
    reference, total, sequence = None, 1, 1
    if (pdu.esm_class or 0) & c.SMPP_GSMFEAT_UDHI and data:
        header_length = data[0] + 1
        header, data = data[1:header_length], data[header_length:]
        reference, total, sequence = _concatenation(header)
    text = decode_user_data(bytes(data), int(pdu.data_coding or 0))
    return MessagePart("+" + source.lstrip("+"), text, reference, total, sequence)


def _concatenation(header: bytes) -> tuple[int | None, int, int]:
    position = 0
    while position + 2 <= len(header):
        tag, length = header[position], header[position + 1]
        value = header[position + 2 : position + 2 + length]
        if tag == 0x00 and length == 3:
            return value[0], value[1], value[2]
        if tag == 0x08 and length == 4:
            return (value[0] << 8) | value[1], value[2], value[3]
        position += 2 + length
    return None, 1, 1


@dataclass
class Reassembly:
    """Parts of concatenated messages until all have come (kept `keep_seconds` at most)."""

    keep_seconds: float = 300.0
    keep_at_most: int = 1000  # messages waiting for parts: senders are claims, memory is not
    _parts: dict[tuple[str, int, int], dict[int, str]] = field(default_factory=dict)
    _since: dict[tuple[str, int, int], float] = field(default_factory=dict)

    def add(self, part: MessagePart) -> str | None:
        """The whole text once every part came, else None. The parts stay until forget():
        a last part whose handler failed is offered again and completes again."""
        if part.reference is None or part.total <= 1:
            return part.text
        now = time.monotonic()
        for stale in [k for k, t in self._since.items() if now - t > self.keep_seconds]:
            self._parts.pop(stale, None)
            self._since.pop(stale, None)
        key = (part.source, part.reference, part.total)
        if key not in self._parts and len(self._parts) >= self.keep_at_most:
            oldest = min(self._since, key=self._since.__getitem__)
            self._parts.pop(oldest, None)
            self._since.pop(oldest, None)
        parts = self._parts.setdefault(key, {})
        self._since.setdefault(key, now)
        parts[part.sequence] = part.text
        if len(parts) < part.total:
            return None
        return "".join(parts[i] for i in sorted(parts))

    def forget(self, part: MessagePart) -> None:
        key = (part.source, part.reference or 0, part.total)
        self._parts.pop(key, None)
        self._since.pop(key, None)
