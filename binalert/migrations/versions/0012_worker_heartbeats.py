"""worker_heartbeats: each dialing process says every few seconds whether it can place calls

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("pbx", sa.String(length=40), nullable=False),
        sa.Column("pbx_healthy", sa.Boolean(), nullable=False),
        sa.Column("speech_healthy", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", "pbx"),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
