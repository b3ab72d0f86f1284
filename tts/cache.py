"""Content-addressed audio cache: one synthesis per key, shared by concurrent callers."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PIPELINE_VERSION = 2  # bump when the audio processing changes, so old entries are not reused


def cache_key(language: str, **parts: object) -> str:
    """'nl-<24 hex>': hash of everything that changes the audio."""
    blob = json.dumps({"v": PIPELINE_VERSION, "lang": language, **parts}, sort_keys=True)
    return f"{language}-{hashlib.sha256(blob.encode()).hexdigest()[:24]}"


class AudioCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def wav(self, key: str) -> Path:
        return self.directory / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self.wav(key).is_file() and self.wav(key).with_suffix(".sln16").is_file()

    @contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def get_or_make(self, key: str, make: Callable[[Path], None]) -> Path:
        """The WAV for `key`; `make(path)` runs at most once at a time per key, only on a miss."""
        path = self.wav(key)
        if self.has(key):
            self._touch(path)
            return path
        with self._lock(key):
            if not self.has(key):
                make(path)
        return path

    @staticmethod
    def _touch(path: Path) -> None:
        """Keep entries in use from being purged (at most one utime per hour per entry)."""
        try:
            if time.time() - path.stat().st_mtime > 3600:
                for f in (path, path.with_suffix(".sln16")):
                    os.utime(f)
        except FileNotFoundError:
            pass

    def purge(self, older_than_s: float) -> int:
        """Delete entries (and stray temp files) not modified for `older_than_s`; count them."""
        cutoff = time.time() - older_than_s
        removed = 0
        for pattern in ("*.wav", "*.sln16", ".*.part"):
            for f in self.directory.glob(pattern):
                try:
                    if f.stat().st_mtime < cutoff:
                        f.unlink()
                        removed += f.suffix == ".wav"
                except FileNotFoundError:
                    continue
        return removed
