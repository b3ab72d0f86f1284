"""Joining (#24): a BIN's sign-up page (link token, accept at once, languages, contact),
sign-ups waiting for their verification or the coordinator, and service calls (a short call
that says something and may wait for a 1)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "signup_pages",
        sa.Column(
            "bin_id", BigId, sa.ForeignKey("bins.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("token", sa.String(64), nullable=True, unique=True),
        sa.Column("auto_accept", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("languages", sa.String(20), nullable=False, server_default="nl,fr,de,en"),
        sa.Column("contact", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", When, nullable=False),
    )
    op.create_table(
        "signups",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("bin_id", BigId, sa.ForeignKey("bins.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("second_phone", sa.String(20), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("channels", sa.String(10), nullable=False, server_default="call"),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("house_number", sa.String(20), nullable=True),
        sa.Column("consent_version", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="unconfirmed"),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("confirmed_at", When, nullable=True),
    )
    op.create_index("ix_signups_bin_id", "signups", ["bin_id"])
    op.create_index("ix_signups_phone", "signups", ["phone"])
    op.create_index("ix_signups_client", "signups", ["client"])
    op.create_index("ix_signups_created_at", "signups", ["created_at"])
    op.create_table(
        "service_calls",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("purpose", sa.String(30), nullable=False),
        sa.Column("subject_id", BigId, nullable=True),
        sa.Column("bin_id", BigId, nullable=True),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("wait_for_key", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("pbx", sa.String(100), nullable=True),
        sa.Column("channel_id", sa.String(40), nullable=True, unique=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("placed_at", When, nullable=True),
        sa.Column("deadline", When, nullable=True),
        sa.Column("ended_at", When, nullable=True),
    )
    op.create_index("ix_service_calls_phone", "service_calls", ["phone"])
    op.create_index("ix_service_calls_created_at", "service_calls", ["created_at"])
    op.create_index("ix_service_calls_open", "service_calls", ["status", "pbx"])


def downgrade() -> None:
    op.drop_table("service_calls")
    op.drop_table("signups")
    op.drop_table("signup_pages")
