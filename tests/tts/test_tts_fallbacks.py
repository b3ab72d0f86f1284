"""Online engine failures, and engines that return nothing, never fail an alert."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from tts_testkit import check_phone_file

from tts import SpeechConfig, SpeechService
from tts.engines import EngineError, EspeakEngine, GttsEngine, PicoEngine, PiperEngine, decode
from tts.voices import PREFERRED, engine_of


@pytest.mark.timeout(60)
def test_gtts_without_network_falls_back_to_espeak_and_is_recorded(tmp_path: Path) -> None:
    svc = SpeechService(
        SpeechConfig(cache_dir=tmp_path, engine="gtts", gtts_timeout_s=2, gtts_attempts=2)
    )
    start = time.monotonic()
    call = svc.call_audio("fr", "Namur", "PLP Centre", "Restez à l'intérieur.")
    assert time.monotonic() - start < 20  # one failed attempt, then straight offline (cooldown)
    fr = PREFERRED["fr"]
    assert (call.engine, call.voice) == (engine_of(fr), fr)
    check_phone_file(call.message)
    fallbacks = svc.last_fallbacks
    assert len(fallbacks) == 1
    assert (fallbacks[0].language, fallbacks[0].wanted, fallbacks[0].used) == (
        "fr",
        "gtts",
        f"{engine_of(fr)} {fr}",
    )
    assert "gTTS" in fallbacks[0].reason
    assert all(r.engine != "gtts" for r in svc.voices())  # shows what is really in use


class _Broken:
    name = "gtts"

    def __init__(self) -> None:
        self.calls = 0

    def render(self, text: str, language: str, voice: str, rate_wpm: int) -> tuple:
        self.calls += 1
        raise EngineError("offline")


def test_cooldown_after_online_failure(tmp_path: Path) -> None:
    broken = _Broken()
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, engine="gtts"), online=broken)
    for text in ("Een.", "Twee.", "Drie."):
        check_phone_file(svc.synthesize(text, "nl"))
    assert broken.calls == 1 and len(svc.last_fallbacks) == 1


def test_online_engine_used_when_it_works(tmp_path: Path) -> None:
    class Tone:
        name = "gtts"

        def render(self, text: str, language: str, voice: str, rate: int) -> tuple:
            t = np.arange(24000 * 2) / 24000
            return (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))), 24000

    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, engine="gtts"), online=Tone())
    call = svc.call_audio("en", "Ghent", "BIN Centre", "Stay in.")
    assert call.engine == "gtts" and not svc.last_fallbacks
    check_phone_file(call.message)


def test_mbrola_output_too_short_is_retried_then_plain_voice(tmp_path: Path) -> None:
    """Like pyttsx3's silent failures: audio that cannot hold the text is never handed on."""
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path))
    real = EspeakEngine.render
    tried: list[str] = []

    def flaky(self: EspeakEngine, text: str, lang: str, voice: str, wpm: int) -> tuple:
        tried.append(voice)
        if voice.startswith("mb-"):
            return np.full(800, 0.2, dtype=np.float32), 16000  # 50 ms for a whole sentence
        return real(self, text, lang, voice, wpm)

    svc.espeak.render = flaky.__get__(svc.espeak)  # type: ignore[method-assign]
    text = "Blijf binnen, sluit ramen en deuren en bel de politie als u iets ziet."
    check_phone_file(svc.synthesize(text, "nl"))
    assert tried == ["mb-nl2", "mb-nl2", "nl"]
    assert [(f.wanted, f.used) for f in svc.last_fallbacks] == [("mb-nl2", "nl")]


def test_engine_errors_are_explicit() -> None:
    with pytest.raises(EngineError):
        EspeakEngine(binary="/nonexistent/espeak-ng").render("test", "nl", "nl", 140)
    with pytest.raises(EngineError, match="unreadable"):
        decode(b"not a wav", "test")
    with pytest.raises(EngineError, match="silent"):
        import io

        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, np.zeros(8000, dtype=np.float32), 8000, format="WAV")
        decode(buf.getvalue(), "test")
    piper = PiperEngine({"nl": Path("/nonexistent.onnx")})
    assert not piper.available("nl")
    with pytest.raises(EngineError):
        piper.render("test", "nl", "", 140)
    with pytest.raises(EngineError):
        piper.render("test", "nl", "piper:nl_BE-nobody-medium", 140)
    with pytest.raises(EngineError, match="pico"):
        PicoEngine(binary="/nonexistent/pico2wave").render("test", "de", "pico:de-DE", 140)


def test_gtts_engine_error_is_wrapped() -> None:
    with pytest.raises(EngineError, match="gTTS nl"):
        GttsEngine(timeout_s=1, attempts=1).render("test", "nl", "", 140)
