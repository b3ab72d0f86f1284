"""Signing a person in: e-mail and password, then a TOTP code where the account has one or its
role requires one (enrolling first).

The second step is kept on the server (`signin_steps`): a right password opens it for the
browser that sent it (its CSRF token), for STEP_LIFETIME, and the browser holds only its random
ticket; the step signs in once, and MAX_WRONG_CODES wrong codes use it up. Nothing the browser
sends names the account or the secret to enrol.

Wrong tries slow down the client address that makes them (binalert.auth.slowdown), never the
owner; the password hash itself takes one of the process's few slots (binalert.auth.passwords).

Each step answers with a result instead of raising (except TooMany, when no slot is free), so
the failed try it counted is committed; every failure looks the same (unknown e-mail, wrong
password, disabled, slowed down)."""

from __future__ import annotations

import enum
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth import passwords, slowdown, totp
from binalert.auth import repository as repo
from binalert.auth.accounts import totp_required
from binalert.auth.schemas import Caller, normalise_email
from binalert.auth.service import account_principal
from binalert.auth.totpkeys import TotpKeys
from binalert.models import Account, SigninStep
from binalert.tokens import hash_token

FAILED = (
    "The e-mail address or the password is not right, or this account must wait a moment "
    "after several wrong tries."
)
STEP_LIFETIME = timedelta(minutes=5)
MAX_WRONG_CODES = 5
MAX_TICKET_LENGTH = 100
ADDRESS_FREE_TRIES = slowdown.ADDRESS_FREE_TRIES


class Next(enum.StrEnum):
    SESSION = "session"  # signed in
    TOTP = "totp"  # the code from the app
    ENROL = "enrol"  # set up the app first (the role requires a code)


@dataclass(frozen=True)
class Checked:
    account_id: int
    email: str
    next: Next


@dataclass(frozen=True)
class Pending:
    """A second step waiting for its code: the browser's ticket, and the new secret to show
    where the person enrols their app."""

    ticket: str
    email: str
    secret: str | None


def _failed(session: Session, found: Account, now: datetime, source: str | None) -> None:
    # Shown to admins; it slows nobody down. The audit entry (signin.failed, by anonymous:
    # whoever typed it is not the account) is written by the page, for unknown e-mails too.
    found.failed_logins += 1


def _succeeded(session: Session, found: Account, now: datetime, source: str | None) -> None:
    found.failed_logins, found.locked_until = 0, None
    found.last_signin_at = now
    record(session, Caller(account_principal(found), source), "account.signin", "web")


def _verified(found: Account | None, password: str, source: str | None) -> bool:
    """The password checked in one of the hash slots (a dummy hash for no account)."""
    with passwords.slot(slowdown.client_address(source)):
        ok = passwords.verify(found.password_hash if found else None, password)
        if ok and found and found.password_hash and passwords.needs_rehash(found.password_hash):
            found.password_hash = passwords.hash_password(password)
    return ok and found is not None


def check_password(
    session: Session, email: str, password: str, now: datetime, source: str | None
) -> Checked | None:
    """The next step after a right password, or None (and one more wrong try counted).
    TooMany when this address hashes already or no hash slot is free."""
    wanted = normalise_email(email)[:254]
    if slowdown.is_waiting(session, wanted, source, now):
        return None  # no hash for a try that waits
    found = repo.account_by_email(session, wanted)
    usable = found if found is not None and found.disabled_at is None else None
    if not _verified(usable, password, source) or usable is None:
        slowdown.failed(session, wanted, source, now)
        if usable is not None:
            _failed(session, usable, now, source)
        return None
    slowdown.succeeded(session, wanted, source)
    step = _next_step(session, usable)
    if step is Next.SESSION:
        _succeeded(session, usable, now, source)
    return Checked(usable.id, usable.email, step)


def _next_step(session: Session, found: Account) -> Next:
    if found.totp_secret is not None:
        return Next.TOTP
    return Next.ENROL if totp_required(session, found.role) else Next.SESSION


