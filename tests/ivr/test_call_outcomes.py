"""Each call outcome, through the real lab Asterisk and the simulated members' dialplan."""

from __future__ import annotations

import pytest

from lab.harness import LabSoundsAudio, lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM, SimMember
from store.db import Store
from tests.ivr.harness import alert_status, attempts, wait_until_final

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(90)]


async def test_member_who_presses_1_during_the_message_is_acknowledged(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_1.number(1)])
    async with running_dispatcher(lab_settings(pbx, sqlite_store), sqlite_store):
        [delivery] = await wait_until_final(sqlite_store, alert_id, 40)
    assert delivery.status == "acknowledged"
    assert delivery.digit == "1" and delivery.acknowledged_at is not None
    [attempt] = attempts(sqlite_store, delivery.id)
    assert attempt.outcome == "answered" and attempt.digit == "1"
    assert alert_status(sqlite_store, alert_id) == "completed"


async def _run_one(
    pbx: LabPbx,
    store: Store,
    number: object,
    timeout: float = 60,
    audio: LabSoundsAudio | None = None,
    **settings: object,
) -> tuple[object, list[object]]:
    alert_id = seed_alert(store, [number])  # type: ignore[list-item]
    async with running_dispatcher(lab_settings(pbx, store, **settings), store, audio=audio):
        [delivery] = await wait_until_final(store, alert_id, timeout)
    return delivery, attempts(store, delivery.id)  # type: ignore[return-value]


async def test_press_2_replays_then_1_acknowledges(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.PRESS_2_THEN_1.number(1))
    assert delivery.status == "acknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["answered"]  # type: ignore[attr-defined]


async def test_invalid_key_then_1_acknowledges(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.INVALID_KEY_THEN_1.number(1))
    assert delivery.status == "acknowledged"  # type: ignore[attr-defined]
    assert len(calls) == 1


async def test_busy_first_then_acknowledged_on_the_retry(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.BUSY_THEN_PRESS_1.number(1))
    assert delivery.status == "acknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["busy", "answered"]  # type: ignore[attr-defined]
    assert delivery.attempts == 2  # type: ignore[attr-defined]


async def test_never_answering_member_ends_unreachable(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(
        pbx, sqlite_store, SIM.NO_ANSWER.number(1), ring_timeout=5, max_attempts=2
    )
    assert delivery.status == "unreachable"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["no_answer", "no_answer"]  # type: ignore[attr-defined]


async def test_busy_every_time_ends_unreachable_after_max_attempts(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.BUSY.number(1), max_attempts=3)
    assert delivery.status == "unreachable"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["busy"] * 3  # type: ignore[attr-defined]
    assert delivery.last_outcome == "busy"  # type: ignore[attr-defined]


async def test_congestion_is_recorded_as_congestion(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.CONGESTION.number(1), max_attempts=1)
    assert delivery.status == "unreachable"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["congestion"]  # type: ignore[attr-defined]


async def test_hangup_without_a_key_is_unacknowledged(pbx: LabPbx, sqlite_store: Store) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, SIM.HANGS_UP.number(1), max_attempts=2)
    assert delivery.status == "unacknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["hangup_no_ack"] * 2  # type: ignore[attr-defined]


async def test_answering_machine_gets_the_message_again_after_its_beep_and_is_not_an_ack(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    delivery, calls = await _run_one(
        pbx,
        sqlite_store,
        SIM.MACHINE.number(1),
        timeout=100,
        audio=LabSoundsAudio(first="demo-congrats"),
        max_attempts=1,
        amd_enabled=True,
    )
    assert delivery.status == "unacknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["machine"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "member",
    [SIM.PRESS_1, SIM.SILENT_PRESS_1, SIM.HELLO_TWICE_PRESS_1_LATE, SIM.LONG_GREETING_PRESS_1],
    ids=lambda m: m.prefix,
)
async def test_a_1_counts_however_the_person_answered(
    pbx: LabPbx, sqlite_store: Store, member: SimMember
) -> None:
    delivery, calls = await _run_one(pbx, sqlite_store, member.number(1), amd_enabled=True)
    assert delivery.status == "acknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["answered"]  # type: ignore[attr-defined]


async def test_a_silent_listener_is_a_person_not_a_machine(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    delivery, calls = await _run_one(
        pbx, sqlite_store, SIM.SILENT_LISTENS_ONLY.number(1), max_attempts=1, amd_enabled=True
    )
    assert delivery.status == "unacknowledged"  # type: ignore[attr-defined]
    assert [a.outcome for a in calls] == ["hangup_no_ack"]  # type: ignore[attr-defined]


async def test_second_number_is_tried_before_waiting_for_a_retry(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    delivery, calls = await _run_one(
        pbx, sqlite_store, (SIM.BUSY.number(2), SIM.PRESS_1.number(2)), retry_delays="300"
    )
    assert delivery.status == "acknowledged"  # type: ignore[attr-defined]
    assert [(a.phone_index, a.outcome) for a in calls] == [  # type: ignore[attr-defined]
        (0, "busy"),
        (1, "answered"),
    ]
