"""The member's own page (#24): quiet hours for non-urgent messages, and the single-use links
and codes that open the page or confirm a new number (stored as HMACs)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("quiet_start", sa.String(5)))
        batch.add_column(sa.Column("quiet_end", sa.String(5)))
    op.create_table(
        "member_codes",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "member_id", BigId, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("number_digest", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("ticket_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_digest", sa.String(64), nullable=True),
        sa.Column("slot", sa.String(20), nullable=True),
        sa.Column("new_phone", sa.String(20), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_member_codes_member_id", "member_codes", ["member_id"])
    op.create_index("ix_member_codes_number", "member_codes", ["number_digest", "created_at"])
    op.create_index("ix_member_codes_source", "member_codes", ["source", "created_at"])


def downgrade() -> None:
    op.drop_table("member_codes")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
