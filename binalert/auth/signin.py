"""Signing a person in: e-mail and password, then a TOTP code where the account has one or its
role requires one (enrolling first). Wrong tries slow that one account down.

Each step answers with a result instead of raising, so the failed try it counted is committed;
every failure looks the same (unknown e-mail, wrong password, disabled, slowed down)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth import passwords, slowdown, totp
from binalert.auth import repository as repo
from binalert.auth.accounts import totp_required
from binalert.auth.schemas import Caller, normalise_email
from binalert.auth.service import account_principal
from binalert.models import Account

FAILED = (
    "The e-mail address or the password is not right, or this account must wait a moment "
    "after several wrong tries."
)


class Next(enum.StrEnum):
    SESSION = "session"  # signed in
    TOTP = "totp"  # the code from the app
    ENROL = "enrol"  # set up the app first (the role requires a code)


@dataclass(frozen=True)
class Checked:
    account_id: int
    email: str
    next: Next


def _refused(found: Account | None, now: datetime) -> bool:
    return (
        found is None
        or found.disabled_at is not None
        or slowdown.is_waiting(found.locked_until, now)
    )


def _failed(session: Session, found: Account, now: datetime, source: str | None) -> None:
    found.failed_logins += 1
    found.locked_until = slowdown.locked_until(found.failed_logins, now)
    caller = Caller(account_principal(found), source)
    record(session, caller, "account.signin_failed", f"account:{found.id}")


def _succeeded(session: Session, found: Account, now: datetime, source: str | None) -> None:
    found.failed_logins, found.locked_until = 0, None
    found.last_signin_at = now
    record(session, Caller(account_principal(found), source), "account.signin", "web")


def check_password(
    session: Session, email: str, password: str, now: datetime, source: str | None
) -> Checked | None:
    """The next step after a right password, or None (and one more wrong try counted)."""
    found = repo.account_by_email(session, normalise_email(email)[:254], lock=True)
    usable = found if not _refused(found, now) else None
    ok = passwords.verify(usable.password_hash if usable else None, password)
    if usable is None:
        return None
    if not ok:
        _failed(session, usable, now, source)
        return None
    if usable.password_hash and passwords.needs_rehash(usable.password_hash):
        usable.password_hash = passwords.hash_password(password)
    step = _next_step(session, usable)
    if step is Next.SESSION:
        _succeeded(session, usable, now, source)
    return Checked(usable.id, usable.email, step)


def _next_step(session: Session, found: Account) -> Next:
    if found.totp_secret is not None:
        return Next.TOTP
    return Next.ENROL if totp_required(session, found.role) else Next.SESSION


def _second_factor(session: Session, account_id: int, now: datetime) -> Account | None:
    found = repo.account(session, account_id, lock=True)
    return None if _refused(found, now) or found is None or not found.password_hash else found


def check_code(
    session: Session, account_id: int, code: str, now: datetime, source: str | None
) -> bool:
    """After the password: the account's current TOTP code (each code once)."""
    found = _second_factor(session, account_id, now)
    if found is None or found.totp_secret is None:
        return False
    step = totp.matching_step(found.totp_secret, code, now, found.totp_last_step)
    if step is None:
        _failed(session, found, now, source)
        return False
    found.totp_last_step = step
    _succeeded(session, found, now, source)
    return True


def enrol(
    session: Session, account_id: int, secret: str, code: str, now: datetime, source: str | None
) -> bool:
    """After the password, for a role that requires a code: keep the new secret once the app
    shows a right code for it."""
    found = _second_factor(session, account_id, now)
    if found is None or found.totp_secret is not None:
        return False
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        _failed(session, found, now, source)
        return False
    found.totp_secret, found.totp_last_step = secret, step
    _succeeded(session, found, now, source)
    return True
