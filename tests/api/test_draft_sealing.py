"""A draft alert crosses the browser sealed: unreadable, unforgeable, short-lived (#13 point 6)."""

from __future__ import annotations

import base64
import contextlib
import json
import time
import zlib
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from api.web.sealing import seal, unseal
from binalert.settings import Settings

DRAFT = {"alert": {"messages": {"nl": "Verdachte wagen 1-KMT-482, grijze Audi"}}, "form": {}}


def _settings(tmp_path: Path, secret: str = "a-test-session-secret-of-enough-length") -> Settings:
    return Settings(environment="test", session_secret=secret, sounds_dir=tmp_path)  # type: ignore[arg-type]


def _readable(token: str) -> str:
    """Everything an onlooker can get out of the token without the secret."""
    seen = [token]
    for part in token.split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        seen.append(raw.decode("latin-1"))
        with contextlib.suppress(zlib.error):
            seen.append(zlib.decompress(raw).decode("latin-1"))
    return "\n".join(seen)


def test_a_sealed_draft_does_not_show_its_text(tmp_path: Path) -> None:
    token = seal(_settings(tmp_path), "alert-draft", DRAFT)
    assert "KMT" not in _readable(token) and "Audi" not in _readable(token)
    assert unseal(_settings(tmp_path), "alert-draft", token, 60) == DRAFT


def test_a_draft_opens_only_with_its_secret_purpose_and_age(tmp_path: Path) -> None:
    token = seal(_settings(tmp_path), "alert-draft", DRAFT)
    other = _settings(tmp_path, "another-session-secret-of-enough-length")
    assert unseal(other, "alert-draft", token, 60) is None
    assert unseal(_settings(tmp_path), "session", token, 60) is None
    damaged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    assert unseal(_settings(tmp_path), "alert-draft", damaged, 60) is None
    forged = Fernet(Fernet.generate_key()).encrypt(json.dumps(DRAFT).encode()).decode()
    assert unseal(_settings(tmp_path), "alert-draft", forged, 60) is None


@pytest.mark.timeout(20)
def test_an_old_draft_has_expired(tmp_path: Path) -> None:
    token = seal(_settings(tmp_path), "alert-draft", DRAFT)
    time.sleep(2.1)
    assert unseal(_settings(tmp_path), "alert-draft", token, 1) is None
