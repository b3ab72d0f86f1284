"""`binalert tts say` and `binalert tts voices`, with the service built from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner

from binalert.settings import Settings
from boot.cli import app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"BINALERT_SOUNDS_DIR": str(tmp_path / "cache"), "BINALERT_TTS_RATE": "140"}


def test_say_writes_phone_wav_and_sln16(tmp_path: Path, env: dict[str, str]) -> None:
    out = tmp_path / "out.wav"
    result = CliRunner().invoke(
        app, ["tts", "say", "--lang", "de", "Bleiben Sie drinnen.", "-o", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert out.with_suffix(".sln16").stat().st_size > 0
    assert any((tmp_path / "cache").iterdir())  # cached in the sounds folder, as the dialer does


def test_voices_lists_every_language_and_overrides(env: dict[str, str]) -> None:
    env = {**env, "BINALERT_TTS_VOICES": "nl=nl,fr=mb-fr5"}
    result = CliRunner().invoke(app, ["tts", "voices"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["nl", "nl"] and "fallback" not in lines[0]
    assert lines[1].split()[:2] == ["fr", "mb-fr5"]
    assert [line.split()[0] for line in lines] == ["nl", "fr", "de", "en"]


def test_speech_settings_per_language_rates() -> None:
    cfg = Settings(tts_rate="nl=130,fr=120", tts_engine="gtts").speech_config()
    assert (cfg.rate_for("nl"), cfg.rate_for("fr"), cfg.rate_for("de"), cfg.engine) == (
        130,
        120,
        140,
        "gtts",
    )


def test_speech_settings_plate_style_per_language_or_for_all() -> None:
    cfg = Settings(tts_plate_style="nl=spelled,fr=spelled").speech_config()
    assert [cfg.plate_style_for(lang) for lang in ("nl", "fr", "de")] == [
        "spelled",
        "spelled",
        None,
    ]
    every = Settings(tts_plate_style="spelled").speech_config()
    assert every.plate_style_for("de") == "spelled"
    assert Settings().speech_config().plate_style_for("nl") is None  # tts.normalise's default


@pytest.mark.parametrize("style", ["nato", "nl=loud", "xx=spelled"])
def test_speech_settings_refuse_an_unknown_plate_style(style: str) -> None:
    with pytest.raises(ValueError, match="plate style"):
        Settings(tts_plate_style=style)


@pytest.mark.parametrize("rate", ["40", "nl=300", "fast", ""])
def test_speech_settings_refuse_a_bad_rate(rate: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        Settings(tts_rate=rate)


def test_speech_settings_refuse_an_unknown_engine() -> None:
    with pytest.raises(ValueError):
        Settings(tts_engine="festival")
