"""No phone number reaches a log line, access log of the real server included (#13 point 6)."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from binalert import migrate
from binalert.logredact import MASK, PersonalDataFilter, redact

BINALERT = str(Path(sys.executable).parent / "binalert")


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ('"GET /members?q=%2B32470123456 HTTP/1.1" 200', "32470123456"),
        ('"GET /members?q=0470+12+34+56 HTTP/1.1" 200', "0470+12+34+56"),
        ("dialled 050 12 34 56 for BIN 3", "050 12 34 56"),
        ("retry to +49 30 1234567 in 60 s", "1234567"),
        ("imported 0031 20 123 4567", "123 4567"),
        ("member 0470/12.34.56 erased", "0470/12.34.56"),
    ],
)
def test_a_phone_number_is_masked_wherever_it_sits(line: str, hidden: str) -> None:
    cleaned = redact(line)
    assert hidden not in cleaned and MASK in cleaned


@pytest.mark.parametrize(
    "line",
    [
        '"GET /api/v1/alerts/123456/deliveries?after=9876543 HTTP/1.1" 200',
        "2026-11-30 12:44:01,123 alert 1234: 3 of 5 acknowledged",
        "127.0.0.1:54321 - GET /media/1764500000/3f2a.wav",
    ],
)
def test_ids_times_and_addresses_are_left_alone(line: str) -> None:
    assert redact(line) == line


def test_the_filter_rewrites_a_record_with_arguments() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s"',
        ("1.2.3.4", "GET", "/m?q=0470123456"),
        None,
    )
    assert PersonalDataFilter().filter(record)
    assert "0470123456" not in record.getMessage() and "/m?q=" in record.getMessage()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("binalert serve did not start")


@pytest.mark.timeout(60)
def test_the_access_log_of_the_real_server_holds_no_phone_number(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'logs.db'}"
    migrate.upgrade(db)
    port = _free_port()
    env = os.environ | {
        "BINALERT_DATABASE_URL": db,
        "BINALERT_SOUNDS_DIR": str(tmp_path),
        "BINALERT_SECRET_FILE": str(tmp_path / "secret"),
    }
    server = subprocess.Popen(
        [BINALERT, "serve", "--no-dispatcher", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(f"{base}/health", server)
        httpx.get(f"{base}/members", params={"q": "+32 470 12 34 56"}, timeout=5)
        httpx.get(f"{base}/api/v1/members?phone=%2B32470123456", timeout=5)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=20)
    assert "GET /members?q=" in err and "GET /api/v1/members?phone=" in err  # logged
    for shown in ("470", "+32+470", "%2B32470123456", "32470123456"):
        assert f"={shown}" not in err
    assert "12+34+56" not in err and "470123456" not in err


def _serve(tmp_path: Path) -> tuple[str, subprocess.Popen[str]]:
    db = f"sqlite:///{tmp_path / 'logs.db'}"
    migrate.upgrade(db)
    port = _free_port()
    env = os.environ | {"BINALERT_DATABASE_URL": db, "BINALERT_SOUNDS_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [BINALERT, "serve", "--no-dispatcher", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(f"{base}/health", server)
    except AssertionError:
        server.kill()
        server.communicate(timeout=20)
        raise
    return base, server


@pytest.mark.timeout(60)
def test_the_access_log_never_holds_an_invitation_or_reset_links_secret(tmp_path: Path) -> None:
    secret = "Qx7vLw2bTq9sZk4mHn8pRf3jYc6dWa1e"  # the shape of a link's token
    base, server = _serve(tmp_path)
    try:
        httpx.get(f"{base}/setup/{secret}", timeout=5)
        httpx.get(f"{base}/setup/{secret}?next=%2F", timeout=5)
        httpx.post(f"{base}/setup/{secret}", data={"password": "x"}, timeout=5)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=20)
    assert err.count("/setup/") >= 3  # each request is logged, its secret masked
    assert secret not in err and secret[:12] not in err


SCRIPT = """
import logging
from boot.process import configure_logging
configure_logging()
try:
    try:
        raise LookupError("no member for 0470 12 34 56")
    except LookupError as error:
        raise ValueError("the trunk refused +32 50 12 34 56") from error
except ValueError:
    logging.getLogger("binalert.ivr").exception("call failed")
logging.getLogger("binalert.ivr").warning("stack", stack_info=True, extra={})
"""


@pytest.mark.timeout(60)
def test_a_traceback_in_the_log_holds_no_phone_number() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=50, check=True
    )
    err = run.stderr
    assert "Traceback" in err and "ValueError: the trunk refused" in err  # still useful
    assert "LookupError: no member for" in err
    for shown in ("0470 12 34 56", "50 12 34 56", "+32 50"):
        assert shown not in err
    assert err.count(MASK) >= 2


@pytest.mark.timeout(90)
def test_the_real_server_links_to_its_own_address_whatever_host_a_request_names(
    tmp_path: Path,
) -> None:
    """#21 point 11: without BINALERT_PUBLIC_URL, a link names the address `binalert serve`
    listens at (its --port), never the forged Host of the admin's request."""
    base, server = _serve(tmp_path)
    env = os.environ | {"BINALERT_DATABASE_URL": f"sqlite:///{tmp_path / 'logs.db'}"}
    try:
        made = subprocess.run(
            [BINALERT, "account", "invite", "--email", "admin@example.be", "--role", "admin"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        setup = made.stdout.strip().split("/setup/", 1)[1]
        with httpx.Client(base_url=base, timeout=10) as browser:
            form = {"password": "correct horse battery", "password_again": "correct horse battery"}
            page = browser.get(f"/setup/{setup}").text
            form["csrf_token"] = _csrf(page)
            assert browser.post(f"/setup/{setup}", data=form).status_code == 303
            form = {"email": "admin@example.be", "password": "correct horse battery"}
            form["csrf_token"] = _csrf(browser.get("/signin").text)
            assert browser.post("/signin", data=form).status_code == 303
            invite = {"email": "new@example.be", "display_name": "New", "role": "admin"}
            invite["csrf_token"] = _csrf(browser.get("/admin/accounts").text)
            forged = browser.post("/admin/accounts", data=invite, headers={"Host": "evil.example"})
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert forged.status_code == 200, forged.text
    assert f"{base}/setup/" in forged.text and "evil.example" not in forged.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)
