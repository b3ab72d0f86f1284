"""Every write is logged: who, what, when, from where; in the writing transaction."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy.orm import Session

from binalert.audit import repository as repo
from binalert.audit.schemas import AuditEntry
from binalert.auth.schemas import Caller
from binalert.clock import utcnow
from binalert.models import AuditLog
from binalert.paging import Page, PageRequest, make_page

ANONYMOUS = "anonymous"  # the actor of a sign-in that failed: nobody is known yet


def record(session: Session, caller: Caller, action: str, target: str, **detail: Any) -> None:
    record_as(session, caller.principal.actor, caller.source, action, target, **detail)


def record_as(
    session: Session, actor: str, source: str | None, action: str, target: str, **detail: Any
) -> None:
    """An entry for an actor without a principal (a failed sign-in: ANONYMOUS)."""
    repo.add(
        session,
        AuditLog(
            at=utcnow(), actor=actor, action=action, target=target, source=source, detail=detail
        ),
    )


def tried_email(value: str, key: bytes) -> str:
    """The e-mail someone failed to sign in with, as the audit log keeps it: a keyed digest
    (HMAC-SHA256 with the server's secret, 64 bits), never the text. People type passwords
    into the e-mail field, and a list of addresses tried is a list of targets; a plain hash
    of an address is undone by hashing guesses, the keyed one only with the server's secret.
    Tries on the same address still show as the same digest."""
    normalised = value.strip().lower()[:254].encode()
    return "email:" + hmac.new(key, normalised, hashlib.sha256).hexdigest()[:16]


def list_entries(session: Session, request: PageRequest) -> Page[AuditEntry]:
    rows = repo.page(session, request.after_id, request.fetch)
    return make_page(rows, request, AuditEntry.model_validate, lambda row: row.id)
