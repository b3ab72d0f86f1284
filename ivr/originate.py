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


FORGET_CONTEXT = "binalert-forget"  # dialplans/extensions.conf
FORGET_KINDS = {
    cv.ACK_DB_FAMILY: "ack",
    cv.TRANSFER_DB_FAMILY: "transfer",
    cv.STOP_DB_FAMILY: "stop",
}


def forget_action(family: str, channel_id: str) -> dict[str, Any]:
    """Delete a stored key press from AstDB: an Originate of a Local channel into
    binalert-forget, whose dialplan deletes the key (the AMI user has no right to DBDel,
    which would come with a shell on the PBX). The channel hangs up unanswered at once."""
    key = wire.check(wire.CALL_ID_PATTERN, channel_id, "call id")
    return {
        "Action": "Originate",
        "Channel": f"Local/{FORGET_KINDS[family]}-{key}@{FORGET_CONTEXT}",
        "Application": "NoOp",
        "Timeout": "5000",
        "Async": "true",
    }
