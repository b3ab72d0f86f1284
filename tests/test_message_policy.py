"""Pure parts of messages: the retry policy's next call moved into calling hours, the channels
kept for urgent alerts, "calls start ..." in Brussels time, and the templates' texts."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from binalert.alerts.prevention import (
    FEEDBACK_KINDS,
    DarkEvenings,
    HolidayWatch,
    Modus,
    ModusOperandi,
    render_feedback,
    render_prevention,
)
from binalert.alerts.when import calls_start, day_and_time
from binalert.calling_hours import CallingHours
from binalert.deliveries.hours import non_urgent_room, urgent_reserve
from binalert.deliveries.policy import CallNow, Decision, GiveUp, RetryAfter, next_call_at
from binalert.models import Language

DEFAULT = CallingHours()
LATE = CallingHours(time(18, 0), time(21, 30), sundays=True, public_holidays=True)


def utc(text: str) -> datetime:
    """A Brussels wall-clock time in winter (UTC+1) as UTC."""
    local = datetime.fromisoformat(text)
    return local.replace(tzinfo=UTC) - (datetime(2000, 1, 1, 1) - datetime(2000, 1, 1))


@pytest.mark.parametrize(
    ("decision", "now", "hours", "expected"),
    [
        # urgent (no hours): now, after the delay, or never
        (CallNow(1), "2026-12-01 03:00", None, "2026-12-01 03:00"),
        (RetryAfter(300), "2026-12-01 03:00", None, "2026-12-01 03:05"),
        (GiveUp(reached=True), "2026-12-01 03:00", None, None),
        # non-urgent within the hours: unchanged
        (RetryAfter(300), "2026-12-01 10:00", DEFAULT, "2026-12-01 10:05"),
        (CallNow(1), "2026-12-01 19:59", DEFAULT, "2026-12-01 19:59"),
        # falling after closing: the next opening
        (RetryAfter(300), "2026-12-01 19:58", DEFAULT, "2026-12-02 09:00"),
        (CallNow(1), "2026-12-01 20:00", DEFAULT, "2026-12-02 09:00"),
        # Saturday evening -> Monday (no Sundays); before Christmas -> the 26th
        (RetryAfter(120), "2026-12-05 19:59", DEFAULT, "2026-12-07 09:00"),
        (RetryAfter(120), "2026-12-24 19:59", DEFAULT, "2026-12-26 09:00"),
        # a BIN's own hours, Sundays and holidays allowed
        (RetryAfter(600), "2026-12-25 17:55", LATE, "2026-12-25 18:05"),
        (RetryAfter(600), "2026-12-25 21:25", LATE, "2026-12-26 18:00"),
        (GiveUp(reached=False), "2026-12-01 19:59", DEFAULT, None),
    ],
)
def test_next_call_moved_into_calling_hours(
    decision: Decision, now: str, hours: CallingHours | None, expected: str | None
) -> None:
    found = next_call_at(decision, utc(now), hours)
    assert found == (utc(expected) if expected else None)


@pytest.mark.parametrize(
    ("channels", "open_calls", "room"),
    [(None, 0, None), (1, 0, 1), (2, 0, 1), (5, 0, 4), (5, 3, 1), (5, 4, 0), (40, 32, 0)],
)
def test_non_urgent_room(channels: int | None, open_calls: int, room: int | None) -> None:
    assert non_urgent_room(channels, open_calls, 0.2) == room


def test_reserve_never_takes_the_only_line() -> None:
    assert [urgent_reserve(n) for n in (1, 2, 3, 10, 40, 500)] == [0, 1, 1, 2, 8, 100]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday 1 December at 09:00"),
        ("nl", "dinsdag 1 december om 09:00"),
        ("fr", "mardi 1 décembre à 09:00"),
        ("de", "Dienstag, 1. Dezember um 09:00"),
        ("xx", "Tuesday 1 December at 09:00"),
    ],
)
def test_day_and_time_in_brussels_time(language: str, expected: str) -> None:
    assert day_and_time(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), language) == expected


def test_summer_time_and_the_api_sentence() -> None:
    july = datetime(2027, 7, 6, 7, 0, tzinfo=UTC)  # 09:00 in Brussels (UTC+2)
    assert day_and_time(july) == "Tuesday 6 July at 09:00"
    assert calls_start(july, july.replace(hour=1)) == "calls start Tuesday 6 July at 09:00"
    assert calls_start(july, july) == "calls started Tuesday 6 July at 09:00"


def _all_texts() -> list[tuple[str, str, str]]:
    languages = list(Language)
    found = []
    kinds = [HolidayWatch(kind="holiday_watch"), DarkEvenings(kind="dark_evenings")]
    kinds += [ModusOperandi(kind="modus_operandi", modus=m) for m in Modus]
    kinds += [ModusOperandi(kind="modus_operandi", modus=m, area="Brugge") for m in Modus]
    for fields in kinds:
        for lang, text in render_prevention(fields, languages).items():
            found.append((fields.kind, lang, text))
    for kind in FEEDBACK_KINDS:
        for lang, text in render_feedback(kind, languages).items():
            found.append((kind, lang, text))
    return found


@pytest.mark.parametrize(("kind", "language", "text"), _all_texts())
def test_every_template_reads_whole_in_every_language(kind: str, language: str, text: str) -> None:
    assert 40 < len(text) <= 1000
    assert "{" not in text and "}" not in text and "  " not in text
    assert text[0].isupper() and text.rstrip()[-1] in ".!"


def test_templates_are_given_in_the_order_asked() -> None:
    texts = render_prevention(DarkEvenings(kind="dark_evenings"), [Language.DE, Language.NL])
    assert list(texts) == ["de", "nl"]
    modus = ModusOperandi(kind="modus_operandi", modus=Modus.CAR_BREAK_IN, area="Assebroek")
    assert "in Assebroek" in render_prevention(modus, [Language.NL])["nl"]
    assert (
        "in uw buurt"
        in render_prevention(modus.model_copy(update={"area": None}), [Language.NL])["nl"]
    )
