"""The police's own voice over the API (#14 point 1): POST /api/v1/alerts/recorded takes the
alert as JSON and a recording per language (multipart); members hear the converted recording
in place of the synthesised message. Bad audio is refused with a clear 4xx and nothing stored."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from api.limits import DEFAULT_LIMIT, RECORDING_LIMIT, limit_for
from binalert.alerts.recorded import STAND_IN
from binalert.models import Alert, AuditLog, Delivery, Role
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import ZONE_1, World
from tests.api.helpers import csrf_of, make_account, page_sign_in
from tests.recordings import encoded, middle, samples, similarity, speech_wav
from tts.recorded import MAX_BYTES

pytestmark = pytest.mark.timeout(120)
NL_TEXT = "Verdachte wagen gezien in de Kerkstraat. Blijf binnen en bel 101."
FR_TEXT = "Voiture suspecte rue de la Station. Restez à l'intérieur."


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("voices")
    return {"nl": speech_wav(folder, NL_TEXT, "nl"), "fr": speech_wav(folder, FR_TEXT, "fr")}


def send(
    client: TestClient,
    world: World,
    alert: dict[str, Any] | str,
    files: dict[str, tuple[str, bytes, str]],
    headers: dict[str, str] | None = None,
) -> Response:
    body = alert if isinstance(alert, str) else json.dumps(alert)
    return client.post(
        "/api/v1/alerts/recorded",
        data={"alert": body},
        files=files,
        headers=world.auth("police") | (headers or {}),
    )


def alert_of(world: World, **extra: Any) -> dict[str, Any]:
    return {"bin_ids": [world.bin_a], "incident_ref": "PV-REC-1"} | extra


def sounds(runtime: Runtime) -> list[str]:
    folder = runtime.settings.sounds_dir
    return sorted(p.name for p in folder.glob("rec-*")) if folder.is_dir() else []


def nothing_stored(store: Store, runtime: Runtime) -> None:
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0
    assert sounds(runtime) == []


def test_an_uploaded_recording_is_the_message_of_its_language(
    client: TestClient, world: World, store: Store, runtime: Runtime, voices: dict[str, Path]
) -> None:
    mp3 = encoded(voices["nl"], "mp3")
    alert = alert_of(world, messages={"fr": FR_TEXT})
    response = send(client, world, alert, {"recording_nl": ("bericht.mp3", mp3, "audio/mpeg")})
    assert response.status_code == 202, response.text
    body = response.json()
    key = body["recordings"]["nl"]
    assert key.startswith("rec-v1-")
    assert body["messages"] == {"fr": FR_TEXT, "nl": STAND_IN["nl"]}  # the text first: fallback
    converted = runtime.settings.sounds_dir / f"{key}.wav"
    assert converted.is_file() and converted.with_suffix(".sln16").is_file()
    with store.session() as s:
        rows = s.scalars(select(Delivery).where(Delivery.alert_id == body["id"])).all()
        languages = {d.member_id: d.language for d in rows}
        actions = s.scalars(select(AuditLog.action)).all()
    m = world.members
    assert languages == {m["an"]: "nl", m["both"]: "fr", m["dieter"]: "fr"}
    assert "alert.recorded" in actions

    heard_nl = _preview(client, world, body["id"], "nl")
    recording = samples(converted)
    assert similarity(heard_nl, recording) > 0.99  # the whole recording, as it is
    heard_fr = _preview(client, world, body["id"], "fr")
    assert similarity(heard_fr, middle(recording, 8000, 1.0)) < 0.5  # French is synthesised


def _preview(client: TestClient, world: World, alert_id: int, language: str) -> np.ndarray:
    response = client.get(
        f"/api/v1/alerts/{alert_id}/audio/{language}", headers=world.auth("police")
    )
    assert response.status_code == 200, response.text
    found, rate = sf.read(io.BytesIO(response.content), dtype="float64")
    assert rate == 8000
    return np.asarray(found)


@pytest.mark.parametrize("kind", ["webm", "ogg", "m4a", "wav"])
def test_recordings_alone_make_the_alert_in_the_formats_browsers_and_phones_make(
    client: TestClient, world: World, runtime: Runtime, voices: dict[str, Path], kind: str
) -> None:
    files = {
        "recording_nl": (f"nl.{kind}", encoded(voices["nl"], kind), "application/octet-stream"),
        "recording_fr": (f"fr.{kind}", encoded(voices["fr"], kind), "application/octet-stream"),
    }
    response = send(client, world, alert_of(world), files)
    assert response.status_code == 202, response.text
    body = response.json()
    assert list(body["messages"]) == ["nl", "fr"]  # stand-ins, in the order of the files
    assert set(body["recordings"]) == {"nl", "fr"}
    assert len(sounds(runtime)) == 4  # two recordings, each .wav + .sln16


def test_a_template_keeps_its_texts_and_the_recording_is_heard(
    client: TestClient, world: World, voices: dict[str, Path]
) -> None:
    template = {
        "kind": "suspect_vehicle",
        "make": "Audi A4",
        "colour": "black",
        "plate": "1-ABC-123",
        "direction": "de Markt",
    }
    alert = alert_of(world, template=template, languages=["fr"])
    wav = voices["nl"].read_bytes()
    response = send(client, world, alert, {"recording_nl": ("nl.wav", wav, "audio/wav")})
    assert response.status_code == 202, response.text
    body = response.json()
    assert list(body["messages"]) == ["fr", "nl"]  # the recorded language is added
    assert "een zwarte auto, Audi A4" in body["messages"]["nl"]
    assert set(body["recordings"]) == {"nl"}


def _silent() -> bytes:
    out = io.BytesIO()
    sf.write(out, np.zeros(8000 * 5, dtype=np.float32), 8000, format="WAV")
    return out.getvalue()


def _too_long(voice: Path) -> bytes:
    speech, rate = sf.read(voice, dtype="float32")
    out = io.BytesIO()
    sf.write(out, np.tile(speech, int(125 * rate / len(speech)) + 1), rate, format="WAV")
    return out.getvalue()


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("text", 415, "not audio"),
        ("image", 415, "not audio"),
        ("empty", 415, "empty"),
        ("silent", 422, "silent"),
        ("too_long", 422, "longer than 120 seconds"),
        ("too_large", 413, "over 10 MB"),
    ],
)
def test_bad_audio_is_refused_with_a_clear_error_and_nothing_stored(
    client: TestClient,
    world: World,
    store: Store,
    runtime: Runtime,
    voices: dict[str, Path],
    case: str,
    status: int,
    words: str,
) -> None:
    data = {
        "text": b"Dit is geen geluid, maar een tekstbestand.\n",
        "image": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "empty": b"",
        "silent": _silent(),
        "too_long": _too_long(voices["nl"]),
        "too_large": b"RIFF" + bytes(MAX_BYTES),
    }[case]
    files = {
        "recording_fr": ("fr.mp3", encoded(voices["fr"], "mp3"), "audio/mpeg"),  # a good one
        "recording_nl": ("nl.bin", data, "application/octet-stream"),
    }
    response = send(client, world, alert_of(world), files)
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert message.startswith("nl: ") and words in message, message
    nothing_stored(store, runtime)  # the French file converted first is gone too


@pytest.mark.parametrize(
    ("alert", "files", "words"),
    [
        (None, {"recording_xx": "nl"}, "recording_xx: unknown language"),
        ("{not json", {"recording_nl": "nl"}, "alert: not valid JSON"),
        ("[1, 2]", {"recording_nl": "nl"}, "a JSON object"),
        (None, {}, "give at least one recording"),
        (
            {"bin_ids": [], "incident_ref": "x"},
            {"recording_nl": "nl"},
            "bin_ids, a place or a route",
        ),
        ({"template": {"kind": "pursue"}}, {"recording_nl": "nl"}, "alert.template"),
    ],
)
def test_a_bad_form_is_422_and_nothing_stored(
    client: TestClient,
    world: World,
    store: Store,
    runtime: Runtime,
    voices: dict[str, Path],
    alert: Any,
    files: dict[str, str],
    words: str,
) -> None:
    body = alert_of(world) if alert is None else alert
    if isinstance(body, dict) and "bin_ids" not in body:
        body = alert_of(world) | body
    uploads = {name: ("a.wav", voices[v].read_bytes(), "audio/wav") for name, v in files.items()}
    response = send(client, world, body, uploads)
    assert response.status_code == 422, response.text
    assert words in response.text
    nothing_stored(store, runtime)


def test_a_bin_outside_the_zone_is_404_before_any_conversion(
    client: TestClient, world: World, store: Store, runtime: Runtime, voices: dict[str, Path]
) -> None:
    files = {"recording_nl": ("nl.wav", voices["nl"].read_bytes(), "audio/wav")}
    response = send(client, world, alert_of(world, bin_ids=[world.bin_c]), files)
    assert response.status_code == 404
    nothing_stored(store, runtime)
    coordinator = client.post(
        "/api/v1/alerts/recorded",
        data={"alert": json.dumps(alert_of(world))},
        files=files,
        headers=world.auth("coordinator"),
    )
    assert coordinator.status_code == 403
    nothing_stored(store, runtime)


def test_the_same_idempotency_key_makes_one_alert(
    client: TestClient, world: World, store: Store, runtime: Runtime, voices: dict[str, Path]
) -> None:
    first_file = {"recording_nl": ("nl.wav", voices["nl"].read_bytes(), "audio/wav")}
    key = {"Idempotency-Key": "rec-1"}
    first = send(client, world, alert_of(world), first_file, key)
    assert first.status_code == 202, first.text
    other_file = {"recording_nl": ("nl.mp3", encoded(voices["nl"], "mp3"), "audio/mpeg")}
    again = send(client, world, alert_of(world), other_file, key)
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["recordings"] == first.json()["recordings"]
    assert len(sounds(runtime)) == 2  # the replay converted nothing


def test_a_body_over_four_recordings_is_refused_before_it_is_read(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/api/v1/alerts/recorded",
        content=b"x",
        headers=world.auth("police")
        | {"Content-Length": str(RECORDING_LIMIT + 1), "Content-Type": "multipart/form-data"},
    )
    assert response.status_code == 413
    assert RECORDING_LIMIT > 4 * MAX_BYTES
    assert limit_for("/alerts/preview") == RECORDING_LIMIT  # the send page's uploads too
    assert limit_for("/api/v1/alerts") == DEFAULT_LIMIT


def _police_page(client: TestClient, store: Store) -> str:
    make_account(store, "dispatch@politie.example", Role.POLICE, police_zone=ZONE_1)
    assert page_sign_in(client, "dispatch@politie.example").status_code == 303
    return csrf_of(client.get("/alerts/new").text)


def _page_form(world: World, csrf: str) -> dict[str, Any]:
    return {
        "csrf_token": csrf,
        "bin_ids": str(world.bin_a),
        "incident_ref": "PV-REC-WEB",
        "source": "free",
        "text_fr": FR_TEXT,
    }


def test_the_send_page_refuses_bad_audio_and_stores_nothing(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    csrf = _police_page(client, store)
    files = {"recording_nl": ("bericht.m4a", b"not really audio", "audio/mp4")}
    response = client.post("/alerts/preview", data=_page_form(world, csrf), files=files)
    assert response.status_code == 422
    assert "nl: this file is not audio" in response.text
    nothing_stored(store, runtime)


def test_an_upload_on_the_send_page_is_previewed_kept_and_sent(
    client: TestClient, world: World, store: Store, runtime: Runtime, voices: dict[str, Path]
) -> None:
    csrf = _police_page(client, store)
    files = {"recording_nl": ("bericht.m4a", encoded(voices["nl"], "m4a"), "audio/mp4")}
    preview = client.post("/alerts/preview", data=_page_form(world, csrf), files=files)
    assert preview.status_code == 200, preview.text
    assert 'id="recorded-nl"' in preview.text and STAND_IN["nl"] not in preview.text
    token = re.search(r'name="draft" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    [key] = [p.stem for p in runtime.settings.sounds_dir.glob("rec-*.wav")]
    audio = client.get("/alerts/preview-audio/nl", params={"draft": token})
    assert audio.status_code == 200
    heard, _ = sf.read(io.BytesIO(audio.content), dtype="float64")
    recording = samples(runtime.settings.sounds_dir / f"{key}.wav")
    assert similarity(heard, recording) > 0.99

    edit = client.post("/alerts/edit", data={"csrf_token": csrf, "draft": token})
    assert 'id="keep_nl"' in edit.text
    kept = re.search(r'name="kept" value="([^"]+)"', edit.text).group(1)  # type: ignore[union-attr]
    again = client.post(
        "/alerts/preview", data=_page_form(world, csrf) | {"kept": kept, "keep_nl": "1"}
    )
    assert again.status_code == 200 and 'id="recorded-nl"' in again.text
    token = re.search(r'name="draft" value="([^"]+)"', again.text).group(1)  # type: ignore[union-attr]
    sent = client.post("/alerts", data={"csrf_token": csrf, "draft": token}, follow_redirects=False)
    assert sent.status_code == 303
    with store.session() as s:
        [alert] = s.scalars(select(Alert)).all()
    assert alert.recordings == {"nl": key}
    assert alert.messages == {"nl": STAND_IN["nl"], "fr": FR_TEXT}
    assert list(alert.messages) == ["nl", "fr"]  # the page's order: Dutch is the fallback
