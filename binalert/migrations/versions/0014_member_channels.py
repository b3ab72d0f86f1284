"""Channels and the member's side (#22, #24): how members want alerts (call, SMS, both) and
their BIN's defaults, the SMS fallback, each delivery's channels, the alert's SMS texts, the
member's street, and member_records (consent, confirmations, changes)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("bins") as batch:
        batch.add_column(
            sa.Column("urgent_channels", sa.String(10), nullable=False, server_default="call")
        )
        batch.add_column(
            sa.Column("message_channels", sa.String(10), nullable=False, server_default="call")
        )
        batch.add_column(
            sa.Column("sms_fallback", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("urgent_channels", sa.String(10)))
        batch.add_column(sa.Column("message_channels", sa.String(10)))
        batch.add_column(sa.Column("sms_stopped_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("street", sa.String(200)))
        batch.add_column(sa.Column("house_number", sa.String(20)))
    # deliveries is the largest table: plain ADD COLUMN (no batch rebuild on SQLite)
    op.add_column(
        "deliveries", sa.Column("call", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("deliveries", sa.Column("sms_phone", sa.String(20)))
    op.add_column("alerts", sa.Column("sms_texts", sa.JSON()))
    op.create_table(
        "member_records",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "member_id", BigId, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("bin_id", BigId, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_member_records_member_id", "member_records", ["member_id"])
    op.create_index("ix_member_records_bin_id", "member_records", ["bin_id"])
    op.create_index("ix_member_records_at", "member_records", ["at"])


def downgrade() -> None:
    op.drop_table("member_records")
    op.drop_column("alerts", "sms_texts")
    op.drop_column("deliveries", "sms_phone")
    op.drop_column("deliveries", "call")
    with op.batch_alter_table("members") as batch:
        for column in (
            "house_number",
            "street",
            "sms_stopped_at",
            "message_channels",
            "urgent_channels",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("bins") as batch:
        for column in ("sms_fallback", "message_channels", "urgent_channels"):
            batch.drop_column(column)
