"""Signed, timestamped values (HMAC-SHA256 with the session secret, one key per purpose)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import zlib
from typing import Any

from binalert.settings import Settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(settings: Settings, purpose: str) -> bytes:
    secret = settings.session_secret.get_secret_value().encode()
    return hmac.new(secret, f"binalert-web:{purpose}".encode(), hashlib.sha256).digest()


def sign(settings: Settings, purpose: str, value: dict[str, Any]) -> str:
    payload = json.dumps({"v": value, "t": int(time.time())}, separators=(",", ":"))
    body = _b64(zlib.compress(payload.encode()))
    mac = hmac.new(_key(settings, purpose), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(settings: Settings, purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The signed value, or None if forged, damaged or older than max_age seconds."""
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(_key(settings, purpose), body.encode(), hashlib.sha256).digest())
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(zlib.decompress(_unb64(body), bufsize=1 << 16))
    except (ValueError, zlib.error):
        return None
    if not isinstance(data, dict) or time.time() - int(data.get("t", 0)) > max_age:
        return None
    value = data.get("v")
    return value if isinstance(value, dict) else None
