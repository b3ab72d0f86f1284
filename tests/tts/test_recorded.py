"""A recorded police message (#14 point 1): the formats phones and browsers make become call
audio (8 kHz, speech level, silence trimmed); anything else is refused with a reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tts.audio import TARGET_RMS_DBFS, measure
from tts.recorded import MAX_BYTES, RecordingRefused, convert

pytestmark = pytest.mark.timeout(60)


def spoken_wav(folder: Path, padding_s: float = 1.5) -> Path:
    """A Dutch sentence by espeak-ng, quiet (-35 dBFS) and with silence at both ends, like
    a dispatcher's microphone."""
    raw = folder / "raw.wav"
    text = "Verdachte wagen gezien in de Kerkstraat. Blijf binnen en bel 101."
    subprocess.run(["espeak-ng", "-v", "nl", "-w", str(raw), text], check=True, timeout=30)
    speech, rate = sf.read(raw, dtype="float32")
    gap = np.zeros(int(rate * padding_s), dtype=np.float32)
    quiet = np.concatenate([gap, speech * 0.05, gap])
    out = folder / "dispatcher.wav"
    sf.write(out, quiet, rate)
    return out


def encoded(source: Path, suffix: str, codec: list[str]) -> bytes:
    target = source.with_name(f"encoded{suffix}")
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), *codec, str(target)],
        check=True,
        timeout=60,
    )
    return target.read_bytes()


FORMATS = {
    "wav": (".wav", []),
    "mp3": (".mp3", ["-c:a", "libmp3lame"]),
    "ogg-opus": (".ogg", ["-c:a", "libopus"]),
    "webm-opus": (".webm", ["-c:a", "libopus"]),  # Chromium's MediaRecorder
    "m4a-aac": (".m4a", ["-c:a", "aac"]),  # Safari, phones
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_every_usual_format_becomes_levelled_trimmed_call_audio(tmp_path: Path, kind: str) -> None:
    suffix, codec = FORMATS[kind]
    source = spoken_wav(tmp_path)
    made = convert(encoded(source, suffix, codec), tmp_path / "sounds")
    samples, rate = sf.read(made.audio, dtype="float32")
    assert rate == 8000 and samples.ndim == 1
    assert made.audio.sln16.is_file()  # the 16 kHz sibling Asterisk prefers
    original = sf.info(str(source)).duration
    assert made.seconds < original - 2.5  # about 1.5 s of silence gone at each end
    assert abs(measure(samples, rate).rms_dbfs - TARGET_RMS_DBFS) < 2.0  # raised from -35


def test_the_same_recording_is_stored_once(tmp_path: Path) -> None:
    data = spoken_wav(tmp_path).read_bytes()
    first, again = convert(data, tmp_path / "s"), convert(data, tmp_path / "s")
    assert first.audio == again.audio and first.audio.name.startswith("rec-")


def _silent(tmp_path: Path) -> bytes:
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros(8000 * 5, dtype=np.float32), 8000)
    return path.read_bytes()


def _too_long(tmp_path: Path) -> bytes:
    speech, rate = sf.read(spoken_wav(tmp_path, padding_s=0.2), dtype="float32")
    repeats = int(125 * rate / len(speech)) + 1
    sf.write(tmp_path / "long.wav", np.tile(speech, repeats), rate)
    return encoded(tmp_path / "long.wav", ".ogg", ["-c:a", "libopus"])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda _p: b"%PDF-1.7 this is not audio at all" * 100, "not audio"),
        (lambda _p: b"", "empty"),
        (_silent, "silent"),
        (_too_long, "longer than 120 seconds"),
        (lambda _p: b"RIFF" + b"\0" * (MAX_BYTES + 1), "over 10 MB"),
        (lambda p: b"#EXTM3U\n#EXTINF:1,\nhttp://127.0.0.1:9/secret.wav\n", "not audio"),
        (lambda p: f"ffconcat version 1.0\nfile '{p}/x.wav'\n".encode(), "not audio"),
    ],
    ids=["text", "empty", "silent", "too-long", "too-large", "playlist", "concat"],
)
def test_unusable_uploads_are_refused_and_nothing_is_stored(
    tmp_path: Path, make: object, reason: str
) -> None:
    data = make(tmp_path)  # type: ignore[operator]
    sounds = tmp_path / "sounds"
    with pytest.raises(RecordingRefused, match=reason) as refused:
        convert(data, sounds)
    assert refused.value.too_large == (reason == "over 10 MB")
    assert not sounds.exists() or not any(sounds.iterdir())
