"""/health, /ready, /metrics, the audio preview and /media for Asterisk's HTTP media cache."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.db import Store
from binalert.runtime import Runtime
from tests.api.conftest import World
from tests.api.helpers import create_alert
from tests.api.test_events import run_calls


class FakePbxService:
    """Reports health in the shape DispatcherService.health() has (one PBX)."""

    def __init__(self, connected: bool, why: str | None = None) -> None:
        self.connected = connected
        self.why = why

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def health(self) -> dict[str, object]:
        pbx = {"pbx": "pbx1", "connected": self.connected, "reconnects": 3, "calls_in_flight": 2}
        pbx |= {"healthy": self.why is None, "why": self.why}
        return {
            "connected": self.connected,
            "healthy": self.why is None,
            "calls_in_flight": 2,
            "pbxes": [pbx],
        }


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["database"] is True


def test_not_ready_when_a_pbx_is_down(runtime: Runtime) -> None:
    runtime.services.append(FakePbxService(connected=False))
    with TestClient(create_app(runtime)) as client:
        ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["services"][0]["pbxes"][0]["pbx"] == "pbx1"


def test_not_ready_when_a_pbx_cannot_place_calls(runtime: Runtime) -> None:
    why = "chan_pjsip.so is not loaded: no call can be placed"
    runtime.services.append(FakePbxService(connected=True, why=why))
    with TestClient(create_app(runtime)) as client:
        ready = client.get("/ready")
        metrics = client.get("/metrics", headers=_admin(runtime)).text
    assert ready.status_code == 503
    assert ready.json()["services"][0]["pbxes"][0]["why"] == why
    assert 'binalert_pbx_healthy{pbx="pbx1"} 0.0' in metrics
    assert 'binalert_ami_connected{pbx="pbx1"} 1.0' in metrics


def test_not_ready_without_database(tmp_path: Path, runtime: Runtime) -> None:
    broken = Runtime(runtime.settings, Store("postgresql://nobody@127.0.0.1:1/none"))
    with TestClient(create_app(broken)) as client:
        assert client.get("/ready").status_code == 503
        response = client.get("/api/v1/bins", headers={"Authorization": "Bearer x"})
        assert response.status_code == 503 and response.json()["error"] == "unavailable"


def test_metrics(client: TestClient, world: World, store: Store, runtime: Runtime) -> None:
    runtime.services.append(FakePbxService(connected=True))
    create_alert(client, world)
    run_calls(store)
    text = client.get("/metrics", headers=world.auth("admin")).text
    assert 'binalert_alerts{status="completed"} 1.0' in text
    assert 'binalert_calls_total{outcome="no_answer"}' in text
    assert "binalert_calls_in_flight 2.0" in text
    assert 'binalert_ami_reconnects_total{pbx="pbx1"} 3.0' in text
    assert "binalert_synthesis_seconds_total" in text
    assert "binalert_database_up 1.0" in text


def test_media_serves_only_cached_sounds(client: TestClient, runtime: Runtime) -> None:
    sounds = runtime.settings.sounds_dir
    sounds.mkdir(parents=True, exist_ok=True)
    (sounds / "nl-abc123.wav").write_bytes(b"RIFF....WAVE")
    (sounds.parent / "secret.wav").write_bytes(b"no")
    assert client.get("/media/nl-abc123.wav").content == b"RIFF....WAVE"
    for key in ("missing", "..%2Fsecret", "%2E%2E", ".hidden", "a" * 200, "x%00y"):
        response = client.get(f"/media/{key}.wav")
        assert response.status_code in (404, 422), key
        assert response.json()["error"] in ("not_found", "invalid")


def _tts_ready() -> bool:
    try:
        import tts  # noqa: F401
    except ImportError:
        return False
    return shutil.which("espeak-ng") is not None


@pytest.mark.skipif(not _tts_ready(), reason="tts/ or espeak-ng not available")
def test_preview_is_what_members_hear(
    client: TestClient, world: World, store: Store, runtime: Runtime
) -> None:
    import soundfile

    from binalert.alerts.spoken import alert_texts

    alert = create_alert(client, world)
    path = f"/api/v1/alerts/{alert['id']}/audio"
    response = client.get(f"{path}/fr", headers=world.auth("coordinator"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/wav"
    data, rate = soundfile.read(io.BytesIO(response.content))
    assert rate == 8000 and data.ndim == 1 and len(data) / rate > 3
    speech = runtime.speech
    with store.session() as s:
        zone, names, message = alert_texts(s, alert["id"], "fr")
    assert message == alert["messages"]["fr"]
    audio = speech.call_audio(language="fr", police_zone=zone, bin_name=names, message=message)
    joined = speech.join([audio.intro, audio.message, audio.prompt])
    assert Path(joined).read_bytes() == response.content
    intro = client.get(f"/media/{audio.intro.key}.wav")
    assert intro.status_code == 200 and intro.content == Path(audio.intro).read_bytes()
    assert client.get(f"{path}/de", headers=world.auth("police")).status_code == 404
    assert client.get(f"{path}/xx", headers=world.auth("police")).status_code == 422
    other = client.get(f"{path}/fr", headers=world.auth("coordinator_c"))
    assert other.status_code == 404


def test_a_draft_preview_writes_nothing(world: World, store: Store, runtime: Runtime) -> None:
    from sqlalchemy import func, select

    from binalert.alerts.preview import Preview
    from binalert.alerts.spoken import alert_texts
    from binalert.models import Alert

    messages = {"nl": "Blijf binnen.", "fr": "Restez à l'intérieur."}
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(Alert))
        texts = Preview(runtime.speech).draft_texts(s, [world.bin_a], messages, "fr")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == before
        sent = Alert(bin_ids=[world.bin_a], messages=messages, created_by="t", incident_ref="x")
        sent.valid_until = sent.valid_from = sent.created_at = datetime.now(UTC)
        s.add(sent)
        s.flush()
        assert alert_texts(s, sent.id, "fr") == texts  # what members of the sent alert hear


def _admin(runtime: Runtime) -> dict[str, str]:
    from binalert.models import Role
    from binalert.tokens import create_token

    with runtime.store.session() as s:
        return {"Authorization": f"Bearer {create_token(s, Role.ADMIN, 'monitoring')}"}