def begin_second_step(
    session: Session, checked: Checked, browser: str, now: datetime, keys: TotpKeys
) -> Pending:
    """Open the second step a right password asked for, for this browser (its CSRF token)."""
    if checked.next is Next.SESSION:
        raise ValueError("this sign-in needs no second step")
    secret = totp.new_secret() if checked.next is Next.ENROL else None
    ticket = secrets.token_urlsafe(32)
    step = SigninStep(
        id=hash_token(ticket),
        account_id=checked.account_id,
        browser_hash=hash_token(browser),
        totp_secret=keys.seal(secret) if secret else None,
        wrong_codes=0,
        created_at=now,
        expires_at=now + STEP_LIFETIME,
    )
    repo.add(session, step)
    repo.delete_old_steps(session, now - STEP_LIFETIME)
    return Pending(ticket, checked.email, secret)


def _open_step(
    session: Session, ticket: str, browser: str, now: datetime
) -> tuple[SigninStep, Account] | None:
    if not ticket or len(ticket) > MAX_TICKET_LENGTH:
        return None
    step = repo.signin_step(session, hash_token(ticket), lock=True)
    if step is None or step.used_at is not None or step.expires_at <= now:
        return None
    if not hmac.compare_digest(step.browser_hash, hash_token(browser)):
        return None
    found = _second_factor(session, step.account_id)
    return (step, found) if found is not None else None


def pending(
    session: Session, ticket: str, browser: str, now: datetime, keys: TotpKeys
) -> Pending | None:
    """The step this ticket holds open for this browser (to ask for the code again)."""
    opened = _open_step(session, ticket, browser, now)
    if opened is None:
        return None
    step, found = opened
    secret = keys.open(step.totp_secret) if step.totp_secret else None
    return Pending(ticket, found.email, secret)


def finish(
    session: Session,
    ticket: str,
    browser: str,
    code: str,
    now: datetime,
    source: str | None,
    keys: TotpKeys,
) -> int | None:
    """The second step: the account signed in (its id) when the code is right, else None."""
    opened = _open_step(session, ticket, browser, now)
    if opened is None:
        return None
    step, found = opened
    if step.totp_secret is not None:
        secret = keys.open(step.totp_secret)
        ok = secret is not None and enrol(session, found.id, secret, code, now, source, keys)
    else:
        ok = check_code(session, found.id, code, now, source, keys)
    if ok:
        step.used_at = now
        return found.id
    step.wrong_codes += 1
    if step.wrong_codes >= MAX_WRONG_CODES:
        step.used_at = now
    return None


def _second_factor(session: Session, account_id: int) -> Account | None:
    found = repo.account(session, account_id, lock=True)
    usable = found is not None and found.disabled_at is None and found.password_hash
    return found if usable else None


def _wrong_code(session: Session, found: Account, now: datetime, source: str | None) -> None:
    slowdown.failed(session, found.email, source, now)
    _failed(session, found, now, source)


def check_code(
    session: Session,
    account_id: int,
    code: str,
    now: datetime,
    source: str | None,
    keys: TotpKeys,
) -> bool:
    """After the password: the account's current TOTP code (each code once)."""
    found = _second_factor(session, account_id)
    secret = keys.open(found.totp_secret) if found and found.totp_secret else None
    if found is None or secret is None:
        return False
    step = totp.matching_step(secret, code, now, found.totp_last_step)
    if step is None:
        _wrong_code(session, found, now, source)
        return False
    found.totp_last_step = step
    _succeeded(session, found, now, source)
    return True


def enrol(
    session: Session,
    account_id: int,
    secret: str,
    code: str,
    now: datetime,
    source: str | None,
    keys: TotpKeys,
) -> bool:
    """After the password, for a role that requires a code (and only there): keep the new
    secret (encrypted) once the app shows a right code for it."""
    found = _second_factor(session, account_id)
    if found is None or found.totp_secret is not None or not totp_required(session, found.role):
        return False
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        _wrong_code(session, found, now, source)
        return False
    found.totp_secret, found.totp_last_step = keys.seal(secret), step
    _succeeded(session, found, now, source)
    return True
