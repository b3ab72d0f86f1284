"""dialer indexes: open deliveries of an alert, open calls of a PBX

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_deliveries_alert_status", "deliveries", ["alert_id", "status"])
    op.create_index("ix_call_attempts_open", "call_attempts", ["pbx", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_call_attempts_open", table_name="call_attempts")
    op.drop_index("ix_deliveries_alert_status", table_name="deliveries")
