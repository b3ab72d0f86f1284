"""/health, /ready, /metrics, the audio preview and /media for Asterisk's HTTP media cache."""

from __future__ import annotations

import io
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from binalert.media import MediaSigner
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import World, api_settings
from tests.api.helpers import create_alert
from tests.api.test_dial_health import beat
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


def test_health_and_ready(client: TestClient, store: Store) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    beat(store)  # a live worker dials through the PBX (tests/api/test_dial_health.py)
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
        assert client.get("/ready").json()["why"] == [
            "the database is unreachable (the workers' heartbeats are in it)"
        ]
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


def _signed(runtime: Runtime, key: str, expires: int | None = None) -> str:
    """The path binalert hands the PBX for `key` (valid for an hour unless told)."""
    expires = int(time.time()) + 3600 if expires is None else expires
    return MediaSigner.from_settings(runtime.settings).url("/media", key, expires)


def _sound(runtime: Runtime, key: str = "nl-abc123") -> str:
    sounds = runtime.settings.sounds_dir
    sounds.mkdir(parents=True, exist_ok=True)
    (sounds / f"{key}.wav").write_bytes(b"RIFF....WAVE")
    return key


def test_media_serves_only_cached_sounds(client: TestClient, runtime: Runtime) -> None:
    key = _sound(runtime)
    (runtime.settings.sounds_dir.parent / "secret.wav").write_bytes(b"no")
    assert client.get(_signed(runtime, key)).content == b"RIFF....WAVE"
    for key in ("missing", "..%2Fsecret", "%2E%2E", ".hidden", "a" * 200, "x%00y"):
        response = client.get(_signed(runtime, key))
        assert response.status_code in (404, 422), key
        assert response.json()["error"] in ("not_found", "invalid")


def test_a_guessed_sound_key_is_not_confirmed(client: TestClient, runtime: Runtime) -> None:
    """The key is a hash of the text: without binalert's signature, an existing sound is
    answered exactly like a missing one."""
    key = _sound(runtime)
    expires = int(time.time()) + 3600
    unsigned = (
        f"/media/{key}.wav",
        f"/media/{key}.wav?exp={expires}",
        f"/media/{expires}/{'0' * 64}/{key}.wav",
        f"/media/{expires}/not-hex/{key}.wav",
    )
    for path in unsigned:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found", path
    missing = client.get(_signed(runtime, "nl-000000")).json()
    guessed = client.get(unsigned[2]).json()
    same = ("status", "error", "message", "details")
    assert {k: guessed.get(k) for k in same} == {k: missing.get(k) for k in same}


def test_a_signed_url_serves_its_sound_until_it_expires(
    client: TestClient, runtime: Runtime
) -> None:
    key = _sound(runtime)
    response = client.get(_signed(runtime, key))
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    max_age = int(response.headers["cache-control"].split("max-age=")[1])
    assert 3500 < max_age <= 3600  # the PBX may keep it as long as its URL is good
    expired = client.get(_signed(runtime, key, int(time.time()) - 1))
    assert expired.status_code == 404


def test_a_signature_is_for_one_sound_one_expiry_and_one_secret(
    client: TestClient, runtime: Runtime, store: Store, tmp_path: Path
) -> None:
    key, other = _sound(runtime), _sound(runtime, "fr-def456")
    expires = int(time.time()) + 3600
    signer = MediaSigner.from_settings(runtime.settings)
    signature = signer.signature(key, expires)
    assert client.get(f"/media/{expires}/{signature}/{key}.wav").status_code == 200
    assert client.get(f"/media/{expires}/{signature}/{other}.wav").status_code == 404
    assert client.get(f"/media/{expires + 3600}/{signature}/{key}.wav").status_code == 404
    stranger = api_settings(store, tmp_path, session_secret="another-secret-" + "x" * 32)
    forged = MediaSigner.from_settings(stranger).url("/media", key, expires)
    assert client.get(forged).status_code == 404


def test_the_media_allow_list_refuses_other_addresses(store: Store, tmp_path: Path) -> None:
    settings = api_settings(store, tmp_path, media_allow="10.20.0.0/16, 192.0.2.7/32")
    runtime = Runtime(settings=settings, store=store)
    path = _signed(runtime, _sound(runtime))
    app = create_app(runtime)
    with TestClient(app, client=("10.20.3.4", 40000)) as pbx:
        assert pbx.get(path).status_code == 200
    for address in ("10.21.0.1", "127.0.0.1", "testclient"):
        with TestClient(app, client=(address, 40000)) as other:
            response = other.get(path)
            assert response.status_code == 404, address  # signed, but not from the PBX
            assert response.json()["error"] == "not_found"


def test_media_allow_must_be_networks(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BINALERT_MEDIA_ALLOW"):
        api_settings(store, tmp_path, media_allow="10.0.0.0/8,pbx.example")


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
        zone, names, message, _urgent = alert_texts(s, alert["id"], "fr")
    assert message == alert["messages"]["fr"]
    audio = speech.call_audio(language="fr", police_zone=zone, bin_name=names, message=message)
    joined = speech.join([audio.intro, audio.message, audio.prompt])
    assert Path(joined).read_bytes() == response.content
    intro = client.get(_signed(runtime, audio.intro.key))
    assert intro.status_code == 200 and intro.content == Path(audio.intro).read_bytes()
    assert client.get(f"/media/{audio.intro.key}.wav").status_code == 404
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
