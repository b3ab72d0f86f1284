"""What a member hears, as texts: (police zone, BIN name(s), message) in their language.

The dialer's audio and the preview of an alert (sent or still a draft) are made from the
same texts, so a preview is exactly what members get.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Alert, Bin


class SpokenTexts(NamedTuple):
    zone: str
    names: str  # the BIN name(s) the introduction gives
    message: str
    urgent: bool = True  # False: a non-urgent message, introduced as such


def spoken_texts(
    bins: Sequence[Bin], messages: Mapping[str, str], language: str, urgent: bool = True
) -> SpokenTexts:
    """A member speaking `language` hears its message, or the first one the alert has."""
    message = messages.get(language) or next(iter(messages.values()))
    zone = bins[0].police_zone if bins else ""
    names = " / ".join(b.name for b in bins[:2]) if len(bins) <= 2 else zone
    return SpokenTexts(zone, names, message, urgent)


def _bins(session: Session, bin_ids: Sequence[int]) -> list[Bin]:
    return list(session.scalars(select(Bin).where(Bin.id.in_(bin_ids))))


def alert_texts(session: Session, alert_id: int, language: str) -> SpokenTexts:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise LookupError(f"alert {alert_id} not found")
    return spoken_texts(_bins(session, alert.bin_ids), alert.messages, language, alert.urgent)


def recording_key(
    messages: Mapping[str, str], recordings: Mapping[str, str] | None, language: str
) -> str | None:
    """The sound key of the police's own recording a member speaking `language` hears in place
    of the message (the language's, or the first language's as for the text), if any."""
    spoken = language if language in messages else next(iter(messages))
    return (recordings or {}).get(spoken)


def alert_recording(session: Session, alert_id: int, language: str) -> str | None:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise LookupError(f"alert {alert_id} not found")
    return recording_key(alert.messages, alert.recordings, language)


def draft_texts(
    session: Session, bin_ids: Sequence[int], messages: Mapping[str, str], language: str
) -> SpokenTexts:
    """The texts of an alert not sent yet (nothing is written)."""
    return spoken_texts(_bins(session, bin_ids), messages, language)
