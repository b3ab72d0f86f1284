"""Queries for authentication and BIN scoping: tokens, accounts, their links, web sessions and
the role policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from binalert.models import (
    Account,
    AccountLink,
    ApiToken,
    Bin,
    RolePolicy,
    SigninStep,
    WebSession,
)
from binalert.tokens import find_token


def token(session: Session, raw: str) -> ApiToken | None:
    return find_token(session, raw)


def bin_ids_of_zone(session: Session, zone: str) -> set[int]:
    return set(session.scalars(select(Bin.id).where(Bin.police_zone == zone)))


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def account(session: Session, account_id: int, lock: bool = False) -> Account | None:
    return session.get(Account, account_id, with_for_update=lock or None)


def account_by_email(session: Session, email: str, lock: bool = False) -> Account | None:
    query = select(Account).where(Account.email == email)
    return session.scalar(query.with_for_update() if lock else query)


def accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.role, Account.email)))


def add(
    session: Session, row: Account | AccountLink | WebSession | RolePolicy | SigninStep
) -> None:
    session.add(row)
    session.flush()


def link(session: Session, token_hash: str) -> AccountLink | None:
    return session.scalar(select(AccountLink).where(AccountLink.token_hash == token_hash))


def end_links(session: Session, account_id: int, now: datetime) -> None:
    """Every unused link of the account stops working."""
    session.execute(
        update(AccountLink)
        .where(AccountLink.account_id == account_id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )


def web_session(session: Session, session_hash: str) -> WebSession | None:
    return session.get(WebSession, session_hash)


def end_sessions(session: Session, account_id: int, now: datetime) -> int:
    """End every live web session of the account; how many there were."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def policies(session: Session) -> dict[str, bool]:
    rows = session.scalars(select(RolePolicy))
    return {row.role: row.totp_required for row in rows}


def policy(session: Session, role: str) -> RolePolicy | None:
    return session.get(RolePolicy, role)


def delete_old_sessions(session: Session, before: datetime) -> int:
    """Forget sessions that ended or expired before this time; how many."""
    ended = or_(WebSession.ended_at < before, WebSession.expires_at < before)
    result = session.execute(delete(WebSession).where(ended))
    return int(getattr(result, "rowcount", 0) or 0)


def signin_step(session: Session, step_hash: str, lock: bool = False) -> SigninStep | None:
    return session.get(SigninStep, step_hash, with_for_update=lock or None)


def delete_old_steps(session: Session, before: datetime) -> None:
    """Forget pending second steps that expired before this time."""
    session.execute(delete(SigninStep).where(SigninStep.expires_at < before))
