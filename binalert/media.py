"""Signed /media URLs: how a PBX on another host fetches a call's sounds, and only it.

A cached sound's key is a hash of its text, so an open `/media/{key}.wav` would let anyone
confirm a guessed alert text (a plate, a street). The dispatcher hands the PBX
`{base}/{exp}/{sig}/{key}.wav` instead (exp: a unix time; sig: HMAC-SHA256 of key and exp, with
a key derived from the session secret for this one purpose); /media answers 404, as for a
missing sound, to a request without a valid, unexpired signature.

The signature is in the path, not in a query string: Background() and Playback() split their
argument on `&`, and ivr.wire lets no `?`, `=` or `&` into a sound variable.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from binalert.errors import NotFound
from binalert.settings import Settings

PURPOSE = b"binalert: signed /media URLs, v1"
GRID_SECONDS = 3600
"""Expiries fall on this grid, so every call and every process hands out the same URL for a
sound within one step (see `expiry`)."""
MEDIA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
EXPIRES = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class MediaSigner:
    """Signs and checks the expiry of one sound's URL."""

    key: bytes = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaSigner:
        """Derived from the session secret, so a signature is good for nothing else."""
        secret = settings.server_secret().encode()
        return cls(hmac.new(secret, PURPOSE, hashlib.sha256).digest())

    def signature(self, sound: str, expires: int) -> str:
        message = f"{sound}\n{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def url(self, base_url: str, sound: str, expires: int) -> str:
        signature = self.signature(sound, expires)
        return f"{base_url.rstrip('/')}/{expires}/{signature}/{sound}.wav"

    def expires(self, sound: str, exp: str, sig: str, now: float) -> int | None:
        """The expiry of a valid, unexpired signature; None for anything else."""
        if not (EXPIRES.fullmatch(exp) and SIGNATURE.fullmatch(sig)) or int(exp) < now:
            return None
        good = hmac.compare_digest(self.signature(sound, int(exp)), sig)
        return int(exp) if good else None


def expiry(now: float, lasting: float) -> int:
    """The first point of the grid at least `lasting` seconds from now: a URL handed out now
    stays valid for at least `lasting` and at most `lasting + GRID_SECONDS` seconds."""
    return math.ceil((now + lasting) / GRID_SECONDS) * GRID_SECONDS


def media_file(settings: Settings, sound: str) -> Path:
    """A cached sound by key, only inside the sounds folder and only if it exists."""
    if not MEDIA_KEY.fullmatch(sound) or ".." in sound:
        raise NotFound("no such sound")
    folder = settings.sounds_dir.resolve()
    path = (folder / f"{sound}.wav").resolve()
    if path.parent != folder or not path.is_file():
        raise NotFound("no such sound")
    return path


def signed_media_file(
    settings: Settings, sound: str, exp: str, sig: str, now: float
) -> tuple[Path, int]:
    """The sound a signed URL names, and its expiry; NotFound, exactly as for a missing sound,
    when the signature is missing, wrong, for another sound or expired."""
    expires = MediaSigner.from_settings(settings).expires(sound, exp, sig, now)
    if expires is None:
        raise NotFound("no such sound")
    return media_file(settings, sound), expires
