"""Fixtures for tts tests: the default voices must be installed; a service on a temporary
cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tts import SpeechConfig, SpeechService
from tts.voices import PREFERRED, voice_available


@pytest.fixture(scope="session", autouse=True)
def _default_voices_installed() -> None:
    missing = [v for v in PREFERRED.values() if not voice_available(v)]
    assert not missing, f"default voices missing: {missing}; run bash scripts/system-deps.sh"


@pytest.fixture
def service(tmp_path: Path) -> SpeechService:
    return SpeechService(SpeechConfig(cache_dir=tmp_path / "cache"))
