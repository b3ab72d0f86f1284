"""Password hashing with Argon2id (argon2-cffi's PasswordHasher, its RFC 9106 defaults: 64 MiB
a hash), and the limit on hashes at once: a flood of sign-ins must not take the memory of a
service that also dials.

`slot(address)` is a hash's place: at most HASH_SLOTS in a process at once, and one per client
address (a flood from one address holds one slot, so others still sign in). A sign-in that
finds none waits at most SLOT_WAIT (none when its address already hashes) and is refused
(TooMany, 429) without hashing."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from binalert.errors import Invalid, TooMany

MIN_LENGTH = 12
MAX_LENGTH = 256
_HASHER = PasswordHasher()
HASH_SLOTS = 2
SLOT_WAIT = 2.0  # seconds
BUSY = "too many sign-ins at once: try again in a moment"


class _Slots:
    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._addresses: set[str] = set()
        self.in_use = self.peak = 0

    @contextlib.contextmanager
    def take(self, address: str) -> Iterator[None]:
        with self._lock:
            if address in self._addresses:
                raise TooMany(BUSY)
            self._addresses.add(address)
        try:
            if not self._free.acquire(timeout=SLOT_WAIT):
                raise TooMany(BUSY)
            try:
                with self._lock:
                    self.in_use += 1
                    self.peak = max(self.peak, self.in_use)
                yield
            finally:
                with self._lock:
                    self.in_use -= 1
                self._free.release()
        finally:
            with self._lock:
                self._addresses.discard(address)


_SLOTS = _Slots(HASH_SLOTS)


def set_slots(size: int) -> None:
    """The process's limit (BINALERT_SIGNIN_HASH_SLOTS), set once at start."""
    global _SLOTS
    if size != _SLOTS.size:
        _SLOTS = _Slots(size)


def slot(address: str | None) -> contextlib.AbstractContextManager[None]:
    """A place to hash one password for this client address, or TooMany at once."""
    return _SLOTS.take(address or "unknown")


def peak_hashes() -> int:
    """The most hashes this process has run at once (for tests and the bench)."""
    return _SLOTS.peak


def check_strength(password: str, email: str) -> None:
    """Refuse a password too short, too long, or the e-mail address itself."""
    if len(password) < MIN_LENGTH:
        raise Invalid(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise Invalid(f"the password may have at most {MAX_LENGTH} characters")
    if password.strip().lower() in (email, email.split("@")[0]):
        raise Invalid("the password must not be the e-mail address")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("binalert: no account has this password")


def verify(stored: str | None, password: str) -> bool:
    """Whether the password matches; with no stored hash (unknown e-mail, no password yet) a
    dummy hash is checked all the same, so the answer takes about as long either way."""
    try:
        return _HASHER.verify(stored or _dummy_hash(), password[:MAX_LENGTH]) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
