"""What the link puts into PDUs and reads out of them, without a socket (fast)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import smpplib.consts as c
import smpplib.gsm

from binalert.sms.text import split_parts
from sms.pdus import (
    PduInputError,
    Reassembly,
    decode_gsm,
    destination_digits,
    encode_text,
    read_message,
    read_receipt,
)


def test_gsm_decoding_gives_back_every_character_smpplib_encodes() -> None:
    text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./09:;<=>?¡AZÄÖÑÜ¿azäöñüà^{}\\[~]|€"
    assert decode_gsm(smpplib.gsm.gsm_encode(text)) == text


def test_parts_are_cut_where_the_preview_counted_them_and_an_escape_is_never_cut() -> None:
    text = "x" * 152 + "€" + "y" * 200  # € (escape + e) would straddle the 153rd septet
    encoded = encode_text(text, reference=7)
    assert len(encoded.parts) == len(split_parts(text)[1]) == 3
    assert encoded.esm_class == c.SMPP_GSMFEAT_UDHI and encoded.data_coding == 0
    assert [p[:6] for p in encoded.parts] == [bytes((5, 0, 3, 7, 3, n)) for n in (1, 2, 3)]
    assert [decode_gsm(p[6:]) for p in encoded.parts] == split_parts(text)[1]
    assert max(len(p) - 6 for p in encoded.parts) <= 153  # septets, unpacked as SMPP carries them


def test_nothing_unchecked_reaches_a_pdu() -> None:
    for number in ("0470123456", "+32 470 12 34 56", "+3247012345678901", "32470;1"):
        with pytest.raises(PduInputError):
            destination_digits(number)
    assert destination_digits("+32470010001") == "32470010001"
    for text in ("", "   ", "bel\x07101", "\u202eevil", "a" * 2000, "x" * 153 * 10 + "y"):
        with pytest.raises(PduInputError):
            encode_text(text, reference=0)


def test_a_receipt_is_read_from_its_text_when_the_smsc_sends_no_tlvs() -> None:
    pdu = SimpleNamespace(
        esm_class=4,
        short_message=b"id:ab12 sub:001 dlvrd:000 submit date:2612071049 done date:2612071049 "
        b"stat:UNDELIV err:001 text:Inbraak",
    )
    receipt = read_receipt(pdu)
    assert (receipt.message_id, receipt.state, receipt.error) == ("ab12", "undeliverable", "001")
    assert receipt.final


def test_a_concatenated_ucs2_message_is_put_together_once_its_last_part_is_there() -> None:
    parts = [
        SimpleNamespace(
            source_addr=b"32470040001",
            esm_class=0x40,
            data_coding=8,
            short_message=bytes((6, 8, 4, 1, 2, 2, n)) + text.encode("utf-16-be"),
        )
        for n, text in ((2, "ça va"), (1, "Reçu, "))
    ]
    reassembly = Reassembly()
    first = read_message(parts[0])
    assert (first.source, first.reference, first.total, first.sequence) == (
        "+32470040001",
        0x0102,
        2,
        2,
    )
    assert reassembly.add(first) is None
    last = read_message(parts[1])
    assert reassembly.add(last) == "Reçu, ça va"
    assert reassembly.add(last) == "Reçu, ça va"  # offered again after a failed handler
    reassembly.forget(last)
    assert reassembly.add(last) is None
