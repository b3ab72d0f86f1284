"""Sealed values: encrypted and authenticated (Fernet, from `cryptography`), with a timestamp.

A draft alert travels through the browser between preview and confirmation (in a form field
and in the preview audio's URL, which proxies and access logs see); sealing keeps its text
unreadable there, where signing alone only kept it unchanged."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from binalert.settings import Settings


def _fernet(settings: Settings, purpose: str) -> Fernet:
    secret = settings.server_secret().encode()
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"seal:{purpose}".encode())
    return Fernet(base64.urlsafe_b64encode(kdf.derive(secret)))


def seal(settings: Settings, purpose: str, value: dict[str, Any]) -> str:
    plain = zlib.compress(json.dumps(value, separators=(",", ":")).encode())
    return _fernet(settings, purpose).encrypt(plain).decode()


def unseal(settings: Settings, purpose: str, token: str, max_age: int) -> dict[str, Any] | None:
    """The sealed value, or None if forged, damaged, sealed for another purpose or too old."""
    try:
        plain = _fernet(settings, purpose).decrypt(token.encode(), ttl=max_age)
        value = json.loads(zlib.decompress(plain))
    except (InvalidToken, ValueError, zlib.error):
        return None
    return value if isinstance(value, dict) else None
