"""Issue #21, sign-in point 2: a flood of wrong sign-ins against a real `binalert serve` keeps
its memory flat (argon2 takes 64 MiB a hash: the hashes at once are capped) and never keeps the
owner out: their right password from another address works during and after the flood."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from binalert import migrate
from binalert.models import Role
from store.db import Store
from tests.api.helpers import PASSWORD, make_account

BINALERT = shutil.which("binalert") or str(Path(__file__).parents[1] / ".venv/bin/binalert")
OWNER = "owner@binalert.example"
FLOOD = 50
GROWTH_BOUND_KB = 250 * 1024
"""Two hashes at once (64 MiB each) and what the requests themselves take; 50 hashes at once
grew the service by more than 2 GB."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_rss_kb(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert found is not None
    return int(found.group(1))


def _client(base: str, address: str) -> httpx.Client:
    """A browser at this client address (any 127/8 address reaches the loopback)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, timeout=60)


def _sign_in(client: httpx.Client, password: str) -> int:
    page = client.get("/signin")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "email": OWNER, "password": password, "next": "/"}
    return client.post("/signin", data=form, follow_redirects=False).status_code


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and server.poll() is None:
        try:
            httpx.get(f"{base}/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("binalert serve did not start")


@pytest.mark.timeout(180)
def test_a_sign_in_flood_keeps_memory_flat_and_the_owner_signs_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'flood.db'}"
    migrate.upgrade(url)
    store = Store(url)
    make_account(store, OWNER, Role.ADMIN)
    store.dispose()
    port = _free_port()
    env = os.environ | {
        "BINALERT_DATABASE_URL": url,
        "BINALERT_SOUNDS_DIR": str(tmp_path / "sounds"),
        "BINALERT_SECRET_FILE": str(tmp_path / "secret"),
    }
    server = subprocess.Popen(
        [BINALERT, "serve", "--no-dispatcher", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, server)
        kept = tmp_path / "secret"  # no secret set: a random one, made at start, kept 0600
        assert kept.stat().st_mode & 0o777 == 0o600
        with _client(base, "127.0.0.4") as warm:  # one hash's memory before the baseline
            assert _sign_in(warm, "not the password at all") == 401
        baseline = _peak_rss_kb(server.pid)

        attackers = [_client(base, "127.0.0.2") for _ in range(FLOOD)]
        pages = [a.get("/signin").text for a in attackers]
        answers: list[int] = []
        start = threading.Barrier(FLOOD + 1)

        def attack(client: httpx.Client, html: str) -> None:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
            assert csrf is not None
            form = {"csrf_token": csrf.group(1), "email": OWNER, "password": "wrong guess!"}
            start.wait()
            answers.append(client.post("/signin", data=form, follow_redirects=False).status_code)

        pairs = zip(attackers, pages, strict=True)
        threads = [threading.Thread(target=attack, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        start.wait()
        with _client(base, "127.0.0.3") as owner:
            during = _sign_in(owner, PASSWORD)
        for thread in threads:
            thread.join(90)
        for attacker in attackers:
            attacker.close()
        with _client(base, "127.0.0.5") as owner:
            after = _sign_in(owner, PASSWORD)
        growth = _peak_rss_kb(server.pid) - baseline
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(answers) == FLOOD and set(answers) <= {401, 429}, answers
    assert during == 303 and after == 303
    assert growth < GROWTH_BOUND_KB, f"the service grew by {growth // 1024} MB"
