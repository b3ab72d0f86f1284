"""A PBX on another host: Asterisk fetches the call audio from binalert over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from binalert.db import Store
from binalert.runtime import Runtime
from ivr.service import DispatcherService
from lab.harness import lab_settings
from lab.pbx import LabPbx, free_port
from lab.seed import seed_alert
from lab.sim import SIM
from tests.ivr.harness import deliveries

pytestmark = [pytest.mark.pbx, pytest.mark.timeout(120)]


def _serve(runtime: Runtime, port: int) -> Iterator[None]:
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive()
            time.sleep(0.05)
        yield
    finally:
        server.should_exit = True
        thread.join(30)


def test_audio_reaches_the_pbx_through_its_http_media_cache(
    pbx: LabPbx, sqlite_store: Store, tmp_path: Path
) -> None:
    port = free_port()
    sounds = tmp_path / "sounds"  # outside the PBX's chroot: only HTTP can reach it
    settings = lab_settings(
        pbx,
        sqlite_store,
        sounds_dir=sounds,
        pbx_sounds_dir=None,
        media_base_url=f"http://127.0.0.1:{port}/media",
        digit_timeout=4,
    )
    runtime = Runtime(settings=settings, store=sqlite_store)
    runtime.services.append(DispatcherService(runtime))
    alert_id = seed_alert(sqlite_store, [SIM.PRESS_1.number(31)])
    server = _serve(runtime, port)
    next(server)
    try:
        deadline = time.monotonic() + 90
        while deliveries(sqlite_store, alert_id)[0].status != "acknowledged":
            assert time.monotonic() < deadline, deliveries(sqlite_store, alert_id)[0].status
            time.sleep(0.2)
    finally:
        next(server, None)
    cached = pbx.rx("media cache show all")
    assert f"http://127.0.0.1:{port}/media/" in cached
    assert any(p.suffix == ".wav" for p in sounds.iterdir())
    pbx.rx("media cache delete all")
