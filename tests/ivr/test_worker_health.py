"""A real `binalert worker` process and the API apart from it (as in compose): /ready, the
metrics and the police's alert page tell the truth about the worker's PBX and speech, from
its heartbeats. Before, the API answered 200 through a PBX outage, and a worker without a
speech engine left every call "not placed" without a word."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from binalert.models import CallAttempt, Role
from binalert.runtime import Runtime
from binalert.settings import Settings
from ivr.ami import SILENCE_GRACE, AmiConfig
from lab.cli import lab_environment
from lab.pbx import LabPbx, temporary_lab
from store.db import Store
from tests.api.conftest import ZONE_1, build_world
from tests.api.helpers import create_alert, make_account, page_sign_in

pytestmark = [pytest.mark.pbx, pytest.mark.postgres, pytest.mark.timeout(240)]
HEARTBEAT = 1.0  # seconds; a worker silent for three of them is dead
AMI_PING = AmiConfig.ping_interval  # a hung PBX is seen within a ping and a grace


@pytest.fixture
def own_pbx() -> Iterator[LabPbx]:
    """A lab Asterisk of this test's own: it is stopped and started again."""
    with temporary_lab(f"test{os.getpid()}h") as pbx:
        yield pbx


BINALERT = str(Path(sys.executable).parent / "binalert")


def worker_env(store: Store, pbx: LabPbx, name: str) -> dict[str, str]:
    return (
        os.environ
        | lab_environment(pbx)
        | {
            "BINALERT_DATABASE_URL": store.url,
            "BINALERT_ENVIRONMENT": "test",
            "BINALERT_PBX_NAME": pbx.instance.name,
            "BINALERT_WORKER_ID": name,
            "BINALERT_HEARTBEAT_SECONDS": str(HEARTBEAT),
            "BINALERT_SHUTDOWN_GRACE": "2",
        }
    )


def alive(store: Store, pbx: LabPbx, name: str) -> int:
    """`binalert alive` as compose's healthcheck runs it beside the worker: its exit status."""
    env = worker_env(store, pbx, name)
    return subprocess.run([BINALERT, "alive"], env=env, capture_output=True, timeout=30).returncode


@contextmanager
def worker(
    store: Store, pbx: LabPbx, folder: Path, name: str, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`binalert worker` as compose runs it, with its log in `folder`; stopped afterwards."""
    variables = worker_env(store, pbx, name) | env
    with (folder / f"{name}.log").open("wb") as log:
        process = subprocess.Popen([BINALERT, "worker"], env=variables, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@contextmanager
def api_apart(store: Store, pbx: LabPbx, folder: Path) -> Iterator[TestClient]:
    """The API without a dispatcher (`binalert serve --no-dispatcher`), on the same store."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=store.url,
        environment="test",
        sounds_dir=folder / "api-sounds",
        pbx_name=pbx.instance.name,
        heartbeat_seconds=HEARTBEAT,
    )
    with TestClient(create_app(Runtime(settings, store))) as client:
        yield client


def wait_for(what: str, check: Callable[[], Any], timeout: float, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}\nworker log:\n{log.read_text()}")


