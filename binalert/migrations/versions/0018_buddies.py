"""Buddies (#24): neighbours of a BIN who look in on each other after an urgent alert that
did not reach one of them (links, both sides confirm), and the relays that pass such an
alert on to the buddy (a small child alert calling them)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "buddy_links",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("bin_id", BigId, sa.ForeignKey("bins.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "buddy_id", BigId, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "neighbour_id", BigId, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("proposed_by", sa.String(20), nullable=False),
        sa.Column("buddy_confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("neighbour_confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_by", sa.String(20)),
    )
    op.create_index("ix_buddy_links_bin_id", "buddy_links", ["bin_id"])
    op.create_index("ix_buddy_links_buddy_id", "buddy_links", ["buddy_id"])
    op.create_index("ix_buddy_links_neighbour_id", "buddy_links", ["neighbour_id"])
    op.create_index(
        "uq_buddy_links_live_pair",
        "buddy_links",
        ["buddy_id", "neighbour_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    op.create_table(
        "buddy_relays",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("alert_id", BigId, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "delivery_id",
            BigId,
            sa.ForeignKey("deliveries.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "relay_alert_id",
            BigId,
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("bin_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_buddy_relays_alert_id", "buddy_relays", ["alert_id"])
    op.create_index("ix_buddy_relays_relay_alert_id", "buddy_relays", ["relay_alert_id"])


def downgrade() -> None:
    op.drop_table("buddy_relays")
    op.drop_table("buddy_links")
