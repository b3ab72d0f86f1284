"""claim queue: only deliveries the dialer calls (#22)

A delivery that only texts (deliveries.call false: the member chose SMS and has a textable
number) waits too, for its SMS, but is never claimed by a dialer: the claim queue and the
dialer's "next due" index hold only the deliveries it calls, so thousands of SMS-only
members neither slow a claim down (read past, one by one) nor wake a dialer for nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('pending', 'waiting_retry')"
DIALABLE_SQLITE = sa.text(WAITING + " AND call = 1")
DIALABLE_PG = sa.text(WAITING + " AND call = true")
QUEUE: list[str | sa.TextClause] = [sa.text("urgent DESC"), "attempts", "next_attempt_at", "id"]


def _indexes(sqlite_where: sa.TextClause, postgresql_where: sa.TextClause) -> None:
    for name, columns in (
        ("ix_deliveries_queue", QUEUE),
        ("ix_deliveries_next", ["next_attempt_at"]),
    ):
        op.drop_index(name, table_name="deliveries")
        op.create_index(
            name,
            "deliveries",
            columns,
            sqlite_where=sqlite_where,
            postgresql_where=postgresql_where,
        )


def upgrade() -> None:
    _indexes(DIALABLE_SQLITE, DIALABLE_PG)


def downgrade() -> None:
    _indexes(sa.text(WAITING), sa.text(WAITING))
