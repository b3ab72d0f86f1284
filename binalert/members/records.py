"""A member's consents, confirmations and changes (#24), each with its time and channel: the
only writer of member_records, and each record goes to the audit log in the same transaction.

Kinds are free words, one per thing that happened (`consent`, `confirmed`, `approved`,
`language_changed`, `channels_changed`, `stopped`, `left`, `sms_stop`, `buddy_confirmed`,
...); `detail` holds what changed, never more personal data than the change itself (no
numbers unless the change is a number; `left` keeps only the display name the coordinator
already saw, for the list of who left and how).

A `left` record's display name and reason (`private`: never copied to the audit log) are
kept for LEFT_NAME_DAYS, long enough for the coordinator to notice who left and update any
list of their own; then `forget_left_names` (run by `binalert purge`) removes them and only
the BIN, time, channel and the fact remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from binalert.audit.service import record_as
from binalert.clock import utcnow
from binalert.models import MemberRecord, RecordChannel

LEFT = "left"
LEFT_NAME_DAYS = 90  # how long a `left` record keeps the display name and reason
MEMBER = "member"  # the actor of a member's own step (a page, a key, an SMS)
SYSTEM = "system"  # the actor of binalert's own step (a forgotten sign-up)


def record(
    session: Session,
    member_id: int | None,
    bin_id: int | None,
    kind: str,
    channel: RecordChannel,
    actor: str = MEMBER,
    source: str | None = None,
    private: dict[str, Any] | None = None,
    **detail: Any,
) -> MemberRecord:
    """Keep one record, and the same in the audit log (`member.<kind>`, target member:<id>);
    `source` is the client address of a page, if any. `private` goes into the record only,
    never into the audit log (which is kept longer): a leaver's name and reason."""
    row = MemberRecord(
        member_id=member_id,
        bin_id=bin_id,
        at=utcnow(),
        kind=kind,
        channel=channel.value,
        actor=actor,
        detail=dict(detail) | dict(private or {}),
    )
    session.add(row)
    target = f"member:{member_id}" if member_id is not None else f"bin:{bin_id}"
    record_as(session, actor, source, f"member.{kind}", target, channel=channel.value, **detail)
    return row


def of_member(session: Session, member_id: int) -> Sequence[MemberRecord]:
    query = (
        select(MemberRecord)
        .where(MemberRecord.member_id == member_id)
        .order_by(MemberRecord.at, MemberRecord.id)
    )
    return list(session.scalars(query))


def of_bins(
    session: Session, bin_ids: Sequence[int], kinds: Sequence[str] | None = None, limit: int = 200
) -> Sequence[MemberRecord]:
    """The newest records of these BINs (a coordinator's), newest first; only `kinds` if given."""
    query = select(MemberRecord).where(MemberRecord.bin_id.in_(list(bin_ids)))
    if kinds:
        query = query.where(MemberRecord.kind.in_(list(kinds)))
    query = query.order_by(MemberRecord.at.desc(), MemberRecord.id.desc()).limit(limit)
    return list(session.scalars(query))


def forget_left_names(session: Session, now: datetime, days: int = LEFT_NAME_DAYS) -> int:
    """Remove the display name and reason from `left` records older than `days`; how many."""
    query = select(MemberRecord).where(
        MemberRecord.kind == LEFT, MemberRecord.at < now - timedelta(days=days)
    )
    forgotten = 0
    for row in session.scalars(query):
        if "name" in row.detail or "reason" in row.detail:
            row.detail = {k: v for k, v in row.detail.items() if k not in ("name", "reason")}
            forgotten += 1
    session.flush()
    return forgotten
