"""alert_stats: anonymous per-alert aggregates kept after the retention purge

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import binalert.models


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_stats',
    sa.Column('alert_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('computed_at', binalert.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('acknowledged', sa.Integer(), nullable=False),
    sa.Column('call_attempts', sa.Integer(), nullable=False),
    sa.Column('status_counts', sa.JSON(), nullable=False),
    sa.Column('outcome_counts', sa.JSON(), nullable=False),
    sa.Column('last_outcome_counts', sa.JSON(), nullable=False),
    sa.Column('language_counts', sa.JSON(), nullable=False),
    sa.Column('seconds_to_first_ack', sa.Float(), nullable=True),
    sa.Column('median_seconds_to_ack', sa.Float(), nullable=True),
    sa.Column('p90_seconds_to_ack', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alert_id')
    )


def downgrade() -> None:
    op.drop_table('alert_stats')
