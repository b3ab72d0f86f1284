"""Who the client is (#21 point 8): a real `binalert serve` believes X-Forwarded-For only from
the proxy named in BINALERT_FORWARDED_ALLOW_IPS (default: nobody), so a client cannot write
its own address into /metrics' allow list, /media's or the audit log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from binalert import migrate
from binalert.settings import Settings

pytestmark = pytest.mark.timeout(90)
BINALERT = str(Path(sys.executable).parent / "binalert")
MONITORING = "192.0.2.0/24"  # the only network allowed to read /metrics without a token
FORGED = {"X-Forwarded-For": "192.0.2.7"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served(tmp_path: Path, **env: str) -> Iterator[str]:
    db = f"sqlite:///{tmp_path / 'forwarded.db'}"
    migrate.upgrade(db)
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BINALERT_")}
    settings = {
        "BINALERT_DATABASE_URL": db,
        "BINALERT_SOUNDS_DIR": str(tmp_path / "sounds"),
        "BINALERT_METRICS_ALLOW": MONITORING,
    }
    server = subprocess.Popen(
        [BINALERT, "serve", "--no-dispatcher", "--port", str(port)],
        env=clean | settings | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,  # no .env of the checkout
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while server.poll() is None and time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("binalert serve did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    yield from _served(tmp_path)


@pytest.fixture
def served_behind_a_local_proxy(tmp_path: Path) -> Iterator[str]:
    yield from _served(tmp_path, BINALERT_FORWARDED_ALLOW_IPS="127.0.0.1")


def test_by_default_a_forged_forwarded_for_does_not_open_the_metrics(served: str) -> None:
    forged = httpx.get(f"{served}/metrics", headers=FORGED, timeout=10)
    assert forged.status_code == 401, "a client chose its own address"  # 401: token needed
    assert Settings.model_fields["forwarded_allow_ips"].default == ""


def test_the_named_proxy_is_believed_and_a_client_entry_before_it_is_not(
    served_behind_a_local_proxy: str,
) -> None:
    """The proxy (here on 127.0.0.1) says who its client was: believed. A proxy that appends
    instead of overwriting passes the client's own entry first; the proxy's own entry, the
    last one, is the one taken."""
    base = served_behind_a_local_proxy
    assert httpx.get(f"{base}/metrics", headers=FORGED, timeout=10).status_code == 200
    appended = {"X-Forwarded-For": "192.0.2.7, 198.51.100.4"}  # forged, then the proxy's
    assert httpx.get(f"{base}/metrics", headers=appended, timeout=10).status_code == 401


@pytest.mark.parametrize("value", ["*", "proxy.example"])
def test_anything_but_the_proxys_address_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="BINALERT_FORWARDED_ALLOW_IPS"):
        Settings(forwarded_allow_ips=value)  # type: ignore[call-arg]
