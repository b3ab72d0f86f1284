"""The Originate action for one call, built from checked parts only (never from strings)."""

from __future__ import annotations

from typing import Any

from binalert.deliveries.repository import ClaimedCall
from binalert.phones import national_of
from binalert.settings import Settings
from ivr import channelvars as cv
from ivr import wire


def originate_action(
    settings: Settings, dial_template: str, claimed: ClaimedCall, audio: dict[str, str]
) -> dict[str, Any]:
    values = dict(audio)
    values[cv.CALL_ID] = claimed.channel_id
    values[cv.AMD_ENABLED] = "1" if settings.amd_enabled else "0"
    values[cv.DIGIT_TIMEOUT] = str(settings.digit_timeout)
    values[cv.MAX_PLAYS] = str(settings.max_plays)
    return {
        "Action": "Originate",
        "Channel": wire.dial_channel(dial_template, claimed.phone, national_of(claimed.phone)),
        "Context": wire.context(settings.call_context),
        "Exten": "s",
        "Priority": "1",
        "Timeout": str(settings.ring_timeout * 1000),
        "CallerID": wire.caller_id(settings.caller_id),
        "Async": "true",
        "ChannelId": wire.channel_id(claimed.channel_id),
        "OtherChannelId": wire.other_call_id(claimed.channel_id),
        "Variable": wire.variables(values),
    }
