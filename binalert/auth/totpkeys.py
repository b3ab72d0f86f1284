"""TOTP secrets encrypted at rest: Fernet (cryptography) with a key derived (HKDF-SHA256, one
label for this one use) from the server secret. A stolen database alone computes no codes.

A rotation of the server secret keeps the old one as BINALERT_PREVIOUS_SESSION_SECRET: secrets
encrypted with it are still read, and `reseal_all` (at every start, and `binalert account
rotate-totp-key`) encrypts them again with the new key. Rows marked `plain:` (migration 0008,
from before encryption) are read as they are and encrypted the same way."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.models import Account
from binalert.settings import Settings

LABEL = b"binalert: TOTP secrets at rest, v1"
PLAIN = "plain:"


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL)
    return Fernet(base64.urlsafe_b64encode(derived.derive(secret.encode())))


@dataclass(frozen=True)
class TotpKeys:
    """The current key (encrypts) and the previous one, if any (still decrypts)."""

    current: Fernet = field(repr=False)
    keys: MultiFernet = field(repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> TotpKeys:
        found = [_fernet(settings.server_secret())]
        if settings.previous_session_secret is not None:
            found.append(_fernet(settings.previous_session_secret.get_secret_value()))
        return cls(found[0], MultiFernet(found))

    def seal(self, secret: str) -> str:
        return self.keys.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str | None:
        """The secret, or None where no key of ours encrypted it."""
        if stored.startswith(PLAIN):
            return stored.removeprefix(PLAIN)
        try:
            return self.keys.decrypt(stored.encode()).decode()
        except (InvalidToken, UnicodeDecodeError):
            return None

    def is_current(self, stored: str) -> bool:
        """Whether the current key encrypted this (nothing to do in a rotation)."""
        try:
            self.current.decrypt(stored.encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, stored: str) -> str | None:
        """The same secret encrypted with the current key, or None where we cannot read it."""
        secret = self.open(stored)
        return None if secret is None else self.seal(secret)


def reseal_all(session: Session, keys: TotpKeys) -> tuple[int, int]:
    """Encrypt every account's TOTP secret with the current key: (how many, how many could not
    be read: those accounts need a reset by an admin)."""
    done = unreadable = 0
    query = select(Account).where(Account.totp_secret.is_not(None)).with_for_update()
    for found in session.scalars(query):
        if keys.is_current(found.totp_secret or ""):
            continue
        resealed = keys.reseal(found.totp_secret or "")
        if resealed is None:
            unreadable += 1
            continue
        found.totp_secret = resealed
        done += 1
    return done, unreadable
