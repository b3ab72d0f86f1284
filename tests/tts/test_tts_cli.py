"""`binalert tts say` and `binalert tts voices` through the Typer sub-app."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner

from tts.cli import tts_app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"BINALERT_TTS_CACHE_DIR": str(tmp_path / "cache"), "BINALERT_TTS_RATE": "140"}


def test_say_writes_phone_wav_and_sln16(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "out.wav"
    result = CliRunner().invoke(
        tts_app, ["say", "--lang", "de", "Bleiben Sie drinnen.", "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert out.with_suffix(".sln16").stat().st_size > 0


def test_voices_lists_every_language_and_overrides(env: dict[str, str]) -> None:
    env = {**env, "BINALERT_TTS_VOICES": "nl=nl,fr=mb-fr5"}
    result = CliRunner().invoke(tts_app, ["voices"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["nl", "nl"] and "fallback" not in lines[0]
    assert lines[1].split()[:2] == ["fr", "mb-fr5"]
    assert [line.split()[0] for line in lines] == ["nl", "fr", "de", "en"]


def test_config_from_env_per_language_rates() -> None:
    from tts import SpeechConfig

    cfg = SpeechConfig.from_env(
        {"BINALERT_TTS_RATE": "nl=130,fr=120", "BINALERT_TTS_ENGINE": "gtts"}
    )
    assert (cfg.rate_for("nl"), cfg.rate_for("fr"), cfg.rate_for("de"), cfg.engine) == (
        130,
        120,
        140,
        "gtts",
    )
    with pytest.raises(ValueError):
        SpeechConfig(engine="festival")
