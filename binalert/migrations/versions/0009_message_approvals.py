"""Each zone approves a coordinator's message for its own BINs: one row per zone part

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from binalert.models import UTCDateTime

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A message still awaiting approval waits, as before, for every zone of its BINs; its
# validity is what send() stored (valid_until - created_at).
BACKFILL = """
INSERT INTO message_approvals (alert_id, police_zone, status, validity_seconds)
SELECT DISTINCT alerts.id, bins.police_zone, 'awaiting_approval', {seconds}
FROM alerts JOIN bins ON {contains}
WHERE alerts.status = 'awaiting_approval'
"""


def upgrade() -> None:
    op.create_table(
        "message_approvals",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id",
            BigId,
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("police_zone", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("validity_seconds", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.UniqueConstraint("alert_id", "police_zone"),
    )
    if op.get_bind().dialect.name == "postgresql":
        seconds = "CAST(EXTRACT(EPOCH FROM alerts.valid_until - alerts.created_at) AS INTEGER)"
        contains = "CAST(alerts.bin_ids AS jsonb) @> to_jsonb(bins.id)"
    else:
        seconds = (
            "CAST(ROUND((julianday(alerts.valid_until) - julianday(alerts.created_at)) * 86400)"
            " AS INTEGER)"
        )
        contains = "bins.id IN (SELECT value FROM json_each(alerts.bin_ids))"
    op.execute(BACKFILL.format(seconds=seconds, contains=contains))


def downgrade() -> None:
    op.drop_table("message_approvals")
