"""Accounts for people, managed by admins: invite, disable, enable, reset, the TOTP policy per
role; and the one-time links that let a person set their password (and enrol TOTP)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.audit.service import record
from binalert.auth import passwords, slowdown, totp
from binalert.auth import repository as repo
from binalert.auth.schemas import AccountInvite, AccountOut, Caller, IssuedLink, normalise_email
from binalert.auth.scope import check_scope
from binalert.auth.service import account_principal, require_role
from binalert.auth.totpkeys import TotpKeys
from binalert.clock import utcnow
from binalert.errors import Conflict, Invalid, NotFound
from binalert.models import Account, AccountLink, Role, RolePolicy
from binalert.settings import Settings
from binalert.tokens import hash_token

LINK_LIFETIME = timedelta(hours=72)
BAD_LINK = "link not found, used or expired: ask an administrator for a new one"


def link_url(settings: Settings, link: IssuedLink) -> str:
    """The one-time link of an invitation or a reset (api/web/setup.py), at the configured
    public address."""
    return f"{settings.public_base}/setup/{link.token}"


def _out(found: Account, now: datetime) -> AccountOut:
    slowed = found.locked_until if found.locked_until and found.locked_until > now else None
    return AccountOut.model_validate(
        {
            **{c: getattr(found, c) for c in AccountOut.model_fields if hasattr(found, c)},
            "has_password": found.password_hash is not None,
            "has_totp": found.totp_secret is not None,
            "slowed_until": slowed,
        }
    )


def _issue_link(session: Session, found: Account, purpose: str, now: datetime) -> IssuedLink:
    repo.end_links(session, found.id, now)
    raw = secrets.token_urlsafe(32)
    expires = now + LINK_LIFETIME
    repo.add(
        session,
        AccountLink(
            account_id=found.id,
            token_hash=hash_token(raw),
            purpose=purpose,
            created_at=now,
            expires_at=expires,
        ),
    )
    return IssuedLink(found.id, found.email, raw, expires)


def invite(session: Session, caller: Caller, data: AccountInvite) -> IssuedLink:
    """A new account without a password, and the link its owner sets one with."""
    require_role(caller.principal, Role.ADMIN)
    zone = data.police_zone if data.role is Role.POLICE else None
    bins = sorted(set(data.bin_ids)) if data.role is Role.COORDINATOR else []
    check_scope(session, "account", data.role, zone, bins)
    if repo.account_by_email(session, data.email) is not None:
        raise Conflict(f"an account for {data.email} exists already")
    now = utcnow()
    found = Account(
        email=data.email,
        display_name=data.display_name,
        role=data.role.value,
        police_zone=zone,
        bin_ids=bins,
        failed_logins=0,
        created_at=now,
    )
    repo.add(session, found)
    record(session, caller, "account.invite", f"account:{found.id}", email=found.email)
    return _issue_link(session, found, "invite", now)


def list_accounts(session: Session, caller: Caller) -> list[AccountOut]:
    require_role(caller.principal, Role.ADMIN)
    now = utcnow()
    return [_out(found, now) for found in repo.accounts(session)]


def _target(session: Session, caller: Caller, account_id: int) -> Account:
    require_role(caller.principal, Role.ADMIN)
    found = repo.account(session, account_id, lock=True)
    if found is None:
        raise NotFound(f"account {account_id} not found")
    return found


def id_of(session: Session, caller: Caller, email: str) -> int:
    require_role(caller.principal, Role.ADMIN)
    found = repo.account_by_email(session, normalise_email(email))
    if found is None:
        raise NotFound(f"no account for {normalise_email(email)}")
    return found.id


def disable(session: Session, caller: Caller, account_id: int) -> AccountOut:
    """Refuse its sign-ins and end its sessions and links at once."""
    found = _target(session, caller, account_id)
    if caller.principal.account_id == found.id:
        raise Invalid("you cannot disable your own account")
    now = utcnow()
    found.disabled_at = found.disabled_at or now
    ended = repo.end_sessions(session, found.id, now)
    repo.end_links(session, found.id, now)
    record(session, caller, "account.disable", f"account:{found.id}", sessions_ended=ended)
    return _out(found, now)


def enable(session: Session, caller: Caller, account_id: int) -> AccountOut:
    found = _target(session, caller, account_id)
    found.disabled_at = None
    record(session, caller, "account.enable", f"account:{found.id}")
    return _out(found, utcnow())


def reset(session: Session, caller: Caller, account_id: int) -> IssuedLink:
    """Forget the password and TOTP secret, end the sessions; a new link sets them again."""
    found = _target(session, caller, account_id)
    if found.disabled_at is not None:
        raise Invalid(f"{found.email} is disabled: enable the account before resetting it")
    now = utcnow()
    found.password_hash = found.totp_secret = found.totp_last_step = None
    found.failed_logins, found.locked_until = 0, None
    ended = repo.end_sessions(session, found.id, now)
    record(session, caller, "account.reset", f"account:{found.id}", sessions_ended=ended)
    return _issue_link(session, found, "reset", now)


def totp_required(session: Session, role: str) -> bool:
    return repo.policies(session).get(role, False)


def totp_policies(session: Session) -> dict[Role, bool]:
    found = repo.policies(session)
    return {role: found.get(role.value, False) for role in Role}


def require_totp(session: Session, caller: Caller, role: Role, required: bool) -> None:
    """From now on, this role's accounts sign in with a code (enrolling at the next sign-in)."""
    require_role(caller.principal, Role.ADMIN)
    row = repo.policy(session, role.value)
    if row is None:
        repo.add(session, RolePolicy(role=role.value, totp_required=required))
    else:
        row.totp_required = required
    record(session, caller, "role.totp", f"role:{role.value}", required=required)


