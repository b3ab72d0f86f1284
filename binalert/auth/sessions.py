"""Server-side web sessions: the browser's cookie holds a random id, the store its hash and
whether it is still live. Signing out, disabling or resetting an account ends them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from binalert.auth import repository as repo
from binalert.auth.schemas import Principal
from binalert.auth.service import account_principal, token_principal
from binalert.clock import utcnow
from binalert.errors import Unauthorized
from binalert.models import WebSession
from binalert.tokens import hash_token, is_live, mark_used

LIFETIME = timedelta(hours=12)
IDLE = timedelta(minutes=30)  # the default of BINALERT_SESSION_IDLE_MINUTES
SEEN_EVERY = timedelta(minutes=1)
MAX_ID_LENGTH = 100
ENDED = "this session has ended; sign in again"


def start(
    session: Session, now: datetime, account_id: int | None = None, token_id: int | None = None
) -> str:
    """A new live session of an account (or a machine token); its id, in clear, once."""
    raw = secrets.token_urlsafe(32)
    row = WebSession(
        id=hash_token(raw),
        account_id=account_id,
        api_token_id=token_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    )
    repo.add(session, row)
    return raw


def _live(
    session: Session, raw: str | None, now: datetime, idle: timedelta = IDLE
) -> WebSession | None:
    """The live session of this id: not ended, within its 12 h, used within `idle`."""
    if not raw or len(raw) > MAX_ID_LENGTH:
        return None
    row = repo.web_session(session, hash_token(raw))
    if row is None or row.ended_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > idle:
        return None
    return row


def _owner(session: Session, row: WebSession, now: datetime) -> Principal:
    if row.account_id is not None:
        account = repo.account(session, row.account_id)
        if account is None or account.disabled_at is not None:
            raise Unauthorized(ENDED)
        return account_principal(account)
    token = repo.token_by_id(session, row.api_token_id) if row.api_token_id else None
    if token is None or not is_live(token, now):
        raise Unauthorized(ENDED)
    mark_used(token, now)
    return token_principal(token)


def principal(session: Session, raw: str | None, idle: timedelta = IDLE) -> Principal:
    """Whose live session this is; Unauthorized when it ended, expired, was left idle longer
    than `idle` or never existed. Its use is noted (at most once a minute)."""
    now = utcnow()
    row = _live(session, raw, now, idle)
    if row is None:
        raise Unauthorized(ENDED)
    found = _owner(session, row, now)
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return found


def end(session: Session, raw: str | None) -> None:
    """Sign out: the session stops working on the server, whatever copy of the cookie exists."""
    now = utcnow()
    row = _live(session, raw, now, LIFETIME)
    if row is not None:
        row.ended_at = now


def purge(session: Session, before: datetime) -> int:
    """Delete the rows of sessions that ended or expired before this time (for `binalert purge`)."""
    return repo.delete_old_sessions(session, before)
