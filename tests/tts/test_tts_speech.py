"""Real output per language: format, levels, rate; the default voices and the plain fallback."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from tts_testkit import CORPUS, check_phone_file, wpm

from tts import SpeechConfig, SpeechService, normalise
from tts.engines import EspeakEngine
from tts.voices import LANGUAGES, PLAIN, PREFERRED, engine_of

LANGS = list(LANGUAGES)


@pytest.mark.parametrize("lang", LANGS)
def test_default_voice_is_the_measured_one(service: SpeechService, lang: str) -> None:
    row = next(r for r in service.voices() if r.language == lang)
    wanted = PREFERRED[lang]
    assert (row.voice, row.engine, row.is_fallback) == (wanted, engine_of(wanted), False)


@pytest.mark.parametrize("voices", [{}, dict(PLAIN)], ids=["default", "plain"])
@pytest.mark.parametrize("lang", LANGS)
def test_real_output_format_level_and_rate(tmp_path: Path, lang: str, voices: dict) -> None:
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, voices=voices))
    path = svc.synthesize(CORPUS[lang], lang)
    check_phone_file(path)
    assert 140 * 0.85 <= wpm(normalise(CORPUS[lang], lang), path) <= 140 * 1.15


@pytest.mark.parametrize("lang", LANGS)
def test_rate_is_configurable(tmp_path: Path, lang: str) -> None:
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, rate_wpm={lang: 120}))
    slow = svc.synthesize(CORPUS[lang], lang)
    fast = svc.synthesize(CORPUS[lang], lang, rate_wpm=180)
    assert 120 * 0.85 <= wpm(CORPUS[lang], slow) <= 120 * 1.15
    assert 180 * 0.85 <= wpm(CORPUS[lang], fast) <= 180 * 1.15


def test_missing_mbrola_voice_falls_back_to_plain_espeak(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        svc = SpeechService(SpeechConfig(cache_dir=tmp_path, voices={"nl": "mb-nl9"}))
    assert "mb-nl9 not installed" in caplog.text
    row = next(r for r in svc.voices() if r.language == "nl")
    assert (row.voice, row.is_fallback) == ("nl", True)
    check_phone_file(svc.synthesize("Blijf binnen en bel de politie.", "nl"))


def test_call_audio_pieces(service: SpeechService) -> None:
    call = service.call_audio("nl", "Brugge", "BIN Centrum", "Verdachte wagen 1-BOS-234.")
    pieces = call.pieces()
    assert set(pieces) == {"intro", "message", "prompt", "thanks", "invalid_key", "machine"}
    for path in pieces.values():
        check_phone_file(path)
        assert path.parent == service.config.cache_dir and path.key == path.stem
        assert path.playback == str(path.with_suffix(""))
    parts = sum(call.intro.sln16.stat().st_size + p.sln16.stat().st_size for p in [call.message])
    assert call.machine.sln16.stat().st_size > parts  # intro + message + closing, with pauses
    assert (call.engine, call.voice) == (engine_of(PREFERRED["nl"]), PREFERRED["nl"])
    joined = service.join([call.intro, call.message, call.prompt])
    assert abs(call.duration_s - joined.duration_s) < 0.05  # what the preview shows
    assert call.fits_call_limit


def test_same_text_is_synthesised_once_even_concurrently(tmp_path: Path) -> None:
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path))
    calls: list[str] = []
    real = EspeakEngine.render

    def counting(self: EspeakEngine, text: str, *args: object) -> tuple[np.ndarray, int]:
        calls.append(text)
        return real(self, text, *args)  # type: ignore[arg-type]

    svc.espeak.render = counting.__get__(svc.espeak)  # type: ignore[method-assign]
    results: list[Path] = []
    texts = ["Blijf binnen.", "Sluit uw deuren."] * 8
    threads = [
        threading.Thread(target=lambda t=t: results.append(svc.synthesize(t, "nl"))) for t in texts
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == ["Blijf binnen.", "Sluit uw deuren."]
    assert len(set(results)) == 2 and len(results) == 16
    assert not list(tmp_path.glob(".*part"))
    # a new service on the same folder (a restart) finds the cache
    again = SpeechService(SpeechConfig(cache_dir=tmp_path))
    again.espeak.render = counting.__get__(again.espeak)  # type: ignore[method-assign]
    assert again.synthesize("Blijf binnen.", "nl") in results
    assert len(calls) == 2


def test_purge_removes_only_old_entries(service: SpeechService) -> None:
    import os
    import time
    from datetime import timedelta

    old = service.synthesize("Oud bericht.", "nl")
    new = service.synthesize("Nieuw bericht.", "nl")
    stamp = time.time() - 40 * 86400
    for f in (old, old.sln16):
        os.utime(f, (stamp, stamp))
    assert service.purge() == 1
    assert not old.exists() and not old.sln16.exists() and new.exists()
    assert service.purge(timedelta(seconds=0)) == 1


def test_cache_key_depends_on_voice_rate_and_language(service: SpeechService) -> None:
    base = service.synthesize("Blijf binnen.", "nl")
    assert service.synthesize("Blijf  binnen.", "nl") == base  # same normalised text
    assert service.synthesize("Blijf binnen.", "nl", rate_wpm=120) != base
    assert service.synthesize("Blijf binnen.", "en") != base


def test_empty_text_is_refused(service: SpeechService) -> None:
    with pytest.raises(ValueError):
        service.synthesize("   ", "nl")


def test_tts_imports_nothing_from_the_rest_of_binalert() -> None:
    code = (
        "import sys, tts, tts.cli, tts.engines; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'binalert', 'ivr', 'api'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
