"""SMS replies: a partial index on the replies not acted on yet, which the SMS worker's sweep
looks for every few seconds (without it, a scan of every reply ever received)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sms_replies_unhandled",
        "sms_replies",
        ["id"],
        sqlite_where=sa.text("handled_at IS NULL"),
        postgresql_where=sa.text("handled_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sms_replies_unhandled", table_name="sms_replies")