def test_ready_follows_a_real_worker_and_its_pbx(
    own_pbx: LabPbx, pg_store: Store, tmp_path: Path
) -> None:
    name = own_pbx.instance.name
    log = tmp_path / "w1.log"
    healthy_metric = f'binalert_pbx_healthy{{pbx="{name}"}}'
    world = build_world(pg_store)
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    with api_apart(pg_store, own_pbx, tmp_path) as api:

        def ready() -> int:
            return api.get("/ready").status_code

        def metric() -> str:
            return api.get("/metrics", headers=admin).text

        assert ready() == 503  # no worker yet: no call could go out
        with worker(pg_store, own_pbx, tmp_path, "w1") as process:
            wait_for("ready with the worker", lambda: ready() == 200, 60, log)
            assert f"{healthy_metric} 1.0" in metric()
            assert alive(pg_store, own_pbx, "w1") == 0  # compose's liveness check

            own_pbx.stop()  # `core stop now`: the PBX is gone when this returns
            stopped = time.monotonic()
            wait_for("503 once the PBX is gone", lambda: ready() == 503, 15, log)
            took = time.monotonic() - stopped
            body = api.get("/ready").json()
            assert body["why"][0].startswith(f"PBX {name}: w1: the phone system is unreachable")
            assert f"{healthy_metric} 0.0" in metric()
            assert took < 5 * HEARTBEAT + 3, f"503 came {took:.1f} s after the PBX stopped"
            assert alive(pg_store, own_pbx, "w1") == 0  # a PBX outage restarts no worker

            own_pbx.start()
            wait_for("200 once the PBX is back", lambda: ready() == 200, 60, log)
            assert f"{healthy_metric} 1.0" in metric()

            hung = own_pbx.pid()  # SIGSTOP: hung, its TCP connection still open
            assert hung is not None
            os.kill(hung, signal.SIGSTOP)
            try:
                frozen = time.monotonic()
                wait_for("503 while the PBX is hung", lambda: ready() == 503, 20, log)
                took = time.monotonic() - frozen
                assert "no answer" in api.get("/ready").json()["why"][0]
            finally:
                os.kill(hung, signal.SIGCONT)
            assert took < AMI_PING + SILENCE_GRACE + 3 * HEARTBEAT + 1, took
            wait_for("200 once the PBX answers again", lambda: ready() == 200, 30, log)

            process.send_signal(signal.SIGKILL)  # a crash: no goodbye, the heartbeat ages
            process.wait(10)
            killed = time.monotonic()
            wait_for("503 once the worker is dead", lambda: ready() == 503, 15, log)
            assert time.monotonic() - killed >= 2 * HEARTBEAT  # alive until it went stale
            [pbx] = api.get("/ready").json()["pbxes"]
            assert pbx["held"] == "no_worker" and pbx["workers"][0]["alive"] is False
            assert f'binalert_dialers_alive{{pbx="{name}"}} 0.0' in metric()
            assert alive(pg_store, own_pbx, "w1") == 1


def test_a_worker_that_stops_cleanly_is_gone_at_once(
    pbx: LabPbx, pg_store: Store, tmp_path: Path
) -> None:
    with api_apart(pg_store, pbx, tmp_path) as api:
        with worker(pg_store, pbx, tmp_path, "w2") as process:
            wait_for("ready", lambda: api.get("/ready").status_code == 200, 60, tmp_path / "w2.log")
            process.send_signal(signal.SIGTERM)
            process.wait(20)
        [found] = api.get("/ready").json()["pbxes"]
        assert found["held"] == "no_worker" and found["workers"] == []


POLICE = "agent@politie.example"


def test_a_worker_that_cannot_speak_is_unhealthy_and_the_alert_page_says_why(
    pbx: LabPbx, pg_store: Store, tmp_path: Path
) -> None:
    """The speech engine is missing (espeak-ng not on the worker's PATH)."""
    log = tmp_path / "mute.log"
    world = build_world(pg_store)
    make_account(pg_store, POLICE, Role.POLICE, police_zone=ZONE_1)
    mute = {"PATH": str(tmp_path / "no-programs"), "BINALERT_SOUNDS_DIR": str(tmp_path / "s")}
    with api_apart(pg_store, pbx, tmp_path) as api, worker(pg_store, pbx, tmp_path, "mute", **mute):

        def held() -> dict[str, Any] | None:
            response = api.get("/ready")
            [found] = response.json()["pbxes"]
            return found if found["held"] == "speech_failing" else None

        found = wait_for("the worker reports it cannot speak", held, 60, log)
        assert api.get("/ready").status_code == 503
        assert "espeak-ng" in found["reason"], found
        alert = create_alert(api, world)
        assert page_sign_in(api, POLICE).status_code == 303
        page = api.get(f"/alerts/{alert['id']}").text
        assert 'id="calls-held"' in page
        assert "Calls are held: the speech engine is failing." in page
        time.sleep(3 * HEARTBEAT)  # the worker's dialer had time to claim: it claims nothing
        with pg_store.session() as s:
            attempts = s.scalar(select(func.count()).select_from(CallAttempt))
        assert attempts == 0
        assert "cannot speak" in log.read_text()
