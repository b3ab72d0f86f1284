"""The police's own voice heard in a real call (#14 point 1): an alert with a message recorded
in the browser (WebM/Opus, as Chromium's MediaRecorder makes it) for Dutch and an uploaded
MP3 for French goes through the API, binalert's PBX (the shipped production configuration)
and the carrier's SIP trunk to simulated members. The sounds the PBX is given hold the
converted recording, and what each member heard (the carrier's recording of the call)
matches the recording, not synthesised speech."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.clock import utcnow
from binalert.models import Bin, Member, Membership, Role
from binalert.phones import parse_phone
from binalert.runtime import Runtime
from binalert.tokens import create_token
from ivr import channelvars as cv
from ivr.audio import TtsAudio
from ivr.service import DispatcherService
from lab.harness import FINAL, lab_settings
from lab.pbx import LabPbx, temporary_network
from lab.sim import SIM
from store.db import Store
from tests.ivr.harness import deliveries
from tests.recordings import encoded, middle, samples, similarity, speech_wav

pytestmark = [pytest.mark.pbx]
Network = tuple[LabPbx, LabPbx]
NL_TEXT = "Verdachte wagen gezien in de Kerkstraat. Blijf binnen en sluit uw deuren."
FR_TEXT = "Voiture suspecte vue rue de la Station. Restez à l'intérieur."
LISTENER = SIM.hangs_up_after(35)  # answers without a word, listens, never presses a key
MEMBERS = {
    "nl": LISTENER.number(41),
    "fr": LISTENER.number(42),
    "de": LISTENER.number(43),  # no German: the first language, Dutch
}


@pytest.fixture(scope="module")
def network() -> Iterator[Network]:
    with temporary_network(f"test{os.getpid()}r") as pair:
        yield pair


class Spy:
    """The dispatcher's own TtsAudio; notes the sounds each call was given."""

    def __init__(self, inner: TtsAudio) -> None:
        self.inner = inner
        self.given: dict[str, dict[str, str]] = {}

    async def variables(self, alert_id: int, language: str) -> dict[str, str]:
        self.given[language] = await self.inner.variables(alert_id, language)
        return self.given[language]


async def _run_db(fn: Any, *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


def _bin_and_token(store: Store) -> tuple[int, str]:
    with store.session() as s:
        found = Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone="Brugge")
        s.add(found)
        s.flush()
        for language, number in MEMBERS.items():
            member = Member(
                name=f"Lid {language}",
                phone=parse_phone(number).e164,
                language=language,
                opt_in_at=utcnow(),
                created_at=utcnow(),
            )
            s.add(member)
            s.flush()
            s.add(Membership(bin_id=found.id, member_id=member.id))
        token = create_token(s, Role.POLICE, "dispatch-101", police_zone="Brugge")
        return found.id, token


def _wait_final(store: Store, alert_id: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        rows = deliveries(store, alert_id)
        if rows and all(d.status in FINAL for d in rows):
            return
        assert time.monotonic() < deadline, {d.id: d.status for d in rows}
        time.sleep(0.3)


def _heard(carrier: LabPbx, number: str) -> np.ndarray:
    path = carrier.host_path(carrier.instance.recordings) / f"heard-{number}.wav"
    for _ in range(50):  # MixMonitor closes its file just after the hangup
        if path.exists() and path.stat().st_size > 1000:
            break
        time.sleep(0.1)
    return samples(path)


@pytest.mark.timeout(300)
def test_members_hear_the_recorded_and_the_uploaded_message_in_a_call(
    network: Network, sqlite_store: Store, tmp_path: Path
) -> None:
    pbx, carrier = network
    settings = lab_settings(pbx, sqlite_store, max_attempts=1, max_plays=1, digit_timeout=2)
    runtime = Runtime(settings=settings, store=sqlite_store)
    spy = Spy(TtsAudio(settings, sqlite_store, runtime.speech, settings.pbxes[0], _run_db))
    runtime.services.append(DispatcherService(runtime, audio=spy))  # type: ignore[arg-type]
    bin_id, token = _bin_and_token(sqlite_store)
    browser_take = encoded(speech_wav(tmp_path, NL_TEXT, "nl"), "webm")
    uploaded = encoded(speech_wav(tmp_path, FR_TEXT, "fr"), "mp3")
    alert = {"bin_ids": [bin_id], "incident_ref": "PV-REC-PBX"}
    auth = {"Authorization": f"Bearer {token}"}

    with TestClient(create_app(runtime)) as client:
        response = client.post(
            "/api/v1/alerts/recorded",
            data={"alert": json.dumps(alert)},
            files={
                "recording_nl": ("recording-nl.webm", browser_take, "audio/webm"),
                "recording_fr": ("bericht.mp3", uploaded, "audio/mpeg"),
            },
            headers=auth,
        )
        assert response.status_code == 202, response.text
        body = response.json()
        _wait_final(sqlite_store, body["id"], 120)
        previews = {
            lang: client.get(f"/api/v1/alerts/{body['id']}/audio/{lang}", headers=auth).content
            for lang in ("nl", "fr")
        }

    rows = deliveries(sqlite_store, body["id"])
    assert sorted(d.language for d in rows) == ["fr", "nl", "nl"]  # German: the first language
    assert {d.status for d in rows} == {"unacknowledged"}
    sounds = pbx.sounds_dir
    for language in ("nl", "fr"):
        recording = samples(sounds / f"{body['recordings'][language]}.wav")
        given = spy.given[language]
        for name in (cv.FIRST_AUDIO, cv.REPLAY_AUDIO, cv.MACHINE_AUDIO):  # the PBX's sounds
            played = samples(sounds / f"{Path(given[name]).name}.wav")
            assert similarity(played, recording) > 0.99, (language, name)
        first = sounds / f"{Path(given[cv.FIRST_AUDIO]).name}.wav"
        assert previews[language] == first.read_bytes()  # the preview is what members hear

    spoken = samples(runtime.speech.synthesize(NL_TEXT, "nl"))  # the same words, synthesised
    recordings = {lang: samples(sounds / f"{key}.wav") for lang, key in body["recordings"].items()}
    for language, number in MEMBERS.items():
        heard = _heard(carrier, number)
        own = recordings["fr" if language == "fr" else "nl"]
        other = recordings["nl" if language == "fr" else "fr"]
        assert similarity(heard, middle(own, 8000, 2.0)) > 0.9, language  # over G.711
        assert similarity(heard, middle(other, 8000, 2.0)) < 0.4, language
        if language != "fr":
            assert similarity(heard, middle(spoken, 8000, 2.0)) < 0.4, language
