"""The SMS text rules (#22): what may be texted, in which encoding and how many parts, and
which numbers may receive a text."""

from __future__ import annotations

import pytest
from smpplib import gsm

from binalert.phones import parse_phone, sms_countries, sms_number
from binalert.settings import get_settings
from binalert.sms.text import (
    SmsParts,
    SmsTextError,
    check_parts,
    check_sms_text,
    sms_parts,
    split_parts,
)

ALLOWED = frozenset({"BE", "NL", "FR", "DE", "LU"})


def test_accents_in_gsm_7_bit_stay_gsm_and_the_others_make_the_text_ucs2() -> None:
    assert sms_parts("Café élève, Müller und Höhe, très où").encoding == "gsm7"
    for char in "êâçîôûëï":
        assert sms_parts(f"La fen{char}tre").encoding == "ucs2", char
    assert sms_parts("Appelez le 112. Ça suffit : même le garçon.").encoding == "ucs2"


def test_parts_are_counted_as_the_smsc_counts_them() -> None:
    assert sms_parts("a" * 160).parts == 1
    assert sms_parts("a" * 161).parts == 2
    assert sms_parts("a" * 306).parts == 2
    assert sms_parts("a" * 307).parts == 3
    assert sms_parts("ç" * 70).parts == 1
    assert sms_parts("ç" * 71).parts == 2
    assert sms_parts("ç" * 134).parts == 2
    assert sms_parts("ç" * 135).parts == 3
    # a 400-character Dutch text: 3 parts of GSM 7-bit
    dutch = ("Blijf binnen en sluit deuren en ramen. " * 11)[:400]
    assert len(dutch) == 400 and sms_parts(dutch) == SmsParts("gsm7", 3, 400)


def test_an_extension_character_costs_two_septets_and_is_never_cut_between_parts() -> None:
    assert sms_parts("€" * 80).parts == 1  # 160 septets
    assert sms_parts("€" * 81).parts == 2
    # 152 plain septets then a euro sign: it does not fit the first part's last septet
    text = "a" * 152 + "€" + "b" * 10
    encoding, parts = split_parts(text)
    assert encoding == "gsm7" and parts == ["a" * 152, "€" + "b" * 10]
    assert all(len(gsm.gsm_encode(part)) <= 153 for part in parts)


def test_the_parts_texts_join_to_the_text_and_each_fits_its_part() -> None:
    text = check_sms_text(
        "Véhicule suspect : plaque 1-ABC-234, rue de la Gare. Ne le suivez pas. " * 5
    )
    encoding, parts = split_parts(text)
    assert "".join(parts) == text
    assert len(parts) == sms_parts(text).parts
    size = 153 if encoding == "gsm7" else 67
    assert all(len(part) <= size for part in parts)


def test_a_text_over_the_maximum_of_parts_is_refused_with_what_to_shorten() -> None:
    assert check_parts("a" * 612, max_parts=4).parts == 4
    with pytest.raises(SmsTextError, match=r"needs 5 parts, more than the 4 allowed"):
        check_parts("a" * 613, max_parts=4)
    with pytest.raises(SmsTextError, match=r"UCS-2.*shorten it by about 1 characters"):
        check_parts("ç" * 269, max_parts=4)


def test_control_characters_surrogates_and_emoji_are_refused() -> None:
    for bad in ("stop\x00here", "a\x1b[31m", "a\u202eb", "zero\u200bwidth", "\ud800alone"):
        with pytest.raises(SmsTextError, match="not"):
            check_sms_text(bad)
    with pytest.raises(SmsTextError, match="emoji"):
        check_sms_text("Pas op \U0001f694")
    with pytest.raises(SmsTextError, match="empty"):
        check_sms_text(" \n\t ")


def test_whitespace_and_typographic_marks_are_written_as_gsm_has_them() -> None:
    typed = " Bel\u00a0101.\r\n\tHet is \u2018dringend\u2019 \u2013 echt\u2026 `nu` "
    assert check_sms_text(typed) == "Bel 101. Het is 'dringend' - echt... 'nu'"
    assert sms_parts(check_sms_text(typed)).encoding == "gsm7"


@pytest.mark.parametrize(
    ("typed", "textable"),
    [
        ("0470 12 34 56", "+32470123456"),  # a Belgian mobile
        ("0032 495 12 34 56", "+32495123456"),
        ("06 12 34 56 78", None),  # read as Belgian: no such number
        ("+31 6 12345678", "+31612345678"),  # a Dutch mobile
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+352 621 123 456", "+352621123456"),
        ("050 12 34 40", None),  # a Bruges landline
        ("02 555 12 12", None),  # a Brussels landline
    ],
)
def test_only_mobiles_of_allowed_countries_are_textable(typed: str, textable: str | None) -> None:
    try:
        e164 = parse_phone(typed).e164
    except ValueError:
        e164 = None
    assert sms_number(e164, ALLOWED) == textable


def test_premium_service_foreign_and_short_numbers_are_never_texted() -> None:
    assert sms_number("+3290012345", ALLOWED) is None  # 0900: premium rate
    assert sms_number("+32800123456", ALLOWED) is None  # 0800: toll free
    assert sms_number("+3278123456", ALLOWED) is None  # 078: UAN
    assert sms_number("+447400123456", ALLOWED) is None  # a British mobile, not allowed
    assert sms_number("+447400123456", ALLOWED | {"GB"}) == "+447400123456"
    for short in ("1789", "112", "101", "+32112", "", None, "+32 470 12 34 56"):
        assert sms_number(short, ALLOWED) is None


def test_the_sms_settings_are_checked_at_start() -> None:
    settings = get_settings(sms_countries="be, nl", sms_max_parts=3)
    assert settings.sms_allowed() == {"BE", "NL"}
    assert get_settings().sms_max_parts == 8
    with pytest.raises(ValueError, match="BINALERT_SMS_COUNTRIES"):
        get_settings(sms_countries="BE,XX")
    with pytest.raises(ValueError):
        get_settings(sms_max_parts=0)
    assert sms_countries("") == frozenset()
