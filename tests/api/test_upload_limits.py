"""Recordings cannot exhaust the service (#21 point 7): ffmpeg runs with a memory and CPU
limit, a hostile file is refused without growing, conversions beyond the limit are answered
503 at once, and a stranger's upload is refused before its body is read."""

from __future__ import annotations

import asyncio
import json
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.limits import DEFAULT_LIMIT, RECORDING_LIMIT
from binalert.runtime import Runtime
from store.db import Store
from tests.api.conftest import World
from tests.recordings import encoded, speech_wav
from tts import recorded

pytestmark = pytest.mark.timeout(120)
INFLATED = 600 * 2**20  # what the movie atom inflates to: ffmpeg held all of it (664 MB)
PEAK_LIMIT_KB = 200 * 1024
CHUNK = 64 * 1024


def _atom(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


@pytest.fixture(scope="module")
def movie_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 600 KB QuickTime file whose compressed movie atom (cmov: dcom zlib, cmvd) inflates
    to 600 MB of zeros, which ffmpeg's mov demuxer allocates and fills before it parses."""
    packer = zlib.compressobj(9)
    zeros = b"\0" * 2**20
    packed = b"".join(packer.compress(zeros) for _ in range(INFLATED // len(zeros)))
    packed += packer.flush()
    cmov = _atom(b"dcom", b"zlib") + _atom(b"cmvd", struct.pack(">I", INFLATED) + packed)
    path = tmp_path_factory.mktemp("bomb") / "message.mov"
    path.write_bytes(_atom(b"ftyp", b"qt  \0\0\0\0qt  ") + _atom(b"moov", _atom(b"cmov", cmov)))
    assert path.stat().st_size < 1024 * 1024
    return path


DECODE_AND_MEASURE = """
import json, resource, sys
from tts.recorded import RecordingRefused, decode
try:
    decode(open(sys.argv[1], "rb").read())
    reason = None
except RecordingRefused as error:
    reason = error.reason
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"reason": reason, "peak_kb": peak}))
"""


def test_a_compressed_movie_atom_is_refused_without_ffmpeg_growing(movie_bomb: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", DECODE_AND_MEASURE, str(movie_bomb)],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    found = json.loads(run.stdout)
    assert found["peak_kb"] < PEAK_LIMIT_KB, f"ffmpeg grew to {found['peak_kb'] // 1024} MB"
    assert found["reason"] and "memory" in found["reason"]


def test_the_api_refuses_the_movie_bomb_clearly_and_stores_nothing(
    client: TestClient, world: World, runtime: Runtime, movie_bomb: Path
) -> None:
    response = client.post(
        "/api/v1/alerts/recorded",
        data={"alert": json.dumps({"bin_ids": [world.bin_a], "incident_ref": "PV-BOMB"})},
        files={"recording_nl": ("message.mov", movie_bomb.read_bytes(), "video/quicktime")},
        headers=world.auth("police"),
    )
    assert response.status_code == 422, response.text
    assert "memory" in response.json()["message"]
    assert not list(runtime.settings.sounds_dir.glob("rec-*"))


@pytest.fixture
def every_conversion_busy() -> Iterator[None]:
    """All of the process's conversion slots taken, as by that many uploads in progress."""
    taken = 0
    while recorded.CONVERSIONS.acquire(blocking=False):
        taken += 1
    assert taken == recorded.MAX_CONVERSIONS
    try:
        yield
    finally:
        for _ in range(taken):
            recorded.CONVERSIONS.release()


def test_a_conversion_beyond_the_limit_is_answered_503_at_once(
    client: TestClient, world: World, tmp_path: Path, every_conversion_busy: None
) -> None:
    mp3 = encoded(speech_wav(tmp_path, "Verdachte wagen gezien.", "nl"), "mp3")
    started = time.monotonic()
    response = client.post(
        "/api/v1/alerts/recorded",
        data={"alert": json.dumps({"bin_ids": [world.bin_a], "incident_ref": "PV-BUSY"})},
        files={"recording_nl": ("bericht.mp3", mp3, "audio/mpeg")},
        headers=world.auth("police"),
    )
    assert response.status_code == 503, response.text
    assert time.monotonic() - started < recorded.BUSY_WAIT_S + 5
    assert int(response.headers["Retry-After"]) >= 1


async def _post_streamed(
    app: FastAPI, path: str, size: int, headers: dict[str, str], declare_length: bool = True
) -> tuple[int, int]:
    """POST a multipart body of `size` bytes (one recording) to the ASGI app in 64 KB
    messages; (status, bytes the app asked for before it answered)."""
    boundary = "binalertboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="recording_nl"; '
        'filename="message.wav"\r\nContent-Type: audio/wav\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = memoryview(head + b"\0" * (size - len(head) - len(tail)) + tail)
    sent = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if status:  # answered: the client stops sending and goes
            return {"type": "http.disconnect"}
        chunk = bytes(body[sent : sent + CHUNK])
        sent += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": sent < size}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    raw = {"content-type": f"multipart/form-data; boundary={boundary}"} | headers
    if declare_length:
        raw["content-length"] = str(size)
    else:
        raw["transfer-encoding"] = "chunked"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in raw.items()],
        "client": ("192.0.2.9", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=60)
    return status, sent


UPLOAD = RECORDING_LIMIT - DEFAULT_LIMIT  # 40 MB: within the limit of a recorded alert


@pytest.mark.parametrize("declare_length", [True, False])
async def test_a_strangers_upload_is_refused_before_its_body_is_read(
    store: Store, runtime: Runtime, app: FastAPI, declare_length: bool
) -> None:
    status, read = await _post_streamed(
        app, "/api/v1/alerts/recorded", UPLOAD, {}, declare_length=declare_length
    )
    assert status in (401, 413)
    assert read <= DEFAULT_LIMIT + CHUNK, f"{read // 2**20} MB read before the {status}"


async def test_a_strangers_upload_to_the_send_page_is_refused_before_its_body_is_read(
    store: Store, runtime: Runtime, app: FastAPI
) -> None:
    status, read = await _post_streamed(app, "/alerts/preview", UPLOAD, {})
    assert status == 303  # to the sign-in page
    assert read <= CHUNK, f"{read // 2**20} MB read before the redirect"


async def test_a_wrong_token_is_refused_before_the_body_is_read(
    store: Store, runtime: Runtime, app: FastAPI
) -> None:
    wrong = {"authorization": "Bearer not-a-token"}
    status, read = await _post_streamed(app, "/api/v1/alerts/recorded", UPLOAD, wrong)
    assert status == 401
    assert read <= CHUNK, f"{read // 2**20} MB read before the 401"
