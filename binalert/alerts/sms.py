"""An alert's SMS text in each language (#22): the call's content, written out.

A member texted reads what a member called hears: who sends it (the police zone and the BIN,
in full: the Dutch Burgernet stopped SMS partly because people did not understand its
abbreviated texts), the message (a template's text with the plate in full, "1-ABC-234", and
what to do), then 101 (unless the message says it already), 112 and "answer 1 when you have
read this", in the member's language (tts.phrases: sms_intro, sms_101, sms_end; GSM 7-bit
only, so a message in GSM 7-bit stays 160 characters a part). A recorded-voice alert has no
text to write out: the police type its SMS text (`typed`), and a typed text wins for its
language over the message too.

The texts are composed once, when the alert is created, and stored in `Alert.sms_texts`: the
preview, the SMS and the reports read the same text. Each passes the SMS text rules
(binalert.sms.text) and must fit the installation's maximum of parts where anyone is texted.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from binalert.alerts import repository as alerts_repo
from binalert.alerts.spoken import spoken_texts
from binalert.alerts.stand_in import is_stand_in
from binalert.deliveries import lifecycle
from binalert.errors import Invalid
from binalert.models import Bin, Channels
from binalert.settings import Settings
from binalert.sms.text import SmsTextError, check_parts, check_sms_text, sms_parts
from tts import phrase


@dataclass(frozen=True)
class SmsPreview:
    language: str
    text: str
    encoding: str  # gsm7 | ucs2
    parts: int
    refused: str | None = None  # why it cannot be sent (more parts than allowed)


def compose(bins: Sequence[Bin], message: str, language: str, urgent: bool = True) -> str:
    """One language's SMS text, checked (binalert.sms.text.check_sms_text)."""
    spoken = spoken_texts(bins, {language: message}, language, urgent)
    intro = phrase(
        "sms_intro" if urgent else "sms_intro_notice", language, spoken.zone, spoken.names
    )
    call_101 = "" if "101" in message else phrase("sms_101", language) + " "
    return check_sms_text(f"{intro} {message} {call_101}{phrase('sms_end', language)}")


def sms_texts(
    bins: Sequence[Bin],
    messages: Mapping[str, str],
    urgent: bool,
    typed: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """(the SMS text of each language of the alert that has something to text: the typed SMS
    text, else its message (a recording's stand-in is no message); why a language's text
    cannot be texted (an emoji, say): a call-only alert still goes, an alert that texts
    members is refused by require_fitting)."""
    texts: dict[str, str] = {}
    unfit: dict[str, str] = {}
    for language, message in messages.items():
        own = (typed or {}).get(language)
        if own is None and is_stand_in(language, message):
            continue
        try:
            texts[language] = compose(bins, own if own is not None else message, language, urgent)
        except SmsTextError as error:
            unfit[language] = str(error)
    return texts, unfit


def previews(
    texts: Mapping[str, str], max_parts: int, unfit: Mapping[str, str] | None = None
) -> list[SmsPreview]:
    """Each language's SMS as it will go: its encoding, its parts, and why not if too long
    (or, `unfit`, not textable at all)."""
    shown = [SmsPreview(lang, "", "ucs2", 0, why) for lang, why in (unfit or {}).items()]
    for language, text in texts.items():
        counted = sms_parts(text)
        try:
            check_parts(text, max_parts)
            refused = None
        except SmsTextError as error:
            refused = str(error)
        shown.append(SmsPreview(language, text, counted.encoding, counted.parts, refused))
    return shown


def texted_members(
    session: Session,
    bins: Sequence[Bin],
    urgent: bool,
    sms_countries: Collection[str],
) -> int:
    """How many active members of these BINs such an alert may text: by their channels (or
    their BIN's) with a textable number and no STOP, as open_deliveries decides it, and for
    an urgent alert those of a BIN with the SMS fallback who have a textable number. Only
    members who may be texted at all are read (most BINs call everyone: none). A member in
    two of the BINs counts once, by the first BIN that may text them (a delivery keeps the
    first BIN: this may count one more, never one less)."""
    if not sms_countries:
        return 0
    fallback = {b.id for b in bins if b.sms_fallback and urgent}
    column = "urgent_channels" if urgent else "message_channels"
    calling = {b.id for b in bins if getattr(b, column) == Channels.CALL.value}
    rows = alerts_repo.sms_candidates(session, [b.id for b in bins], column, calling, fallback)
    defaults = {b.id: (b.urgent_channels, b.message_channels) for b in bins}
    as_sms = (Channels.SMS.value, Channels.SMS.value)
    seen: set[int] = set()
    count = 0
    for row in rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        member = _Candidate(row.phone, row.second_phone, row.urgent_channels, row.message_channels)
        if row.bin_id in fallback:
            chosen = lifecycle.channels_of(True, True, member.as_default(), as_sms, sms_countries)
        else:
            default = defaults.get(row.bin_id)
            chosen = lifecycle.channels_of(urgent, True, member, default, sms_countries)
        count += chosen["sms_phone"] is not None
    return count


@dataclass(frozen=True)
class _Candidate:  # a member as channels_of reads one (not stopped: the query left those out)
    phone: str
    second_phone: str | None
    urgent_channels: str | None
    message_channels: str | None
    id: int = 0
    language: str = ""
    sms_stopped_at: datetime | None = None

    def as_default(self) -> _Candidate:
        """As the BIN's fallback texts them: whatever they chose for calls."""
        return _Candidate(self.phone, self.second_phone, None, None)


def for_alert(
    session: Session,
    bin_ids: Sequence[int],
    messages: Mapping[str, str],
    urgent: bool,
    typed: Mapping[str, str] | None,
    settings: Settings,
) -> tuple[dict[str, str], list[SmsPreview], int]:
    """(the SMS texts to store in Alert.sms_texts, each language's preview, how many members
    may be texted). Refuses (Invalid, 422) an alert that texts someone when a text is longer
    than BINALERT_SMS_MAX_PARTS allows or a language has none; an alert that texts nobody
    keeps the texts that fit."""
    bins = alerts_repo.bins(session, bin_ids)
    texts, unfit = sms_texts(bins, messages, urgent, typed)
    shown = previews(texts, settings.sms_max_parts, unfit)
    texted = texted_members(session, bins, urgent, lifecycle.sms_countries_of(session))
    require_fitting(shown, texted, messages.keys())
    return {p.language: p.text for p in shown if p.refused is None}, shown, texted


def require_fitting(
    shown: Sequence[SmsPreview],
    texted: int,
    languages: Collection[str],
) -> None:
    """Refuse (Invalid, 422) an alert that texts members when a language they read has no SMS
    text (a recording without its typed SMS text) or one longer than the parts allowed."""
    if texted == 0:
        return
    refused = [f"{p.language}: {p.refused}" for p in shown if p.refused]
    if refused:
        raise Invalid(f"this alert goes by SMS to {texted} members; " + "; ".join(refused))
    missing = sorted(set(languages) - {p.language for p in shown})
    if missing:
        raise Invalid(
            f"this alert goes by SMS to {texted} members: give its SMS text (sms_texts) in "
            f"{', '.join(missing)} (a recorded message has no text to send)"
        )
