"""Signed, timestamped values (itsdangerous, HMAC-SHA256 with the session secret and one salt
per purpose): a value signed for one purpose is refused for another."""

from __future__ import annotations

import hashlib
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

from binalert.settings import Settings


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.server_secret(),
        salt=f"binalert-web:{purpose}",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )


def sign(settings: Settings, purpose: str, value: dict[str, Any]) -> str:
    return _serializer(settings, purpose).dumps(value)


def unsign(settings: Settings, purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The signed value, or None if forged, damaged or older than max_age seconds."""
    try:
        value = _serializer(settings, purpose).loads(token, max_age=max_age)
    except (BadData, ValueError, TypeError):  # a bad signature, age, payload or compression
        return None
    return value if isinstance(value, dict) else None
