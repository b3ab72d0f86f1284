"""Two-way BIN communication: zones (dispatch line, approval), BIN calling hours, follow-ups,
recorded messages, non-urgent messages awaiting approval, transfers and call-backs

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from binalert.models import UTCDateTime

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zones",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("dispatch_number", sa.String(length=20), nullable=True),
        sa.Column("approval_required", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("bins") as batch:
        batch.add_column(
            sa.Column("calling_start", sa.String(5), nullable=False, server_default="09:00")
        )
        batch.add_column(
            sa.Column("calling_end", sa.String(5), nullable=False, server_default="20:00")
        )
        for name in ("call_on_sundays", "call_on_holidays"):
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    op.add_column("alerts", sa.Column("parent_id", BigId, nullable=True))
    op.create_index("ix_alerts_parent_id", "alerts", ["parent_id"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("audience", sa.String(20), nullable=False, server_default="all"))
        batch.add_column(sa.Column("recordings", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("calls_from", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("decided_at", UTCDateTime(), nullable=True))
    op.add_column("deliveries", sa.Column("bin_id", BigId, nullable=True))
    op.add_column("deliveries", sa.Column("transferred_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("call_attempts") as batch:
        batch.add_column(
            sa.Column("direction", sa.String(10), nullable=False, server_default="outbound")
        )


def downgrade() -> None:
    with op.batch_alter_table("call_attempts") as batch:
        batch.drop_column("direction")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("transferred_at")
        batch.drop_column("bin_id")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_parent_id")
        for name in ("decided_at", "decided_by", "calls_from", "recordings", "audience"):
            batch.drop_column(name)
        batch.drop_column("parent_id")
    with op.batch_alter_table("bins") as batch:
        for name in ("call_on_holidays", "call_on_sundays", "calling_end", "calling_start"):
            batch.drop_column(name)
    op.drop_table("zones")
