"""Times as people in Belgium read them: the store keeps UTC, the pages show Europe/Brussels
(summer and winter time alike), through the one template filter `local`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")
DEFAULT = "%Y-%m-%d %H:%M"


def local(value: datetime | None, fmt: str = DEFAULT) -> str:
    """The time in Brussels in this format ("" for no time; a naive time is taken as UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(BRUSSELS).strftime(fmt)