def _live_link(session: Session, raw: str, now: datetime) -> tuple[AccountLink, Account]:
    found = repo.link(session, hash_token(raw)) if 0 < len(raw) <= 100 else None
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise NotFound(BAD_LINK)
    account = repo.account(session, found.account_id, lock=True)
    if account is None or account.disabled_at is not None:
        raise NotFound(BAD_LINK)
    return found, account


def open_link(session: Session, raw: str) -> AccountOut:
    """The account a link sets up (NotFound when used, expired, replaced or disabled)."""
    now = utcnow()
    return _out(_live_link(session, raw, now)[1], now)


def _enrolled_step(found: Account, secret: str | None, code: str, now: datetime) -> int | None:
    if secret is None:
        return None
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        raise Invalid("the code from the authenticator app is not right; try the next one")
    return step


def complete_link(
    session: Session,
    raw: str,
    password: str,
    enrol: tuple[str | None, str],
    source: str | None,
    keys: TotpKeys | None = None,
) -> None:
    """Set the password (and the TOTP secret, enrol = (secret, code), encrypted with `keys`)
    and use up the link. TooMany when no hash slot is free."""
    now = utcnow()
    link, found = _live_link(session, raw, now)
    passwords.check_strength(password, found.email)
    secret, code = enrol
    if secret is None and totp_required(session, found.role):
        raise Invalid("this role signs in with a code: set up the authenticator app")
    if secret is not None and keys is None:
        raise ValueError("a TOTP secret is only ever kept encrypted: pass the keys")
    found.totp_last_step = _enrolled_step(found, secret, code, now)
    with passwords.slot(slowdown.client_address(source)):
        found.password_hash = passwords.hash_password(password)
    found.totp_secret = keys.seal(secret) if secret is not None and keys is not None else None
    found.failed_logins, found.locked_until = 0, None
    link.used_at = now
    repo.end_sessions(session, found.id, now)
    caller = Caller(account_principal(found), source)
    record(session, caller, f"account.{link.purpose}_completed", f"account:{found.id}")
