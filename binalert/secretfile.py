"""The server secret of a development or lab installation that set none: random, made at the
first start and kept in a file only its owner may read (0600), so no two installations share
one and a restart keeps sessions, signed links and encrypted TOTP secrets working."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import stat
from pathlib import Path

MIN_LENGTH = 32


class SecretFileError(ValueError):
    """The secret file cannot be made or read, or is not fit to be used."""


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretFileError(
            f"the secret file {path} is one others may read (mode {mode:o}): chmod 600 it"
        )
    value = path.read_text().strip()
    if len(value) < MIN_LENGTH:
        raise SecretFileError(f"the secret file {path} holds fewer than {MIN_LENGTH} characters")
    return value


@functools.cache
def load_or_create(path: Path) -> str:
    """The secret kept in `path`, made first if the file does not exist yet (read once a
    process). Two processes starting at once agree: the file appears whole (written aside,
    then linked) or not at all."""
    try:
        return _load_or_create(path)
    except OSError as error:
        raise SecretFileError(f"the secret file {path}: {error.strerror or error}") from error


def _load_or_create(path: Path) -> str:
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # the folder may hold sounds others read
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep theirs
            os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)
    return _read(path)
