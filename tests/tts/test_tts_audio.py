"""The telephone audio chain on signals with known properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tts import audio

RATE = 16000


def burst(seconds: float, amp: float = 0.1, freq: float = 300.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds), dtype=np.float32)


def test_trim_keeps_short_edges() -> None:
    x = np.concatenate([silence(1.0), burst(0.5), silence(2.0)])
    y = audio.trim(x, RATE)
    assert 0.5 <= len(y) / RATE <= 0.5 + 2 * audio.EDGE_S + 0.04


def test_long_inner_pause_is_capped_below_three_seconds() -> None:
    x = np.concatenate([burst(0.5), silence(5.0), burst(0.5), silence(0.8), burst(0.5)])
    y = audio.cap_pauses(x, RATE)
    levels = audio.measure(y, RATE)
    assert 2.0 <= levels.longest_pause_s < 3.0
    assert len(y) / RATE == pytest.approx(0.5 * 3 + 0.8 + levels.longest_pause_s, abs=0.05)


def test_level_reaches_target_rms() -> None:
    narrow, wide = audio.telephone(burst(1.0, amp=0.01), RATE)
    for x, rate in ((narrow, 8000), (wide, 16000)):
        levels = audio.measure(x, rate)
        assert levels.rms_dbfs == pytest.approx(audio.TARGET_RMS_DBFS, abs=0.3)
        assert levels.peak_dbfs <= audio.MAX_PEAK_DBFS


def test_peaks_never_exceed_limit_even_if_rms_stays_lower() -> None:
    x = burst(1.0, amp=0.01)
    x[8000:8040] = 0.9  # a click: 39 dB crest factor
    narrow, wide = audio.telephone(x, RATE)
    assert audio.measure(narrow, 8000).peak_dbfs <= audio.MAX_PEAK_DBFS
    assert audio.measure(wide, 16000).peak_dbfs <= audio.MAX_PEAK_DBFS


def test_resample_rates_and_length() -> None:
    narrow, wide = audio.telephone(burst(2.0), RATE)
    assert len(narrow) == pytest.approx(len(wide) / 2, abs=2)


def test_write_pair_is_complete_and_leaves_no_temp_files(tmp_path: Path) -> None:
    narrow, wide = audio.telephone(burst(1.0), RATE)
    wav = tmp_path / "nl-abc.wav"
    audio.write_pair(wav, narrow, wide)
    info = sf.info(wav)
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    back_narrow, back_wide = audio.read_pair(wav)
    assert np.allclose(back_narrow, narrow, atol=1e-4)
    assert np.allclose(back_wide, wide, atol=1e-4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nl-abc.sln16", "nl-abc.wav"]


def test_join_puts_section_pauses() -> None:
    joined = audio.join([burst(0.5), burst(0.5)], RATE, pause_s=0.8)
    assert len(joined) / RATE == pytest.approx(1.8, abs=0.01)
    assert audio.measure(joined, RATE).longest_pause_s == pytest.approx(0.8, abs=0.04)


def test_peaky_speech_reaches_the_level_without_clipping() -> None:
    """A high crest factor (Piper's voices): the level is reached, the few peaks are limited."""
    rng = np.random.default_rng(7)
    x = burst(3.0, amp=0.05)
    clicks = rng.choice(len(x), 30, replace=False)
    x[clicks] = 0.5  # peaks 20 dB above the speech: 4 dB over the ceiling once levelled
    narrow, wide = audio.telephone(x, RATE)
    for y, rate in ((narrow, audio.PHONE_RATE), (wide, audio.WIDE_RATE)):
        levels = audio.measure(y, rate)
        assert levels.peak_dbfs <= audio.MAX_PEAK_DBFS
        assert abs(levels.rms_dbfs - audio.TARGET_RMS_DBFS) <= 1.5, levels


def test_limit_peaks_leaves_quiet_audio_alone() -> None:
    x = burst(1.0, amp=0.3)
    assert audio.limit_peaks(x, RATE) is x
