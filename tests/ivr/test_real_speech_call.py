"""A call with the speech pipeline's real audio, played by the real Asterisk."""

from __future__ import annotations

import pytest

from ivr.audio import TtsAudio
from lab.harness import lab_settings, running_dispatcher
from lab.pbx import LabPbx
from lab.seed import seed_alert
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import wait_until_final
from tts import SpeechService

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(120)]


async def test_members_in_two_languages_hear_synthesised_speech_and_acknowledge(
    pbx: LabPbx, sqlite_store: Store
) -> None:
    settings = lab_settings(pbx, sqlite_store, digit_timeout=4)
    alert_id = seed_alert(
        sqlite_store,
        [SIM.PRESS_1.number(11), SIM.PRESS_2_THEN_1.number(12)],
        languages=("nl", "fr"),
    )
    speech = SpeechService(settings.speech_config())
    audio = TtsAudio(settings, sqlite_store, speech, settings.pbxes[0], _run_now)
    async with running_dispatcher(settings, sqlite_store, audio=audio):
        rows = await wait_until_final(sqlite_store, alert_id, 100)
    assert [d.status for d in rows] == ["acknowledged", "acknowledged"]
    played = sorted(p.name for p in settings.sounds_dir.glob("*.wav"))
    assert len(played) >= 10  # five pieces per language, written where the PBX reads them


async def _run_now(fn: object, *args: object) -> object:
    return fn(*args)  # type: ignore[operator]
