"""sms queue: the claim's order in its index (#22)

The SMS worker's claim takes the oldest due SMS, `ORDER BY next_try_at, id LIMIT n`. An
alert's SMS are all due at the same moment, and PostgreSQL's index on (status, next_try_at)
keeps equal keys in no id order: each claim read and sorted every queued SMS (10,000 for an
alert to 10,000 members, ~3 ms a claim). With id in the index the claim reads n entries.
(SQLite's index ended in the rowid, the id, already.)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _due(columns: list[str]) -> None:
    op.drop_index("ix_sms_messages_due", table_name="sms_messages")
    op.create_index("ix_sms_messages_due", "sms_messages", columns)


def upgrade() -> None:
    _due(["status", "next_try_at", "id"])


def downgrade() -> None:
    _due(["status", "next_try_at"])
