"""Password hashing with Argon2id (argon2-cffi's PasswordHasher, its RFC 9106 defaults)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from binalert.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 256
_HASHER = PasswordHasher()


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
