"""Channels and the member's side (#22, #24): how members want alerts (call, SMS, both) and
their BIN's defaults, the SMS fallback, each delivery's channels, the alert's SMS texts, the
SMS tables (messages, their parts, replies), the member's street, and member_records
(consent, confirmations, changes)

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
        "sms_messages",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "delivery_id", BigId, sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("alert_id", BigId, nullable=True),
        sa.Column(
            "member_id", BigId, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("bin_id", BigId, nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(10), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sms_messages_due", "sms_messages", ["status", "next_try_at"])
    op.create_index("ix_sms_messages_phone", "sms_messages", ["phone", "created_at"])
    op.create_index("ix_sms_messages_delivery_id", "sms_messages", ["delivery_id"])
    op.create_index("ix_sms_messages_alert_id", "sms_messages", ["alert_id"])
    op.create_table(
        "sms_parts",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "sms_id", BigId, sa.ForeignKey("sms_messages.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(80), nullable=True, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("sms_id", "part"),
    )
    op.create_table(
        "sms_replies",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("from_phone", sa.String(20), nullable=True),
        sa.Column("text", sa.String(1000), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "member_id", BigId, sa.ForeignKey("members.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("action", sa.String(20), nullable=True),
        sa.Column("delivery_id", BigId, nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sms_replies_from_phone", "sms_replies", ["from_phone"])
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
    op.drop_table("sms_replies")
    op.drop_table("sms_parts")
    op.drop_table("sms_messages")
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
